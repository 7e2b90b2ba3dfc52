/**
 * D-Bus system bus: activation files (which program runs, as whom, when a name is called) and the bus policy
 * (who may own names, send to services, eavesdrop). Files are read as text; the XML is scanned tag by tag.
 */
import type { FindingDraft } from "../../core/finding.ts";
import type { Host } from "../../host/host.ts";
import { SYSTEM_DIRS, under } from "../../host/location.ts";
import { listFiles, textReader } from "./files.ts";
import { lineIndex } from "../../host/line_index.ts";
import { assessEntry } from "../persistence/assess.ts";
import { type Accounts, ROOT_ACCOUNT, UNKNOWN_ACCOUNT } from "../persistence/accounts.ts";
import { BROAD_GROUPS } from "./polkit.ts";

/** Standard system-bus activation directories. */
export const SERVICE_DIRS = [
  "/usr/local/share/dbus-1/system-services",
  "/usr/share/dbus-1/system-services",
  "/lib/dbus-1/system-services",
  "/usr/lib/dbus-1/system-services",
];
/** Bus configuration: the main files and the policy drop-in directories. */
export const POLICY_FILES = [
  "/usr/share/dbus-1/system.conf",
  "/etc/dbus-1/system.conf",
  "/etc/dbus-1/system-local.conf",
];
/** Policy drop-in directories. */
export const POLICY_DIRS = ["/usr/share/dbus-1/system.d", "/etc/dbus-1/system.d"];

/** One tag of an XML document: name, attributes, whether it closes or is self-closing, and its line. */
interface Tag {
  name: string;
  attrs: Map<string, string>;
  closing: boolean;
  selfClosing: boolean;
  line: number;
  text: string;
}

/** At most this many tags of one file are looked at. */
const MAX_TAGS = 20_000;

/** The tags of an XML text, comments removed (a deliberately small scanner: no entities, no CDATA). */
export function xmlTags(text: string): { tags: Tag[]; servicedirs: { dir: string; line: number }[] } {
  const clean = text.replace(/<!--[\s\S]*?(?:-->|$)/g, (m) => m.replace(/[^\n]/g, " "));
  const tags: Tag[] = [];
  const servicedirs: { dir: string; line: number }[] = [];
  const lineAt = lineIndex(clean);
  // A name (tag or attribute) is matched from its first character only and whole (`(?<!…)`, `(?!…)`): a name
  // the attribute run could also take made `<` + 200,000 letters take a minute.
  for (
    const m of clean.matchAll(/<(\/?)([A-Za-z_][\w.-]*)(?![\w.-])((?:[^<>"']|"[^"<>]*"|'[^'<>]*')*?)(\/?)>/g)
  ) {
    if (tags.length >= MAX_TAGS) break;
    const attrs = new Map<string, string>();
    for (const a of m[3].matchAll(/(?<![\w:.-])([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
      attrs.set(a[1], a[2] ?? a[3]);
    }
    tags.push({
      name: m[2],
      attrs,
      closing: m[1] === "/",
      selfClosing: m[4] === "/",
      line: lineAt(m.index!),
      text: m[0],
    });
  }
  for (const m of clean.matchAll(/<servicedir>([^<]*)<\/servicedir>/g)) {
    servicedirs.push({ dir: m[1].trim(), line: lineAt(m.index!) });
  }
  return { tags, servicedirs };
}

/** Why a policy context applies to everyone ("default", user="*", a broad group), or undefined. */
function everyoneContext(attrs: ReadonlyMap<string, string>): string | undefined {
  if (attrs.get("context") === "default" || attrs.get("context") === "mandatory") {
    return `context="${attrs.get("context")}"`;
  }
  if (attrs.get("user") === "*") return 'user="*"';
  const g = attrs.get("group");
  if (g !== undefined && BROAD_GROUPS.has(g)) return `group="${g}"`;
  return undefined;
}

/** What an allow rule for everyone opens up, or undefined when it is narrow. */
export function permissiveAllow(attrs: ReadonlyMap<string, string>): string | undefined {
  if (attrs.has("own")) {
    return `anyone may own ${attrs.get("own") === "*" ? "every name" : `the name ${attrs.get("own")}`}`;
  }
  if (attrs.has("own_prefix")) {
    return `anyone may own names under ${attrs.get("own_prefix") || "(any prefix)"}`;
  }
  if (attrs.get("eavesdrop") === "true") return "anyone may eavesdrop on messages";
  const narrowing = [...attrs.keys()].filter((k) => k !== "send_destination" && k !== "send_type");
  if (attrs.get("send_destination") === "*" && narrowing.length === 0) return "anyone may call every service";
  return undefined;
}

/** Parses a `[D-BUS Service]` activation file into its keys. */
export function parseServiceFile(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let inSection = false;
  for (const raw of text.split("\n")) {
    const line = raw.replace(/\r$/, "").trim();
    if (line.startsWith("[")) inSection = line === "[D-BUS Service]";
    else if (inSection && line.includes("=") && !line.startsWith("#")) {
      const eq = line.indexOf("=");
      const key = line.slice(0, eq).trim();
      if (!out.has(key)) out.set(key, line.slice(eq + 1).trim());
    }
  }
  return out;
}

/** A directory the distribution's packages own (a service or service directory elsewhere is untrusted). */
function systemDir(dir: string): boolean {
  return SYSTEM_DIRS.some((d) => under(dir, d));
}

/** D-Bus findings; `warn` receives unreadable files. */
export function* dbusFindings(
  host: Host,
  accounts: Accounts,
  warn: (detail: string) => void,
): Generator<FindingDraft> {
  const read = textReader(host, warn);
  const extraServiceDirs: string[] = [];
  const policyFiles = [...POLICY_FILES, ...POLICY_DIRS.flatMap((d) => listFiles(host, d, ".conf"))];
  for (const path of policyFiles) {
    const text = read(path);
    if (text === undefined) continue;
    const { tags, servicedirs } = xmlTags(text);
    for (const s of servicedirs) {
      extraServiceDirs.push(s.dir);
      if (systemDir(s.dir)) continue;
      yield {
        check_id: "auth.dbus.permissive_policy",
        subject: `${path}:servicedir:${s.dir}`,
        description:
          `${path}:${s.line}: <servicedir>${s.dir}</servicedir> lets system services be activated from ${s.dir}.`,
        metadata: { path, line: s.line, servicedir: s.dir },
        location: { path },
      };
    }
    let context: string | undefined;
    for (const t of tags) {
      if (t.name === "policy") {
        context = t.closing ? undefined : everyoneContext(t.attrs);
        continue;
      }
      if (t.name !== "allow" || t.closing || context === undefined) continue;
      const what = permissiveAllow(t.attrs);
      if (what === undefined) continue;
      yield {
        check_id: "auth.dbus.permissive_policy",
        subject: `${path}:${t.text.replace(/\s+/g, " ")}`,
        description: `${path}:${t.line}: in <policy ${context}>, ${t.text.replace(/\s+/g, " ")}: ${what}.`,
        metadata: { path, line: t.line, context, rule: t.text.replace(/\s+/g, " "), effect: what },
        location: { path },
      };
    }
  }
  const seen = new Set<string>();
  for (const dir of [...SERVICE_DIRS, ...extraServiceDirs]) {
    if (seen.has(dir)) continue;
    seen.add(dir);
    for (const path of listFiles(host, dir, ".service")) {
      const text = read(path);
      if (text === undefined) continue;
      const svc = parseServiceFile(text);
      const exec = svc.get("Exec");
      if (!exec) continue;
      const user = svc.get("User") ?? "";
      const runAs = user === "root" ? ROOT_ACCOUNT : accounts.byName.get(user) ?? UNKNOWN_ACCOUNT;
      const a = assessEntry(host, exec, runAs, accounts);
      const untrustedDir = !systemDir(dir);
      if (!a && !untrustedDir) continue;
      const indicators = a ? a.indicators.map((i) => i.path ? `${i.name}:${i.path}` : i.name) : [];
      if (untrustedDir) indicators.push(`service_dir:${dir}`);
      yield {
        check_id: "auth.dbus.untrusted_exec",
        subject: path,
        severity: runAs.uid === 0 || a?.severity === "critical" ? "critical" : a?.severity ?? undefined,
        description: `${path}: ${svc.get("Name") ?? "?"} runs ${exec} as ${user || "(no User=)"} (${
          indicators.join(", ")
        }).`,
        metadata: { path, name: svc.get("Name") ?? null, command: exec, run_as: user || null, indicators },
        location: { path },
      };
    }
  }
}
