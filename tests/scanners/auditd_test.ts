import assert from "node:assert/strict";
import {
  audits,
  canonicalRule,
  coverageOf,
  parseAuditRules,
  watchesWrites,
} from "../../src/scanners/audit_rules.ts";
import { auditd, compareRules, readKernelAudit } from "../../src/scanners/auditd.ts";
import { fixtureRoot, makeTree, runOne, type TreeEntry } from "../helpers.ts";

/** A fake /proc with the given processes (pid → comm) and an x86_64 arch file. */
function proc(procs: Record<number, string>): Record<string, TreeEntry> {
  const out: Record<string, TreeEntry> = { "proc/sys/kernel/arch": "x86_64\n" };
  for (const [pid, comm] of Object.entries(procs)) {
    out[`proc/${pid}/stat`] =
      `${pid} (${comm}) S 1 ${pid} ${pid} 0 -1 4194624 0 0 0 0 0 0 0 0 20 0 1 0 100 0 0\n`;
  }
  return out;
}

const RUNNING = proc({ 1: "systemd", 612: "auditd" });
const INSTALLED = { "usr/sbin/auditd": "", "etc/passwd": "root:x:0:0::/root:/bin/bash\n" };

const FULL = [
  "-D",
  "-a always,exit -F arch=b64 -S execve,execveat -k exec",
  "-a always,exit -F arch=b32 -S execve,execveat -k exec",
  "-w /etc/passwd -p wa -k identity",
  "-w /etc/shadow -p wa -k identity",
  "-w /etc/group -p wa -k identity",
  "-w /etc/gshadow -p wa -k identity",
  "-a always,exit -F arch=b64 -S init_module,finit_module,delete_module -k modules",
  "-a always,exit -F arch=b32 -S init_module,finit_module,delete_module -k modules",
  "-a always,exit -F arch=b64 -S setuid -S setreuid,setresuid -k ids",
  "-a always,exit -F arch=b32 -S setuid,setreuid,setresuid -k ids",
].join("\n");

function ids(r: Awaited<ReturnType<typeof runOne>>): string[] {
  return r.findings.map((f) => `${f.severity} ${f.check_id}`).sort();
}

Deno.test("audit rules: comments stripped, comma lists, key spellings, list/action order, -D, -e, watches", () => {
  const s = parseAuditRules([
    "# -a always,exit -F arch=b64 -S execve -k commented",
    "-a always,exit -F arch=b64 -S open,openat -S execve -k mixed # trailing comment",
    "-a exit,never -F arch=b32 -S all",
    "-a always,exit -F arch=b64 -S ptrace -F key=tracing",
    "-w /etc/passwd -p wa -k identity",
    "-w /etc/ssh/",
    "-D",
    "-a always,exit -F path=/usr/bin/sudo -F perm=x -F auid>=1000 -F auid!=4294967295 -F key=privileged",
    "-e 2",
  ].join("\n"));
  assert.deepEqual(s.errors, []);
  assert.equal(s.enabled, 2);
  assert.equal(s.rules.length, 1, "-D dropped the rules before it");
  const keep = parseAuditRules(s.rules.length ? "-w /x\n-D\n-w /y\n" : "", false);
  assert.deepEqual(keep.rules.map((r) => r.path), ["/x", "/y"]);
  const all = parseAuditRules([
    "-a always,exit -F arch=b64 -S open,openat -S execve -k mixed # trailing",
    "-a exit,never -F arch=b32 -S all",
    "-a always,exit -F arch=b64 -S ptrace -F key=tracing",
    "-w /etc/ssh/",
  ].join("\n"));
  assert.deepEqual(
    all.rules.map((
      r,
    ) => [r.kind, r.action, r.list, r.arch, r.syscalls.join(","), r.key ?? "", r.perms ?? ""]),
    [
      ["syscall", "always", "exit", "b64", "open,openat,execve", "mixed", ""],
      ["syscall", "never", "exit", "b32", "all", "", ""],
      ["syscall", "always", "exit", "b64", "ptrace", "tracing", ""],
      ["watch", "always", "exit", undefined, "", "", "rwxa"],
    ],
  );
});

Deno.test("audit rules: empty, truncated and garbage input give errors, never throws", () => {
  assert.deepEqual(parseAuditRules(""), { rules: [], errors: [] });
  assert.deepEqual(parseAuditRules("No rules\n").rules, []);
  const g = parseAuditRules(
    "-a always\n-a sometimes,exit\n-F\n--frobnicate\n\u0000\u00ff\n-a always,exit -F arch=sparc\n-w",
  );
  assert.equal(g.rules.length, 0);
  assert.equal(g.errors.length, 7);
});

Deno.test("audit rules: disk and auditctl -l spellings compare equal", () => {
  const disk = parseAuditRules(
    "-a always,exit -F arch=b64 -S execveat -S execve -k exec\n-w /etc/passwd -p aw -k identity\n" +
      "-a always,exit -F arch=b64 -S chmod -F auid!=4294967295 -k perm\n",
  ).rules;
  const kernel = parseAuditRules(
    "-a always,exit -F arch=b64 -S execve,execveat -F key=exec\n-w /etc/passwd -p wa -k identity\n" +
      "-a always,exit -F arch=b64 -S chmod -F auid!=-1 -F key=perm\n",
  ).rules;
  assert.deepEqual(disk.map(canonicalRule).sort(), kernel.map(canonicalRule).sort());
  assert.deepEqual(compareRules(disk, kernel), { onlyOnDisk: [], onlyLoaded: [] });
  const tampered = compareRules(disk, kernel.slice(1));
  assert.deepEqual(tampered.onlyOnDisk, ["always,exit arch=b64 S=execve,execveat key=exec"]);
  assert.deepEqual(tampered.onlyLoaded, []);
});

Deno.test("audit coverage: never rules shadow later always rules only when unfiltered and earlier", () => {
  const cov = coverageOf(
    parseAuditRules([
      "-a never,exit -F arch=b64 -S execve",
      "-a never,exit -F arch=b64 -S ptrace -F auid=1000",
      "-a always,exit -F arch=b64 -S execve,ptrace -k x",
      "-a always,exit -F arch=b64 -S open -k y",
      "-a never,exit -F arch=b64 -S open",
      "-a always,exit -S setuid",
      "-w /etc/ -p wa",
    ].join("\n")).rules,
  );
  assert.ok(!audits(cov, "b64", "execve"));
  assert.ok(audits(cov, "b64", "ptrace"));
  assert.ok(audits(cov, "b64", "open"));
  assert.ok(audits(cov, "b64", "setuid"), "no arch means the native arch");
  assert.ok(!audits(cov, "b32", "setuid"));
  assert.deepEqual(cov.shadowed.map((s) => [s.never.line, s.always.line, s.syscalls]), [[1, 3, ["execve"]]]);
  assert.ok(watchesWrites(cov, "/etc/shadow"), "a directory watch covers what is under it");
  assert.ok(!watchesWrites(cov, "/etcetera/x"));
  const task = coverageOf(parseAuditRules("-a task,never\n-a always,exit -F arch=b64 -S execve\n").rules);
  assert.equal(task.taskNever?.line, 1);
  const readOnly = coverageOf(parseAuditRules("-w /etc/passwd -p r\n").rules);
  assert.ok(!watchesWrites(readOnly, "/etc/passwd"));
});

Deno.test("auditd: not installed is one finding, not four", async () => {
  using root = makeTree({ "etc/hostname": "x\n", ...proc({ 1: "init" }) });
  const r = await runOne(auditd, root.path);
  assert.equal(r.status, "ok");
  assert.deepEqual(ids(r), ["low audit.not_installed"]);
});

Deno.test("auditd: Debian's default rules (buffers only) are one 'no rules' finding", async () => {
  const r = await runOne(auditd, fixtureRoot("audit-debian-default"));
  assert.deepEqual(ids(r), ["low audit.rules.empty"]);
  assert.deepEqual(r.warnings, []);
});

Deno.test("auditd: the STIG example rules miss execve and privilege changes, nothing else", async () => {
  const r = await runOne(auditd, fixtureRoot("audit-stig"));
  assert.deepEqual(ids(r), ["low audit.coverage.execve", "low audit.coverage.privilege"]);
  assert.equal(r.outcome.results[0].checks_passed, 5);
  assert.deepEqual(r.warnings, []);
});

Deno.test("auditd: complete rules pass everything; sudoers is required only where it exists", async () => {
  using root = makeTree({ ...INSTALLED, ...RUNNING, "etc/audit/rules.d/50-full.rules": FULL });
  const r = await runOne(auditd, root.path);
  assert.deepEqual(ids(r), []);
  assert.equal(r.outcome.results[0].checks_passed, 7);
  using withSudo = makeTree({
    ...INSTALLED,
    ...RUNNING,
    "etc/audit/rules.d/50-full.rules": FULL,
    "etc/sudoers": "",
  });
  const s = await runOne(auditd, withSudo.path);
  assert.deepEqual(ids(s), ["low audit.coverage.identity"]);
  assert.deepEqual(s.findings[0].metadata.missing, ["/etc/sudoers"]);
});

Deno.test("auditd: program watches and uid comparisons count as module and privilege coverage", async () => {
  const rules = [
    "-a always,exit -F arch=b64 -S execve -k exec",
    "-a always,exit -F arch=b32 -S execve -k exec",
    "-w /etc/passwd -p wa",
    "-w /etc/shadow -p wa",
    "-w /etc/group -p wa",
    "-w /etc/gshadow -p wa",
    "-w /sbin/insmod -p x -k modules",
    "-w /sbin/modprobe -p x -k modules",
    "-a always,exit -F arch=b64 -S execve -C uid!=euid -F euid=0 -k setuid_exec",
  ].join("\n");
  using root = makeTree({ ...INSTALLED, ...RUNNING, "etc/audit/audit.rules": rules });
  const r = await runOne(auditd, root.path, { includePassed: true });
  const byId = new Map(r.findings.map((f) => [f.check_id, f]));
  assert.equal(byId.get("audit.coverage.modules")?.metadata.passed, true);
  assert.equal(byId.get("audit.coverage.modules")?.metadata.method, "program_watch");
  assert.equal(byId.get("audit.coverage.privilege")?.metadata.passed, true);
  assert.deepEqual(r.findings.filter((f) => f.metadata.passed !== true).map((f) => f.check_id), []);
});

Deno.test("auditd: 64-bit-only rules are one low b32 finding on x86_64", async () => {
  const only64 = FULL.split("\n").filter((l) => !l.includes("b32")).join("\n");
  using root = makeTree({ ...INSTALLED, ...RUNNING, "etc/audit/audit.rules": only64 });
  const r = await runOne(auditd, root.path);
  assert.deepEqual(ids(r), ["low audit.rules.no_b32"]);
  assert.deepEqual(r.findings[0].metadata.syscalls, [
    "execve",
    "execveat",
    "init_module",
    "finit_module",
    "delete_module",
    "setuid",
    "setreuid",
    "setresuid",
  ]);
});

Deno.test("auditd: a never rule in front shadows coverage; -a task,never hides everything in one finding", async () => {
  using shadow = makeTree({
    ...INSTALLED,
    ...RUNNING,
    "etc/audit/rules.d/10-quiet.rules":
      "-a never,exit -F arch=b64 -S execve\n-a never,exit -F arch=b32 -S execve\n",
    "etc/audit/rules.d/50-full.rules": FULL,
  });
  const r = await runOne(auditd, shadow.path);
  assert.deepEqual(ids(r), ["low audit.coverage.execve", "medium audit.rules.suppressed"]);
  using task = makeTree({
    ...INSTALLED,
    ...RUNNING,
    "etc/audit/rules.d/10-no-audit.rules": "-D\n-a task,never\n",
    "etc/audit/rules.d/50-full.rules": FULL,
  });
  const t = await runOne(auditd, task.path);
  assert.deepEqual(ids(t), ["high audit.rules.suppressed"]);
});

Deno.test("auditd: commented-out rules do not count; invalid lines are warnings with file and line", async () => {
  const commented = FULL.split("\n").map((l) => l.includes("execve") ? `# ${l}` : l).join("\n");
  using root = makeTree({ ...INSTALLED, ...RUNNING, "etc/audit/audit.rules": commented + "\n-a bogus\n" });
  const r = await runOne(auditd, root.path);
  assert.deepEqual(ids(r), ["low audit.coverage.execve"]);
  assert.deepEqual(r.warnings.map((w) => [w.code, w.detail]), [
    ["audit_rule_invalid", '/etc/audit/audit.rules:12: bad list,action "bogus"'],
  ]);
});

Deno.test("auditd: an offline image without /proc judges the rules and says nothing about the daemon", async () => {
  using root = makeTree({ ...INSTALLED, "etc/audit/rules.d/50-full.rules": FULL });
  const r = await runOne(auditd, root.path, { includePassed: true });
  assert.deepEqual(r.warnings, []);
  assert.ok(!r.findings.some((f) => f.check_id === "audit.daemon.not_running"));
  assert.ok(r.findings.every((f) => f.metadata.passed === true));
});

Deno.test("auditd: installed but not running is high", async () => {
  using root = makeTree({
    ...INSTALLED,
    ...proc({ 1: "systemd", 77: "sshd" }),
    "etc/audit/rules.d/50-full.rules": FULL,
  });
  const r = await runOne(auditd, root.path);
  assert.deepEqual(ids(r), ["high audit.daemon.not_running"]);
});

Deno.test("auditd: auditctl -l and -s output is read through runProgram; failures are problems", async () => {
  using dir = makeTree({
    "auditctl": {
      mode: 0o755,
      content: [
        "#!/bin/sh",
        'if [ "$1" = "-l" ]; then',
        "  echo '-a always,exit -F arch=b64 -S execve,execveat -F key=exec'",
        "  echo '-w /etc/passwd -p wa -k identity'",
        "  echo '-a bogus'",
        "else",
        "  printf 'enabled 0\\nfailure 1\\npid 0\\n'",
        "fi",
      ].join("\n") + "\n",
    },
    "broken": { mode: 0o755, content: "#!/bin/sh\necho 'You must be root' >&2\nexit 1\n" },
    "empty": { mode: 0o755, content: "#!/bin/sh\n[ \"$1\" = -l ] && echo 'No rules' || echo 'enabled 2'\n" },
  });
  const k = await readKernelAudit(`${dir.path}/auditctl`);
  assert.ok(!("problem" in k));
  assert.equal(k.enabled, 0);
  assert.deepEqual(k.rules.map(canonicalRule), [
    "always,exit arch=b64 S=execve,execveat key=exec",
    "watch /etc/passwd aw key=identity",
  ]);
  assert.equal(k.problems.length, 1);
  const b = await readKernelAudit(`${dir.path}/broken`);
  assert.ok("problem" in b && b.problem.includes("exited 1: You must be root"));
  const e = await readKernelAudit(`${dir.path}/empty`);
  assert.ok(!("problem" in e));
  assert.deepEqual([e.rules, e.enabled], [[], 2]);
});

Deno.test("auditd: on the live host, not installed is said exactly when no audit program or /etc/audit exists", async () => {
  const r = await runOne(auditd, "/");
  assert.equal(r.status, "ok");
  const looked = ["/sbin/auditd", "/usr/sbin/auditd", "/sbin/auditctl", "/usr/sbin/auditctl", "/etc/audit"];
  const installed = looked.some((p) => {
    try {
      Deno.lstatSync(p);
      return true;
    } catch {
      return false;
    }
  });
  const missing = r.findings.find((f) => f.check_id === "audit.not_installed");
  if (installed) {
    assert.equal(missing, undefined);
  } else {
    assert.ok(missing, JSON.stringify(r.findings.map((f) => f.id)));
    assert.deepEqual(missing.metadata.looked_for, looked);
  }
});
