/**
 * What a sudoers command grants: whether it amounts to running anything (ALL, a shell, a program with a shell
 * escape and open arguments, a directory, a wildcard that reaches such a program, a regular expression), and
 * whether a Runas_List member lets it run as root.
 */

/** Shells, interpreters, editors, pagers, debuggers: a shell whatever their arguments. */
const ALWAYS_NAMES = [
  "sh",
  "bash",
  "dash",
  "zsh",
  "ksh",
  "csh",
  "tcsh",
  "ash",
  "fish",
  "busybox",
  "python",
  "python2",
  "python3",
  "python3.11",
  "python3.12",
  "perl",
  "perl5.36.0",
  "ruby",
  "ruby3.1",
  "php",
  "php8.2",
  "lua",
  "lua5.4",
  "node",
  "nodejs",
  "vi",
  "vim",
  "vim.basic",
  "vim.tiny",
  "nvim",
  "view",
  "ex",
  "ed",
  "nano",
  "emacs",
  "less",
  "more",
  "most",
  "man",
  "gdb",
  "strace",
  "expect",
  "script",
];
/** Programs that hand out a shell or root writes when their arguments are not pinned. */
const OPEN_ARGS_NAMES = [
  "su",
  "sudo",
  "env",
  "docker",
  "podman",
  "find",
  "awk",
  "gawk",
  "mawk",
  "nawk",
  "tar",
  "zip",
  "rsync",
  "git",
  "tee",
  "cp",
  "mv",
  "dd",
  "chmod",
  "chown",
  "install",
  "ln",
  "make",
  "pip",
  "pip3",
  "apt",
  "apt-get",
  "dpkg",
  "rpm",
  "yum",
  "dnf",
  "systemctl",
  "journalctl",
  "crontab",
  "xargs",
  "nmap",
  "scp",
  "ssh",
];
/** The names above as sudo matches a literal program (versioned interpreters included). */
const ALWAYS_ESCAPES =
  /^(?:(?:ba|da|z|k|c|tc|a)?sh|fish|busybox|python[0-9.]*|perl[0-9.]*|ruby[0-9.]*|php[0-9.]*|lua[0-9.]*|node|nodejs|vi|vim|vim\.basic|vim\.tiny|nvim|view|ex|ed|nano|emacs|less|more|most|man|gdb|strace|expect|script)$/;
const OPEN_ARGS_ESCAPES =
  /^(?:su|sudo|env|docker|podman|find|awk|gawk|mawk|nawk|tar|zip|rsync|git|tee|cp|mv|dd|chmod|chown|install|ln|make|pip[0-9.]*|apt|apt-get|dpkg|rpm|yum|dnf|systemctl|journalctl|crontab|xargs|nmap|scp|ssh)$/;
/** Longest name above: a pattern with more literal characters matches none of them. */
const LONGEST_NAME = Math.max(...[...ALWAYS_NAMES, ...OPEN_ARGS_NAMES].map((n) => n.length));

type GlobToken = { star: true } | { star: false; test: (c: string) => boolean };

/** The tokens of a shell glob (`*`, `?`, `[…]` with `!`/`^` and ranges, `\` escapes), runs of `*` as one. */
function globTokens(pattern: string): GlobToken[] {
  const out: GlobToken[] = [];
  // A `[` after the last `]` opens no class: known without scanning to the end again for each one.
  const lastClose = pattern.lastIndexOf("]");
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "*") {
      if (out.length === 0 || !out[out.length - 1].star) out.push({ star: true });
    } else if (c === "?") out.push({ star: false, test: () => true });
    else if (c === "[") {
      let j = i + 1;
      const negate = pattern[j] === "!" || pattern[j] === "^";
      if (negate) j++;
      const start = j;
      if (pattern[j] === "]") j++;
      if (j > lastClose) j = pattern.length;
      while (j < pattern.length && pattern[j] !== "]") j++;
      if (j >= pattern.length) {
        out.push({ star: false, test: (x) => x === "[" });
        continue;
      }
      const body = pattern.slice(start, j);
      out.push({
        star: false,
        test: (x) => {
          let hit = false;
          for (let k = 0; k < body.length && !hit; k++) {
            if (body[k + 1] === "-" && k + 2 < body.length) {
              hit = body[k] <= x && x <= body[k + 2];
              k += 2;
            } else hit = body[k] === x;
          }
          return hit !== negate;
        },
      });
      i = j;
    } else {
      const lit = c === "\\" && i + 1 < pattern.length ? pattern[++i] : c;
      out.push({ star: false, test: (x) => x === lit });
    }
  }
  return out;
}

/** True when the glob `pattern` matches `name` (dynamic programming: pattern × name, no backtracking). */
export function globMatch(pattern: string, name: string): boolean {
  return tokensMatch(globTokens(pattern), name);
}

function tokensMatch(tokens: GlobToken[], name: string): boolean {
  if (tokens.filter((t) => !t.star).length > name.length) return false;
  // can[j]: the tokens read so far can match name[0..j).
  let can = new Array<boolean>(name.length + 1).fill(false);
  can[0] = true;
  for (const t of tokens) {
    const next = new Array<boolean>(name.length + 1).fill(false);
    for (let j = 0; j <= name.length; j++) {
      if (t.star) next[j] = can[j] || (j > 0 && next[j - 1]);
      else next[j] = j > 0 && can[j - 1] && t.test(name[j - 1]);
    }
    can = next;
  }
  return can[name.length];
}

const hasGlob = (s: string) => /[*?[]/.test(s);
/** A regular expression's characters that let it match more than one path. */
const REGEX_OPEN = /[*+?[(|{]/;
/**
 * An argument regular expression that leaves the arguments open: any-character runs (`.*`, `.+`, `.{2,}`), a
 * negated class, or a class or escape class repeated (`[a-z/]*`, `\S+`). `^(start|stop) nginx$` pins them.
 */
const REGEX_ARGS_OPEN = /(?:^|[^\\])\.[*+{]|\[\^|\][*+{]|\\[SsWwDd.][*+{]/;

/** True when a glob of program names could match one that gives a shell (with `openArgs`, also the others). */
function globReachesEscape(pattern: string, openArgs: boolean): boolean {
  const tokens = globTokens(pattern);
  if (tokens.filter((t) => !t.star).length > LONGEST_NAME) return false;
  return ALWAYS_NAMES.some((n) => tokensMatch(tokens, n)) ||
    (openArgs && OPEN_ARGS_NAMES.some((n) => tokensMatch(tokens, n)));
}

/**
 * True when a sudo command amounts to running anything as the target user: `ALL`; a shell or interpreter; a
 * shell-escape-capable program whose arguments are not pinned (none, a wildcard or a regular expression); a
 * directory (`/usr/bin/`: any file in it); a wildcard in the directory part (`/usr/*\/sh`, any directory that
 * matches, a writable one included) or a program-name wildcard that reaches such a program (`/bin/*`, `py*`);
 * a regular expression for the program (`^/usr/bin/.*$`) that is more than a literal path.
 */
export function isUnrestricted(command: string): boolean {
  const c = command.trim();
  if (c === "ALL") return true;
  if (c === "" || c.startsWith("!")) return false;
  const [first, ...args] = c.split(/[ \t\r\f\v]+/);
  let prog = first;
  if (prog.startsWith("^")) {
    if (REGEX_OPEN.test(prog)) return true;
    // A literal path: `\.` a dot, an unescaped `.` any one character (a glob's `?`).
    prog = prog.replace(/^\^|\$$/g, "").replace(/\\(.)|\./g, (_, e: string | undefined) => e ?? "?");
  }
  if (prog.endsWith("/")) return true;
  const slash = prog.lastIndexOf("/");
  if (hasGlob(prog.slice(0, slash + 1))) return true;
  const base = prog.slice(slash + 1);
  const argText = args.join(" ");
  const openArgs = args.length === 0 || argText.includes("*") ||
    (argText.startsWith("^") && REGEX_ARGS_OPEN.test(argText));
  if (hasGlob(base)) return globReachesEscape(base, openArgs);
  if (ALWAYS_ESCAPES.test(base)) return true;
  return OPEN_ARGS_ESCAPES.test(base) && openArgs;
}

/** One pair of surrounding double quotes removed. */
function unquote(s: string): string {
  return s.length >= 2 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1) : s;
}

/**
 * True when a Runas_List member (aliases already resolved by the caller) names root: `ALL`, `root`, `#0`, or a
 * group root is in (`%root`, `%#0`, or one of `rootGroups`, by name).
 */
export function runasMatchesRoot(member: string, rootGroups: ReadonlySet<string> = new Set()): boolean {
  const m = unquote(member.trim());
  if (m === "ALL" || m === "root" || m === "#0" || m === "%#0" || m === "%root") return true;
  return m.startsWith("%") && !m.startsWith("%:") && rootGroups.has(m.slice(1));
}
