/** Upstart job files (/etc/init/*.conf): the commands of `exec` stanzas and `script … end script` blocks. */

/** One command a job runs. */
export interface UpstartCommand {
  line: number;
  /** The stanza it belongs to: "exec", "pre-start exec", "script", "post-stop script"… */
  stanza: string;
  command: string;
}

const EXEC = /^((?:pre-start|post-start|pre-stop|post-stop)\s+)?exec\s+(.+)$/;
const SCRIPT = /^((?:pre-start|post-start|pre-stop|post-stop)\s+)?script\s*(?:#.*)?$/;

/**
 * Parses a job file: `exec` lines (with backslash continuations) and every line of `script` blocks up to
 * `end script`. A block left open at the end of the file is counted in `bad` (upstart rejects the job).
 */
export function parseUpstartJob(text: string): { commands: UpstartCommand[]; bad: number } {
  const commands: UpstartCommand[] = [];
  let bad = 0;
  let block: string | undefined;
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const start = i + 1;
    let line = lines[i].replace(/\r$/, "").trim();
    while (line.endsWith("\\") && i + 1 < lines.length) line = line.slice(0, -1) + " " + lines[++i].trim();
    if (block !== undefined) {
      if (/^end\s+script\b/.test(line)) block = undefined;
      else if (line !== "" && !line.startsWith("#")) {
        commands.push({ line: start, stanza: block, command: line });
      }
      continue;
    }
    if (line === "" || line.startsWith("#")) continue;
    const exec = line.match(EXEC);
    if (exec) {
      commands.push({
        line: start,
        stanza: `${exec[1] ?? ""}exec`.replace(/\s+/g, " "),
        command: exec[2].trim(),
      });
      continue;
    }
    const script = line.match(SCRIPT);
    if (script) block = `${script[1] ?? ""}script`.replace(/\s+/g, " ");
  }
  if (block !== undefined) bad++;
  return { commands, bad };
}
