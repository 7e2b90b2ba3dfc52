/**
 * kernel_hardening: boot and kernel integrity controls beyond sysctls — lockdown, Secure Boot (read from the
 * real EFI variable) and its dbx, IMA appraisal, TPM, module signature enforcement and modules_disabled.
 * The sysctl table lives in kernel_params; nothing here duplicates it.
 */
import type { ScanContext } from "../core/context.ts";
import type { FindingDraft, Metadata } from "../core/finding.ts";
import type { Scanner } from "../core/scanner.ts";
import { KERNEL_HARDENING_INFO } from "./info/kernel_hardening.ts";

/** The EFI global variable GUID (SecureBoot, SetupMode). */
export const EFI_GLOBAL_GUID = "8be4df61-93ca-11d2-aa0d-00e098032b8c";
/** The EFI image security database GUID (db, dbx). */
export const EFI_IMAGE_SECURITY_GUID = "d719b2cb-3d3a-4596-a3bc-dad00e67656f";
const EFIVARS = "/sys/firmware/efi/efivars";
/** Bytes of the attribute header efivarfs puts before a variable's data. */
const EFIVAR_ATTR_BYTES = 4;
/** Smallest EFI_SIGNATURE_LIST: a 28-byte header. A dbx without one revokes nothing. */
const SIGNATURE_LIST_HEADER = 28;
/** Where securityfs exposes IMA (newer kernels moved it under integrity/, keeping ima as a link). */
const IMA_DIRS = ["/sys/kernel/security/ima", "/sys/kernel/security/integrity/ima"];

/** Parses the lockdown file ("none [integrity] confidentiality"): the bracketed mode, or undefined. */
export function parseLockdown(text: string): string | undefined {
  return text.match(/\[([a-z]+)\]/)?.[1];
}

/** The data byte of an efivarfs variable (4 attribute bytes, then data); undefined when too short. */
export function efivarByte(raw: Uint8Array): number | undefined {
  return raw.length > EFIVAR_ATTR_BYTES ? raw[EFIVAR_ATTR_BYTES] : undefined;
}

/** Parses the kernel command line into key → value (flags without "=" map to ""). */
export function parseCmdline(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const word of text.trim().split(/\s+/)) {
    if (word === "" || word === "--") continue;
    const eq = word.indexOf("=");
    out.set(eq < 0 ? word : word.slice(0, eq), eq < 0 ? "" : word.slice(eq + 1));
  }
  return out;
}

/** Counts appraise and measure rules in an IMA policy (comments and blank lines skipped). */
export function imaPolicyRules(text: string): { appraise: number; measure: number } {
  let appraise = 0;
  let measure = 0;
  for (const line of text.split("\n")) {
    const action = line.trim().split(/\s+/)[0];
    if (action === "appraise") appraise++;
    else if (action === "measure") measure++;
  }
  return { appraise, measure };
}

/** Hypervisor hints from DMI, /sys/hypervisor and the cpuinfo flag; undefined on bare metal (as far as visible). */
function detectVirtualization(ctx: ScanContext): string | undefined {
  const dmi = ["sys_vendor", "product_name", "board_vendor"].map((f) => {
    const r = ctx.host.readText(`/sys/class/dmi/id/${f}`, 256);
    return r.ok ? r.value.trim() : "";
  }).join(" ");
  const m = dmi.match(
    /QEMU|KVM|VMware|VirtualBox|innotek|Xen|Microsoft Corporation Virtual|Hyper-V|Amazon EC2|Google Compute|Parallels|Bochs|OpenStack|Firecracker/i,
  );
  if (m) return m[0];
  const hv = ctx.host.readText("/sys/hypervisor/type", 64);
  if (hv.ok && hv.value.trim() !== "") return hv.value.trim();
  const cpu = ctx.host.readText("/proc/cpuinfo", 1 << 20);
  if (cpu.ok && /^flags\s*:.*\bhypervisor\b/m.test(cpu.value)) return "cpuinfo hypervisor flag";
  return undefined;
}

/** securityfs state: mounted (with its LSM list) or not visible. */
function securityfs(ctx: ScanContext): { mounted: boolean; lsms: string[] } {
  const lsm = ctx.host.readText("/sys/kernel/security/lsm", 4096);
  if (lsm.ok) return { mounted: true, lsms: lsm.value.trim().split(",").filter((s) => s !== "") };
  const dir = ctx.host.readDir("/sys/kernel/security", 100);
  return { mounted: dir.ok && dir.value.length > 0, lsms: [] };
}

function secureBootState(
  ctx: ScanContext,
): { efi: boolean; enabled?: boolean; draft?: FindingDraft; dbx?: FindingDraft } {
  if (!ctx.host.exists("/sys/firmware/efi")) return { efi: false };
  const meta: Metadata = {};
  let sb: number | undefined;
  let setupMode: number | undefined;
  const modern = ctx.host.readBytes(`${EFIVARS}/SecureBoot-${EFI_GLOBAL_GUID}`, 64);
  if (modern.ok) {
    sb = efivarByte(modern.value);
    if (sb === undefined) {
      ctx.warn(
        "efivar_unparsable",
        `${EFIVARS}/SecureBoot-${EFI_GLOBAL_GUID}: ${modern.value.length} bytes, no data byte`,
      );
      return { efi: true };
    }
    const setup = ctx.host.readBytes(`${EFIVARS}/SetupMode-${EFI_GLOBAL_GUID}`, 64);
    if (setup.ok) setupMode = efivarByte(setup.value);
    meta.source = `${EFIVARS}/SecureBoot-${EFI_GLOBAL_GUID}`;
  } else {
    const legacy = ctx.host.readBytes(`/sys/firmware/efi/vars/SecureBoot-${EFI_GLOBAL_GUID}/data`, 64);
    if (legacy.ok) {
      sb = legacy.value[0];
      meta.source = `/sys/firmware/efi/vars/SecureBoot-${EFI_GLOBAL_GUID}/data`;
    } else if (!ctx.host.readDir(EFIVARS, 1).ok) {
      ctx.warn("efivars_unavailable", `${EFIVARS} is not mounted or not readable: Secure Boot state unknown`);
      return { efi: true };
    }
  }
  meta.efi = true;
  if (sb !== undefined) meta.secure_boot = sb === 1;
  if (setupMode !== undefined) meta.setup_mode = setupMode === 1;
  const enabled = sb === 1;
  const draft: FindingDraft = {
    check_id: "kernel.secureboot.disabled",
    subject: "",
    passed: enabled,
    description: sb === undefined
      ? "The firmware is UEFI but exposes no SecureBoot variable: it does not support Secure Boot."
      : enabled
      ? "UEFI Secure Boot is enabled."
      : `UEFI Secure Boot is disabled${
        setupMode === 1 ? " and the firmware is in setup mode (anyone can enrol keys)" : ""
      }.`,
    ...(setupMode === 1 ? { severity: "medium" as const } : {}),
    metadata: meta,
  };
  if (!enabled) return { efi: true, enabled, draft };
  const dbxPath = `${EFIVARS}/dbx-${EFI_IMAGE_SECURITY_GUID}`;
  const dbx = ctx.host.stat(dbxPath);
  const size = dbx.ok ? dbx.value.size : 0;
  const present = dbx.ok && size >= EFIVAR_ATTR_BYTES + SIGNATURE_LIST_HEADER;
  return {
    efi: true,
    enabled,
    draft,
    dbx: {
      check_id: "kernel.secureboot.dbx_missing",
      subject: "",
      passed: present,
      description: present
        ? `The dbx revocation list is present (${size} bytes).`
        : dbx.ok
        ? `The dbx variable holds no signature list (${size} bytes): nothing is revoked.`
        : "Secure Boot is on but the firmware has no dbx variable: no boot loader is revoked.",
      metadata: { path: dbxPath, present: dbx.ok, bytes: size },
    },
  };
}

function lockdownDraft(
  ctx: ScanContext,
  sec: { mounted: boolean; lsms: string[] },
  secureBoot: boolean | undefined,
): { mode?: string; draft?: FindingDraft } {
  const r = ctx.host.readText("/sys/kernel/security/lockdown", 256);
  let mode: string | undefined;
  if (r.ok) {
    mode = parseLockdown(r.value);
    if (mode === undefined) {
      ctx.warn(
        "lockdown_unparsable",
        `/sys/kernel/security/lockdown: ${JSON.stringify(r.value.slice(0, 64))}`,
      );
      return {};
    }
  } else if (!sec.mounted) {
    if (ctx.host.isLive || ctx.host.exists("/sys/kernel")) {
      ctx.warn(
        "securityfs_unmounted",
        "/sys/kernel/security is not mounted: lockdown and IMA state cannot be read",
      );
    }
    return {};
  } else if (sec.lsms.length > 0 && !sec.lsms.includes("lockdown")) {
    mode = "unavailable";
  } else {
    if (r.reason !== "missing") {
      ctx.warn("lockdown_unreadable", `/sys/kernel/security/lockdown: ${r.message}`);
    }
    return {};
  }
  const active = mode === "integrity" || mode === "confidentiality";
  return {
    mode,
    draft: {
      check_id: "kernel.lockdown.none",
      subject: "",
      passed: active,
      severity: secureBoot ? "medium" : undefined,
      description: active
        ? `Kernel lockdown is in ${mode} mode.`
        : mode === "unavailable"
        ? "The lockdown LSM is not enabled in this kernel."
        : `Kernel lockdown is off${
          secureBoot
            ? " even though Secure Boot is on, so the boot chain's guarantees stop at the kernel"
            : ""
        }.`,
      metadata: { mode, ...(sec.lsms.length > 0 ? { lsms: sec.lsms } : {}) },
    },
  };
}

function imaDraft(
  ctx: ScanContext,
  sec: { mounted: boolean },
  cmdline: Map<string, string>,
): FindingDraft | undefined {
  const meta: Metadata = {};
  const policyArg = cmdline.get("ima_policy");
  const appraiseArg = cmdline.get("ima_appraise");
  if (policyArg !== undefined) meta.cmdline_ima_policy = policyArg;
  if (appraiseArg !== undefined) meta.cmdline_ima_appraise = appraiseArg;
  const notEnforcing = appraiseArg !== undefined && appraiseArg !== "enforce";
  let appraiseRules: number | undefined;
  const imaBase = IMA_DIRS.find((d) => ctx.host.stat(d).ok);
  if (sec.mounted && imaBase !== undefined) {
    meta.ima = true;
    const count = ctx.host.readText(`${imaBase}/runtime_measurements_count`, 64);
    if (count.ok && /^\d+$/.test(count.value.trim())) meta.measurement_count = Number(count.value.trim());
    const policy = ctx.host.readText(`${imaBase}/policy`, 1 << 20);
    meta.policy_readable = policy.ok;
    if (!policy.ok && policyArg === undefined) {
      ctx.warn("ima_policy_unreadable", `${imaBase}/policy: ${policy.message}`);
    }
    if (policy.ok) {
      const rules = imaPolicyRules(policy.value);
      meta.appraise_rules = rules.appraise;
      meta.measure_rules = rules.measure;
      appraiseRules = rules.appraise;
    }
  } else if (sec.mounted) {
    meta.ima = false;
    appraiseRules = 0;
  }
  if (appraiseRules === undefined && policyArg !== undefined) {
    appraiseRules = policyArg.split("|").some((p) => p.includes("appraise")) ? 1 : 0;
  }
  if (appraiseRules === undefined) return undefined;
  const enforced = appraiseRules > 0 && !notEnforcing;
  return {
    check_id: "kernel.ima.appraisal_off",
    subject: "",
    passed: enforced,
    description: enforced
      ? "IMA appraisal rules are active."
      : meta.ima === false
      ? "IMA is not enabled in this kernel."
      : notEnforcing
      ? `IMA appraisal is in ${appraiseArg} mode (ima_appraise=${appraiseArg}), which does not refuse files.`
      : "IMA is present but its policy has no appraise rules.",
    metadata: meta,
  };
}

function tpmDraft(ctx: ScanContext): FindingDraft | undefined {
  if (!ctx.host.exists("/sys/class") && !ctx.host.exists("/dev")) return undefined;
  const sysfs = ctx.host.exists("/sys/class/tpm/tpm0");
  const dev = ["/dev/tpm0", "/dev/tpmrm0"].filter((p) => ctx.host.exists(p));
  const present = sysfs || dev.length > 0;
  const meta: Metadata = { sysfs: sysfs, devices: dev };
  if (sysfs) {
    const v = ctx.host.readText("/sys/class/tpm/tpm0/tpm_version_major", 16);
    if (v.ok && /^\d+$/.test(v.value.trim())) meta.version = Number(v.value.trim());
  }
  const virt = present ? undefined : detectVirtualization(ctx);
  if (virt) meta.virtualization = virt;
  return {
    check_id: "kernel.tpm.absent",
    subject: "",
    passed: present,
    severity: virt ? "info" : undefined,
    description: present
      ? `A TPM${meta.version ? ` ${meta.version}.x` : ""} is present.`
      : virt
      ? `No TPM device; this is a virtual machine (${virt}) without a virtual TPM.`
      : "No TPM device is visible (/sys/class/tpm/tpm0, /dev/tpm0, /dev/tpmrm0).",
    metadata: meta,
  };
}

function moduleDrafts(ctx: ScanContext, lockdown: string | undefined): FindingDraft[] {
  const disabled = ctx.host.readText("/proc/sys/kernel/modules_disabled", 16);
  const procModules = ctx.host.exists("/proc/modules");
  if (!disabled.ok && !procModules) {
    if (!ctx.host.exists("/proc/sys/kernel")) return [];
    const meta = { modules_supported: false };
    const description = "The kernel has no loadable module support: no module can be loaded.";
    return [
      { check_id: "kernel.modules.sig_enforce_off", subject: "", passed: true, description, metadata: meta },
      { check_id: "kernel.modules.loading_enabled", subject: "", passed: true, description, metadata: meta },
    ];
  }
  const out: FindingDraft[] = [];
  const off = disabled.ok && disabled.value.trim() === "1";
  if (disabled.ok) {
    out.push({
      check_id: "kernel.modules.loading_enabled",
      subject: "",
      passed: off,
      description: off
        ? "kernel.modules_disabled=1: no further modules can be loaded."
        : "kernel.modules_disabled=0: root can still load kernel modules.",
      metadata: { path: "/proc/sys/kernel/modules_disabled", value: disabled.value.trim() },
    });
  }
  const sig = ctx.host.readText("/sys/module/module/parameters/sig_enforce", 16);
  const enforce = sig.ok && /^(Y|1)$/.test(sig.value.trim());
  const byLockdown = lockdown === "integrity" || lockdown === "confidentiality";
  if (!sig.ok && !ctx.host.exists("/sys/module")) return out;
  const passed = enforce || byLockdown || off;
  const meta: Metadata = {
    sig_enforce: sig.ok ? sig.value.trim() : "unsupported",
    path: "/sys/module/module/parameters/sig_enforce",
  };
  if (lockdown) meta.lockdown = lockdown;
  out.push({
    check_id: "kernel.modules.sig_enforce_off",
    subject: "",
    passed,
    description: enforce
      ? "Module signatures are enforced (sig_enforce=Y)."
      : byLockdown
      ? `Module signatures are enforced by lockdown (${lockdown}).`
      : off
      ? "Module loading is disabled (modules_disabled=1)."
      : sig.ok
      ? "sig_enforce=N and lockdown is off: unsigned modules load (only tainting the kernel)."
      : "The kernel was built without module signature checking: any module can be loaded.",
    metadata: meta,
  });
  return out;
}

async function* run(ctx: ScanContext): AsyncGenerator<FindingDraft> {
  if (!ctx.host.exists("/sys") && !ctx.host.exists("/proc/sys")) {
    ctx.skip(
      `no /sys or /proc under ${ctx.host.root}: kernel hardening state is only readable on a running system`,
    );
    return;
  }
  const sec = securityfs(ctx);
  const cmd = ctx.host.readText("/proc/cmdline", 64 << 10);
  const cmdline = cmd.ok ? parseCmdline(cmd.value) : new Map<string, string>();
  const sb = secureBootState(ctx);
  const lockdown = lockdownDraft(ctx, sec, sb.enabled);
  for (const d of [lockdown.draft, sb.draft, sb.dbx, imaDraft(ctx, sec, cmdline), tpmDraft(ctx)]) {
    if (d) yield d;
  }
  yield* moduleDrafts(ctx, lockdown.mode);
}

/** The kernel_hardening scanner (runs with --hardening). */
export const kernelHardening: Scanner = { ...KERNEL_HARDENING_INFO, run };
