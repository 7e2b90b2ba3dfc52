/**
 * Which program a process runs, as a reverse-shell check needs to know it: the program behind the dynamic loader
 * (`/lib64/ld-linux-x86-64.so.2 /bin/bash -i` runs bash, with ld.so as its exe), the busybox applet, and shells
 * known by their content (a hard link or a copy of /bin/bash under another name is bash). Also whether the
 * program reads its commands from stdin: a shell with no `-c` and no script (or `/dev/stdin` as the script, or
 * a `-c` that is only a `while read l; do eval "$l"; done` loop), an interpreter with no script (its REPL).
 */
import { digestFile } from "../../host/file_hash.ts";
import type { Host } from "../../host/host.ts";
import type { ProcessInfo } from "../../host/proc_types.ts";
import { basename } from "./common.ts";

/** The shells a reverse shell is run with. */
export const SHELLS: ReadonlySet<string> = new Set([
  "sh",
  "ash",
  "bash",
  "rbash",
  "dash",
  "zsh",
  "ksh",
  "ksh93",
  "mksh",
  "pdksh",
  "yash",
  "csh",
  "tcsh",
  "fish",
]);
const INTERPRETER =
  /^(?:python[\d.]*|perl[\d.]*|ruby[\d.]*|php[\d.]*|lua[\d.]*|node|nodejs|tclsh[\d.]*|gawk|mawk|awk)$/;
/** awk needs a program: it has no REPL and never reads its program from stdin. */
const AWK = /^(?:gawk|mawk|awk)$/;
const INLINE_FLAGS = new Set(["-c", "-e", "-r", "-E"]);

/**
 * The file names of the dynamic loaders (glibc's ld-linux*.so.N, ld64.so.N, ld.so.1 and the old ld-2.31.so;
 * musl's ld-musl-<arch>.so.1). Run as a program, a loader loads and runs its first operand.
 */
const LOADER =
  /^(?:ld-linux(?:-[\w-]+)?\.so\.\d+|ld64\.so\.\d+|ld\.so\.1|ld-\d+\.\d+(?:\.\d+)?\.so|ld-musl-[\w-]+\.so\.1)$/;
/** Where the distributions install their loaders (a copy of one is recognised by content). */
const LOADER_PATHS = [
  "/lib64/ld-linux-x86-64.so.2",
  "/lib/ld-linux.so.2",
  "/lib/ld-linux-aarch64.so.1",
  "/lib/ld-linux-armhf.so.3",
  "/lib/ld-linux-riscv64-lp64d.so.1",
  "/lib64/ld64.so.1",
  "/lib64/ld64.so.2",
  "/lib/ld64.so.1",
  "/lib/ld.so.1",
  "/lib/ld-musl-x86_64.so.1",
  "/lib/ld-musl-aarch64.so.1",
  "/lib/ld-musl-armhf.so.1",
];
/**
 * The loader's options that take a value, as glibc's rtld (`dl_main`: --library-path, --inhibit-rpath, --audit,
 * --preload, --argv0, --glibc-hwcaps-prefix/-mask) and musl's ldso (--library-path, --preload, --argv0) parse
 * them: each option and its value are skipped, the first other word is the program (musl also takes `--`).
 */
const LOADER_VALUE_OPTIONS = new Set([
  "--library-path",
  "--inhibit-rpath",
  "--audit",
  "--preload",
  "--argv0",
  "--glibc-hwcaps-prefix",
  "--glibc-hwcaps-mask",
]);
/** Largest file compared by content with a known shell (busybox is ~2 MiB, bash ~1.3 MiB). */
const MAX_COMPARED_BYTES = 16 << 20;

/** The program a process runs and the argv it runs with (the loader's own words taken off). */
export interface Program {
  /** The program's path as the process named it (its exe, or the loader's operand). */
  path: string;
  /** Its argv: the process's, or the words after the loader's operand with the operand as argv[0]. */
  argv: readonly string[];
  /** True when it runs through the dynamic loader. */
  viaLoader: boolean;
}

type Role = "shell" | "busybox" | "loader";

/** The host's shells, busybox and loaders by (device, inode), and by size for the content comparison. */
class KnownPrograms {
  readonly #byId = new Map<string, Role>();
  readonly #bySize = new Map<number, { path: string; role: Role; digest?: string }[]>();
  readonly #verdicts = new Map<string, Role | null>();

  constructor(readonly host: Host) {
    const add = (path: string, role: Role) => {
      const st = host.stat(path);
      if (!st.ok || !st.value.isFile) return;
      const id = `${st.value.dev}:${st.value.ino}`;
      if (this.#byId.has(id)) return;
      this.#byId.set(id, role);
      const list = this.#bySize.get(st.value.size) ?? [];
      list.push({ path, role });
      this.#bySize.set(st.value.size, list);
    };
    for (const dir of ["/bin", "/usr/bin"]) {
      for (const name of SHELLS) add(`${dir}/${name}`, "shell");
      add(`${dir}/busybox`, "busybox");
    }
    for (const path of LOADER_PATHS) add(path, "loader");
  }

  #digest(path: string, pid?: number): string | undefined {
    const opened = pid === undefined ? this.host.open(path) : this.host.openProcExe(pid);
    if (!opened.ok) return undefined;
    using file = opened.file;
    const d = digestFile(file, ["sha256"], { maxBytes: MAX_COMPARED_BYTES });
    return d.kind === "ok" ? d.digests.sha256 : undefined;
  }

  /**
   * The role of the file at `path` (the process's exe when `pid` is given): the same file as a known program,
   * or one of the same size and SHA-256.
   */
  roleOf(path: string, pid?: number): Role | undefined {
    const st = this.host.stat(path);
    if (!st.ok || !st.value.isFile) return undefined;
    const id = `${st.value.dev}:${st.value.ino}`;
    const known = this.#byId.get(id);
    if (known) return known;
    const key = `${id}:${st.value.size}:${st.value.mtime?.getTime() ?? 0}`;
    const cached = this.#verdicts.get(key);
    if (cached !== undefined) return cached ?? undefined;
    let role: Role | null = null;
    const same = this.#bySize.get(st.value.size);
    if (same && st.value.size <= MAX_COMPARED_BYTES) {
      const digest = this.#digest(path, pid);
      for (const k of same) {
        k.digest ??= this.#digest(k.path);
        if (digest !== undefined && k.digest === digest) {
          role = k.role;
          break;
        }
      }
    }
    this.#verdicts.set(key, role);
    return role ?? undefined;
  }
}

const known = new WeakMap<Host, KnownPrograms>();
function knownPrograms(host: Host): KnownPrograms {
  let k = known.get(host);
  if (!k) known.set(host, k = new KnownPrograms(host));
  return k;
}

/** The index in `argv` of the program a dynamic loader was asked to run, or undefined (`ld.so --list x`). */
export function loaderOperand(argv: readonly string[]): number | undefined {
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") return i + 1 < argv.length ? i + 1 : undefined;
    if (LOADER_VALUE_OPTIONS.has(a)) {
      i++;
      continue;
    }
    if (a.startsWith("--")) {
      // --list, --verify and the --list-*/--help/--version modes print and exit: nothing runs as a shell.
      if (a === "--list" || a === "--verify" || a === "--help" || a === "--version") return undefined;
      continue;
    }
    return i;
  }
  return undefined;
}

/** The path under which a process's file `path` (relative to its cwd, or absolute in its root) is seen. */
function seenFrom(p: ProcessInfo, path: string): string {
  return path.startsWith("/") ? `/proc/${p.pid}/root${path}` : `/proc/${p.pid}/cwd/${path}`;
}

/**
 * The program `p` runs. Its exe, unless that is the dynamic loader (by name, or, with `host`, by content): then
 * the loader's operand.
 */
export function programOf(p: ProcessInfo, host?: Host): Program {
  const exe = p.exe ?? "";
  const isLoader = LOADER.test(basename(exe)) ||
    (host !== undefined && exe !== "" &&
      knownPrograms(host).roleOf(`/proc/${p.pid}/exe`, p.pid) === "loader");
  const at = isLoader ? loaderOperand(p.cmdline) : undefined;
  if (at === undefined) return { path: exe, argv: p.cmdline, viaLoader: false };
  return { path: p.cmdline[at], argv: p.cmdline.slice(at), viaLoader: true };
}

/** What a process is, for the reverse-shell checks. */
export interface ShellProgram {
  kind: "shell" | "interpreter";
  /** The argv the shell or interpreter parses (loader words and a leading `busybox` taken off). */
  argv: readonly string[];
  /** True when it reads the commands it runs from its stdin. */
  stdinDriven: boolean;
}

/**
 * The shell or interpreter a process is, or undefined: a shell by the program's name, a busybox shell applet,
 * a file that is a known shell (same device and inode, or same content); an interpreter running inline code
 * (`-c`, `-e`) or reading its program from stdin (its REPL, `python3 -`, `perl`). With `host`, the program is
 * looked at by content too.
 */
export function shellProgram(p: ProcessInfo, host?: Host): ShellProgram | undefined {
  const prog = programOf(p, host);
  const name = basename(prog.path);
  let argv = prog.argv;
  let role: Role | undefined = SHELLS.has(name) ? "shell" : name === "busybox" ? "busybox" : undefined;
  if (role === undefined && host !== undefined && prog.path !== "") {
    role = knownPrograms(host).roleOf(
      prog.viaLoader ? seenFrom(p, prog.path) : `/proc/${p.pid}/exe`,
      prog.viaLoader ? undefined : p.pid,
    );
  }
  if (role === "busybox") {
    // busybox runs the applet its argv[0] names, or, run as `busybox`, the one its argv[1] names.
    if (basename(argv[0] ?? "") === "busybox") argv = argv.slice(1);
    role = SHELLS.has(basename((argv[0] ?? "").replace(/^-/, ""))) ? "shell" : undefined;
  }
  if (role === "shell") {
    return { kind: "shell", argv, stdinDriven: readsCommandsFromStdin(argv, p.pid) };
  }
  if (!INTERPRETER.test(name)) return undefined;
  if (argv.slice(1).some((a) => INLINE_FLAGS.has(a))) {
    return { kind: "interpreter", argv, stdinDriven: false };
  }
  if (!AWK.test(name) && interpreterReadsStdin(argv, p.pid, name)) {
    return { kind: "interpreter", argv, stdinDriven: true };
  }
  return undefined;
}

/** "shell" or "interpreter" when the process is one that a reverse shell would be, else undefined. */
export function shellKind(p: ProcessInfo, host?: Host): "shell" | "interpreter" | undefined {
  return shellProgram(p, host)?.kind;
}

/** True for a script operand that is the process's own stdin (`sh /dev/stdin`, `bash /proc/self/fd/0`). */
export function isStdinPath(path: string, pid?: number): boolean {
  if (path === "-" || path === "/dev/stdin" || path === "/dev/fd/0") return true;
  const m = /^\/proc\/(self|thread-self|\d+)\/fd\/0$/.exec(path);
  return m !== null && (m[1] === "self" || m[1] === "thread-self" || Number(m[1]) === pid);
}

/** Long shell options that take the next argument as their value. */
const OPTION_ARGS = new Set(["--rcfile", "--init-file"]);

/**
 * True when a shell run with `argv` reads its commands from stdin: no `-c` (alone or in a cluster such as
 * `-ec`) and no script operand, unless `-s` says stdin anyway or the script is stdin itself (`/dev/stdin`,
 * /dev/fd/0, /proc/self/fd/0); or a `-c` whose command is a loop that runs each line read from stdin.
 */
export function readsCommandsFromStdin(argv: readonly string[], pid?: number): boolean {
  const args = argv.slice(1);
  let inline = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--") return i + 1 >= args.length || (!inline && isStdinPath(args[i + 1], pid));
    if (OPTION_ARGS.has(a)) {
      i++;
      continue;
    }
    if (/^[-+][A-Za-z]+$/.test(a)) {
      if (a.startsWith("-") && a.includes("s")) return true;
      if (a.startsWith("-") && a.includes("c")) inline = true;
      if (/[oO]$/.test(a)) i++; // -euo pipefail: the option's value follows
      continue;
    }
    if (a.startsWith("--")) continue;
    return inline ? runsLinesFromStdin(a) : isStdinPath(a, pid);
  }
  return !inline;
}

/**
 * True for a `-c` command that is a loop running each line it reads from stdin: `while read l; do eval "$l";
 * done`, `while read -r c; do $c; done`, `… do sh -c "$c"; done`. Only such a loop counts: a `read` redirected
 * from elsewhere (`read l <&5`, `done < file`) reads no commands from stdin, and a script that merely uses
 * `read` and `eval` for something else is not a command loop.
 */
export function runsLinesFromStdin(script: string): boolean {
  const m = /\bwhile\s+(?:IFS=\S*\s+)?read\b([^;\n]*)[;\n]\s*do\b([^;\n]*)[;\n]/.exec(script);
  if (!m) return false;
  const [readArgs, body] = [m[1], m[2].trim()];
  if (/<(?!&\s*0\b)/.test(readArgs)) return false;
  const v = /([A-Za-z_]\w*)\s*$/.exec(readArgs)?.[1];
  if (v === undefined) return false;
  const ref = `["']?\\$\\{?${v}\\b`;
  const runs = new RegExp(`^(?:(?:eval|command|exec|builtin)\\s+)*${ref}`).test(body) ||
    new RegExp(`^(?:\\S*/)?(?:ba|da|z|k|mk|y)?sh\\s+-c\\s+${ref}`).test(body) ||
    new RegExp(`^eval\\b.*${ref}`).test(body);
  if (!runs) return false;
  const after = script.slice(m.index + m[0].length);
  return !/\bdone\s*<(?!&\s*0\b)/.test(after);
}

/**
 * Interpreter options that take the next word as their value, per interpreter (python -W/-X, node -r/-C, ruby
 * -I/-C, lua -l, php -d/-z/-t; perl's and tcl's take none apart). Python's -I is a flag, ruby's takes a value.
 */
const INTERPRETER_VALUE_OPTIONS: readonly [RegExp, ReadonlySet<string>][] = [
  [/^python/, new Set(["-W", "-X"])],
  [/^node/, new Set(["-r", "-C", "--require", "--import", "--conditions"])],
  [/^ruby/, new Set(["-I", "-C"])],
  [/^lua/, new Set(["-l"])],
  [/^php/, new Set(["-d", "-z", "-t"])],
];
/** Interpreter options that name what to run instead of a script (python -m, php -f). */
const INTERPRETER_RUN_OPTIONS = new Set(["-m", "-f", "--eval", "--print"]);

/**
 * True when an interpreter run with `argv` takes its program from stdin: no script operand (python, perl, ruby,
 * php, lua, node and tclsh then read stdin: the REPL on a terminal, the program text otherwise), or `-` or
 * /dev/stdin as the script.
 */
export function interpreterReadsStdin(
  argv: readonly string[],
  pid?: number,
  name = basename(argv[0] ?? ""),
): boolean {
  const values = INTERPRETER_VALUE_OPTIONS.find(([re]) => re.test(name))?.[1] ?? new Set<string>();
  const args = argv.slice(1);
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--") return i + 1 >= args.length || isStdinPath(args[i + 1], pid);
    if (values.has(a)) {
      i++;
      continue;
    }
    if (INTERPRETER_RUN_OPTIONS.has(a) || /^--(?:eval|print|require|import)=/.test(a)) return false;
    if (a === "-" || !a.startsWith("-")) return isStdinPath(a, pid);
  }
  return true;
}
