/** The kernel_hardening scanner's descriptor: name, gates and check catalogue (data only; the code is in the scanner's module). */
import type { CheckInput } from "../../core/catalogue.ts";
import type { Severity } from "../../core/severity.ts";
import type { ScannerInfo } from "../../core/scanner.ts";

const NAME = "kernel_hardening";

const mk = (
  id: string,
  title: string,
  severity: Severity,
  rationale: string,
  remediation: string,
  mitre: string[],
): CheckInput => ({
  id,
  scanner: NAME,
  title,
  severity,
  category: "kernel_param",
  hardening: true,
  rationale,
  remediation,
  mitre,
});

const checks: CheckInput[] = [
  mk(
    "kernel.lockdown.none",
    "Kernel lockdown is not active",
    "low",
    "Without lockdown, root can change the running kernel (/dev/mem, kexec of unsigned kernels, unsigned modules, " +
      "BPF writes to kernel memory).",
    "Boot with lockdown=integrity (or enable Secure Boot, which turns it on in most distributions).",
    ["T1014"],
  ),
  mk(
    "kernel.secureboot.disabled",
    "UEFI Secure Boot is disabled",
    "low",
    "Without Secure Boot, a bootkit or a modified kernel or initramfs runs before any operating-system defence.",
    "Enable Secure Boot in the firmware setup (enrol the distribution's shim keys first if needed).",
    ["T1542.003"],
  ),
  mk(
    "kernel.secureboot.dbx_missing",
    "UEFI revocation list (dbx) is missing or empty",
    "low",
    "With Secure Boot on but no dbx entries, boot loaders with known bypasses (BootHole, BlackLotus) are still " +
      "trusted.",
    "Apply the firmware/dbx updates of your vendor (fwupdmgr update, or the distribution's secureboot-db package).",
    ["T1542.003"],
  ),
  mk(
    "kernel.ima.appraisal_off",
    "IMA appraisal is not enforced",
    "info",
    "Integrity Measurement Architecture appraisal refuses to run files whose hash or signature does not match; " +
      "without it, replaced binaries run.",
    "Where file integrity enforcement is required, boot with ima_policy=appraise_tcb ima_appraise=enforce and label " +
      "files (evmctl).",
    ["T1554"],
  ),
  mk(
    "kernel.tpm.absent",
    "No TPM device",
    "low",
    "Without a TPM there is no measured boot, no sealed disk keys and no remote attestation of the boot chain.",
    "Enable the TPM in the firmware (or give the VM a virtual TPM) and use it for measured boot.",
    ["T1542"],
  ),
  mk(
    "kernel.modules.sig_enforce_off",
    "Unsigned kernel modules can be loaded",
    "low",
    "Without module signature enforcement (module.sig_enforce=1 or lockdown), root can load any kernel module, the " +
      "usual way rootkits enter the kernel.",
    "Boot with module.sig_enforce=1 (and sign any DKMS modules with an enrolled MOK key), or enable lockdown.",
    ["T1547.006"],
  ),
  mk(
    "kernel.modules.loading_enabled",
    "Kernel module loading is still allowed",
    "info",
    "kernel.modules_disabled=1 after boot stops any further module loading until reboot, closing the module path for " +
      "rootkits.",
    "On hosts whose module set is fixed, set kernel.modules_disabled=1 late in boot (e.g. a sysctl.d file applied " +
      "last).",
    ["T1547.006"],
  ),
];

/** The kernel_hardening scanner's descriptor. */
export const KERNEL_HARDENING_INFO: ScannerInfo = {
  name: NAME,
  summary:
    "Lockdown, Secure Boot (EFI variable) and dbx, IMA appraisal, TPM, module signature enforcement, modules_disabled.",
  slow: false,
  enabledByDefault: (c) => c.hardening,
  checks,
};
