/** Known miner, malware and offensive-tool program names, matched as whole words against a process's names. */

/** What a known name says about a process. */
export type NameKind = "malware" | "miner" | "tool";

/** One known program name. */
export interface KnownName {
  name: string;
  kind: NameKind;
  note: string;
}

/**
 * The table. Names are distinctive enough to match as whole words (letters and digits on neither side), so
 * `robot` never matches a `bot`; short or generic words (nc, socat, tsh, lse) are deliberately absent.
 */
export const KNOWN_NAMES: readonly KnownName[] = [
  {
    name: "kinsing",
    kind: "malware",
    note: "Kinsing cryptojacking malware (Docker/Redis/Confluence exploitation)",
  },
  { name: "kdevtmpfsi", kind: "malware", note: "Kinsing's miner, named after the kdevtmpfs kernel thread" },
  { name: "kthreaddi", kind: "malware", note: "Miner named after the kthreadd kernel thread" },
  { name: "kthreaddk", kind: "malware", note: "Miner named after the kthreadd kernel thread" },
  { name: "watchbog", kind: "malware", note: "WatchBog cryptojacking botnet" },
  { name: "tsunami", kind: "malware", note: "Tsunami/Kaiten IRC DDoS bot" },
  { name: "kaiten", kind: "malware", note: "Kaiten IRC DDoS bot" },
  { name: "xorddos", kind: "malware", note: "XorDDoS botnet" },
  { name: "mirai", kind: "malware", note: "Mirai botnet" },
  { name: "gafgyt", kind: "malware", note: "Gafgyt/Bashlite botnet" },
  { name: "xmrig", kind: "miner", note: "XMRig Monero miner (xmrig, xmrig-notls, xmrig-cuda)" },
  { name: "xmr-stak", kind: "miner", note: "XMR-Stak Monero miner" },
  { name: "minerd", kind: "miner", note: "cpuminer daemon" },
  { name: "cpuminer", kind: "miner", note: "cpuminer" },
  { name: "cgminer", kind: "miner", note: "cgminer" },
  { name: "bfgminer", kind: "miner", note: "BFGMiner" },
  { name: "ccminer", kind: "miner", note: "ccminer (CUDA)" },
  { name: "ethminer", kind: "miner", note: "ethminer" },
  { name: "nbminer", kind: "miner", note: "NBMiner" },
  { name: "lolminer", kind: "miner", note: "lolMiner" },
  { name: "nanominer", kind: "miner", note: "nanominer" },
  { name: "phoenixminer", kind: "miner", note: "PhoenixMiner" },
  { name: "srbminer", kind: "miner", note: "SRBMiner" },
  { name: "teamredminer", kind: "miner", note: "TeamRedMiner" },
  { name: "nheqminer", kind: "miner", note: "nheqminer (Zcash)" },
  { name: "t-rex", kind: "miner", note: "T-Rex miner" },
  { name: "linpeas", kind: "tool", note: "linPEAS privilege-escalation enumeration" },
  { name: "linenum", kind: "tool", note: "LinEnum privilege-escalation enumeration" },
  { name: "linux-exploit-suggester", kind: "tool", note: "Linux Exploit Suggester" },
  { name: "pspy", kind: "tool", note: "pspy process snooping (pspy32, pspy64 match too)" },
  { name: "pspy32", kind: "tool", note: "pspy process snooping" },
  { name: "pspy64", kind: "tool", note: "pspy process snooping" },
  { name: "mimipenguin", kind: "tool", note: "mimipenguin credential dumper" },
  { name: "chisel", kind: "tool", note: "chisel TCP/UDP tunnel over HTTP" },
  { name: "ligolo", kind: "tool", note: "ligolo tunnelling agent" },
  { name: "ligolo-ng", kind: "tool", note: "ligolo-ng tunnelling agent" },
  { name: "gs-netcat", kind: "tool", note: "Global Socket remote access" },
  { name: "gsocket", kind: "tool", note: "Global Socket remote access" },
  { name: "sliver", kind: "tool", note: "Sliver C2 implant" },
  { name: "meterpreter", kind: "tool", note: "Metasploit Meterpreter" },
  { name: "mettle", kind: "tool", note: "Metasploit mettle payload" },
  { name: "reptile", kind: "tool", note: "Reptile rootkit user-space client" },
];

const compiled = KNOWN_NAMES.map((k) => ({
  known: k,
  re: new RegExp(`(?<![a-z0-9])${k.name.replace(/[-.]/g, "\\$&")}(?![a-z0-9])`, "i"),
}));

/** The known names matching any of the given program names (comm, exe basename, argv[0] basename). */
export function matchKnownNames(programNames: readonly string[]): KnownName[] {
  const out: KnownName[] = [];
  for (const { known, re } of compiled) {
    if (programNames.some((n) => re.test(n))) out.push(known);
  }
  return out;
}

const STRATUM = /^(?:-[-\w]*=)?(stratum\d?\+(?:tcp|ssl|tls):\/\/[^\s/]+:\d+)/i;

/** A mining-pool URL (`stratum+tcp://host:port`) among the arguments, or undefined. */
export function stratumUrl(argv: readonly string[]): string | undefined {
  for (const a of argv) {
    const m = STRATUM.exec(a);
    if (m) return m[1];
  }
  return undefined;
}
