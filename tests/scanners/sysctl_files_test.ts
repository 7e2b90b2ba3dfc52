/** The sysctl configuration as systemd-sysctl reads it: parsing, the order of files, and what wins per key. */
import assert from "node:assert/strict";
import {
  applyOrder,
  globMatcher,
  listSysctlFiles,
  normalizeKey,
  parseCmdlineSysctls,
  parseSysctlConf,
  resolveKeys,
  settingInt,
  type SysctlFile,
} from "../../src/scanners/sysctl_files.ts";
import { meets, SYSCTL_RULES, weaker } from "../../src/scanners/sysctl_table.ts";
import { Host } from "../../src/host/host.ts";
import { makeTree } from "../helpers.ts";

const rule = (name: string) => SYSCTL_RULES.find((r) => r.name === name)!;

Deno.test("sysctl keys: dots and slashes are separators, swapped when the first separator is a dot", () => {
  assert.equal(normalizeKey("kernel.yama.ptrace_scope"), "kernel/yama/ptrace_scope");
  assert.equal(normalizeKey("kernel/yama/ptrace_scope"), "kernel/yama/ptrace_scope");
  assert.equal(normalizeKey("net.ipv4.conf.eth0/100.rp_filter"), "net/ipv4/conf/eth0.100/rp_filter");
  assert.equal(normalizeKey("net/ipv4/conf/eth0.100/rp_filter"), "net/ipv4/conf/eth0.100/rp_filter");
  assert.equal(normalizeKey("//kernel//sysrq"), "kernel/sysrq");
});

Deno.test("sysctl files: comments, whitespace, the - prefix, exclusions, globs and garbage", () => {
  const { lines, bad } = parseSysctlConf([
    "# comment",
    "; also a comment",
    "",
    "  kernel.yama.ptrace_scope =  0  ",
    "-fs/protected_symlinks=0 # trailing text stays in the value",
    "-net.ipv4.conf.all.rp_filter",
    "net.ipv4.conf.*.rp_filter = 2",
    "no assignment here",
    "= 1",
    "kernel.sys rq = 1",
    "\u0000\u0001garbage",
  ].join("\n"));
  assert.deepEqual(lines, [
    { key: "kernel/yama/ptrace_scope", glob: false, value: "0", line: 4 },
    { key: "fs/protected_symlinks", glob: false, value: "0 # trailing text stays in the value", line: 5 },
    { key: "net/ipv4/conf/all/rp_filter", glob: false, line: 6 },
    { key: "net/ipv4/conf/*/rp_filter", glob: true, value: "2", line: 7 },
  ]);
  assert.equal(bad, 4);
  assert.deepEqual(parseSysctlConf(""), { lines: [], bad: 0 });
  assert.equal(settingInt("0 # trailing"), 0);
  assert.equal(settingInt("-1"), -1);
  assert.equal(settingInt("fq_codel"), undefined);
  assert.equal(settingInt("4 4 1 7"), 4);
});

Deno.test("sysctl globs: * and ? stay within one component, [...] is a class", () => {
  const m = globMatcher("net/ipv4/conf/*/rp_filter");
  assert.ok(m("net/ipv4/conf/all/rp_filter"));
  assert.ok(m("net/ipv4/conf/eth0/rp_filter"));
  assert.ok(!m("net/ipv4/conf/a/b/rp_filter"));
  assert.ok(globMatcher("fs/protected_*")("fs/protected_symlinks"));
  assert.ok(globMatcher("kernel/yama/ptrace_scop?")("kernel/yama/ptrace_scope"));
  assert.ok(globMatcher("fs/protected_[sh]*links")("fs/protected_hardlinks"));
  assert.ok(!globMatcher("fs/protected_[!sh]*links")("fs/protected_hardlinks"));
  assert.ok(!globMatcher("kernel/*")("kernel/yama/ptrace_scope"));
  assert.ok(globMatcher("a.b/c")("a.b/c") && !globMatcher("a.b/c")("axb/c"), "dots are literal");
});

const file = (path: string, rank: number, text: string, source: string | undefined = path): SysctlFile => ({
  path,
  name: path.slice(path.lastIndexOf("/") + 1),
  rank,
  source,
  lines: parseSysctlConf(text).lines,
});

Deno.test("sysctl order: a file hides files of its name in later directories; names sort; sysctl.conf last", () => {
  const vendor = file("/usr/lib/sysctl.d/99-protect-links.conf", 3, "fs.protected_symlinks = 1\n");
  const mask = file("/etc/sysctl.d/99-protect-links.conf", 0, "", undefined);
  const early = file("/run/sysctl.d/10-a.conf", 1, "kernel.sysrq = 16\n");
  const conf = file("/etc/sysctl.conf", 5, "kernel.sysrq = 1\n");
  assert.deepEqual(applyOrder([vendor, early, conf]).map((f) => f.path), [
    "/run/sysctl.d/10-a.conf",
    "/usr/lib/sysctl.d/99-protect-links.conf",
    "/etc/sysctl.conf",
  ]);
  assert.deepEqual(applyOrder([vendor, mask, early, conf]).map((f) => f.path), [
    "/run/sysctl.d/10-a.conf",
    "/etc/sysctl.d/99-protect-links.conf",
    "/etc/sysctl.conf",
  ]);
  const link = file("/etc/sysctl.d/99-sysctl.conf", 0, "kernel.sysrq = 1\n", "/etc/sysctl.conf");
  const late = file("/etc/sysctl.d/99-zz.conf", 0, "kernel.sysrq = 0\n");
  const cmdline: SysctlFile = {
    path: "/proc/cmdline",
    name: "",
    rank: -1,
    lines: parseCmdlineSysctls("x sysctl.kernel.sysrq=438"),
  };
  assert.deepEqual(
    applyOrder([conf, late, link, cmdline]).map((f) => f.path),
    ["/proc/cmdline", "/etc/sysctl.d/99-sysctl.conf", "/etc/sysctl.d/99-zz.conf"],
    "sysctl.conf comes in through the link only",
  );
});

Deno.test("sysctl resolution: later wins, an explicit key wins over a glob, -key keeps globs off", () => {
  const keys = ["net/ipv4/conf/all/rp_filter", "net/ipv4/conf/default/rp_filter", "kernel/sysrq"];
  const files = [
    file(
      "/usr/lib/sysctl.d/50-default.conf",
      3,
      [
        "kernel.sysrq = 16",
        "net.ipv4.conf.default.rp_filter = 2",
        "net.ipv4.conf.*.rp_filter = 2",
        "-net.ipv4.conf.all.rp_filter",
      ].join("\n"),
    ),
    file("/etc/sysctl.d/90-x.conf", 0, "kernel.sysrq = 1\nnet.ipv4.conf.*.rp_filter = 0\n"),
  ];
  const r = resolveKeys(files, keys);
  assert.equal(r.get("kernel/sysrq")?.setting?.value, "1");
  assert.equal(r.get("kernel/sysrq")?.setting?.file, "/etc/sysctl.d/90-x.conf");
  assert.equal(
    r.get("net/ipv4/conf/default/rp_filter")?.setting?.value,
    "2",
    "explicit beats the later glob",
  );
  assert.equal(r.get("net/ipv4/conf/all/rp_filter")?.setting, undefined, "excluded from globs");
  assert.deepEqual(r.get("net/ipv4/conf/all/rp_filter")?.excludedBy, {
    file: "/usr/lib/sysctl.d/50-default.conf",
    line: 4,
  });
});

Deno.test("kernel command line: sysctl.<key>=<value> words, up to --", () => {
  assert.deepEqual(
    parseCmdlineSysctls("ro quiet sysctl.kernel.sysrq=1 sysctl.vm/swappiness=10 -- sysctl.x=1"),
    [
      { key: "kernel/sysrq", glob: false, value: "1", line: 1 },
      { key: "vm/swappiness", glob: false, value: "10", line: 1 },
    ],
  );
  assert.deepEqual(parseCmdlineSysctls("sysctl.kernel.*=1 sysctl.=2"), []);
});

Deno.test("strictness: every value at least as strict as the recommendation passes", () => {
  const accept = (name: string, values: number[]) => values.filter((v) => meets(v, rule(name)));
  assert.deepEqual(accept("ipv4_all_rp_filter", [0, 1, 2, 3]), [1, 2]);
  assert.deepEqual(accept("yama_ptrace_scope", [0, 1, 2, 3]), [1, 2, 3]);
  assert.deepEqual(accept("sysrq", [0, 1, 16, 176, 438, 8, 64, 128]), [0, 16, 176, 128]);
  assert.deepEqual(accept("ipv6_all_accept_source_route", [-1, 0, 1]), [-1, 0]);
  assert.deepEqual(accept("suid_dumpable", [0, 1, 2]), [0, 2], "2 dumps for root only");
  assert.deepEqual(accept("perf_event_paranoid", [-1, 1, 2, 3, 4]), [2, 3, 4]);
  assert.deepEqual(accept("tcp_syncookies", [0, 1, 2]), [1, 2]);
  assert.deepEqual(accept("ldisc_autoload", [0, 1]), [0]);
  const scale = (name: string) => rule(name).scale;
  assert.ok(weaker(1, 2, scale("suid_dumpable")), "1 dumps to the user: weaker than root-only 2");
  assert.ok(!weaker(0, 2, scale("suid_dumpable")));
  assert.ok(weaker(1, 438, scale("sysrq")), "1 enables every function");
  assert.ok(!weaker(176, 438, scale("sysrq")), "176 enables a subset of 438");
  assert.ok(weaker(0, 2, scale("ipv4_all_rp_filter")) && weaker(2, 1, scale("ipv4_all_rp_filter")));
});

Deno.test("sysctl files: /lib/sysctl.d is read once on a merged-/usr host; links and masks are followed", () => {
  using t = makeTree({
    "lib": { symlink: "usr/lib" },
    "usr/lib/sysctl.d/50-a.conf": "kernel.sysrq = 16\n",
    "usr/lib/sysctl.d/.hidden.conf": "kernel.sysrq = 1\n",
    "usr/lib/sysctl.d/notes.txt": "kernel.sysrq = 1\n",
    "etc/sysctl.d/50-a.conf": { symlink: "/dev/null" },
    "etc/sysctl.d/99-sysctl.conf": { symlink: "../sysctl.conf" },
    "etc/sysctl.conf": "kernel.sysrq = 0\n",
  });
  const warnings: string[] = [];
  const files = listSysctlFiles(new Host(t.path), (code) => warnings.push(code));
  assert.deepEqual(files.map((f) => [f.path, f.source ?? null, f.lines.length]), [
    ["/etc/sysctl.d/50-a.conf", null, 0],
    ["/etc/sysctl.d/99-sysctl.conf", "/etc/sysctl.conf", 1],
    ["/usr/lib/sysctl.d/50-a.conf", "/usr/lib/sysctl.d/50-a.conf", 1],
    ["/etc/sysctl.conf", "/etc/sysctl.conf", 1],
  ]);
  assert.deepEqual(warnings, []);
});
