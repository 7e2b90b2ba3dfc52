/** The auditd scanner's descriptor: name, gates and check catalogue (data only; the code is in the scanner's module). */
import type { CheckInput } from "../../core/catalogue.ts";
import type { ScannerInfo } from "../../core/scanner.ts";

const NAME = "auditd";
const base = { scanner: NAME, category: "other" as const };
const RULES_HINT = "Add rules to /etc/audit/rules.d/ (the auditd package ships examples under " +
  "/usr/share/doc/auditd/examples/rules/) and load them with augenrules --load.";

const checks: CheckInput[] = [
  {
    ...base,
    id: "audit.not_installed",
    title: "No audit trail: auditd is not installed",
    severity: "low",
    hardening: true,
    rationale:
      "Without auditd there is no record of executions, identity-file changes, module loads or privilege " +
      "changes: a responder cannot reconstruct what happened on this host. Stock installations lack it (Debian and " +
      "Ubuntu do not install auditd; RHEL ships no rules), so it is a hardening gap: low, with --hardening.",
    remediation: "Install auditd (apt install auditd / dnf install audit), enable it and add rules. " +
      RULES_HINT,
    mitre: ["T1562.012"],
  },
  {
    ...base,
    id: "audit.daemon.not_running",
    title: "auditd is installed but not running",
    severity: "high",
    rationale:
      "No audit daemon is writing events: either it was never started or someone stopped it to act unseen. High: " +
      "auditd was installed to run; with it stopped, the record a responder relies on ends.",
    remediation: "Find out why it stopped (journalctl -u auditd), then systemctl enable --now auditd.",
    mitre: ["T1562.012"],
  },
  {
    ...base,
    id: "audit.kernel.disabled",
    title: "Kernel auditing is switched off",
    severity: "high",
    rationale:
      "`auditctl -s` reports enabled 0: the kernel generates no audit events at all, whatever the rules say " +
      "(someone may have run auditctl -e 0). High: with auditd installed the kernel audits; switching it off is a " +
      "deliberate step that blinds every rule.",
    remediation:
      "Run auditctl -e 1 (or reload the rules with augenrules --load), then find out who switched it off; " +
      "`-e 2` at the end of the rules locks the setting until reboot.",
    mitre: ["T1562.012"],
  },
  {
    ...base,
    id: "audit.rules.empty",
    title: "No audit rules",
    severity: "low",
    hardening: true,
    rationale: "auditd runs without rules, so only kernel-generated events (logins, AVCs) are recorded: no " +
      "executions, identity-file changes, module loads or privilege changes. Stock installations lack it (Debian and " +
      "Ubuntu do not install auditd; RHEL ships no rules), so it is a hardening gap: low, with --hardening.",
    remediation: RULES_HINT,
    mitre: ["T1562.012"],
  },
  {
    ...base,
    id: "audit.rules.suppressed",
    title: "A never rule suppresses audit coverage",
    severity: "medium",
    rationale:
      "Audit rules match first-come: an unfiltered `-a never,…` rule placed before the `always` rules (or " +
      "`-a never,task`, which switches off syscall auditing for every task) silently removes their coverage.",
    remediation:
      "Remove the never rule or narrow it with -F filters, and place it after the rules it must not shadow.",
    mitre: ["T1562.012"],
  },
  {
    ...base,
    id: "audit.coverage.execve",
    title: "Program executions are not audited",
    severity: "low",
    hardening: true,
    rationale:
      "Without an execve/execveat rule there is no record of which programs ran, the core of any timeline. Stock " +
      "installations lack it (Debian and Ubuntu do not install auditd; RHEL ships no rules), so it is a hardening " +
      "gap: low, with --hardening.",
    remediation: "Add `-a always,exit -F arch=b64 -S execve,execveat -k exec` (and the b32 twin on x86_64).",
    mitre: ["T1562.012"],
  },
  {
    ...base,
    id: "audit.coverage.identity",
    title: "Changes to identity files are not audited",
    severity: "low",
    hardening: true,
    rationale:
      "Accounts, passwords, groups and sudo rights are what an intruder changes to stay; their files need " +
      "write/attribute watches. Stock installations lack it (Debian and Ubuntu do not install auditd; RHEL ships no " +
      "rules), so it is a hardening gap: low, with --hardening.",
    remediation: "Add `-w <file> -p wa -k identity` for each file listed in the finding.",
    mitre: ["T1562.012", "T1136"],
  },
  {
    ...base,
    id: "audit.coverage.modules",
    title: "Kernel module loading is not audited",
    severity: "low",
    hardening: true,
    rationale:
      "Rootkits arrive as kernel modules; init_module/finit_module rules record every load. Stock installations lack " +
      "it (Debian and Ubuntu do not install auditd; RHEL ships no rules), so it is a hardening gap: low, with " +
      "--hardening.",
    remediation:
      "Add `-a always,exit -F arch=b64 -S init_module,finit_module,delete_module -k modules` (and b32).",
    mitre: ["T1562.012", "T1547.006"],
  },
  {
    ...base,
    id: "audit.coverage.privilege",
    title: "Privilege changes are not audited",
    severity: "low",
    hardening: true,
    rationale:
      "Changes of user or group identity (setuid family, sudo/su) are how escalation shows in the record. Stock " +
      "installations lack it (Debian and Ubuntu do not install auditd; RHEL ships no rules), so it is a hardening " +
      "gap: low, with --hardening.",
    remediation:
      "Add `-a always,exit -F arch=b64 -S setuid,setreuid,setresuid,setgid,setregid,setresgid -k privilege` " +
      "(and b32), or privileged-program rules (-F path=/usr/bin/sudo -F perm=x -k privileged).",
    mitre: ["T1562.012", "T1548"],
  },
  {
    ...base,
    id: "audit.rules.no_b32",
    title: "Syscall rules miss the 32-bit ABI",
    severity: "low",
    hardening: true,
    rationale:
      "On x86_64 a program can enter the kernel through the 32-bit ABI; rules with only arch=b64 (or no " +
      "arch) let it run execve or load modules unrecorded.",
    remediation: "Add an `-F arch=b32` twin of every syscall rule listed in the finding.",
    mitre: ["T1562.012"],
  },
  {
    ...base,
    id: "audit.rules.disk_kernel_mismatch",
    title: "Loaded audit rules differ from the rules on disk",
    severity: "medium",
    rationale:
      "Rules missing from the kernel may have been deleted at run time (auditctl -D/-d) to blind the audit " +
      "trail; extra kernel rules were added by hand and vanish at reboot.",
    remediation:
      "Compare `auditctl -l` with /etc/audit/rules.d, find out who changed them, and reload with augenrules --load.",
    mitre: ["T1562.012"],
  },
];

/** The auditd scanner's descriptor. */
export const AUDITD_INFO: ScannerInfo = {
  name: NAME,
  summary:
    "Audit trail: auditd installed and running, rule coverage (execve, identity, modules, privilege), never-rule " +
    "shadowing, b32 gaps, disk vs kernel.",
  slow: false,
  enabledByDefault: (c) => c.hardening,
  checks,
  needs: ["root"],
};
