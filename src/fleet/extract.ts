/**
 * Stacking items: what fleet counts across hosts, taken from each finding's check id and metadata exactly as
 * the scanners write them. The rules are a table (one row per source), so a new scanner's findings are added
 * here as data. An item is a short string such as `tcp/22 sshd` or `/usr/bin/passwd`.
 */
import type { InputFinding } from "./input.ts";

/** The kinds of item fleet stacks, in the order reports show them. */
export const KINDS = [
  "finding",
  "listener",
  "setid",
  "module",
  "persistence",
  "account",
  "unit",
  "library",
] as const;

/** One kind of stacking item. */
export type Kind = typeof KINDS[number];

/** Headings of the kinds. */
export const KIND_TITLES: Record<Kind, string> = {
  finding: "Finding ids",
  listener: "Listening ports and programs",
  setid: "SUID/SGID files",
  module: "Kernel modules",
  persistence: "Persistence entries",
  account: "uid-0 and login-capable accounts",
  unit: "systemd units",
  library: "Preloaded libraries and library paths",
};

/** Longest item value kept; longer ones are cut and marked, so two long values can still be told apart. */
export const MAX_ITEM_CHARS = 400;

type Meta = InputFinding["metadata"];

/** One extraction rule: which findings it reads and the items it takes from them. */
export interface ExtractRule {
  kind: Kind;
  /** Where the items come from, for the documentation. */
  source: string;
  applies(f: InputFinding): boolean;
  values(f: InputFinding): string[];
}

const str = (m: Meta, k: string): string | undefined => typeof m[k] === "string" ? m[k] as string : undefined;
const list = (m: Meta, k: string): string[] => Array.isArray(m[k]) ? m[k] as string[] : [];
const num = (m: Meta, k: string): number | undefined => {
  const v = m[k];
  if (typeof v === "number" && Number.isInteger(v)) return v;
  return typeof v === "string" && /^\d{1,10}$/.test(v) ? Number(v) : undefined;
};
const basename = (p: string) => p.slice(p.lastIndexOf("/") + 1);

function program(m: Meta): string {
  const exe = str(m, "exe");
  if (exe && !exe.startsWith("/memfd:")) return basename(exe);
  return str(m, "comm") ?? "(owner unknown)";
}

function persistenceValues(f: InputFinding): string[] {
  const m = f.metadata;
  const path = str(m, "path");
  if (path === undefined) return [];
  const kind = str(m, "kind") ?? f.check_id.replace(/^persistence\./, "");
  const where = `${kind}:${path}`;
  if (f.check_id === "persistence.inventory.point") {
    const entries = list(m, "entries");
    return entries.length ? entries.map((e) => `${where}: ${e.slice(0, 300)}`) : [where];
  }
  const command = str(m, "command");
  return [command === undefined ? where : `${where}: ${command.slice(0, 300)}`];
}

const ACCOUNT_CHECK = /(^|\.)accounts?\./;
/** Account checks whose finding says the account can log in (the accounts scanner's inventory and login checks). */
const LOGIN_CHECK = /(^|\.)(inventory|login|login_shell|gid0_login)(\.|$)|\.password\.empty$/;

function accountValues(f: InputFinding): string[] {
  const m = f.metadata;
  const name = str(m, "user") ?? str(m, "account") ?? str(m, "username") ?? str(m, "name");
  if (name === undefined) return [];
  const uid = num(m, "uid");
  const loginCapable = uid === 0 || m.login_capable === true || LOGIN_CHECK.test(f.check_id);
  return loginCapable ? [uid === undefined ? name : `${name} (uid ${uid})`] : [];
}

/** The extraction table. */
export const RULES: readonly ExtractRule[] = [
  {
    kind: "finding",
    source: "every reported finding's id, except passed checks and inventory entries (`*.inventory.*`)",
    applies: (f) => f.metadata.passed !== true && !/(^|\.)inventory(\.|$)/.test(f.check_id),
    values: (f) => [f.id],
  },
  {
    kind: "listener",
    source: "`net.listen.*` findings: `protocol/local_port program` (program: exe basename, else comm)",
    applies: (f) =>
      f.check_id.startsWith("net.listen.") ||
      (f.check_id === "net.socket.open" && str(f.metadata, "state") === "LISTEN"),
    values: (f) => {
      const port = num(f.metadata, "local_port");
      const proto = str(f.metadata, "protocol");
      return port === undefined || proto === undefined ? [] : [`${proto}/${port} ${program(f.metadata)}`];
    },
  },
  {
    kind: "setid",
    source:
      "`suid.file.*` (with `--include-passed`, the expected ones too) and `fs.setid.*`: metadata `path`",
    applies: (f) => f.check_id.startsWith("suid.file.") || f.check_id.startsWith("fs.setid."),
    values: (f) => [str(f.metadata, "path")].filter((p): p is string => p !== undefined),
  },
  {
    kind: "module",
    source:
      "`module.*` findings: metadata `module`; `module.summary`: `loaded_names` and the anomaly `*_list` names",
    applies: (f) => f.check_id.startsWith("module."),
    values: (f) => {
      const m = f.metadata;
      if (f.check_id !== "module.summary") {
        return [str(m, "module")].filter((x): x is string => x !== undefined);
      }
      return Object.keys(m).filter((k) => k === "loaded_names" || k.endsWith("_list")).flatMap((k) =>
        list(m, k)
      );
    },
  },
  {
    kind: "persistence",
    source:
      "`persistence.*` findings: `kind:path: entry` for each inventory entry (`--persistence-inventory`) and flagged command, else `kind:path`",
    applies: (f) => f.check_id.startsWith("persistence."),
    values: persistenceValues,
  },
  {
    kind: "account",
    source:
      "`accounts.*` findings: metadata `user` (or `account`) and `uid`, when the uid is 0 or the check says the account can log in (`accounts.inventory.account`, `*login*` checks, `accounts.password.empty`, or `login_capable`)",
    applies: (f) => ACCOUNT_CHECK.test(f.check_id),
    values: accountValues,
  },
  {
    kind: "unit",
    source:
      "any finding's metadata `unit` (systemd_units, persistence services) and `timer` (persistence timers)",
    applies: (f) => str(f.metadata, "unit") !== undefined || str(f.metadata, "timer") !== undefined,
    values: (f) =>
      [str(f.metadata, "unit"), str(f.metadata, "timer")].filter((x): x is string => x !== undefined),
  },
  {
    kind: "library",
    source:
      "`ioc.ld_so_preload.entries` and the `ld_so_preload` persistence point: each entry; `ioc.process.ld_preload` / `ld_library_path`: each path of the value",
    applies: (f) =>
      f.check_id === "ioc.ld_so_preload.entries" || f.check_id === "ioc.process.ld_preload" ||
      f.check_id === "ioc.process.ld_library_path" ||
      (f.check_id === "persistence.inventory.point" && str(f.metadata, "kind") === "ld_so_preload"),
    values: (f) => {
      const m = f.metadata;
      if (f.check_id === "ioc.ld_so_preload.entries" || f.check_id === "persistence.inventory.point") {
        return list(m, "entries");
      }
      const suffix = f.check_id === "ioc.process.ld_library_path" ? " (LD_LIBRARY_PATH)" : "";
      return list(m, "values").flatMap((v) => v.split(/[\s:]+/)).filter((p) => p !== "").map((p) =>
        p + suffix
      );
    },
  },
];

/** Cuts a value to MAX_ITEM_CHARS, marking the cut. */
export function clampItem(value: string): string {
  return value.length <= MAX_ITEM_CHARS
    ? value
    : `${value.slice(0, MAX_ITEM_CHARS)}… (${value.length} chars)`;
}

/** Every (kind, value) a finding contributes. */
export function itemsOf(f: InputFinding): [Kind, string][] {
  const out: [Kind, string][] = [];
  for (const rule of RULES) {
    if (!rule.applies(f)) continue;
    for (const v of rule.values(f)) if (v !== "") out.push([rule.kind, clampItem(v)]);
  }
  return out;
}

/** The stacking sources as a Markdown table (generated into docs/DEPLOYMENT.md by scripts/gen.ts). */
export function stackingSourcesMarkdown(): string {
  const rows = RULES.map((r) =>
    `| \`${r.kind}\` | ${KIND_TITLES[r.kind]} | ${r.source.replaceAll("|", "\\|")} |`
  );
  return ["| Kind | Heading | Taken from |", "|---|---|---|", ...rows, ""].join("\n");
}
