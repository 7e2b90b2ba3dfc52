/** Upstart job files (/etc/init/*.conf): the commands of `exec` stanzas and `script … end script` blocks. */

/** One command a job runs. */
export interface UpstartCommand {
  line: number;
  /** The stanza it belongs to: "exec", "pre-start exec", "script", "post-stop script"… */
  stanza: string;
  command: string;
}

/**
 * An `exec` stanza up to the whitespace after `exec`, with something after it: the command is the rest of the
 * line, taken by slice (a `\s+(.+)$` backtracked quadratically on a line with a carriage return in the middle,
 * which is kept as part of the command).
 */
const EXEC = /^((?:pre-start|post-start|pre-stop|post-stop)\s+)?exec\s(?=[\s\S])/;
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
    if (line.endsWith("\\") && i + 1 < lines.length) {
      // The pieces are joined once at the end: re-slicing the growing line for each piece was quadratic.
      const pieces: string[] = [];
      while (line.endsWith("\\") && i + 1 < lines.length) {
        pieces.push(line.slice(0, -1));
        line = lines[++i].trim();
      }
      pieces.push(line);
      line = pieces.join(" ");
    }
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
        command: line.slice(exec[0].length).trim(),
      });
      continue;
    }
    const script = line.match(SCRIPT);
    if (script) block = `${script[1] ?? ""}script`.replace(/\s+/g, " ");
  }
  if (block !== undefined) bad++;
  return { commands, bad };
}
