/** The modules scanner's catalogue: the summary, one entry per module anomaly, and the kernel's taint. */
import type { CheckInput } from "../../core/catalogue.ts";
import type { Severity } from "../../core/severity.ts";

/** The scanner name. */
export const MODULES = "modules";

const mk = (
  id: string,
  title: string,
  severity: Severity,
  rationale: string,
  remediation: string,
  extra: Partial<CheckInput> = {},
): CheckInput => ({
  id,
  scanner: MODULES,
  title,
  severity,
  category: "kernel_module",
  rationale,
  remediation,
  mitre: ["T1547.006"],
  ...extra,
});

/** Every modules check; the summary counts each anomaly check (all but the first and the last) in this order. */
export const MODULES_CHECKS: CheckInput[] = [
  mk(
    "module.summary",
    "Kernel module summary",
    "info",
    "Counts of loaded modules and of each anomaly, with the decoded kernel taint.",
    "Review the per-module findings (run without --modules-summary to see them).",
    { mitre: [] },
  ),
  mk(
    "module.unsigned",
    "Loaded kernel module is not signed",
    "high",
    "This kernel signs its modules, so an unsigned one was built elsewhere or altered: a classic rootkit path." +
      " High: code in the kernel that did not come from the kernel's build runs with full privileges.",
    "Identify the package that owns the file (dpkg -S / rpm -qf); rebuild and sign it (DKMS with a MOK key) or remove it. " +
      "Enable module.sig_enforce=1 or lockdown to refuse unsigned modules.",
  ),
  mk(
    "module.out_of_tree",
    "Out-of-tree kernel module loaded",
    "low",
    "The module was not built with the kernel (taint O or an extra/, updates/ or dkms/ path); it has not had the kernel's review.",
    "Confirm it belongs to expected software (DKMS: dkms status) and keep it updated; remove it otherwise.",
  ),
  mk(
    "module.file_missing",
    "Loaded module's file is gone",
    "medium",
    "modules.dep names a file for this module but it no longer exists: deleted after loading, or the module tree was replaced.",
    "Check package state (dpkg -V linux-image-$(uname -r)); if nothing explains it, treat the module as untrusted and reboot into a known-good kernel.",
  ),
  mk(
    "module.unknown_origin",
    "Loaded module is not in the module index",
    "medium",
    "The module is not listed in modules.dep: it was loaded with insmod from an arbitrary path, or the index is stale.",
    "Find where it came from (journalctl -k, shell history); run depmod -a if a package installed it; otherwise rmmod it and investigate.",
  ),
  mk(
    "module.builtin_shadow",
    "Loaded module has the name of a built-in module",
    "high",
    "A loadable module named like a driver built into this kernel cannot come from the kernel's own build; it blends in under a trusted name." +
      " High: a module posing as part of the kernel runs with the kernel's privileges under a name nobody questions.",
    "Find the module's file and origin; remove it and investigate.",
  ),
  mk(
    "module.hidden",
    "Kernel module hidden from one of the kernel's views",
    "critical",
    "A module seen in one kernel view (/proc/modules, /sys/module, kallsyms) but not another is how rootkits hide themselves." +
      " Critical: a module that hides itself is a rootkit in the kernel, which can lie to every other check.",
    "Treat the host as compromised: capture memory if possible, then rebuild it from known-good media.",
    { mitre: ["T1547.006", "T1014"] },
  ),
  mk(
    "module.elf.wx_section",
    "Module has a writable and executable section",
    "high",
    "Compilers never emit sections that are both writable and executable in a kernel module; injected or packed code does." +
      " High: such a module was altered or packed after building, and runs with the kernel's privileges.",
    "Inspect the file (readelf -S) and treat the module as malicious unless its vendor explains it.",
    { confidence: "heuristic" },
  ),
  mk(
    "module.elf.huge_text",
    "Module has an unusually large .text section",
    "low",
    "A very large .text can hide an embedded payload; some large vendor drivers are legitimately big.",
    "Check that the module belongs to known vendor software.",
    { confidence: "heuristic" },
  ),
  mk(
    "module.elf.suspicious_section",
    "Module has a suspicious section name",
    "high",
    "Section names no toolchain produces (.rootkit, .hide, single characters, control characters) mark hand-made modules." +
      " High: kernel code from an unknown build, marked like a rootkit, runs with the kernel's privileges.",
    "Inspect the file (readelf -S) and treat the module as malicious unless its vendor explains it.",
    { confidence: "heuristic" },
  ),
  mk(
    "module.elf.malformed",
    "Module file is not a valid kernel module",
    "medium",
    "The file modules.dep points to is not an ELF kernel module: replaced, corrupted or truncated after installation.",
    "Reinstall the owning package and compare; investigate if the file was changed deliberately.",
  ),
  mk(
    "module.kernel_tainted",
    "Kernel is tainted by loaded code",
    "low",
    "The kernel's taint records what was ever loaded since boot (proprietary, forced, out-of-tree, unsigned, staging, test modules), even after unloading.",
    "Match each taint flag to a module (per-module taint in /sys/module/*/taint); a forced or unsigned load needs an explanation.",
  ),
];
