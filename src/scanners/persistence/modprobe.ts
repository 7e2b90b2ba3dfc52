/** Parsers for kmod's configuration: modprobe.d (install/remove commands) and modules-load.d (names to load). */

/** A command modprobe runs instead of loading (install) or unloading (remove) a module. */
export interface ModprobeCommand {
  line: number;
  directive: "install" | "remove";
  module: string;
  command: string;
}

/** Modules modprobe loads along with another (`softdep MOD pre: A post: B`, `weakdep MOD A`). */
export interface ModprobeSoftdep {
  line: number;
  module: string;
  deps: string[];
}

/**
 * Reads a modprobe.d file as kmod does: `#` comment lines, `\` continuations, whitespace-separated words; returns
 * the `install` and `remove` commands (the rest of the line after the module name) and the soft dependencies.
 * Directives kmod does not know, and `install`/`remove`/`softdep` lines without their words, are counted in `bad`.
 */
export function parseModprobeConf(
  text: string,
): { commands: ModprobeCommand[]; softdeps: ModprobeSoftdep[]; bad: number } {
  const commands: ModprobeCommand[] = [];
  const softdeps: ModprobeSoftdep[] = [];
  let bad = 0;
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const start = i + 1;
    let line = lines[i].replace(/\r$/, "");
    if (line.endsWith("\\") && i + 1 < lines.length) {
      // The pieces are joined once at the end: re-slicing the growing line for each piece was quadratic.
      const pieces: string[] = [];
      while (line.endsWith("\\") && i + 1 < lines.length) {
        pieces.push(line.slice(0, -1));
        line = lines[++i].replace(/\r$/, "");
      }
      pieces.push(line);
      line = pieces.join(" ");
    }
    line = line.trim();
    if (line === "" || line.startsWith("#")) continue;
    // The directive and the module, then the rest of the line as it is (a carriage return inside it included):
    // a `(.*)$` after `\s+` backtracked quadratically on a line with a carriage return in the middle.
    const m = line.match(/^(\S+)(?:\s+(\S+))?/);
    if (!m) continue;
    const directive = m[1];
    const rest = line.slice(m[0].length).trim();
    if (directive === "install" || directive === "remove") {
      if (m[2] === undefined || rest === "") {
        bad++;
        continue;
      }
      commands.push({ line: start, directive, module: m[2], command: rest });
    } else if (directive === "softdep" || directive === "weakdep") {
      // `softdep MOD pre: A B post: C`, `weakdep MOD A B`: modules modprobe loads along with MOD.
      const deps = rest.split(/\s+/).filter((w) => w !== "" && w !== "pre:" && w !== "post:");
      if (m[2] === undefined || deps.length === 0) bad++;
      else softdeps.push({ line: start, module: m[2], deps });
    } else if (!/^(?:alias|options|blacklist|softdep|weakdep|include|config)$/.test(directive)) {
      bad++;
    }
  }
  return { commands, softdeps, bad };
}

/** One module a modules-load.d file (or /etc/modules) asks to load at boot. */
export interface ModuleToLoad {
  line: number;
  module: string;
}

/** Module names of a modules-load.d file or /etc/modules: the first word of each line, `#` and `;` comments. */
export function parseModulesLoad(text: string): ModuleToLoad[] {
  const out: ModuleToLoad[] = [];
  text.split("\n").forEach((raw, i) => {
    const line = raw.replace(/\r$/, "").trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) return;
    const module = line.split(/\s+/)[0];
    if (module !== "") out.push({ line: i + 1, module });
  });
  return out;
}
