/**
 * Readers for the dpkg database files the native verifier needs: `/var/lib/dpkg/status` (installed packages and
 * conffile hashes), `info/<pkg>.md5sums`, `info/<pkg>.conffiles`, `info/<pkg>.list` and `diversions`.
 * All parsers are pure and tolerant: malformed lines are counted, never thrown.
 */
import { trimTrailing } from "../../host/text_trim.ts";

/** dpkg states in which a package's files are on disk. */
const UNPACKED_STATES = new Set([
  "installed",
  "half-configured",
  "unpacked",
  "triggers-awaited",
  "triggers-pending",
]);

/** A conffile recorded in the status file. `md5` is undefined for "newconffile" (not configured yet). */
export interface StatusConffile {
  path: string;
  md5?: string;
  obsolete: boolean;
}

/** One package stanza of the status file, reduced to what verification needs. */
export interface DpkgPackage {
  name: string;
  arch: string;
  version: string;
  /** The third word of `Status:` (installed, config-files, …). */
  state: string;
  conffiles: StatusConffile[];
}

/** Result of parsing the status file. */
export interface StatusParse {
  packages: DpkgPackage[];
  /** Stanzas without a Package or Status field, or conffile lines that could not be read. */
  bad: number;
}

const MD5_RE = /^[0-9a-f]{32}$/;

function parseConffileLine(line: string): StatusConffile | undefined {
  // " /etc/foo <md5>[ obsolete][ remove-on-upgrade]"; the path itself may contain spaces.
  const words = line.trim().split(" ");
  const flags = new Set<string>();
  while (words.length > 2 && (words.at(-1) === "obsolete" || words.at(-1) === "remove-on-upgrade")) {
    flags.add(words.pop()!);
  }
  if (words.length < 2) return undefined;
  const hash = words.pop()!;
  const path = words.join(" ");
  if (!path.startsWith("/")) return undefined;
  if (hash === "newconffile") return { path, obsolete: flags.has("obsolete") };
  if (!MD5_RE.test(hash)) return undefined;
  return { path, md5: hash, obsolete: flags.has("obsolete") };
}

/** Parses `/var/lib/dpkg/status` (RFC 822-style stanzas separated by blank lines). */
export function parseStatus(text: string): StatusParse {
  const packages: DpkgPackage[] = [];
  let bad = 0;
  for (const stanza of text.split(/\n\s*\n/)) {
    if (stanza.trim() === "") continue;
    const fields = new Map<string, string[]>();
    let current: string[] | undefined;
    for (const line of stanza.split("\n")) {
      if (line.startsWith(" ") || line.startsWith("\t")) {
        current?.push(line);
        continue;
      }
      const colon = line.indexOf(":");
      if (colon <= 0) {
        current = undefined;
        continue;
      }
      current = [line.slice(colon + 1).trim()];
      fields.set(line.slice(0, colon), current);
    }
    const name = fields.get("Package")?.[0];
    const status = fields.get("Status")?.[0]?.split(/\s+/);
    if (!name || !status || status.length !== 3) {
      bad++;
      continue;
    }
    const conffiles: StatusConffile[] = [];
    for (const line of (fields.get("Conffiles") ?? []).slice(1)) {
      const c = parseConffileLine(line);
      if (c) conffiles.push(c);
      else bad++;
    }
    packages.push({
      name,
      arch: fields.get("Architecture")?.[0] ?? "",
      version: fields.get("Version")?.[0] ?? "",
      state: status[2],
      conffiles,
    });
  }
  return { packages, bad };
}

/** True when the package's files are on disk (so they can be verified). */
export function isUnpacked(pkg: DpkgPackage): boolean {
  return UNPACKED_STATES.has(pkg.state);
}

/** One line of a `.md5sums` file: an absolute path and its expected MD5. */
export interface Md5Entry {
  path: string;
  md5: string;
}

/** Parses a `.md5sums` file (`<md5>  <path relative to />`). Paths are returned absolute. */
export function parseMd5sums(text: string): { entries: Md5Entry[]; bad: number } {
  const entries: Md5Entry[] = [];
  let bad = 0;
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const m = line.match(/^([0-9a-fA-F]{32}) [ *]?(.+)$/);
    if (!m) {
      bad++;
      continue;
    }
    const rel = m[2].replace(/^\.?\/+/, "");
    if (rel.trim() === "") {
      bad++;
      continue;
    }
    entries.push({ path: "/" + rel, md5: m[1].toLowerCase() });
  }
  return { entries, bad };
}

/** Parses `info/<pkg>.conffiles` or `info/<pkg>.list`: one absolute path per line. */
export function parsePathList(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split("\n")) {
    const p = line.replace(/^(remove-on-upgrade|hash) +/, "");
    if (!p.startsWith("/")) continue;
    out.push(p === "/" || p === "/." ? "/" : trimTrailing(p, "/"));
  }
  return out;
}

/** A dpkg diversion: files of packages other than `by` that would be at `from` are installed at `to`. */
export interface Diversion {
  from: string;
  to: string;
  /** The diverting package, or ":" for a local (administrator) diversion. */
  by: string;
}

/** Parses `/var/lib/dpkg/diversions` (triplets of lines: from, to, package). */
export function parseDiversions(text: string): { diversions: Diversion[]; bad: number } {
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  const diversions: Diversion[] = [];
  let bad = lines.length % 3 === 0 ? 0 : 1;
  for (let i = 0; i + 2 < lines.length; i += 3) {
    const [from, to, by] = [lines[i], lines[i + 1], lines[i + 2]];
    if (!from.startsWith("/") || !to.startsWith("/") || by === "") {
      bad++;
      continue;
    }
    diversions.push({ from, to, by });
  }
  return { diversions, bad };
}

/** Where a package's file really lives once diversions are applied. */
export function divertedPath(path: string, pkg: string, diversions: ReadonlyMap<string, Diversion>): string {
  const d = diversions.get(path);
  return d && d.by !== pkg ? d.to : path;
}
