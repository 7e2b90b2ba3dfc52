/**
 * Python start-up hooks: `.pth` files whose `import` lines Python executes at every start, and the
 * sitecustomize/usercustomize modules it imports, in the system's and each user's site directories.
 */
import type { Account } from "../accounts.ts";
import { ROOT_ACCOUNT } from "../accounts.ts";
import { type Collector, type Entry, homeAccounts } from "../collect.ts";
import { matchPatterns } from "../patterns.ts";
import { entryDigest } from "../assess.ts";
import { judgeUnpackaged, subdirs } from "./hook_files.ts";
import { parsePth, startupPrimitives } from "./python_parse.ts";

const TECHNIQUE = "T1546.018";
const PY_DIR = /^python3(?:\.\d+)?$/;
/** Parents of the python3.X directories of the system. */
export const PYTHON_LIB_PARENTS = ["/usr/lib", "/usr/lib64", "/usr/local/lib", "/usr/local/lib64"];
/** Where sitecustomize can live besides the site directories (Debian links it from /etc/python3.X). */
const CUSTOMIZE = ["sitecustomize.py", "usercustomize.py"];

/** One directory Python reads at start-up, and whose Python runs it. */
interface SiteDir {
  dir: string;
  runAs: Account;
  /** Site directories hold .pth files; the standard library directory only its sitecustomize. */
  site: boolean;
}

/** The system's standard library and site directories, /etc/python3.X, and each user's site directories. */
function siteDirs(c: Collector): SiteDir[] {
  const out: SiteDir[] = [];
  for (const parent of PYTHON_LIB_PARENTS) {
    for (const py of subdirs(c, parent, PY_DIR)) {
      out.push({ dir: `${parent}/${py}`, runAs: ROOT_ACCOUNT, site: false });
      for (const site of ["site-packages", "dist-packages"]) {
        out.push({ dir: `${parent}/${py}/${site}`, runAs: ROOT_ACCOUNT, site: true });
      }
    }
  }
  for (const py of subdirs(c, "/etc", PY_DIR)) {
    out.push({ dir: `/etc/${py}`, runAs: ROOT_ACCOUNT, site: false });
  }
  for (const a of homeAccounts(c.ctx, c.accounts)) {
    for (const py of subdirs(c, `${a.home}/.local/lib`, PY_DIR)) {
      out.push({ dir: `${a.home}/.local/lib/${py}/site-packages`, runAs: a, site: true });
    }
  }
  const seen = new Set<string>();
  return out.filter((d) => {
    const st = c.ctx.host.stat(d.dir);
    if (!st.ok || !st.value.isDirectory) return false;
    const key = `${st.value.dev}:${st.value.ino}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Reports start-up code that uses a primitive, unless a shared payload pattern already judges the line. */
function judgeCode(
  c: Collector,
  path: string,
  line: number,
  code: string,
  runAs: Account,
  what: string,
  uses = startupPrimitives(code),
): void {
  if (matchPatterns(code).length > 0) return;
  if (uses.length === 0) return;
  c.finding({
    check_id: "persistence.python.startup_code",
    subject: `${path}:${entryDigest(code)}`,
    description: `${path}:${line} (${what}, run by every Python program of ${runAs.name}) ${
      uses.join(", ")
    }: ${code.trim().slice(0, 300)}`,
    metadata: { path, line, command: code.slice(0, 1000), indicators: uses, run_as: runAs.name, kind: what },
    location: { path },
  });
}

/** .pth files and sitecustomize/usercustomize modules of every site directory. */
export function pythonSources(c: Collector): void {
  const withCode: string[] = [];
  const seenFiles = new Set<string>();
  for (const d of siteDirs(c)) {
    for (const name of c.list(d.dir)) {
      const path = `${d.dir}/${name}`;
      if (!name.endsWith(".pth") && !CUSTOMIZE.includes(name)) continue;
      // Debian's /usr/lib/python3.X/sitecustomize.py is a link to /etc/python3.X's: one file, read once.
      const st = c.ctx.host.stat(path);
      if (st.ok && seenFiles.has(`${st.value.dev}:${st.value.ino}`)) continue;
      if (st.ok) seenFiles.add(`${st.value.dev}:${st.value.ino}`);
      if (d.site && name.endsWith(".pth")) {
        const f = c.read(path);
        if (!f) continue;
        const pth = parsePth(f.text);
        if (pth.imports.length === 0) continue;
        withCode.push(path);
        const entries: Entry[] = pth.imports.map((l) => ({ line: l.line, text: l.code, runAs: d.runAs }));
        c.point({
          kind: "python_startup",
          path,
          entries,
          meta: { technique: TECHNIQUE, run_as: d.runAs.name },
        });
        for (const l of pth.imports) judgeCode(c, path, l.line, l.code, d.runAs, ".pth import line");
      } else if (CUSTOMIZE.includes(name)) {
        const f = c.read(path);
        if (!f) continue;
        withCode.push(path);
        const lines = f.text.split("\n").map((text, i) => ({ line: i + 1, text: text.replace(/\r$/, "") }))
          .filter((l) => l.text.trim() !== "" && !l.text.trimStart().startsWith("#"));
        const entries: Entry[] = lines.map((l) => ({ line: l.line, text: l.text.trim(), runAs: d.runAs }));
        c.point({
          kind: "python_startup",
          path,
          entries,
          meta: { technique: TECHNIQUE, run_as: d.runAs.name },
        });
        // One finding per module: its first line that uses a primitive, with every primitive the module uses.
        const hit = lines.find((l) =>
          matchPatterns(l.text).length === 0 && startupPrimitives(l.text).length > 0
        );
        if (hit) {
          const all = lines.filter((l) => matchPatterns(l.text).length === 0).map((l) => l.text).join("\n");
          judgeCode(c, path, hit.line, hit.text, d.runAs, name.replace(/\.py$/, ""), startupPrimitives(all));
        }
      }
    }
  }
  judgeUnpackaged(c, withCode, "Python start-up code");
}
