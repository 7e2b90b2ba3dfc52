/**
 * The dynamic loader's search path: /etc/ld.so.conf and every file its `include` globs name (ld.so.conf.d),
 * read as ldconfig reads them. A directory there is searched for every program's libraries, ahead of the
 * built-in ones: one that a person other than root can write, or that is temporary, hidden or in a home,
 * lets whoever controls it replace any library of any program.
 */
import { type Location, LocationJudge } from "../../../host/location.ts";
import { isUserHome } from "../accounts.ts";
import { entryDigest, hiddenOutsideHomes, judgeLocation } from "../assess.ts";
import { type Collector, normalisePath } from "../collect.ts";
import { parseLdSoConf } from "../env_files.ts";
import { expandGlob } from "../../ssh/sshd_config.ts";

const LIMITS = { files: 500, depth: 8 } as const;

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
    const f = c.read(path, 256 << 10);
    if (!f) return;
    read.add(path);
    const dirs: string[] = [];
    const base = path.slice(0, path.lastIndexOf("/")) || "/";
    for (const s of parseLdSoConf(f.text)) {
      if (s.kind === "include") {
        const pattern = s.pattern.startsWith("/") ? s.pattern : `${base}/${s.pattern}`;
        for (const inc of glob(pattern)) visit(inc, depth + 1);
        continue;
      }
      if (!s.dir.startsWith("/")) continue; // ldconfig ignores relative directories
      const dir = normalisePath(s.dir);
      dirs.push(dir);
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
