/**
 * The dynamic loader's search path: /etc/ld.so.conf and every file its `include` globs name (ld.so.conf.d),
 * read as ldconfig reads them. A directory there is searched for every program's libraries, ahead of the
 * built-in ones: one that a person other than root can write, or that is temporary, hidden or in a home,
 * lets whoever controls it replace any library of any program. A library in a configured directory outside the
 * package trees (/usr/local/lib, /opt/…) that has the name of one of the system's own libraries shadows it for
 * every program: `persistence.ld_so_conf.shadowing_library`.
 */
import { type Location, LocationJudge } from "../../../host/location.ts";
import { isUserHome } from "../accounts.ts";
import { entryDigest, hiddenOutsideHomes, judgeLocation } from "../assess.ts";
import { type Collector, normalisePath } from "../collect.ts";
import { parseLdSoConf } from "../env_files.ts";
import { expandGlob } from "../../ssh/sshd_config.ts";
import { packageOwnedLocation } from "../owners.ts";
import { unlessOwned } from "./ownership.ts";

const LIMITS = { files: 500, depth: 8, libraries: 5000 } as const;
/** The loader's trusted directories, searched after the configured ones: where the system's libraries are. */
export const SYSTEM_LIB_DIRS: readonly string[] = [
  "/lib/x86_64-linux-gnu",
  "/usr/lib/x86_64-linux-gnu",
  "/lib/aarch64-linux-gnu",
  "/usr/lib/aarch64-linux-gnu",
  "/lib64",
  "/usr/lib64",
  "/lib",
  "/usr/lib",
];
/** glibc-hwcaps subdirectories the loader tries before a directory itself (x86-64). */
export const HWCAPS = ["x86-64-v4", "x86-64-v3", "x86-64-v2"];
/** A shared library's file name (libc.so.6, libssl.so.3, libfoo.so). */
const LIBRARY_NAME = /^lib[\w.+-]*\.so(?:\.\d+)*$/;

function describe(loc: Location): string {
  return loc.kind === "user_writable"
    ? `writable by others (${loc.because})`
    : `${loc.kind.replace("_", " ")}`;
}

/** ld.so.conf and its includes: each directory judged by location. */
export function ldSoConfSources(c: Collector): void {
  const homes = [...c.accounts.byName.values()].filter((a) => a.uid === 0 || isUserHome(a))
    .map((a) => normalisePath(a.home)).filter((h) => h !== "/");
  const judge = new LocationJudge(c.ctx.host, homes);
  const read = new Set<string>();
  /** Every configured directory, with the file and line that first names it. */
  const configured = new Map<string, { path: string; line: number }>();
  const glob = (pattern: string) => {
    const problems: string[] = [];
    const paths = expandGlob(c.ctx.host, pattern, problems);
    for (const p of problems) c.ctx.warn("truncated", p);
    return paths;
  };
  const visit = (path: string, depth: number): void => {
    if (read.has(path) || read.size >= LIMITS.files) return;
    if (depth > LIMITS.depth) {
      c.ctx.warn("truncated", `${path}: ld.so.conf includes nested more than ${LIMITS.depth} deep`);
      return;
    }
    const f = c.read(path);
    if (!f) return;
    read.add(path);
    const dirs: string[] = [];
    const base = path.slice(0, path.lastIndexOf("/")) || "/";
    const at = (dir: string, line: number) => configured.has(dir) || configured.set(dir, { path, line });
    for (const s of parseLdSoConf(f.text)) {
      if (s.kind === "include") {
        const pattern = s.pattern.startsWith("/") ? s.pattern : `${base}/${s.pattern}`;
        for (const inc of glob(pattern)) visit(inc, depth + 1);
        continue;
      }
      if (!s.dir.startsWith("/")) continue; // ldconfig ignores relative directories
      const dir = normalisePath(s.dir);
      dirs.push(dir);
      at(dir, s.line);
      const loc = judgeLocation(judge, dir);
      const hidden = hiddenOutsideHomes(dir, c.accounts);
      if (loc.kind === "system" && !hidden) continue;
      c.finding({
        check_id: "persistence.ld_so_conf.untrusted_dir",
        subject: `${path}:${entryDigest(dir)}`,
        description: `${path}:${s.line} adds ${dir} to the loader's search path: ` +
          (loc.kind !== "system" ? describe(loc) : "a hidden directory") + ".",
        metadata: {
          path,
          line: s.line,
          directory: dir,
          location_kind: hidden && loc.kind === "system" ? "hidden" : loc.kind,
          because: loc.because ?? null,
        },
        location: { path },
      });
    }
    c.point({ kind: "ld_so_conf", path, entries: [], meta: { directories: dirs } });
  };
  visit("/etc/ld.so.conf", 0);
  shadowing(c, configured);
  for (const inc of glob("/etc/ld.so.conf.d/*.conf")) {
    if (!read.has(inc)) {
      c.point({
        kind: "ld_so_conf",
        path: inc,
        entries: [],
        inert: true,
        meta: { inert: true, included: false },
      });
    }
  }
}

/**
 * Libraries in configured directories outside the package trees whose names are those of the system's own
 * libraries: the loader finds them first, so every program that links the system one loads this one instead.
 */
function shadowing(c: Collector, configured: ReadonlyMap<string, { path: string; line: number }>): void {
  const host = c.ctx.host;
  const systemDirs = SYSTEM_LIB_DIRS.filter((d) => {
    const st = host.stat(d);
    return st.ok && st.value.isDirectory;
  });
  // The loader's cache keeps, for a name, the directory configured first; the trusted directories not
  // configured come after every configured one.
  const order = new Map([...configured.keys()].map((d, i) => [d, i]));
  for (const [dir, where] of configured) {
    if (systemDirs.includes(dir)) continue;
    const at = order.get(dir)!;
    // glibc-hwcaps subdirectories are searched before the directory itself, for the CPUs that support them.
    for (const sub of [...HWCAPS.map((h) => `${dir}/glibc-hwcaps/${h}`), dir]) {
      const r = host.readDir(sub, LIMITS.libraries);
      if (!r.ok) continue;
      if (r.truncated) c.ctx.warn("truncated", `${sub}: more than ${LIMITS.libraries} entries`);
      for (const e of r.value.filter((x) => !x.isDirectory && LIBRARY_NAME.test(x.name)).sort(byName)) {
        const holders = systemDirs.filter((d) => host.stat(`${d}/${e.name}`).ok);
        if (holders.length === 0 || holders.some((d) => (order.get(d) ?? Infinity) < at)) continue;
        const shadowed = `${holders[0]}/${e.name}`;
        const lib = `${sub}/${e.name}`;
        // A link to the system library itself (or the same file reached another way) shadows nothing.
        const [mine, theirs] = [host.stat(lib), host.stat(shadowed)];
        if (
          !mine.ok ||
          (theirs.ok && mine.value.dev === theirs.value.dev && mine.value.ino === theirs.value.ino)
        ) {
          continue;
        }
        const draft = {
          check_id: "persistence.ld_so_conf.shadowing_library",
          subject: lib,
          description: `${lib} has the name of the system library ${shadowed}; ${dir} is searched first ` +
            `(${where.path}:${where.line}), so every program linking ${e.name} loads ${lib}.`,
          metadata: {
            path: lib,
            library: e.name,
            shadowed,
            directory: dir,
            config: where.path,
            line: where.line,
          },
          location: { path: lib },
        };
        // In a directory only packages write, a library a package installed there is the distribution's.
        if (packageOwnedLocation(dir)) unlessOwned(c, lib, draft);
        else c.finding(draft);
      }
    }
  }
}

function byName(a: { name: string }, b: { name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
