/**
 * Command-content indicators of persistence payloads, as data: reverse shells, download-and-execute and
 * encoded payloads fed to an interpreter. Each pattern is matched against one logical line of a command.
 */

/** The kind of payload a pattern recognises, most severe first. */
export type PatternKind = "reverse_shell" | "download_exec" | "encoded_payload";

/** One content pattern. */
export interface ContentPattern {
  kind: PatternKind;
  /** Short stable name, recorded in metadata. */
  name: string;
  /** All of these must match the line (one regex for most patterns; decoder + sink for encoded payloads). */
  all: readonly RegExp[];
}

const SHELL_SINK = String
  .raw`\|\s*(?:sudo\s+(?:-\S+\s+)*)?(?:\S*/)?(?:(?:ba|da|z|k|a)?sh|python[0-9.]*|perl|ruby|php|node)\b`;
const EXEC_SINK = new RegExp(
  String
    .raw`${SHELL_SINK}|\beval\b|\bexec\s*\(|\bos\.system\b|\bsubprocess\b|\b(?:ba|da|z)?sh\s+-c\b|\bIEX\b|Invoke-Expression`,
  "i",
);

/** Every content pattern, in the order they are reported. */
export const CONTENT_PATTERNS: readonly ContentPattern[] = [
  { kind: "reverse_shell", name: "dev_tcp_redirect", all: [/\/dev\/(?:tcp|udp)\/[^\s/]+\/\d+/] },
  { kind: "reverse_shell", name: "gawk_inet", all: [/\/inet\/(?:tcp|udp)\/\d+\//] },
  {
    kind: "reverse_shell",
    name: "netcat_exec",
    all: [/(?:^|[\s;&|(`/'"])(?:nc|ncat|netcat|nc\.traditional)\s+(?:[^|;&\n]*\s)?-[a-zA-Z]*[ec](?:\s|$)/],
  },
  { kind: "reverse_shell", name: "socat_exec", all: [/\bsocat\b[^\n]*\b(?:exec|system):/i] },
  { kind: "reverse_shell", name: "pty_spawn", all: [/\bpty\.spawn\s*\(/] },
  {
    kind: "reverse_shell",
    name: "fifo_netcat",
    all: [/\b(?:mkfifo|mknod)\b[^\n]*\|\s*(?:\S*\/)?(?:nc|ncat|netcat|telnet|openssl)\b/],
  },
  {
    kind: "reverse_shell",
    name: "interactive_shell_pipe",
    all: [/\b(?:ba|da|z)?sh\s+-i\b[^\n]*\|\s*(?:\S*\/)?(?:nc|ncat|netcat|telnet|openssl)\b/],
  },
  { kind: "reverse_shell", name: "socket_dup2", all: [/\bsocket\b[^\n]*\bdup2\s*\(/] },
  {
    kind: "reverse_shell",
    name: "perl_socket_exec",
    all: [/(?:use\s+Socket|IO::Socket)[^\n]*\b(?:exec|system)\b/],
  },
  {
    kind: "reverse_shell",
    name: "php_fsockopen_exec",
    all: [/\bfsockopen\s*\([^\n]*\b(?:exec|shell_exec|system|proc_open|passthru|popen)\b/],
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
    all: [/\b(?:openssl\s+s_client|telnet\s+\S+\s+\d+)\b[^\n]*\|\s*(?:\S*\/)?(?:ba|da|z)?sh\b/],
  },
  {
    kind: "download_exec",
    name: "fetch_pipe_interpreter",
    all: [new RegExp(String.raw`\b(?:curl|wget|aria2c)\b[^\n]*${SHELL_SINK}`)],
  },
  {
    kind: "download_exec",
    name: "fetch_process_substitution",
    all: [/(?:\b(?:ba|da|z)?sh|\bsource|(?:^|[\s;&])\.)\s+<\(\s*(?:\S*\/)?(?:curl|wget)\b/],
  },
  {
    kind: "download_exec",
    name: "fetch_command_substitution",
    all: [/(?:\beval|\b(?:ba|da|z)?sh\s+-c)\s+["']?(?:\$\(|`)\s*(?:\S*\/)?(?:curl|wget)\b/],
  },
  {
    kind: "download_exec",
    name: "fetch_then_chmod",
    all: [/\b(?:curl|wget)\b[^\n]*(?:&&|;|\|\|)[^\n]*\bchmod\s+(?:\S*\+x|[0-7]?[0-7]?7[0-7]{2}|[0-7]?755)\b/],
  },
  {
    kind: "download_exec",
    name: "script_one_liner_fetch",
    all: [
      /\b(?:python[0-9.]*|perl|php|ruby)\b[^\n]*\s-(?:c|e|r|M\S+|r\S+)\b/,
      /urllib|urlopen|urlretrieve|requests\.get|http\.client|LWP::|HTTP::Tiny|getstore|getprint|file_get_contents\s*\(\s*["']https?:|Net::HTTP|open-uri/,
    ],
  },
  {
    kind: "encoded_payload",
    name: "decode_to_interpreter",
    all: [
      /\bbase(?:64|32)\s+(?:-\S*\s+)*(?:-[a-zA-Z]*d\b|--decode\b)|\bopenssl\b[^\n|]*\bbase64\b[^\n|]*\s-d\b|\bopenssl\b[^\n|]*\s-d\b[^\n|]*\b(?:-a|base64)\b|\bxxd\s+(?:-\S+\s+)*-r|\bb64decode\b|FromBase64String|decode\(\s*["']base64/,
      EXEC_SINK,
    ],
  },
  {
    kind: "encoded_payload",
    name: "hex_escapes_to_interpreter",
    all: [/(?:\\x[0-9a-fA-F]{2}){8,}/, new RegExp(SHELL_SINK)],
  },
  { kind: "encoded_payload", name: "blob_to_interpreter", all: [/[A-Za-z0-9+/]{120,}={0,2}/, EXEC_SINK] },
];

/** A pattern that matched. */
export interface PatternHit {
  kind: PatternKind;
  name: string;
}

/** Matches one logical line against every pattern; at most one hit per pattern. */
export function matchPatterns(line: string): PatternHit[] {
  const hits: PatternHit[] = [];
  for (const p of CONTENT_PATTERNS) {
    if (p.all.every((re) => re.test(line))) hits.push({ kind: p.kind, name: p.name });
  }
  return hits;
}
