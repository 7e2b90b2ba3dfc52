/** The modules scanner's catalogue: the summary, one entry per module anomaly, and the kernel's taint. */
import { type CheckInput, checkMaker } from "../../core/catalogue.ts";

/** The scanner name. */
export const MODULES = "modules";

const mk = checkMaker(MODULES, { category: "kernel_module", mitre: ["T1547.006"] });

/** Every modules check; the summary counts each anomaly check (all but the first and the last) in this order. */
export const MODULES_CHECKS: CheckInput[] = [
  mk({
    id: "module.summary",
    title: "Kernel module summary",
    severity: "info",
    rationale: "Counts of loaded modules and of each anomaly, with the decoded kernel taint.",
    remediation: "Review the per-module findings (run without --modules-summary to see them).",
    mitre: [],
  }),
  mk({
    id: "module.unsigned",
    title: "Loaded kernel module is not signed",
    severity: "high",
    rationale:
      "This kernel signs its modules, so an unsigned one was built elsewhere or altered: a classic rootkit path." +
      " High: code in the kernel that did not come from the kernel's build runs with full privileges.",
    remediation:
      "Identify the package that owns the file (dpkg -S / rpm -qf); rebuild and sign it (DKMS with a MOK key) or remove it. " +
      "Enable module.sig_enforce=1 or lockdown to refuse unsigned modules.",
  }),
  mk({
    id: "module.out_of_tree",
    title: "Out-of-tree kernel module loaded",
    severity: "low",
    rationale:
      "The module was not built with the kernel (taint O or an extra/, updates/ or dkms/ path); it has not had the kernel's review.",
    remediation:
      "Confirm it belongs to expected software (DKMS: dkms status) and keep it updated; remove it otherwise.",
  }),
  mk({
    id: "module.file_missing",
    title: "Loaded module's file is gone",
    severity: "medium",
    rationale:
      "modules.dep names a file for this module but it no longer exists: deleted after loading, or the module tree was replaced.",
    remediation:
      "Check package state (dpkg -V linux-image-$(uname -r)); if nothing explains it, treat the module as untrusted and reboot into a known-good kernel.",
  }),
  mk({
    id: "module.unknown_origin",
    title: "Loaded module is not in the module index",
    severity: "medium",
    rationale:
      "The module is not listed in modules.dep: it was loaded with insmod from an arbitrary path, or the index is stale.",
    remediation:
      "Find where it came from (journalctl -k, shell history); run depmod -a if a package installed it; otherwise rmmod it and investigate.",
  }),
  mk({
    id: "module.builtin_shadow",
    title: "Loaded module has the name of a built-in module",
    severity: "high",
    rationale:
      "A loadable module named like a driver built into this kernel cannot come from the kernel's own build; it blends in under a trusted name." +
      " High: a module posing as part of the kernel runs with the kernel's privileges under a name nobody questions.",
    remediation: "Find the module's file and origin; remove it and investigate.",
  }),
  mk({
    id: "module.hidden",
    title: "Kernel module hidden from one of the kernel's views",
    severity: "critical",
    rationale:
      "A module seen in one kernel view (/proc/modules, /sys/module, kallsyms) but not another is how rootkits hide themselves." +
      " Critical: a module that hides itself is a rootkit in the kernel, which can lie to every other check.",
    remediation:
      "Treat the host as compromised: capture memory if possible, then rebuild it from known-good media.",
    mitre: ["T1547.006", "T1014"],
  }),
  mk({
    id: "module.elf.wx_section",
    title: "Module has a writable and executable section",
    severity: "high",
    rationale:
      "Compilers never emit sections that are both writable and executable in a kernel module; injected or packed code does." +
      " High: such a module was altered or packed after building, and runs with the kernel's privileges.",
    remediation:
      "Inspect the file (readelf -S) and treat the module as malicious unless its vendor explains it.",
    confidence: "heuristic",
  }),
  mk({
    id: "module.elf.huge_text",
    title: "Module has an unusually large .text section",
    severity: "low",
    rationale:
      "A very large .text can hide an embedded payload; some large vendor drivers are legitimately big.",
    remediation: "Check that the module belongs to known vendor software.",
    confidence: "heuristic",
  }),
  mk({
    id: "module.elf.suspicious_section",
    title: "Module has a suspicious section name",
    severity: "high",
    rationale:
      "Section names no toolchain produces (.rootkit, .hide, single characters, control characters) mark hand-made modules." +
      " High: kernel code from an unknown build, marked like a rootkit, runs with the kernel's privileges.",
    remediation:
      "Inspect the file (readelf -S) and treat the module as malicious unless its vendor explains it.",
    confidence: "heuristic",
  }),
  mk({
    id: "module.elf.malformed",
    title: "Module file is not a valid kernel module",
    severity: "medium",
    rationale:
      "The file modules.dep points to is not an ELF kernel module: replaced, corrupted or truncated after installation.",
    remediation:
      "Reinstall the owning package and compare; investigate if the file was changed deliberately.",
  }),
  mk({
    id: "module.kernel_tainted",
    title: "Kernel is tainted by loaded code",
    severity: "low",
    rationale:
      "The kernel's taint records what was ever loaded since boot (proprietary, forced, out-of-tree, unsigned, staging, test modules), even after unloading.",
    remediation:
      "Match each taint flag to a module (per-module taint in /sys/module/*/taint); a forced or unsigned load needs an explanation.",
  }),
];
