import assert from "node:assert/strict";
import {
  efivarByte,
  imaPolicyRules,
  kernelHardening,
  parseCmdline,
  parseLockdown,
} from "../../src/scanners/kernel_hardening.ts";
import { fixtureRoot, makeTree, runOne, testConfig, type TreeEntry } from "../helpers.ts";

const SB = "sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c";
const SETUP = "sys/firmware/efi/efivars/SetupMode-8be4df61-93ca-11d2-aa0d-00e098032b8c";
const DBX = "sys/firmware/efi/efivars/dbx-d719b2cb-3d3a-4596-a3bc-dad00e67656f";
const ALL = [
  "kernel.ima.appraisal_off",
  "kernel.lockdown.none",
  "kernel.modules.loading_enabled",
  "kernel.modules.sig_enforce_off",
  "kernel.secureboot.dbx_missing",
  "kernel.secureboot.disabled",
  "kernel.tpm.absent",
];

/** The committed secure host as makeTree entries, to vary it. */
function secure(): Record<string, TreeEntry> {
  const root = fixtureRoot("hardening-secure");
  const out: Record<string, TreeEntry> = { "dev/null-dir": { dir: true } };
  const walk = (rel: string) => {
    for (const e of Deno.readDirSync(`${root}/${rel}`)) {
      const p = rel === "" ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory) walk(p);
      else out[p] = { content: Deno.readFileSync(`${root}/${p}`) };
    }
  };
  walk("");
  return out;
}

const efivar = (data: number) => ({ content: new Uint8Array([6, 0, 0, 0, data]) });
const ids = (r: Awaited<ReturnType<typeof runOne>>) => r.findings.map((f) => f.check_id).sort();

Deno.test("kernel_hardening: runs only with --hardening", () => {
  assert.equal(kernelHardening.enabledByDefault(testConfig()), false);
  assert.equal(kernelHardening.enabledByDefault(testConfig({ hardening: true })), true);
});

Deno.test("kernel_hardening: a fully hardened host passes every check and emits nothing", async () => {
  const r = await runOne(kernelHardening, fixtureRoot("hardening-secure"));
  assert.equal(r.status, "ok");
  assert.deepEqual(r.findings, []);
  assert.deepEqual([...r.passed].sort(), ALL);
  assert.deepEqual(r.warnings, []);
});

Deno.test("kernel_hardening: a weak bare-metal host fires each check with its severity", async () => {
  using t = makeTree({
    ...secure(),
    [SB]: efivar(0),
    "sys/kernel/security/lockdown": "[none] integrity confidentiality\n",
    "sys/kernel/security/ima/policy": "measure func=BPRM_CHECK\n# appraise func=BPRM_CHECK\n",
    "sys/class/tpm/tpm0/tpm_version_major": "",
    "sys/module/module/parameters/sig_enforce": "N\n",
    "proc/sys/kernel/modules_disabled": "0\n",
  });
  Deno.removeSync(`${t.path}/sys/class/tpm`, { recursive: true });
  const r = await runOne(kernelHardening, t.path);
  const sev = Object.fromEntries(r.findings.map((f) => [f.check_id, f.severity]));
  assert.deepEqual(sev, {
    "kernel.lockdown.none": "low",
    "kernel.secureboot.disabled": "low",
    "kernel.ima.appraisal_off": "info",
    "kernel.tpm.absent": "low",
    "kernel.modules.loading_enabled": "info",
    "kernel.modules.sig_enforce_off": "low",
  });
  const sb = r.findings.find((f) => f.check_id === "kernel.secureboot.disabled")!;
  assert.equal(sb.metadata.secure_boot, false);
  assert.equal(r.findings.find((f) => f.check_id === "kernel.ima.appraisal_off")!.metadata.measure_rules, 1);
});

Deno.test("kernel_hardening: Secure Boot on without lockdown or dbx; setup mode raises severity", async () => {
  using t = makeTree({ ...secure(), "sys/kernel/security/lockdown": "[none] integrity\n", [DBX]: efivar(0) });
  const r = await runOne(kernelHardening, t.path);
  assert.deepEqual(ids(r), ["kernel.lockdown.none", "kernel.secureboot.dbx_missing"]);
  assert.equal(r.findings.find((f) => f.check_id === "kernel.lockdown.none")!.severity, "medium");
  assert.match(
    r.findings.find((f) => f.check_id === "kernel.secureboot.dbx_missing")!.description,
    /no signature list/,
  );
  using noDbx = makeTree(secure());
  Deno.removeSync(`${noDbx.path}/${DBX}`);
  assert.deepEqual(ids(await runOne(kernelHardening, noDbx.path)), ["kernel.secureboot.dbx_missing"]);
  using setup = makeTree({ ...secure(), [SB]: efivar(0), [SETUP]: efivar(1) });
  const s = await runOne(kernelHardening, setup.path);
  const f = s.findings.find((x) => x.check_id === "kernel.secureboot.disabled")!;
  assert.equal(f.severity, "medium");
  assert.equal(f.metadata.setup_mode, true);
});

Deno.test("kernel_hardening: no EFI is not applicable; a legacy efivars path is read", async () => {
  using t = makeTree(secure());
  Deno.removeSync(`${t.path}/sys/firmware`, { recursive: true });
  const r = await runOne(kernelHardening, t.path);
  assert.deepEqual(r.findings, []);
  assert.ok(!r.passed.some((p) => p.startsWith("kernel.secureboot")));
  using legacy = makeTree({
    ...secure(),
    "sys/firmware/efi/vars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c/data": {
      content: new Uint8Array([0]),
    },
  });
  Deno.removeSync(`${legacy.path}/sys/firmware/efi/efivars`, { recursive: true });
  assert.deepEqual(ids(await runOne(kernelHardening, legacy.path)), ["kernel.secureboot.disabled"]);
});

Deno.test("kernel_hardening: a VM without a TPM is info, not low", async () => {
  using t = makeTree({ ...secure(), "sys/class/dmi/id/sys_vendor": "QEMU\n" });
  Deno.removeSync(`${t.path}/sys/class/tpm`, { recursive: true });
  const r = await runOne(kernelHardening, t.path);
  assert.deepEqual(ids(r), ["kernel.tpm.absent"]);
  assert.equal(r.findings[0].severity, "info");
  assert.equal(r.findings[0].metadata.virtualization, "QEMU");
});

Deno.test("kernel_hardening: lockdown enforces signatures when sig_enforce is N; no lockdown LSM is 'unavailable'", async () => {
  using t = makeTree({
    ...secure(),
    "sys/module/module/parameters/sig_enforce": "N\n",
    "proc/sys/kernel/modules_disabled": "0\n",
  });
  const r = await runOne(kernelHardening, t.path);
  assert.deepEqual(ids(r), ["kernel.modules.loading_enabled"]);
  using noLsm = makeTree({ ...secure(), "sys/kernel/security/lsm": "capability,apparmor,ima" });
  Deno.removeSync(`${noLsm.path}/sys/kernel/security/lockdown`);
  const r2 = await runOne(kernelHardening, noLsm.path);
  assert.deepEqual(ids(r2), ["kernel.lockdown.none"]);
  assert.equal(r2.findings[0].metadata.mode, "unavailable");
});

Deno.test("kernel_hardening: IMA from the command line and in fix mode", async () => {
  using fix = makeTree({ ...secure(), "proc/cmdline": "ro ima_appraise=fix ima_policy=tcb|appraise_tcb\n" });
  const r = await runOne(kernelHardening, fix.path);
  assert.deepEqual(ids(r), ["kernel.ima.appraisal_off"]);
  assert.match(r.findings[0].description, /fix mode/);
  using cmd = makeTree({ ...secure(), "proc/cmdline": "ro ima_policy=appraise_tcb\n" });
  Deno.removeSync(`${cmd.path}/sys/kernel/security/ima/policy`);
  const r2 = await runOne(kernelHardening, cmd.path);
  assert.deepEqual(r2.findings, []);
  assert.ok(r2.passed.includes("kernel.ima.appraisal_off"));
});

Deno.test("kernel_hardening: IMA under securityfs integrity/ima is found", async () => {
  const t0 = secure();
  for (const f of ["policy", "runtime_measurements_count"]) {
    t0[`sys/kernel/security/integrity/ima/${f}`] = t0[`sys/kernel/security/ima/${f}`];
    delete t0[`sys/kernel/security/ima/${f}`];
  }
  using t = makeTree(t0);
  assert.throws(() => Deno.statSync(`${t.path}/sys/kernel/security/ima`));
  const r = await runOne(kernelHardening, t.path, { includePassed: true });
  const ima = r.findings.find((f) => f.check_id === "kernel.ima.appraisal_off")!;
  assert.equal(ima.metadata.passed, true);
  assert.equal(ima.metadata.measurement_count, 1234);
});

Deno.test("kernel_hardening: unmounted securityfs and garbage files are warnings", async () => {
  using t = makeTree({ ...secure(), [SB]: { content: new Uint8Array([6, 0, 0]) } });
  Deno.removeSync(`${t.path}/sys/kernel/security`, { recursive: true });
  Deno.mkdirSync(`${t.path}/sys/kernel/security`);
  const r = await runOne(kernelHardening, t.path);
  assert.deepEqual(r.warnings.map((w) => w.code).sort(), ["efivar_unparsable", "securityfs_unmounted"]);
  assert.ok(!r.passed.includes("kernel.lockdown.none") && !r.passed.includes("kernel.ima.appraisal_off"));
  using g = makeTree({ ...secure(), "sys/kernel/security/lockdown": "\u0000garbage\n" });
  const r2 = await runOne(kernelHardening, g.path);
  assert.deepEqual(r2.warnings.map((w) => w.code), ["lockdown_unparsable"]);
});

Deno.test("kernel_hardening: a kernel without module support passes both module checks", async () => {
  using t = makeTree({ ...secure(), "sys/module/module/parameters/sig_enforce": "N\n" });
  Deno.removeSync(`${t.path}/proc/modules`);
  Deno.removeSync(`${t.path}/proc/sys/kernel/modules_disabled`);
  const r = await runOne(kernelHardening, t.path, { includePassed: true });
  const mods = r.findings.filter((f) => f.check_id.startsWith("kernel.modules"));
  assert.equal(mods.length, 2);
  assert.ok(mods.every((f) => f.metadata.passed === true && f.metadata.modules_supported === false));
});

Deno.test("kernel_hardening: a root without /sys or /proc is skipped", async () => {
  using t = makeTree({ "etc/hostname": "x\n" });
  const r = await runOne(kernelHardening, t.path);
  assert.equal(r.status, "skipped");
});

Deno.test("kernel_hardening: parsers on empty and garbage input", () => {
  assert.equal(parseLockdown("none [integrity] confidentiality"), "integrity");
  assert.equal(parseLockdown(""), undefined);
  assert.equal(parseLockdown("[] none"), undefined);
  assert.equal(efivarByte(new Uint8Array([6, 0, 0, 0])), undefined);
  assert.equal(efivarByte(new Uint8Array([6, 0, 0, 0, 1])), 1);
  assert.deepEqual([...parseCmdline("a=1 b -- c=x=y ")], [["a", "1"], ["b", ""], ["c", "x=y"]]);
  assert.equal(parseCmdline("").size, 0);
  assert.deepEqual(
    imaPolicyRules("#appraise\n appraise func=X\nmeasure\ndont_measure fsmagic=0x9fa0\n\u00ff"),
    {
      appraise: 1,
      measure: 1,
    },
  );
});

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

function read(path: string): string | undefined {
  try {
    return Deno.readTextFileSync(path).trim();
  } catch {
    return undefined;
  }
}

Deno.test("kernel_hardening: on the live host the TPM, module and securityfs verdicts match what the kernel shows", async () => {
  const r = await runOne(kernelHardening, "/", { includePassed: true });
  assert.equal(r.status, "ok");
  const verdict = (id: string) => {
    const f = r.findings.find((x) => x.check_id === id);
    return f === undefined ? "not checked" : f.metadata.passed === true ? "pass" : "fail";
  };
  const tpm = ["/sys/class/tpm/tpm0", "/dev/tpm0", "/dev/tpmrm0"].some(exists);
  assert.equal(verdict("kernel.tpm.absent"), tpm ? "pass" : "fail");
  const disabled = read("/proc/sys/kernel/modules_disabled");
  // No modules_disabled and no /proc/modules: a kernel without loadable modules, which passes.
  const noModules = disabled === undefined && !exists("/proc/modules");
  assert.equal(
    verdict("kernel.modules.loading_enabled"),
    noModules ? "pass" : disabled === undefined ? "not checked" : disabled === "1" ? "pass" : "fail",
  );
  if (noModules) assert.equal(verdict("kernel.modules.sig_enforce_off"), "pass");
  if (read("/sys/module/module/parameters/sig_enforce") === "Y") {
    assert.equal(verdict("kernel.modules.sig_enforce_off"), "pass");
  }
  const securityfs = Deno.readTextFileSync("/proc/self/mountinfo").split("\n")
    .some((l) => l.split(" ")[4] === "/sys/kernel/security");
  assert.equal(
    r.warnings.some((w) => w.code === "securityfs_unmounted"),
    !securityfs,
    JSON.stringify(r.warnings),
  );
});
