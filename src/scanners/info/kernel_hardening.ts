/** The kernel_hardening scanner's descriptor: name, gates and check catalogue (data only; the code is in the scanner's module). */
import { type CheckInput, checkMaker } from "../../core/catalogue.ts";
import type { ScannerInfo } from "../../core/scanner.ts";

const NAME = "kernel_hardening";

const mk = checkMaker(NAME, { category: "kernel_param", hardening: true });

const checks: CheckInput[] = [
  mk({
    id: "kernel.lockdown.none",
    title: "Kernel lockdown is not active",
    severity: "low",
    rationale:
      "Without lockdown, root can change the running kernel (/dev/mem, kexec of unsigned kernels, unsigned modules, " +
      "BPF writes to kernel memory).",
    remediation:
      "Boot with lockdown=integrity (or enable Secure Boot, which turns it on in most distributions).",
    mitre: ["T1014"],
  }),
  mk({
    id: "kernel.secureboot.disabled",
    title: "UEFI Secure Boot is disabled",
    severity: "low",
    rationale:
      "Without Secure Boot, a bootkit or a modified kernel or initramfs runs before any operating-system defence.",
    remediation:
      "Enable Secure Boot in the firmware setup (enrol the distribution's shim keys first if needed).",
    mitre: ["T1542.003"],
  }),
  mk({
    id: "kernel.secureboot.dbx_missing",
    title: "UEFI revocation list (dbx) is missing or empty",
    severity: "low",
    rationale:
      "With Secure Boot on but no dbx entries, boot loaders with known bypasses (BootHole, BlackLotus) are still " +
      "trusted.",
    remediation:
      "Apply the firmware/dbx updates of your vendor (fwupdmgr update, or the distribution's secureboot-db package).",
    mitre: ["T1542.003"],
  }),
  mk({
    id: "kernel.ima.appraisal_off",
    title: "IMA appraisal is not enforced",
    severity: "info",
    rationale:
      "Integrity Measurement Architecture appraisal refuses to run files whose hash or signature does not match; " +
      "without it, replaced binaries run.",
    remediation:
      "Where file integrity enforcement is required, boot with ima_policy=appraise_tcb ima_appraise=enforce and label " +
      "files (evmctl).",
    mitre: ["T1554"],
  }),
  mk({
    id: "kernel.tpm.absent",
    title: "No TPM device",
    severity: "low",
    rationale:
      "Without a TPM there is no measured boot, no sealed disk keys and no remote attestation of the boot chain.",
    remediation:
      "Enable the TPM in the firmware (or give the VM a virtual TPM) and use it for measured boot.",
    mitre: ["T1542"],
  }),
  mk({
    id: "kernel.modules.sig_enforce_off",
    title: "Unsigned kernel modules can be loaded",
    severity: "low",
    rationale:
      "Without module signature enforcement (module.sig_enforce=1 or lockdown), root can load any kernel module, the " +
      "usual way rootkits enter the kernel.",
    remediation:
      "Boot with module.sig_enforce=1 (and sign any DKMS modules with an enrolled MOK key), or enable lockdown.",
    mitre: ["T1547.006"],
  }),
  mk({
    id: "kernel.modules.loading_enabled",
    title: "Kernel module loading is still allowed",
    severity: "info",
    rationale:
      "kernel.modules_disabled=1 after boot stops any further module loading until reboot, closing the module path for " +
      "rootkits.",
    remediation:
      "On hosts whose module set is fixed, set kernel.modules_disabled=1 late in boot (e.g. a sysctl.d file applied " +
      "last).",
    mitre: ["T1547.006"],
  }),
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
