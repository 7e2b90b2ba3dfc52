/**
 * The initramfs builders: initramfs-tools hooks (run as root by update-initramfs) and boot scripts (run inside
 * the initramfs before the root filesystem is mounted) in /etc/initramfs-tools and /usr/share/initramfs-tools,
 * the configuration both source, dracut's modules and configuration, and the hooks run whenever a kernel is
 * installed or removed (Debian's /etc/kernel/*.d, kernel-install's plugins). Every script is judged line by line;
 * one no package installed is reported (persistence.boot_script.unowned, catalogued in grub.ts).
 */
import { ROOT_ACCOUNT } from "../accounts.ts";
import type { Collector, Entry } from "../collect.ts";
import { scriptLines } from "../cron.ts";
import { matchPatterns } from "../patterns.ts";
import { unlessOwned } from "./ownership.ts";

/** initramfs-tools' boot-script phases (directories under scripts/). */
const PHASES = [
  "init-top",
  "init-premount",
  "local-top",
  "local-block",
  "local-premount",
  "local-bottom",
  "nfs-top",
  "nfs-premount",
  "nfs-bottom",
  "init-bottom",
  "panic",
];
const TOOLS_ROOTS = ["/etc/initramfs-tools", "/usr/share/initramfs-tools"];
const DRACUT_MODULES = ["/usr/lib/dracut/modules.d", "/usr/local/lib/dracut/modules.d"];
const DRACUT_CONFS = ["/etc/dracut.conf.d", "/usr/lib/dracut/dracut.conf.d"];
const LIMITS = { dracutModules: 500, fileBytes: 512 << 10 } as const;
/** Hooks run as root when a kernel is installed or removed (run-parts directories, kernel-install plugins). */
const KERNEL_HOOK_DIRS = [
  "/etc/kernel/preinst.d",
  "/etc/kernel/postinst.d",
  "/etc/kernel/prerm.d",
  "/etc/kernel/postrm.d",
  "/etc/kernel/header_postinst.d",
  "/etc/kernel/install.d",
  "/usr/lib/kernel/install.d",
];

/** Files whose names initramfs-tools skips (run-parts rules: letters, digits, `_` and `-` only). */
const TOOLS_NAME = /^[A-Za-z0-9_-]+$/;

/**
 * A script as a point. One that runs inside the initramfs at boot (`inside`) sees the initramfs's own /tmp and
 * /run, so only its lines with payload patterns are entries; one that runs on the host is judged line by line.
 */
function scriptPoint(c: Collector, path: string, role: string, judgeOwner: boolean, inside = false): void {
  const f = c.read(path, LIMITS.fileBytes);
  if (!f) return;
  const entries: Entry[] = scriptLines(f.text).filter((l) => !inside || matchPatterns(l.text).length > 0)
    .map((l) => ({ line: l.line, text: l.text, runAs: ROOT_ACCOUNT }));
  c.point({ kind: "initramfs_script", path, entries, meta: { role, in_initramfs: inside } });
  if (!judgeOwner) return;
  unlessOwned(c, path, {
    check_id: "persistence.boot_script.unowned",
    subject: path,
    description: `${path}: an initramfs ${role} that no installed package provides.`,
    metadata: { path, kind: "initramfs_script", role },
    location: { path },
  });
}

/** initramfs-tools hooks, boot scripts and sourced configuration; dracut modules and configuration. */
export function initramfsSources(c: Collector): void {
  for (const root of TOOLS_ROOTS) {
    for (const name of c.list(`${root}/hooks`).filter((n) => TOOLS_NAME.test(n))) {
      scriptPoint(c, `${root}/hooks/${name}`, "hook", true);
    }
    for (const phase of PHASES) {
      for (const name of c.list(`${root}/scripts/${phase}`).filter((n) => TOOLS_NAME.test(n))) {
        scriptPoint(c, `${root}/scripts/${phase}/${name}`, `${phase} script`, true, true);
      }
    }
    for (const name of c.list(`${root}/conf-hooks.d`)) {
      scriptPoint(c, `${root}/conf-hooks.d/${name}`, "conf hook", true);
    }
    for (const name of c.list(`${root}/conf.d`)) {
      scriptPoint(c, `${root}/conf.d/${name}`, "configuration", false);
    }
  }
  for (const path of ["/usr/share/initramfs-tools/init", "/usr/share/initramfs-tools/scripts/functions"]) {
    scriptPoint(c, path, "init", true, true);
  }
  for (const path of ["/etc/initramfs-tools/initramfs.conf", "/etc/initramfs-tools/update-initramfs.conf"]) {
    scriptPoint(c, path, "configuration", false);
  }
  for (const dir of KERNEL_HOOK_DIRS) {
    for (const name of c.list(dir)) scriptPoint(c, `${dir}/${name}`, "kernel hook", dir.startsWith("/usr/"));
  }
  for (const path of ["/etc/dracut.conf"]) scriptPoint(c, path, "dracut configuration", false);
  for (const dir of DRACUT_CONFS) {
    for (const name of c.list(dir).filter((n) => n.endsWith(".conf"))) {
      scriptPoint(c, `${dir}/${name}`, "dracut configuration", dir.startsWith("/usr/"));
    }
  }
  for (const base of DRACUT_MODULES) {
    const r = c.ctx.host.readDir(base, LIMITS.dracutModules);
    if (!r.ok) continue;
    if (r.truncated) c.ctx.warn("truncated", `${base}: more than ${LIMITS.dracutModules} modules`);
    for (const mod of r.value.filter((e) => e.isDirectory).map((e) => e.name).sort()) {
      for (const name of c.list(`${base}/${mod}`).filter((n) => n.endsWith(".sh"))) {
        const setup = name === "module-setup.sh"; // run by dracut on the host; the others run in the initramfs
        scriptPoint(
          c,
          `${base}/${mod}/${name}`,
          `dracut module ${mod}`,
          base.startsWith("/usr/lib/"),
          !setup,
        );
      }
    }
  }
}
