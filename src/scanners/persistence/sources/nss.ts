/**
 * Name Service Switch modules: every service nsswitch.conf names for a database (`passwd: files evil`) is a
 * library, libnss_<service>.so.2, that glibc loads into each process looking up a user, a group or a host —
 * sshd, sudo, login and cron among them, as root. A module no package installed is a userland rootkit's way in
 * (it can also answer lookups with accounts that exist nowhere on disk).
 */
import type { Collector } from "../collect.ts";
import { entryDigest } from "../assess.ts";
import { unlessOwned } from "./ownership.ts";
import { HWCAPS, SYSTEM_LIB_DIRS } from "./ld_so_conf.ts";

/** nsswitch.conf: the administrator's, then the vendor default some distributions read when it is absent. */
export const NSSWITCH_FILES = ["/etc/nsswitch.conf", "/usr/etc/nsswitch.conf"];

/**
 * Where glibc's loader finds NSS modules: the multiarch directories of Debian, the others, /usr/local/lib
 * (in Debian's default ld.so.conf.d), each with the glibc-hwcaps subdirectories it tries first.
 */
const NSS_BASE_DIRS = [...SYSTEM_LIB_DIRS, "/usr/local/lib", "/usr/local/lib64"];
/** Every directory a module is looked for in. */
export const NSS_LIB_DIRS = NSS_BASE_DIRS.flatMap((d) => [...HWCAPS.map((h) => `${d}/glibc-hwcaps/${h}`), d]);

/** One database line: the database and the services it names, in order. */
export interface NssLine {
  line: number;
  database: string;
  services: string[];
}

/** Parses nsswitch.conf (`db: service [STATUS=action] service …`); malformed lines are counted. Never throws. */
export function parseNsswitch(text: string): { lines: NssLine[]; bad: number } {
  const lines: NssLine[] = [];
  let bad = 0;
  text.split("\n").forEach((raw, i) => {
    const t = raw.replace(/#.*/, "").trim();
    if (t === "") return;
    // The database by a regex, the services by slice: a `\s*(.*)$` backtracked quadratically on a line with a
    // carriage return in the middle (whitespace, as it is to glibc, between two services).
    const m = t.match(/^([A-Za-z_][\w.-]*)\s*:/);
    if (!m) {
      bad++;
      return;
    }
    // Actions in brackets left out (`[^[\]]`: a run of `[` without `]` is scanned once, not once per bracket);
    // any other word is a service: glibc loads libnss_<word>.so.2 whatever its characters.
    const services = t.slice(m[0].length).replace(/\[[^[\]]*\]/g, " ").split(/\s+/).filter((w) =>
      w !== "" && !/[[\]/]/.test(w)
    );
    lines.push({ line: i + 1, database: m[1], services });
  });
  return { lines, bad };
}

/** The NSS modules of nsswitch.conf: each one's library, asked about its package. */
export function nssSources(c: Collector): void {
  for (const path of NSSWITCH_FILES) {
    const f = c.read(path);
    if (!f) continue;
    const parsed = parseNsswitch(f.text);
    if (parsed.bad > 0) {
      c.ctx.warn("nsswitch_malformed", `${path}: ${parsed.bad} line(s) that name no database`);
    }
    const judged = new Set<string>();
    // One file reached through two directories (merged /usr) is asked about once.
    const files = new Set<string>();
    for (const l of parsed.lines) {
      for (const service of l.services) {
        if (judged.has(service)) continue;
        judged.add(service);
        for (const dir of NSS_LIB_DIRS) {
          const lib = `${dir}/libnss_${service}.so.2`;
          const st = c.ctx.host.stat(lib);
          if (!st.ok || !st.value.isFile) continue;
          const id = `${st.value.dev}:${st.value.ino}`;
          if (files.has(id)) continue;
          files.add(id);
          unlessOwned(c, lib, {
            check_id: "persistence.nss.unowned_module",
            subject: `${path}:${entryDigest(lib)}`,
            description: `${path}:${l.line} makes every lookup of ${l.database} load ${lib} (service ` +
              `"${service}"), which no installed package provides.`,
            metadata: { path, line: l.line, database: l.database, service, library: lib },
            location: { path },
          });
        }
      }
    }
    c.point({
      kind: "nss_module",
      path,
      entries: [],
      meta: { databases: parsed.lines.map((l) => `${l.database}: ${l.services.join(" ")}`).slice(0, 50) },
    });
    return; // glibc reads the first that exists
  }
}
