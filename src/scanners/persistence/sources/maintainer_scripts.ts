/**
 * Maintainer scripts of installed packages — dpkg's /var/lib/dpkg/info/<package>.{preinst,postinst,prerm,postrm,config}
 * and the scriptlets in the rpm database — that download and run code, open a reverse shell or decode a payload.
 * They run as root at every install, upgrade and removal, so a trojaned package (or an edited script) fires again
 * on the next update. Bounded: a byte cap per script and in all, a script count cap, and a checkpoint every few
 * dozen scripts. A script is a point only when one of its lines carries such a payload (thousands of clean
 * scripts would drown the inventory).
 */
import { DPKG_INFO } from "../../../host/dpkg_db.ts";
import { loadRpmScriptlets } from "../../../host/rpm_db.ts";
import { readsPackageDb, warnFastScanSkipped } from "../../package_db.ts";
import { ROOT_ACCOUNT } from "../accounts.ts";
import type { Collector, Entry } from "../collect.ts";
import { scriptLines } from "../cron.ts";
import { matchPatterns } from "../patterns.ts";

/** Caps of the maintainer-script scan. */
export const SCRIPT_LIMITS = {
  scriptBytes: 512 << 10,
  totalBytes: 256 << 20,
  scripts: 60_000,
  dirEntries: 400_000,
} as const;

const SCRIPT_NAME = /^(.+)\.(preinst|postinst|prerm|postrm|config)$/;

/** The lines of a script that carry a payload pattern, as entries run by root. */
function payloadLines(text: string): Entry[] {
  return scriptLines(text).filter((l) => matchPatterns(l.text).length > 0)
    .map((l) => ({ line: l.line, text: l.text, runAs: ROOT_ACCOUNT }));
}

async function dpkgScripts(c: Collector): Promise<void> {
  const dir = c.ctx.host.readDir(DPKG_INFO, SCRIPT_LIMITS.dirEntries);
  if (!dir.ok) {
    if (dir.reason !== "missing") c.ctx.warn("persistence_unreadable", `${DPKG_INFO}: ${dir.message}`);
    return;
  }
  if (dir.truncated) c.ctx.warn("truncated", `${DPKG_INFO}: more than ${SCRIPT_LIMITS.dirEntries} entries`);
  const names = dir.value.filter((e) => !e.isDirectory && SCRIPT_NAME.test(e.name)).map((e) => e.name).sort();
  if (names.length > SCRIPT_LIMITS.scripts) {
    c.ctx.warn(
      "truncated",
      `${names.length} maintainer scripts: only the first ${SCRIPT_LIMITS.scripts} were read`,
    );
  }
  let total = 0;
  for (const [i, name] of names.slice(0, SCRIPT_LIMITS.scripts).entries()) {
    if (i % 64 === 63) await c.ctx.checkpoint();
    if (total >= SCRIPT_LIMITS.totalBytes) {
      c.ctx.warn(
        "truncated",
        `maintainer scripts past ${SCRIPT_LIMITS.totalBytes} bytes in all were not read`,
      );
      break;
    }
    const path = `${DPKG_INFO}/${name}`;
    const f = c.read(path, SCRIPT_LIMITS.scriptBytes);
    if (!f) continue;
    total += f.bytes.length;
    const entries = payloadLines(f.text);
    if (entries.length === 0) continue;
    const [, pkg, script] = name.match(SCRIPT_NAME)!;
    c.point({ kind: "maintainer_script", path, entries, meta: { package: pkg, script } });
  }
}

async function rpmScriptlets(c: Collector): Promise<void> {
  const r = loadRpmScriptlets(c.ctx.host, SCRIPT_LIMITS.scriptBytes);
  if (!r.ok) {
    if (r.reason !== "missing") c.ctx.warn("package_db_unreadable", r.message);
    return;
  }
  for (const p of (r.problems ?? []).slice(0, 10)) c.ctx.warn("package_db_unreadable", p);
  if (r.truncated) {
    c.ctx.warn("truncated", `${r.value.db}: more packages than the cap; the rest were not read`);
  }
  for (const [i, pkg] of r.value.packages.entries()) {
    if (i % 64 === 63) await c.ctx.checkpoint();
    const seen = new Map<string, number>();
    for (const s of pkg.scriptlets) {
      if (s.truncated) c.ctx.warn("truncated", `rpm ${pkg.name} ${s.name}: only the first bytes were read`);
      const n = (seen.get(s.name) ?? 0) + 1;
      seen.set(s.name, n);
      const entries = payloadLines(s.text);
      if (entries.length === 0) continue;
      const script = n === 1 ? s.name : `${s.name}#${n}`;
      c.point({
        kind: "maintainer_script",
        path: `rpm:${pkg.name}/${script}`,
        entries,
        meta: { package: pkg.name, script, package_db: r.value.db },
      });
    }
  }
}

/** Maintainer scripts of dpkg packages and rpm scriptlets carrying payloads (not under --fast-scan). */
export async function maintainerScriptSources(c: Collector): Promise<void> {
  if (!readsPackageDb(c.ctx)) {
    warnFastScanSkipped(c.ctx, "maintainer scripts of installed packages (dpkg's and rpm's)");
    return;
  }
  await dpkgScripts(c);
  await rpmScriptlets(c);
}
