/**
 * The boot loader's configuration: /etc/default/grub and grub.d/*.cfg (shell that grub-mkconfig sources as root),
 * the /etc/grub.d scripts it runs, the generated grub.cfg and custom.cfg, Boot Loader Specification entries,
 * grubenv and /etc/kernel/cmdline — with the kernel command lines they give: an `init=`/`rdinit=` that replaces
 * the init program, or a protection (module signatures, lockdown, the LSM) switched off.
 */
import { ROOT_ACCOUNT } from "../accounts.ts";
import { entryDigest } from "../assess.ts";
import {
  blsCmdlines,
  type CmdlineSource,
  grubCfgCmdlines,
  grubDefaults,
  judgeCmdline,
} from "../boot_config.ts";
import type { Collector, Entry } from "../collect.ts";
import { scriptLines } from "../cron.ts";
import { unlessOwned } from "./ownership.ts";
import { isExecutable } from "./shared.ts";

const rootEntries = (text: string): Entry[] =>
  scriptLines(text).map((l) => ({ line: l.line, text: l.text, runAs: ROOT_ACCOUNT }));

/** Reports what is wrong with each command line of a file; returns the init programs as entries. */
function judge(c: Collector, path: string, sources: CmdlineSource[]): Entry[] {
  const inits: Entry[] = [];
  for (const s of sources) {
    const v = judgeCmdline(s.cmdline);
    for (const init of v.inits) {
      if (init.program.startsWith("/")) inits.push({ line: s.line, text: init.program, runAs: ROOT_ACCOUNT });
      const word = `${init.param}=${init.program}`;
      c.finding({
        check_id: "persistence.boot.init_override",
        subject: `${path}:${entryDigest(word)}`,
        description:
          `${path}:${s.line} (${s.key}): ${word} — the kernel starts that program instead of the init.`,
        metadata: {
          path,
          line: s.line,
          key: s.key,
          parameter: init.param,
          program: init.program,
          cmdline: s.cmdline,
        },
        location: { path },
      });
    }
    for (const off of v.protectionsOff) {
      c.finding({
        check_id: "persistence.boot.protection_off",
        subject: `${path}:${entryDigest(off)}`,
        description: `${path}:${s.line} (${s.key}): ${off} switches a kernel protection off at every boot.`,
        metadata: { path, line: s.line, key: s.key, parameter: off, cmdline: s.cmdline },
        location: { path },
      });
    }
  }
  return inits;
}

/** Files with kernel command lines that no script generates: grub.cfg and friends, BLS entries, grubenv. */
function generatedConfigs(c: Collector): { path: string; sources: CmdlineSource[] }[] {
  const out: { path: string; sources: CmdlineSource[] }[] = [];
  const efi = c.ctx.host.readDir("/boot/efi/EFI", 64);
  const cfgs = [
    "/boot/grub/grub.cfg",
    "/boot/grub/custom.cfg",
    "/boot/grub2/grub.cfg",
    "/boot/grub2/custom.cfg",
    ...(efi.ok
      ? efi.value.filter((e) => e.isDirectory).map((e) => `/boot/efi/EFI/${e.name}/grub.cfg`).sort()
      : []),
  ];
  for (const path of cfgs) {
    const f = c.read(path, 4 << 20);
    if (f) out.push({ path, sources: grubCfgCmdlines(f.text) });
  }
  for (const path of ["/boot/grub2/grubenv", "/boot/grub/grubenv"]) {
    const f = c.read(path, 64 << 10);
    if (!f) continue;
    const sources = f.text.split("\n").flatMap((l, i) => {
      const m = l.match(/^(kernelopts|extra_cmdline|saved_cmdline)=(.*)$/);
      return m ? [{ line: i + 1, key: m[1], cmdline: m[2] }] : [];
    });
    out.push({ path, sources });
  }
  for (const name of c.list("/boot/loader/entries").filter((n) => n.endsWith(".conf"))) {
    const path = `/boot/loader/entries/${name}`;
    const f = c.read(path, 64 << 10);
    if (f) out.push({ path, sources: blsCmdlines(f.text) });
  }
  const kernel = c.read("/etc/kernel/cmdline", 64 << 10);
  if (kernel) out.push({ path: "/etc/kernel/cmdline", sources: blsCmdlines(kernel.text, true) });
  return out;
}

/** GRUB defaults and scripts, generated boot configurations and their kernel command lines. */
export function grubSources(c: Collector): void {
  const vars = new Map<string, string>();
  const defaults = ["/etc/default/grub"];
  defaults.push(
    ...c.list("/etc/default/grub.d").filter((n) => n.endsWith(".cfg")).map((n) => `/etc/default/grub.d/${n}`),
  );
  for (const path of defaults) {
    const f = c.read(path, 256 << 10);
    if (!f) continue;
    const sources = grubDefaults(f.text, vars);
    const inits = judge(c, path, sources);
    c.point({
      kind: "boot_config",
      path,
      entries: [...rootEntries(f.text), ...inits],
      meta: { cmdlines: sources.map((s) => `${s.key}=${s.cmdline}`) },
    });
  }
  for (const name of c.list("/etc/grub.d")) {
    const path = `/etc/grub.d/${name}`;
    if (name === "README" || /(?:~|\.dpkg-[a-z]+|\.rpm(?:save|new|orig))$/.test(name)) continue;
    const f = c.read(path, 1 << 20);
    if (!f) continue;
    const inert = !isExecutable(c, path);
    const inits = inert ? [] : judge(c, path, grubCfgCmdlines(f.text));
    c.point({
      kind: "grub_script",
      path,
      entries: [...rootEntries(f.text), ...inits],
      inert,
      ...(inert ? { meta: { inert } } : {}),
    });
    if (inert) continue;
    unlessOwned(c, path, {
      check_id: "persistence.boot_script.unowned",
      subject: path,
      description: `${path}: a script grub-mkconfig runs as root that no installed package provides.`,
      metadata: { path, kind: "grub_script" },
      location: { path },
    });
  }
  for (const { path, sources } of generatedConfigs(c)) {
    const inits = judge(c, path, sources);
    c.point({
      kind: "boot_config",
      path,
      entries: inits,
      meta: { cmdlines: sources.slice(0, 20).map((s) => s.cmdline) },
    });
  }
}
