/**
 * Packaged programs replaced in place, as a cheap check of the default scan. The program directories
 * (/usr/bin, /usr/sbin, /bin, /sbin) are listed — not walked: one level, each entry lstat'ed once — and:
 * - a script (`#!`) a package installed is hashed (scripts are small) and compared with the digest the package
 *   recorded (dpkg's md5sums, rpm's digests): a packaged ELF replaced by a wrapper script differs;
 * - on rpm, every regular file is compared with the size its header records (dpkg records no sizes, so an ELF
 *   swapped for another ELF is left to the integrity scanner's hashing);
 * - a set-id program whose package does not set the bit (rpm's recorded mode; on dpkg, neither the stock list of
 *   set-id programs nor dpkg-statoverride names it);
 * - a link in a program directory that leads into a temporary, home or writable place.
 */
import { digestEntry, readEntryHead } from "../../../host/entry_io.ts";
import { homeDirs, LocationJudge, pathLocation } from "../../../host/location.ts";
import { walk, type WalkEntry } from "../../../host/walker.ts";
import { readsPackageDb } from "../../package_db.ts";
import { isCriticalPackage } from "../../integrity/critical.ts";
import { EXPECTED_SETID_PATHS } from "../../suid_expected.ts";
import type { Collector } from "../collect.ts";
import type { Ownership } from "../owners.ts";
import { distinctDirs } from "./hook_files.ts";
import { linkTarget } from "./shared.ts";

/** The program directories whose packaged files are checked. */
export const BINARY_DIRS = ["/usr/bin", "/usr/sbin", "/bin", "/sbin"];
/** dpkg's record of modes an administrator (or a maintainer script) set on packaged files. */
export const DPKG_STATOVERRIDE = "/var/lib/dpkg/statoverride";
/** Scripts larger than this are not hashed (a packaged script that big is not one). */
const MAX_SCRIPT = 1 << 20;
/** Programs of the critical packages larger than this are left to package verification (`--integrity`). */
const MAX_PROGRAM = 64 << 20;
const MAX_FILES = 50_000;

/** Parses dpkg-statoverride's file (`user group mode path` per line) into path → mode. */
export function parseStatoverride(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    const m = /^\S+\s+\S+\s+([0-7]{1,6})\s+(\/\S.*)$/.exec(line.trim());
    if (m) out.set(m[2], parseInt(m[1], 8));
  }
  return out;
}

/** The regular files and links directly in the program directories (each directory once). */
async function programEntries(c: Collector): Promise<WalkEntry[]> {
  const out: WalkEntry[] = [];
  for (const dir of distinctDirs(c, BINARY_DIRS)) {
    const depthOf = (p: string) => p.slice(dir.length).split("/").length - 1;
    for await (
      const e of walk(c.ctx, {
        roots: [dir],
        maxEntries: MAX_FILES,
        prune: (p) => depthOf(p) > 1,
      })
    ) {
      if (e.depth === 1 && (e.kind === "file" || e.kind === "symlink")) out.push(e);
    }
  }
  return out;
}

function replaced(c: Collector, e: WalkEntry, reason: string, pkg: string | undefined): void {
  c.finding({
    check_id: "persistence.binary.replaced",
    subject: e.path,
    description: `${e.path}${pkg ? ` (package ${pkg})` : ""} ${reason}.`,
    metadata: {
      path: e.path,
      package: pkg ?? null,
      reason,
      size: e.size,
      mode: (e.mode & 0o7777).toString(8),
    },
    location: { path: e.path },
  });
}

/** Judges the program files once the package database has answered. */
function judge(
  c: Collector,
  o: Ownership,
  scripts: WalkEntry[],
  setid: WalkEntry[],
  files: WalkEntry[],
  verify: boolean,
): void {
  if (o.tool === undefined) return;
  const flagged = new Set<string>();
  for (const e of scripts) {
    if (flagged.has(e.path)) continue;
    const pkg = o.ownerOf(e.path);
    const recorded = pkg === undefined ? undefined : o.digestOf(e.path);
    if (recorded === undefined || e.size > MAX_SCRIPT) continue;
    const d = digestEntry(c.ctx.host, e, MAX_SCRIPT, [recorded.algorithm]);
    if (!d.ok) {
      c.ctx.warn("hash_failed", d.message);
      continue;
    }
    if (d.value[recorded.algorithm] !== recorded.hex.toLowerCase()) {
      replaced(c, e, `is a script whose ${recorded.algorithm} differs from what the package installed`, pkg);
      flagged.add(e.path);
    }
  }
  if (verify) criticalPrograms(c, o, files, flagged);
  if (o.tool === "rpm") {
    for (const e of files.filter((f) => !flagged.has(f.path))) {
      const info = o.fileInfoOf(e.path);
      if (info?.size === undefined || info.mode === undefined || (info.mode & 0o170000) !== 0o100000) {
        continue;
      }
      if (e.size !== info.size) {
        replaced(c, e, `is ${e.size} bytes; the package recorded ${info.size}`, o.ownerOf(e.path));
      }
    }
  }
  const overrides = o.tool === "dpkg" ? dpkgOverrides(c) : new Map<string, number>();
  for (const e of setid) {
    const pkg = o.ownerOf(e.path);
    if (pkg === undefined) continue;
    const bits = e.mode & 0o6000;
    let expected: number;
    if (o.tool === "rpm") expected = (o.fileInfoOf(e.path)?.mode ?? 0o6000) & 0o6000;
    else {
      // The stock list names /usr paths; a system without merged /usr has the same programs in /bin and /sbin.
      const aliases = [e.path, ...(/^\/s?bin\//.test(e.path) ? [`/usr${e.path}`] : [])];
      expected = aliases.some((n) => EXPECTED_SETID_PATHS.has(n))
        ? 0o6000
        : aliases.reduce((m, n) => m | (overrides.get(n) ?? 0), 0) & 0o6000;
    }
    const added = bits & ~expected;
    if (added === 0) continue;
    const names = [(added & 0o4000) ? "setuid" : "", (added & 0o2000) ? "setgid" : ""].filter((x) =>
      x !== ""
    );
    c.finding({
      check_id: "persistence.binary.setid_added",
      subject: e.path,
      ...(o.tool === "dpkg" ? { severity: "medium" as const } : {}),
      description:
        `${e.path} (package ${pkg}, mode ${(e.mode & 0o7777).toString(8)}) is ${names.join(" and ")}, ` +
        (o.tool === "rpm"
          ? "which its package does not set."
          : "and neither the stock list nor dpkg-statoverride has it."),
      metadata: {
        path: e.path,
        package: pkg,
        mode: (e.mode & 0o7777).toString(8),
        added: names,
        uid: e.uid,
        package_db: o.tool,
      },
      location: { path: e.path },
    });
  }
}

/**
 * The programs of the packages a responder relies on (shells, coreutils, procps, ssh, sudo, login, systemd…:
 * `isCriticalPackage`) against the digests their package recorded, on every scan that reads the package
 * database: a trojaned ps, ls or sshd is an ELF swapped for another ELF, which no script or size check sees.
 * Every other packaged file is package verification's (`--enable integrity --integrity`).
 */
function criticalPrograms(c: Collector, o: Ownership, files: WalkEntry[], flagged: Set<string>): void {
  for (const e of files) {
    if (flagged.has(e.path)) continue;
    const pkg = o.ownerOf(e.path);
    if (pkg === undefined || !isCriticalPackage(pkg)) continue;
    const recorded = o.digestOf(e.path);
    if (recorded === undefined) continue;
    if (e.size > MAX_PROGRAM) {
      // No program of these packages comes near the bound: one padded past it (zeros after a trojan still run)
      // is not hashed, and is said.
      replaced(
        c,
        e,
        `is a program of ${pkg} larger than ${MAX_PROGRAM >> 20} MiB, which none of its is`,
        pkg,
      );
      flagged.add(e.path);
      continue;
    }
    const d = digestEntry(c.ctx.host, e, MAX_PROGRAM, [recorded.algorithm]);
    if (!d.ok) {
      c.ctx.warn("hash_failed", d.message);
      continue;
    }
    if (d.truncated) continue;
    if (d.value[recorded.algorithm] !== recorded.hex.toLowerCase()) {
      replaced(
        c,
        e,
        `is a program of ${pkg} whose ${recorded.algorithm} differs from what the package installed`,
        pkg,
      );
      flagged.add(e.path);
    }
  }
}

function dpkgOverrides(c: Collector): Map<string, number> {
  const r = c.ctx.host.readText(DPKG_STATOVERRIDE, 1 << 20);
  if (!r.ok && r.reason !== "missing") {
    c.ctx.warn("persistence_unreadable", `${DPKG_STATOVERRIDE}: ${r.message}`);
  }
  return r.ok ? parseStatoverride(r.value) : new Map();
}

/** Lists the program directories and asks the package database about their scripts and set-id programs. */
export async function binarySources(c: Collector): Promise<void> {
  const entries = await programEntries(c);
  const judgeLoc = new LocationJudge(c.ctx.host, homeDirs([...c.accounts.byName.values()]));
  const scripts: WalkEntry[] = [];
  const setid: WalkEntry[] = [];
  const files: WalkEntry[] = [];
  // Scripts are told apart only to compare them with their package's digest, which --fast-scan leaves out.
  const findScripts = readsPackageDb(c.ctx);
  for (const [i, e] of entries.entries()) {
    if (i % 256 === 255) await c.ctx.checkpoint();
    if (e.kind === "symlink") {
      const target = linkTarget(c, e.path);
      const loc = judgeLoc.judge(target);
      // A link into a place that does not exist (yet) is judged by the place's name.
      const named = loc.kind === "system" ? pathLocation(target, judgeLoc.homes) : undefined;
      if (loc.kind !== "system") {
        replaced(
          c,
          e,
          `is a link to ${target}, in a ${loc.kind.replace("_", "-")} place (${loc.because})`,
          undefined,
        );
      } else if (named) replaced(c, e, `is a link to ${target}, in a ${named} directory`, undefined);
      continue;
    }
    files.push(e);
    if ((e.mode & 0o6000) !== 0) setid.push(e);
    if (!findScripts || e.size < 2 || e.size > MAX_SCRIPT) continue;
    const head = readEntryHead(c.ctx.host, e, 2);
    if (head.ok && head.value[0] === 0x23 && head.value[1] === 0x21) scripts.push(e);
  }
  c.owners.ask(files.map((e) => e.path), (o) => judge(c, o, scripts, setid, files, findScripts));
}
