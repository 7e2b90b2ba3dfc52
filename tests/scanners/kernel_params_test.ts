/**
 * kernel_params: the default scan reports parameters weakened against what the distribution ships (by a file
 * no package shipped, with its file and line, or at run time); --hardening reports every parameter below the
 * recommended value. The fixture is a Debian-like host: procps ships 99-protect-links.conf and /etc/sysctl.conf
 * (a conffile of comments), the kernel runs the shipped values.
 */
import assert from "node:assert/strict";
import { kernelParams, parseSysctlInt, sysctlPath } from "../../src/scanners/kernel_params.ts";
import { kernelDefault, meets, SYSCTL_RULES } from "../../src/scanners/sysctl_table.ts";
import type { Finding } from "../../src/core/finding.ts";
import { makeTree, runOne, type TreeEntry } from "../helpers.ts";
import { dpkgEntries, type PkgSpec } from "./integrity_fixture.ts";

/** procps' /usr/lib/sysctl.d/99-protect-links.conf on Debian 12 (procps 2:4.0.2-3). */
const PROTECT_LINKS = [
  "###################################################################",
  "# Protected links",
  "#",
  "# Protects against creating or following links under certain conditions",
  "# Debian kernels have both set to 1 (restricted) ",
  "# See https://www.kernel.org/doc/Documentation/sysctl/fs.txt",
  "fs.protected_fifos = 1",
  "fs.protected_hardlinks = 1",
  "fs.protected_regular = 2",
  "fs.protected_symlinks = 1",
  "",
].join("\n");
const SYSCTL_CONF =
  "#\n# /etc/sysctl.conf - Configuration file for setting system variables\n#\n#kernel.printk = 3 4 1 3\n";
/** Ubuntu's procps conffile /etc/sysctl.d/10-ptrace.conf. */
const PTRACE_CONF = "# The PTRACE system is used for debugging.\nkernel.yama.ptrace_scope = 1\n";
const SHIPPED: Record<string, number> = {
  "fs.protected_fifos": 1,
  "fs.protected_hardlinks": 1,
  "fs.protected_regular": 2,
  "fs.protected_symlinks": 1,
};

const PROCPS: PkgSpec = {
  name: "procps",
  files: { "/usr/lib/sysctl.d/99-protect-links.conf": { shipped: PROTECT_LINKS } },
  conffiles: { "/etc/sysctl.conf": { shipped: SYSCTL_CONF } },
};

/** /proc/sys at the kernel defaults and the shipped values, with `live` overriding some. */
function procSys(live: Record<string, number> = {}): Record<string, TreeEntry> {
  const out: Record<string, TreeEntry> = {};
  for (const r of SYSCTL_RULES) {
    const v = live[r.key] ?? SHIPPED[r.key] ?? kernelDefault(r, undefined);
    out[sysctlPath(r.key).slice(1)] = `${v}\n`;
  }
  return out;
}

/** A Debian-like host; `files` adds or replaces files, `live` changes running values, `pkgs` the database. */
function debian(
  opts: {
    files?: Record<string, TreeEntry>;
    live?: Record<string, number>;
    pkgs?: PkgSpec[];
    proc?: boolean;
  } = {},
) {
  return makeTree({
    ...dpkgEntries(opts.pkgs ?? [PROCPS]),
    "etc/sysctl.d/README.sysctl": "readme\n",
    "etc/sysctl.d/99-sysctl.conf": { symlink: "../sysctl.conf" },
    ...(opts.proc === false ? {} : procSys(opts.live)),
    ...opts.files,
  });
}

const loud = (fs: Finding[]) => fs.map((f) => `${f.severity} ${f.id}`).sort();

Deno.test("kernel_params: a stock host reports nothing by default; --hardening lists the gaps as low", async () => {
  using t = debian();
  const r = await runOne(kernelParams, t.path);
  assert.equal(r.status, "ok");
  assert.deepEqual(r.warnings, []);
  assert.deepEqual(r.findings, []);
  assert.ok(
    r.passed.includes("kernel.sysctl.weakened_config") && r.passed.includes("kernel.sysctl.weakened_runtime"),
  );
  const h = await runOne(kernelParams, t.path, { hardening: true });
  assert.ok(h.findings.length > 0);
  assert.ok(
    h.findings.every((f) => f.check_id.startsWith("kernel.sysctl.") && !f.check_id.includes("weakened")),
  );
  assert.ok(h.findings.every((f) => f.severity === "low"), loud(h.findings).join(", "));
  const ptrace = h.findings.find((f) => f.check_id === "kernel.sysctl.yama_ptrace_scope")!;
  assert.equal(ptrace.metadata.current, 0);
  assert.equal(ptrace.metadata.source, "live");
  assert.match(ptrace.description, /credential|SSH agent/);
});

Deno.test("kernel_params: an unowned sysctl.d file weakening a parameter is reported with its file and line", async () => {
  using t = debian({
    files: { "etc/sysctl.d/99-tuning.conf": "# tuning\nvm.swappiness = 10\nfs.protected_symlinks = 0\n" },
    live: { "fs.protected_symlinks": 0 },
  });
  const r = await runOne(kernelParams, t.path);
  assert.deepEqual(loud(r.findings), ["high kernel.sysctl.weakened_config:fs.protected_symlinks"]);
  const f = r.findings[0];
  assert.equal(f.location?.path, "/etc/sysctl.d/99-tuning.conf");
  assert.equal(f.metadata.file, "/etc/sysctl.d/99-tuning.conf");
  assert.equal(f.metadata.line, 3);
  assert.equal(f.metadata.shipped, 1);
  assert.equal(f.metadata.shipped_source, "/usr/lib/sysctl.d/99-protect-links.conf line 10");
  assert.equal(f.metadata.current, 0);
  assert.equal(f.metadata.origin, "no package installed it");
  assert.match(f.description, /99-tuning\.conf line 3 sets fs\.protected_symlinks = 0/);
});

Deno.test("kernel_params: a planted glob key made to backtrack is matched in linear time", async () => {
  // As a regex, 16 stars against one key took 21 s; every key of the table is matched against it.
  using t = debian({
    files: {
      "etc/sysctl.d/99-x.conf": `fs/protected_${"*".repeat(4000)}q = 0\nfs.protected_symlinks = 0\n`,
    },
    live: { "fs.protected_symlinks": 0 },
  });
  const started = performance.now();
  const r = await runOne(kernelParams, t.path);
  assert.ok(performance.now() - started < 5000, `${(performance.now() - started).toFixed(0)} ms`);
  assert.deepEqual(loud(r.findings), ["high kernel.sysctl.weakened_config:fs.protected_symlinks"]);
});

Deno.test("kernel_params: a weakening that a shipped file applied later overrides is no weakening", async () => {
  // systemd-sysctl applies files by name: 60-tuning.conf comes before 99-protect-links.conf, which sets 1 again.
  using t = debian({
    files: { "etc/sysctl.d/60-tuning.conf": "fs.protected_symlinks = 0\nfs.protected_h*=0\n" },
  });
  assert.deepEqual((await runOne(kernelParams, t.path)).findings, []);
});

Deno.test("kernel_params: a weakening not applied yet is still reported (it comes back at boot)", async () => {
  using t = debian({ files: { "etc/sysctl.d/zz.conf": "fs.protected_hardlinks=0\n" } });
  const r = await runOne(kernelParams, t.path);
  assert.deepEqual(loud(r.findings), ["high kernel.sysctl.weakened_config:fs.protected_hardlinks"]);
  assert.equal(r.findings[0].metadata.current, 1);
});

Deno.test("kernel_params: a parameter weakened at run time only is reported against the shipped value", async () => {
  using t = debian({ live: { "fs.protected_symlinks": 0, "kernel.randomize_va_space": 0 } });
  const r = await runOne(kernelParams, t.path);
  assert.deepEqual(loud(r.findings), [
    "high kernel.sysctl.weakened_runtime:fs.protected_symlinks",
    "high kernel.sysctl.weakened_runtime:kernel.randomize_va_space",
  ]);
  const aslr = r.findings.find((f) => f.metadata.key === "kernel.randomize_va_space")!;
  assert.equal(aslr.location?.path, "/proc/sys/kernel/randomize_va_space");
  assert.equal(aslr.metadata.shipped_source, "the kernel default");
  assert.match(aslr.description, /changed at run time/);
});

Deno.test("kernel_params: where nothing applies sysctl.d at boot, the kernel default is the stock state", async () => {
  // A VM whose PID 1 is its supervisor: procps' file was never applied, the links protections run at the
  // kernel's 0. That is how the host came up, not a change; randomize_va_space below the kernel's 2 still is.
  const vm = { "proc/1/comm": "process_api\n" };
  const live = { "fs.protected_symlinks": 0, "fs.protected_regular": 0, "kernel.randomize_va_space": 0 };
  using t = debian({ files: vm, live });
  const r = await runOne(kernelParams, t.path);
  assert.deepEqual(loud(r.findings.filter((f) => f.severity !== "info")), [
    "high kernel.sysctl.weakened_runtime:kernel.randomize_va_space",
  ]);
  const stock = r.findings.filter((f) => f.severity === "info").map((f) => f.metadata.key).sort();
  assert.deepEqual(stock, ["fs.protected_regular", "fs.protected_symlinks"]);
  const links = r.findings.find((f) => f.metadata.key === "fs.protected_symlinks")!;
  assert.equal(links.metadata.configuration_applied_at_boot, false);
  assert.match(links.description, /nothing applies it at boot on this host \(PID 1 is "process_api"/);
  const aslr = r.findings.find((f) => f.metadata.key === "kernel.randomize_va_space")!;
  assert.match(aslr.description, /than 2, the kernel default: it was changed at run time/);

  // An unowned file weakening a parameter is reported there all the same: it is what the file says.
  using planted = debian({
    files: { ...vm, "etc/sysctl.d/99-zz.conf": "fs.protected_symlinks = 0\n" },
    live,
  });
  assert.ok(
    loud((await runOne(kernelParams, planted.path)).findings).includes(
      "high kernel.sysctl.weakened_config:fs.protected_symlinks",
    ),
  );
});

Deno.test("kernel_params: systemd or a SysV init with the procps script applies sysctl.d; hiding that fails", async () => {
  const live = { "fs.protected_symlinks": 0 };
  const expected = ["high kernel.sysctl.weakened_runtime:fs.protected_symlinks"];
  // /run/systemd/system removed, but PID 1 is still systemd.
  using systemd = debian({ files: { "proc/1/comm": "systemd\n" }, live });
  assert.deepEqual(loud((await runOne(kernelParams, systemd.path)).findings), expected);
  // PID 1 renamed, but the host was booted by systemd.
  using booted = debian({ files: { "proc/1/comm": "sh\n", "run/systemd/system": { dir: true } }, live });
  assert.deepEqual(loud((await runOne(kernelParams, booted.path)).findings), expected);
  using sysv = debian({ files: { "proc/1/comm": "init\n", "etc/init.d/procps": "#!/bin/sh\n" }, live });
  assert.deepEqual(loud((await runOne(kernelParams, sysv.path)).findings), expected);
  using bare = debian({ files: { "proc/1/comm": "init\n" }, live });
  assert.deepEqual(
    loud((await runOne(kernelParams, bare.path)).findings),
    ["info kernel.sysctl.weakened_runtime:fs.protected_symlinks"],
    "an init without a sysctl script applies nothing",
  );
});

Deno.test("kernel_params: the shipped file edited in place, hidden, or its glob excluded is reported", async () => {
  using edited = debian({ files: { "etc/sysctl.conf": SYSCTL_CONF + "fs.protected_regular = 0\n" } });
  const e = await runOne(kernelParams, edited.path);
  assert.deepEqual(loud(e.findings), ["medium kernel.sysctl.weakened_config:fs.protected_regular"]);
  assert.match(String(e.findings[0].metadata.origin), /belongs to procps but was changed/);
  assert.equal(e.findings[0].metadata.line, 5);

  using masked = debian({ files: { "etc/sysctl.d/99-protect-links.conf": { symlink: "/dev/null" } } });
  const m = await runOne(kernelParams, masked.path);
  assert.deepEqual(loud(m.findings), [
    "high kernel.sysctl.weakened_config:fs.protected_hardlinks",
    "high kernel.sysctl.weakened_config:fs.protected_symlinks",
    "medium kernel.sysctl.weakened_config:fs.protected_fifos",
    "medium kernel.sysctl.weakened_config:fs.protected_regular",
  ]);
  assert.match(m.findings[0].description, /99-protect-links\.conf hides the shipped/);

  const systemd: PkgSpec = {
    name: "systemd",
    files: {
      "/usr/lib/sysctl.d/50-default.conf": {
        shipped: "net.ipv4.conf.*.rp_filter = 2\n-net.ipv4.conf.all.rp_filter\n",
      },
    },
  };
  using excluded = debian({
    pkgs: [PROCPS, systemd],
    files: { "etc/sysctl.d/10-net.conf": "-net.ipv4.conf.default.rp_filter\n" },
    live: { "net.ipv4.conf.default.rp_filter": 2 },
  });
  const x = await runOne(kernelParams, excluded.path);
  assert.deepEqual(loud(x.findings), [
    "medium kernel.sysctl.weakened_config:net.ipv4.conf.default.rp_filter",
  ]);
  assert.match(x.findings[0].description, /keeps the shipped glob off/);
});

Deno.test("kernel_params: a shipped file under /usr/lib edited to weaken a parameter is caught", async () => {
  using t = debian({
    files: {
      "usr/lib/sysctl.d/99-protect-links.conf": PROTECT_LINKS.replace("symlinks = 1", "symlinks = 0"),
    },
    live: { "fs.protected_symlinks": 0 },
  });
  const r = await runOne(kernelParams, t.path);
  assert.deepEqual(loud(r.findings), ["high kernel.sysctl.weakened_config:fs.protected_symlinks"]);
  assert.match(String(r.findings[0].metadata.origin), /belongs to procps but was changed/);
  assert.equal(r.findings[0].metadata.line, 10);
});

Deno.test("kernel_params: globs, slash keys, the - prefix and trailing text do not hide a weakening", async () => {
  using t = debian({
    files: { "etc/sysctl.d/x.conf": "  -fs/protected_symlinks=0 # quiet\nkernel.randomize_va_*=1\n" },
  });
  const r = await runOne(kernelParams, t.path);
  assert.deepEqual(loud(r.findings), [
    "high kernel.sysctl.weakened_config:fs.protected_symlinks",
    "high kernel.sysctl.weakened_config:kernel.randomize_va_space",
  ]);
  const aslr = r.findings.find((f) => f.metadata.key === "kernel.randomize_va_space")!;
  assert.match(aslr.description, /x\.conf line 2 sets it through a glob = 1/);
});

Deno.test("kernel_params: an owned conffile that ships a stricter value stays vendor; editing it is caught", async () => {
  const ubuntu: PkgSpec = {
    ...PROCPS,
    conffiles: { ...PROCPS.conffiles, "/etc/sysctl.d/10-ptrace.conf": { shipped: PTRACE_CONF } },
  };
  using stock = debian({ pkgs: [ubuntu], live: { "kernel.yama.ptrace_scope": 1 } });
  assert.deepEqual((await runOne(kernelParams, stock.path)).findings, []);
  using local = debian({
    pkgs: [ubuntu],
    files: { "etc/sysctl.d/99-gdb.conf": "kernel.yama.ptrace_scope = 0\n" },
    live: { "kernel.yama.ptrace_scope": 0 },
  });
  const l = await runOne(kernelParams, local.path);
  assert.deepEqual(loud(l.findings), ["high kernel.sysctl.weakened_config:kernel.yama.ptrace_scope"]);
  assert.equal(l.findings[0].metadata.shipped_source, "/etc/sysctl.d/10-ptrace.conf line 2");
  using edited = debian({
    pkgs: [{
      ...ubuntu,
      conffiles: {
        ...ubuntu.conffiles,
        "/etc/sysctl.d/10-ptrace.conf": { shipped: PTRACE_CONF, disk: PTRACE_CONF.replace("= 1", "= 0") },
      },
    }],
    live: { "kernel.yama.ptrace_scope": 0 },
  });
  const e = await runOne(kernelParams, edited.path);
  assert.deepEqual(loud(e.findings), ["high kernel.sysctl.weakened_config:kernel.yama.ptrace_scope"]);
  assert.equal(e.findings[0].metadata.shipped_source, "the kernel default");
  assert.equal(e.findings[0].metadata.package, "procps");
});

Deno.test("kernel_params: a sysctl. kernel argument weakening an unset parameter is reported", async () => {
  using t = debian({
    files: { "proc/cmdline": "BOOT_IMAGE=/vmlinuz ro sysctl.fs.suid_dumpable=1 quiet\n" },
    live: { "fs.suid_dumpable": 1 },
  });
  const r = await runOne(kernelParams, t.path);
  assert.deepEqual(loud(r.findings), ["high kernel.sysctl.weakened_config:fs.suid_dumpable"]);
  assert.equal(r.findings[0].metadata.file, "/proc/cmdline");
  assert.equal(r.findings[0].metadata.origin, "set on the kernel command line");
});

Deno.test("kernel_params: the kernel's build options decide its defaults", async () => {
  const files = {
    "proc/sys/kernel/osrelease": "6.1.0-test\n",
    "boot/config-6.1.0-test": "CONFIG_SECURITY_DMESG_RESTRICT=y\n# CONFIG_COMPAT_BRK is not set\n",
  };
  using t = debian({ files, live: { "kernel.dmesg_restrict": 0 } });
  const r = await runOne(kernelParams, t.path);
  assert.deepEqual(loud(r.findings), ["medium kernel.sysctl.weakened_runtime:kernel.dmesg_restrict"]);
  assert.equal(
    r.findings[0].metadata.shipped_source,
    "the kernel default per CONFIG_SECURITY_DMESG_RESTRICT in /boot/config-6.1.0-test",
  );
  using plain = debian({ live: { "kernel.dmesg_restrict": 0 } });
  assert.deepEqual(
    (await runOne(kernelParams, plain.path)).findings,
    [],
    "without the config the default is 0",
  );
});

Deno.test("kernel_params: without /boot/config the build options come from /proc/config.gz", async () => {
  const config = "CONFIG_SECURITY_DMESG_RESTRICT=y\n";
  const gz = new Uint8Array(
    await new Response(new Blob([config]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer(),
  );
  using t = debian({
    files: { "proc/sys/kernel/osrelease": "6.1.0-test\n", "proc/config.gz": { content: gz } },
    live: { "kernel.dmesg_restrict": 0 },
  });
  const r = await runOne(kernelParams, t.path);
  assert.deepEqual(loud(r.findings), ["medium kernel.sysctl.weakened_runtime:kernel.dmesg_restrict"]);
  assert.match(
    String(r.findings[0].metadata.shipped_source),
    /CONFIG_SECURITY_DMESG_RESTRICT in \/proc\/config\.gz/,
  );
  using corrupt = debian({
    files: { "proc/sys/kernel/osrelease": "6.1.0-test\n", "proc/config.gz": { content: gz.slice(0, 12) } },
    live: { "kernel.dmesg_restrict": 0 },
  });
  const c = await runOne(kernelParams, corrupt.path);
  assert.deepEqual(c.findings, [], "an unreadable config leaves the plain kernel default (0)");
  assert.ok(c.warnings.some((w) => w.code === "kernel_config_unreadable"), JSON.stringify(c.warnings));
});

Deno.test("kernel_params --hardening: stricter values pass, keys the kernel ignores here pass", async () => {
  using t = debian({
    live: {
      "net.ipv4.conf.all.rp_filter": 1,
      "net.ipv4.conf.default.rp_filter": 2,
      "kernel.yama.ptrace_scope": 3,
      "kernel.sysrq": 176,
      "net.ipv6.conf.all.accept_source_route": -1,
      "net.ipv4.conf.all.accept_redirects": 0,
      "net.ipv4.conf.default.accept_redirects": 0,
      "net.ipv4.conf.all.secure_redirects": 0,
    },
  });
  const r = await runOne(kernelParams, t.path, { hardening: true });
  const failing = new Set(r.findings.map((f) => f.check_id));
  for (
    const name of [
      "ipv4_all_rp_filter",
      "ipv4_default_rp_filter",
      "yama_ptrace_scope",
      "sysrq",
      "ipv6_all_accept_source_route",
      "ipv4_all_secure_redirects",
      "ipv4_all_send_redirects",
      "ipv4_default_accept_source_route",
    ]
  ) assert.ok(!failing.has(`kernel.sysctl.${name}`), name);
  using weak = debian({
    live: { "net.ipv4.ip_forward": 1, "net.ipv4.conf.all.rp_filter": 0, "kernel.sysrq": 438 },
  });
  const w = await runOne(kernelParams, weak.path, { hardening: true });
  const ids = new Set(w.findings.map((f) => f.check_id));
  assert.ok(ids.has("kernel.sysctl.ipv4_all_send_redirects"), "a forwarding host sends redirects");
  assert.ok(ids.has("kernel.sysctl.ipv4_all_rp_filter") && ids.has("kernel.sysctl.sysrq"));
});

Deno.test("kernel_params --hardening: rp_filter all passes when every interface filters", async () => {
  using t = debian({
    files: { "proc/sys/net/ipv4/conf/eth0/rp_filter": "2\n", "proc/sys/net/ipv4/conf/lo/rp_filter": "0\n" },
  });
  const r = await runOne(kernelParams, t.path, { hardening: true, includePassed: true });
  const all = r.findings.find((f) => f.check_id === "kernel.sysctl.ipv4_all_rp_filter")!;
  assert.equal(all.metadata.passed, true);
  assert.match(String(all.metadata.moot), /every interface filters/);
});

Deno.test("kernel_params: an image without /proc/sys is judged on its configuration", async () => {
  using t = debian({ proc: false, files: { "etc/sysctl.d/99-x.conf": "kernel.randomize_va_space = 0\n" } });
  const r = await runOne(kernelParams, t.path);
  assert.equal(r.status, "ok");
  assert.deepEqual(loud(r.findings), ["high kernel.sysctl.weakened_config:kernel.randomize_va_space"]);
  const h = await runOne(kernelParams, t.path, { hardening: true });
  const aslr = h.findings.find((f) => f.check_id === "kernel.sysctl.randomize_va_space")!;
  assert.equal(aslr.metadata.source, "configuration");
  using empty = makeTree({ "etc/hostname": "x\n" });
  const s = await runOne(kernelParams, empty.path);
  assert.equal(s.status, "skipped");
  assert.match(s.reason ?? "", /no \/proc\/sys and no sysctl configuration/);
});

Deno.test("kernel_params: without a package database files are judged by directory, with a warning", async () => {
  using t = makeTree({
    ...procSys(),
    "usr/lib/sysctl.d/99-protect-links.conf": PROTECT_LINKS,
    "etc/sysctl.d/99-x.conf": "fs.protected_fifos = 0\n",
  });
  const r = await runOne(kernelParams, t.path);
  assert.deepEqual(loud(r.findings), ["medium kernel.sysctl.weakened_config:fs.protected_fifos"]);
  assert.deepEqual(r.warnings.map((w) => w.code), ["no_package_db"]);
});

Deno.test("kernel_params: garbage values are warnings; a FIFO in sysctl.d is refused, never read", async () => {
  using t = debian({
    files: {
      "proc/sys/kernel/randomize_va_space": "two\n",
      "proc/sys/kernel/kptr_restrict": "",
      "etc/sysctl.d/bad.conf": "\u0000\u0001\n==\nkernel.sysrq\n",
    },
  });
  new Deno.Command("mkfifo", { args: [`${t.path}/etc/sysctl.d/fifo.conf`] }).outputSync();
  const r = await runOne(kernelParams, t.path);
  assert.deepEqual(r.findings, []);
  assert.deepEqual(r.warnings.map((w) => w.code).sort(), [
    "param_unparsable",
    "param_unparsable",
    "sysctl_unreadable",
  ]);
});

Deno.test("parseSysctlInt rejects non-integers", () => {
  assert.deepEqual(parseSysctlInt(" 2\n"), 2);
  assert.deepEqual(parseSysctlInt("-1"), -1);
  assert.deepEqual(parseSysctlInt("1 2"), undefined);
  assert.deepEqual(parseSysctlInt(""), undefined);
  assert.deepEqual(parseSysctlInt("0x1"), undefined);
  assert.deepEqual(parseSysctlInt("9".repeat(40)), undefined);
});

Deno.test("kernel_params --hardening: on the live host every readable sysctl is judged on the value the kernel shows", async () => {
  const r = await runOne(kernelParams, "/", { hardening: true });
  assert.equal(r.status, "ok");
  assert.deepEqual(r.warnings, []);
  // An independent reading of /proc/sys: the value of each key, and whether the recommendation holds (or the
  // key has no effect here, as the rule itself says).
  const read = (key: string) => {
    try {
      return parseSysctlInt(Deno.readTextFileSync(sysctlPath(key)));
    } catch {
      return undefined;
    }
  };
  const env = {
    value: read,
    interfaces: () =>
      [...Deno.readDirSync("/proc/sys/net/ipv4/conf")].map((e) => e.name)
        .filter((n) => !["all", "default", "lo"].includes(n)).sort(),
  };
  const expected = new Map<string, { current: number; passed: boolean }>();
  for (const rule of SYSCTL_RULES) {
    const current = read(rule.key);
    if (current === undefined) continue; // not in this kernel: not checked
    const passed = meets(current, rule) || rule.moot?.(env) !== undefined;
    expected.set(`kernel.sysctl.${rule.name}`, { current, passed });
  }
  assert.ok(expected.size > 10, `only ${expected.size} sysctls readable`);
  const seen = new Map<string, { current: number; passed: boolean }>();
  for (const f of r.findings) {
    if (f.check_id.startsWith("kernel.sysctl.weakened_")) continue;
    seen.set(f.check_id, { current: f.metadata.current as number, passed: false });
  }
  for (const id of r.passed) {
    if (expected.has(id)) seen.set(id, { current: expected.get(id)!.current, passed: true });
  }
  assert.deepEqual(seen, expected);
});

Deno.test("kernel_params: on the live host a run-time weakening names the value the kernel shows", async () => {
  const r = await runOne(kernelParams, "/");
  assert.equal(r.status, "ok");
  assert.deepEqual(r.warnings, []);
  for (const f of r.findings) {
    assert.match(f.check_id, /^kernel\.sysctl\.weakened_(config|runtime)$/, "by default only weakenings");
    const key = String(f.metadata.key);
    assert.equal(f.metadata.current, parseSysctlInt(Deno.readTextFileSync(sysctlPath(key))), key);
  }
});
