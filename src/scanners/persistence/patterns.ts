/**
 * Command-content indicators of persistence payloads, as data: reverse shells, download-and-execute and
 * encoded payloads fed to an interpreter. Each pattern is matched against one logical line of a command.
 *
 * The line is the attacker's: every pattern is matched in time linear in its length. No regular expression here
 * has an unbounded run followed by more pattern (`curl[^\n]*\|\s*sh` backtracks once per `curl` in the line, so
 * a 40 KB line of them took a minute); "A, then B later" is said with `seq`, which finds each part after the
 * previous one's end, and "A and B in the same command" with `segment`, which splits the line first.
 */

/** The kind of payload a pattern recognises, most severe first. */
export type PatternKind = "reverse_shell" | "download_exec" | "encoded_payload";

/** One content pattern: every condition given must hold. */
export interface ContentPattern {
  kind: PatternKind;
  /** Short stable name, recorded in metadata. */
  name: string;
  /** Each matches somewhere in the line. */
  all?: readonly RegExp[];
  /** These match in this order, each after where the previous one ended (within one segment, with `segment`). */
  seq?: readonly RegExp[];
  /** Splits the line into segments (shell separators, pipes) within which `seq` must hold. */
  segment?: RegExp;
  /** What a regular expression cannot say in linear time. */
  test?: (line: string) => boolean;
}

/**
 * A directory prefix of a program (`/usr/bin/`, `./`): path components, each ending in `/`, that cannot run into
 * a pipe, separator or redirection. An optional run of non-blanks then a slash said the same, but after `\|` it
 * scanned to the end of a run of `|` from every one of them: a 64 KiB line of pipes took half a minute.
 */
const DIR_PREFIX = String.raw`(?:[^\s/|;&<>()]*/)*`;
/** Programs that run their arguments as a command, with their options. */
const WRAPPERS = String
  .raw`(?:${DIR_PREFIX}(?:sudo|env|busybox|command|exec|nohup|setsid|stdbuf)(?:\s+-\S+)*\s+)*`;
/** A shell or an interpreter: its name bare, with a path or quoted, or the login shell by variable. */
const INTERPRETER = String
  .raw`(?:["']?${DIR_PREFIX}(?:(?:ba|da|z|k|a)?sh|python[0-9.]*|perl|ruby|php|node)\b|\$\{?SHELL\b)`;
/** A pipe into a shell or an interpreter, after wrappers (`| env bash`, `| sudo -E sh`, `| "bash"`, `| $SHELL`). */
const SHELL_SINK = new RegExp(String.raw`\|\s*${WRAPPERS}${INTERPRETER}`);
const EXEC_SINK = new RegExp(
  String
    .raw`${SHELL_SINK.source}|\beval\b|\bexec\s*\(|\bos\.system\b|\bsubprocess\b|\b(?:ba|da|z)?sh\s+-c\b|\bIEX\b|Invoke-Expression`,
  "i",
);
/** Decoders whose output is a payload (bounded forms; openssl's are a pattern of their own). */
const DECODER =
  /\bbase(?:64|32)\s+(?:-\S*\s+)*(?:-[a-zA-Z]*d[a-zA-Z]*\b|--d[a-z]*\b)|\|\s*rev\s*\||\|\s*tr\s+(?:-\S+\s+)*["']?[A-Za-z]-[A-Za-z]|\bxxd\s+(?:-\S+\s+)*-r|\bb64decode\b|FromBase64String|decode\(\s*["']base64/;
/** Shell command separators: what two parts of one command cannot have between them. */
const COMMANDS = /[|;&\n]/;
const FETCH = /\b(?:curl|wget|aria2c)\b/;

/** An output file of a fetch (`-o F`, `-qO F`, `--output F`, `--output-document=F`). */
const OUTPUT_FILE = /\s(?:-[a-zA-Z]*[oO]\s*|--output(?:-document)?[=\s]\s*)["']?([^\s"';&|]+)/g;
/** A word run as a command after a separator, maybe through a shell or `.`/`source`. */
const RUN_AFTER = new RegExp(
  String.raw`(?:&&|;|\|\||\n)\s*(?:${DIR_PREFIX}(?:(?:ba|da)?sh|source|\.)\s+)?["']?([^\s"';&|]+)`,
  "g",
);

/**
 * A fetch saved to a file and that file run after it (`curl -o F … && F`, `wget -O F …; sh F`). Linear: the
 * words run after separators are listed once, with the last place each is run.
 */
function fetchThenRun(line: string): boolean {
  const lastRun = new Map<string, number>();
  for (const m of line.matchAll(RUN_AFTER)) lastRun.set(m[1], m.index);
  if (lastRun.size === 0) return false;
  let offset = 0;
  for (const command of line.split(COMMANDS)) {
    const end = offset + command.length;
    const f = command.search(FETCH);
    if (f >= 0) {
      for (const m of command.slice(f).matchAll(OUTPUT_FILE)) {
        if (m[1] !== "-" && (lastRun.get(m[1]) ?? -1) >= end) return true;
      }
    }
    offset = end + 1;
  }
  return false;
}

/** openssl decoding base64 (`openssl base64 -d`, `openssl enc -d -a`): its words in one stage of a pipeline. */
function opensslDecodes(line: string): boolean {
  for (const stage of line.split(/[|\n]/)) {
    const i = stage.search(/\bopenssl\b/);
    if (i < 0) continue;
    const rest = stage.slice(i);
    if (/\s-d\b/.test(rest) && /\bbase64\b|\s-a\b/.test(rest)) return true;
  }
  return false;
}

/** Every content pattern, in the order they are reported. */
export const CONTENT_PATTERNS: readonly ContentPattern[] = [
  // bash opens /dev/tcp/HOST/PORT itself; the port may be a number, a service name or a variable.
  { kind: "reverse_shell", name: "dev_tcp_redirect", all: [/\/dev\/(?:tcp|udp)\/[^\s/]+\/[^\s/<>&;|)]+/] },
  { kind: "reverse_shell", name: "gawk_inet", all: [/\/inet\/(?:tcp|udp)\/\d+\//] },
  {
    kind: "reverse_shell",
    name: "netcat_exec",
    segment: COMMANDS,
    seq: [
      /(?:^|[\s(`/'"])(?:nc|ncat|netcat|nc\.traditional)(?=\s)/,
      /(?:^|\s)(?:-[a-zA-Z]*[ec]|--(?:sh-|lua-)?exec)(?:[\s=]|$)/,
    ],
  },
  { kind: "reverse_shell", name: "socat_exec", seq: [/\bsocat\b/, /\b(?:exec|system):/i] },
  { kind: "reverse_shell", name: "pty_spawn", all: [/\bpty\.spawn\s*\(/] },
  {
    kind: "reverse_shell",
    name: "fifo_netcat",
    seq: [/\b(?:mkfifo|mknod)\b/, /\|\s*(?:[^\s/|;&<>()]*\/)*(?:nc|ncat|netcat|telnet|openssl)\b/],
  },
  {
    kind: "reverse_shell",
    name: "interactive_shell_pipe",
    seq: [/\b(?:ba|da|z)?sh\s+-i\b/, /\|\s*(?:[^\s/|;&<>()]*\/)*(?:nc|ncat|netcat|telnet|openssl)\b/],
  },
  { kind: "reverse_shell", name: "socket_dup2", seq: [/\bsocket\b/, /\bdup2\s*\(/] },
  {
    kind: "reverse_shell",
    name: "python_socket_process",
    all: [
      /\bsocket\.(?:socket|create_connection)\s*\(/,
      /\bsubprocess\.(?:call|run|Popen|check_call|check_output)\b|\bos\.(?:system|popen|exec\w*|spawn\w*)\b|\bpty\.spawn\b/,
    ],
  },
  {
    kind: "reverse_shell",
    name: "perl_socket_exec",
    seq: [/use\s+Socket|IO::Socket/, /\b(?:exec|system)\b/],
  },
  {
    kind: "reverse_shell",
    name: "php_fsockopen_exec",
    seq: [/\bfsockopen\s*\(/, /\b(?:exec|shell_exec|system|proc_open|passthru|popen)\b/],
  },
  {
    kind: "reverse_shell",
    name: "ruby_tcpsocket_exec",
    all: [/\bTCPSocket\.(?:new|open)\b/, /\b(?:exec|spawn|system|popen)\b/],
  },
  {
    kind: "reverse_shell",
    name: "lua_socket_execute",
    all: [/\bsocket\.tcp\s*\(/, /\bos\.execute\b|\bio\.popen\b/],
  },
  {
    kind: "reverse_shell",
    name: "node_net_child_process",
    all: [/require\(\s*["'](?:node:)?net["']\s*\)|\bnet\.Socket\b|\bnet\.connect\b/, /child_process/],
  },
  { kind: "reverse_shell", name: "zsh_ztcp", all: [/\bzmodload\s+zsh\/net\/tcp\b|\bztcp\s+\S+\s+\d+/] },
  {
    kind: "reverse_shell",
    name: "tls_client_shell",
    seq: [/\bopenssl\s+s_client\b|\btelnet\s+\S+\s+\d+\b/, /\|\s*(?:[^\s/|;&<>()]*\/)*(?:ba|da|z)?sh\b/],
  },
  { kind: "download_exec", name: "fetch_pipe_interpreter", seq: [FETCH, SHELL_SINK] },
  {
    kind: "download_exec",
    name: "fetch_process_substitution",
    all: [/(?:\b(?:ba|da|z)?sh|\bsource|(?:^|[\s;&])\.)\s+<\(\s*(?:[^\s/|;&<>()]*\/)*(?:curl|wget)\b/],
  },
  {
    kind: "download_exec",
    name: "fetch_command_substitution",
    all: [/(?:\beval|\b(?:ba|da|z)?sh\s+-c)\s+["']?(?:\$\(|`)\s*(?:[^\s/|;&<>()]*\/)*(?:curl|wget)\b/],
  },
  {
    kind: "download_exec",
    name: "fetch_then_chmod",
    seq: [/\b(?:curl|wget)\b/, /&&|;|\|\|/, /\bchmod\s+(?:\S*\+x|[0-7]?[0-7]?7[0-7]{2}|[0-7]?755)\b/],
  },
  { kind: "download_exec", name: "fetch_then_run", all: [FETCH], test: fetchThenRun },
  {
    kind: "download_exec",
    name: "script_one_liner_fetch",
    seq: [/\b(?:python[0-9.]*|perl|php|ruby)\b/, /\s-(?:c|e|r|M\S+|r\S+)\b/],
    all: [
      /urllib|urlopen|urlretrieve|requests\.get|http\.client|LWP::|HTTP::Tiny|getstore|getprint|file_get_contents\s*\(\s*["']https?:|Net::HTTP|open-uri/,
    ],
  },
  {
    kind: "encoded_payload",
    name: "decode_to_interpreter",
    all: [EXEC_SINK],
    test: (line) => DECODER.test(line) || opensslDecodes(line),
  },
  {
    kind: "encoded_payload",
    name: "hex_escapes_to_interpreter",
    all: [/(?:\\x[0-9a-fA-F]{2}){8,}/, SHELL_SINK],
  },
  { kind: "encoded_payload", name: "blob_to_interpreter", all: [/[A-Za-z0-9+/]{120,}={0,2}/, EXEC_SINK] },
];

/** The `g` copies `seq` searches with (lastIndex moves them along the line). */
const GLOBAL = new Map<RegExp, RegExp>();

function global(re: RegExp): RegExp {
  let g = GLOBAL.get(re);
  if (g === undefined) {
    GLOBAL.set(re, g = new RegExp(re.source, re.flags.includes("g") ? re.flags : re.flags + "g"));
  }
  return g;
}

/** True when the expressions match in order in `text`, each after where the previous one ended. */
function inOrder(text: string, seq: readonly RegExp[]): boolean {
  let at = 0;
  for (const re of seq) {
    const g = global(re);
    g.lastIndex = at;
    const m = g.exec(text);
    if (m === null) return false;
    at = m.index + Math.max(1, m[0].length);
  }
  return true;
}

function holds(p: ContentPattern, line: string): boolean {
  if (p.all && !p.all.every((re) => re.test(line))) return false;
  if (p.seq) {
    // Most lines hold none of a pattern's first part: one search says so before any splitting.
    if (!p.seq[0].test(line)) return false;
    const parts = p.segment ? line.split(p.segment) : [line];
    if (!parts.some((part) => inOrder(part, p.seq!))) return false;
  }
  return p.test === undefined || p.test(line);
}

/** A pattern that matched. */
export interface PatternHit {
  kind: PatternKind;
  name: string;
}

/** Matches one logical line against every pattern; at most one hit per pattern. */
export function matchPatterns(line: string): PatternHit[] {
  const hits: PatternHit[] = [];
  for (const p of CONTENT_PATTERNS) if (holds(p, line)) hits.push({ kind: p.kind, name: p.name });
  return hits;
}
