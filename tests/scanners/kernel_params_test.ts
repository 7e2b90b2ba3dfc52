import assert from "node:assert/strict";
import { kernelParams, parseSysctlInt, sysctlPath } from "../../src/scanners/kernel_params.ts";
import { meets, SYSCTL_RULES } from "../../src/scanners/sysctl_table.ts";
import { makeTree, runOne } from "../helpers.ts";

function goodValues(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of SYSCTL_RULES) {
    const e = r.expect;
    const v = "eq" in e ? e.eq : "min" in e ? e.min : "max" in e ? e.max : e.oneOf[0];
    out[sysctlPath(r.key).slice(1)] = `${v}\n`;
  }
  return out;
}

Deno.test("kernel_params: every expectation met gives no findings and counts passes", async () => {
  using root = makeTree(goodValues());
  const r = await runOne(kernelParams, root.path);
  assert.deepEqual(r.status, "ok");
  assert.deepEqual(r.findings, []);
  assert.deepEqual(r.outcome.results[0].checks_passed, SYSCTL_RULES.length);
});

Deno.test("kernel_params: stricter values pass (kptr_restrict=2, perf_event_paranoid=3)", async () => {
  using root = makeTree({
    ...goodValues(),
    "proc/sys/kernel/kptr_restrict": "2\n",
    "proc/sys/kernel/perf_event_paranoid": "3\n",
    "proc/sys/net/core/bpf_jit_harden": "2\n",
  });
  const r = await runOne(kernelParams, root.path);
  assert.deepEqual(r.findings, []);
});

Deno.test("kernel_params: weak values fire with current/desired metadata and the table severity", async () => {
  using root = makeTree({
    ...goodValues(),
    "proc/sys/kernel/randomize_va_space": "0\n",
    "proc/sys/kernel/kptr_restrict": "0\n",
    "proc/sys/net/ipv4/conf/all/rp_filter": "2\n",
  });
  const r = await runOne(kernelParams, root.path);
  const byId = new Map(r.findings.map((f) => [f.check_id, f]));
  assert.deepEqual([...byId.keys()].sort(), [
    "kernel.sysctl.ipv4_all_rp_filter",
    "kernel.sysctl.kptr_restrict",
    "kernel.sysctl.randomize_va_space",
  ]);
  const aslr = byId.get("kernel.sysctl.randomize_va_space")!;
  assert.deepEqual(aslr.severity, "medium");
  assert.deepEqual(aslr.metadata.current, 0);
  assert.deepEqual(aslr.metadata.desired, "2");
  assert.deepEqual(aslr.id, "kernel.sysctl.randomize_va_space");
});

Deno.test("kernel_params: include-passed emits passing checks as info", async () => {
  using root = makeTree(goodValues());
  const r = await runOne(kernelParams, root.path, { includePassed: true });
  assert.deepEqual(r.findings.length, SYSCTL_RULES.length);
  assert.ok(r.findings.every((f) => f.severity === "info" && f.metadata.passed === true));
});

Deno.test("kernel_params: garbage and empty values are warnings, missing keys are silent", async () => {
  using root = makeTree({
    "proc/sys/kernel/randomize_va_space": "two\n",
    "proc/sys/kernel/kptr_restrict": "",
    "proc/sys/kernel/sysrq": "0 1\n",
  });
  const r = await runOne(kernelParams, root.path);
  assert.deepEqual(r.findings, []);
  assert.deepEqual(r.warnings.map((w) => w.code), [
    "param_unparsable",
    "param_unparsable",
    "param_unparsable",
  ]);
});

Deno.test("kernel_params: a root without /proc/sys is skipped with a reason", async () => {
  using root = makeTree({ "etc/hostname": "x\n" });
  const r = await runOne(kernelParams, root.path);
  assert.deepEqual(r.status, "skipped");
  assert.ok(r.reason?.includes("/proc/sys"));
});

Deno.test("parseSysctlInt rejects non-integers", () => {
  assert.deepEqual(parseSysctlInt(" 2\n"), 2);
  assert.deepEqual(parseSysctlInt("-1"), -1);
  assert.deepEqual(parseSysctlInt("1 2"), undefined);
  assert.deepEqual(parseSysctlInt(""), undefined);
  assert.deepEqual(parseSysctlInt("0x1"), undefined);
  assert.deepEqual(parseSysctlInt("9".repeat(40)), undefined);
});

Deno.test("kernel_params: on the live host every readable sysctl is checked, with the value the kernel shows", async () => {
  const r = await runOne(kernelParams, "/");
  assert.equal(r.status, "ok");
  assert.deepEqual(r.warnings, []);
  const expected = new Map<string, { current: number; passed: boolean }>();
  for (const rule of SYSCTL_RULES) {
    let text: string;
    try {
      text = Deno.readTextFileSync(sysctlPath(rule.key));
    } catch {
      continue; // not in this kernel: not checked
    }
    const current = parseSysctlInt(text)!;
    expected.set(`kernel.sysctl.${rule.name}`, { current, passed: meets(current, rule.expect) });
  }
  assert.ok(expected.size > 10, `only ${expected.size} sysctls readable`);
  const seen = new Map<string, { current: number; passed: boolean }>();
  for (const f of r.findings) seen.set(f.check_id, { current: f.metadata.current as number, passed: false });
  for (const id of r.passed) seen.set(id, { current: expected.get(id)?.current ?? NaN, passed: true });
  assert.deepEqual(seen, expected);
});
