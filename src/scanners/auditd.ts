/**
 * auditd: is there an audit trail at all (installed, running), what the rules really cover (execve, identity
 * files, module loading, privilege changes — once each), `never` rules that shadow coverage, 32-bit gaps on
 * x86_64, and rules on disk that disagree with the rules loaded in the kernel (`auditctl -l`).
 */
import type { CheckInput } from "../core/catalogue.ts";
import type { ScanContext } from "../core/context.ts";
import type { FindingDraft } from "../core/finding.ts";
import type { Scanner } from "../core/scanner.ts";
import { runProgram } from "../host/exec.ts";
import { procSnapshot } from "./proc_snapshot.ts";
import {
  type AuditRule,
  audits,
  canonicalRule,
  type Coverage,
  coverageOf,
  parseAuditRules,
  watchesExec,
  watchesWrites,
} from "./audit_rules.ts";

const NAME = "auditd";

/** Where auditctl may live. */
export const AUDITCTL_PATHS = ["/sbin/auditctl", "/usr/sbin/auditctl"];
/** Where the daemon may live. */
export const AUDITD_PATHS = ["/sbin/auditd", "/usr/sbin/auditd"];
/** Identity files whose changes must be audited (sudoers only where it exists). */
export const IDENTITY_FILES = ["/etc/passwd", "/etc/shadow", "/etc/group", "/etc/gshadow", "/etc/sudoers"];
/** Syscalls that load kernel modules (delete_module is listed as missing but not required). */
export const MODULE_SYSCALLS = ["init_module", "finit_module"];
/** Programs whose execution counts as module-load auditing when watched with -p x. */
export const MODULE_PROGRAMS = [
  "/sbin/insmod",
  "/sbin/modprobe",
  "/usr/sbin/insmod",
  "/usr/sbin/modprobe",
  "/bin/kmod",
  "/usr/bin/kmod",
];
/** Identity-changing syscalls. */
export const PRIVILEGE_SYSCALLS = [
  "setuid",
  "setreuid",
  "setresuid",
  "setgid",
  "setregid",
  "setresgid",
  "setfsuid",
  "setfsgid",
];
/** Programs whose execution counts as privilege-change auditing when watched with -p x. */
export const PRIVILEGE_PROGRAMS = ["/usr/bin/sudo", "/usr/bin/su", "/bin/su", "/bin/sudo"];

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

/** Reads the rules that load at boot: rules.d/*.rules in name order when present (augenrules), else audit.rules. */
function diskRules(ctx: ScanContext): { rules: AuditRule[]; files: string[] } | undefined {
  const dir = ctx.host.readDir("/etc/audit/rules.d", 1000);
  let files: string[] = [];
  if (dir.ok) {
    if (dir.truncated) ctx.warn("truncated", "/etc/audit/rules.d: more than 1000 entries");
    for (const e of dir.value.filter((e) => e.name.includes("\uFFFD"))) {
      ctx.warn(
        "audit_unreadable",
        `/etc/audit/rules.d/${e.name}: the name is not valid UTF-8 and cannot be opened`,
      );
    }
    files = dir.value.filter((e) =>
      e.name.endsWith(".rules") && !e.name.startsWith(".") && !e.name.includes("\uFFFD")
    ).map((e) => e.name)
      .sort()
      .map((n) => `/etc/audit/rules.d/${n}`);
  } else if (dir.reason !== "missing") ctx.warn("audit_unreadable", `/etc/audit/rules.d: ${dir.message}`);
  if (files.length === 0) files = ["/etc/audit/audit.rules"];
  const augenrules = files[0] !== "/etc/audit/audit.rules";
  const rules: AuditRule[] = [];
  const read: string[] = [];
  for (const f of files) {
    const r = ctx.host.readText(f, 4 << 20);
    if (!r.ok) {
      if (r.reason !== "missing") ctx.warn("audit_unreadable", `${f}: ${r.message}`);
      continue;
    }
    if (r.truncated) ctx.warn("truncated", `${f} larger than 4 MiB`);
    const parsed = parseAuditRules(r.value, !augenrules);
    for (const e of parsed.errors.slice(0, 20)) {
      ctx.warn("audit_rule_invalid", `${f}:${e.line}: ${e.message}`);
    }
    rules.push(...parsed.rules);
    read.push(f);
  }
  if (read.length === 0) return undefined;
  return { rules, files: read };
}

/** What the kernel holds, from `auditctl -l` and `auditctl -s`. */
export interface KernelAudit {
  rules: AuditRule[];
  /** `enabled` from auditctl -s: 0 off, 1 on, 2 on and locked; undefined when not reported. */
  enabled?: number;
  /** Problems met (timeouts, exit codes, unparsable lines), as warning details. */
  problems: string[];
}

async function auditctl(bin: string, arg: string): Promise<{ text: string } | { problem: string }> {
  try {
    const r = await runProgram(bin, [arg], { timeoutMs: 10_000, maxOutputBytes: 4 << 20 });
    if (r.timedOut) return { problem: `${bin} ${arg} timed out after 10 s` };
    if (r.code !== 0) {
      return {
        problem: `${bin} ${arg} exited ${r.code}: ${new TextDecoder().decode(r.stderr).trim().slice(0, 300)}`,
      };
    }
    if (r.truncated) return { problem: `${bin} ${arg} output larger than 4 MiB` };
    return { text: new TextDecoder().decode(r.stdout) };
  } catch (e) {
    return { problem: `${bin}: ${(e as Error).message}` };
  }
}

/** Runs `bin -l` and `bin -s` (absolute path, timeout, output cap); a problem when the rules cannot be listed. */
export async function readKernelAudit(bin: string): Promise<KernelAudit | { problem: string }> {
  const list = await auditctl(bin, "-l");
  if ("problem" in list) return list;
  const parsed = parseAuditRules(list.text);
  const problems = parsed.errors.slice(0, 20).map((e) => `${bin} -l line ${e.line}: ${e.message}`);
  const status = await auditctl(bin, "-s");
  let enabled: number | undefined;
  if ("text" in status) {
    const m = status.text.match(/^enabled\s+(\d+)/m);
    if (m) enabled = Number(m[1]);
  } else problems.push(status.problem);
  return { rules: parsed.rules, enabled, problems };
}

/** The kernel's audit state on the live host; undefined under --root or without auditctl. */
async function kernelAudit(ctx: ScanContext): Promise<KernelAudit | undefined> {
  if (!ctx.host.isLive) return undefined;
  const bin = AUDITCTL_PATHS.find((p) => ctx.host.stat(p).ok);
  if (!bin) return undefined;
  const k = await readKernelAudit(bin);
  if ("problem" in k) {
    ctx.warn("auditctl_failed", `${k.problem}: loaded rules unknown, judging the rules on disk`);
    return undefined;
  }
  for (const p of k.problems) ctx.warn("auditctl_failed", p);
  return k;
}

/** Rules present on one side only, in canonical form (sorted). */
export function compareRules(
  disk: AuditRule[],
  kernel: AuditRule[],
): { onlyOnDisk: string[]; onlyLoaded: string[] } {
  const onDisk = new Set(disk.map(canonicalRule));
  const loaded = new Set(kernel.map(canonicalRule));
  return {
    onlyOnDisk: [...onDisk].filter((r) => !loaded.has(r)).sort(),
    onlyLoaded: [...loaded].filter((r) => !onDisk.has(r)).sort(),
  };
}

/**
 * True/false when /proc shows whether an auditd process runs; undefined when the root has no /proc (an offline
 * image) or it holds no processes.
 */
function daemonRunning(ctx: ScanContext): boolean | undefined {
  if (!ctx.host.stat("/proc").ok) return undefined;
  const snap = procSnapshot(ctx);
  if (snap.processes.length === 0) return undefined;
  return snap.processes.some((p) => p.comm === "auditd" && !p.kernelThread);
}

function nativeArch(ctx: ScanContext): string | undefined {
  const r = ctx.host.readText("/proc/sys/kernel/arch", 64);
  if (r.ok && r.value.trim() !== "") return r.value.trim();
  return ctx.host.isLive ? (Deno.build.arch === "x86_64" ? "x86_64" : Deno.build.arch) : undefined;
}

function* coverageFindings(cov: Coverage, host: ScanContext["host"], is64: boolean): Generator<FindingDraft> {
  const arch = is64 ? "b64" : "b32";
  const execMissing = ["execve", "execveat"].filter((sc) => !audits(cov, arch, sc));
  yield {
    check_id: "audit.coverage.execve",
    subject: "",
    passed: !execMissing.includes("execve"),
    metadata: { missing_syscalls: execMissing },
  };
  const required = IDENTITY_FILES.filter((f) => f !== "/etc/sudoers" || host.exists(f));
  const idMissing = required.filter((f) => !watchesWrites(cov, f));
  yield {
    check_id: "audit.coverage.identity",
    subject: "",
    passed: idMissing.length === 0,
    ...(idMissing.length > 0 ? { description: `No write/attribute watch on: ${idMissing.join(", ")}.` } : {}),
    metadata: { missing: idMissing, required },
  };
  const modSyscalls = MODULE_SYSCALLS.every((s) => audits(cov, arch, s));
  const modWatch = MODULE_PROGRAMS.some((p) => watchesExec(cov, p));
  const modMissing = [...MODULE_SYSCALLS, "delete_module"].filter((s) => !audits(cov, arch, s));
  yield {
    check_id: "audit.coverage.modules",
    subject: "",
    passed: modSyscalls || modWatch,
    metadata: {
      missing_syscalls: modMissing,
      method: modSyscalls ? "syscall" : modWatch ? "program_watch" : "none",
    },
  };
  const privSyscalls = PRIVILEGE_SYSCALLS.filter((s) => audits(cov, arch, s));
  const privKey = [...cov.keys].some((k) => /priv/i.test(k));
  const privWatch = PRIVILEGE_PROGRAMS.some((p) => watchesExec(cov, p));
  const privOk = ["setuid", "setreuid", "setresuid"].some((s) => privSyscalls.includes(s)) || privKey ||
    privWatch ||
    cov.execCompares;
  yield {
    check_id: "audit.coverage.privilege",
    subject: "",
    passed: privOk,
    metadata: {
      audited_syscalls: privSyscalls,
      missing_syscalls: PRIVILEGE_SYSCALLS.filter((s) => !privSyscalls.includes(s)),
      privilege_key: privKey,
    },
  };
}

async function* run(ctx: ScanContext): AsyncGenerator<FindingDraft> {
  const installed = [...AUDITD_PATHS, ...AUDITCTL_PATHS, "/etc/audit"].some((p) => ctx.host.exists(p));
  const disk = diskRules(ctx);
  const kstate = await kernelAudit(ctx);
  const kernel = kstate?.rules;
  const running = daemonRunning(ctx);
  if (!installed && !disk && (kernel === undefined || kernel.length === 0)) {
    yield {
      check_id: "audit.not_installed",
      subject: "",
      metadata: {
        looked_for: [...AUDITD_PATHS, ...AUDITCTL_PATHS, "/etc/audit"],
        daemon_running: running ?? null,
      },
    };
    return;
  }
  if (running !== undefined) {
    yield { check_id: "audit.daemon.not_running", subject: "", passed: running, metadata: { installed } };
  }
  if (kstate?.enabled !== undefined) {
    yield {
      check_id: "audit.kernel.disabled",
      subject: "",
      passed: kstate.enabled !== 0,
      metadata: { enabled: kstate.enabled },
    };
  }
  const useKernel = kernel !== undefined && running !== false;
  const rules = useKernel ? kernel : disk?.rules ?? [];
  const source = useKernel ? "kernel (auditctl -l)" : `disk (${disk?.files.join(", ") ?? "none"})`;
  if (kernel !== undefined && disk && running === true) {
    const diff = compareRules(disk.rules, kernel);
    yield {
      check_id: "audit.rules.disk_kernel_mismatch",
      subject: "",
      passed: diff.onlyOnDisk.length === 0 && diff.onlyLoaded.length === 0,
      description:
        `${diff.onlyOnDisk.length} rule(s) on disk are not loaded; ${diff.onlyLoaded.length} loaded rule(s) are not on disk.`,
      metadata: {
        only_on_disk: diff.onlyOnDisk.slice(0, 20),
        only_loaded: diff.onlyLoaded.slice(0, 20),
        files: disk.files,
      },
    };
  }
  if (rules.length === 0) {
    yield { check_id: "audit.rules.empty", subject: "", metadata: { source } };
    return;
  }
  const arch = nativeArch(ctx);
  const is64 = arch === undefined || !/^(?:i[3-6]86|arm)$/.test(arch);
  const cov = coverageOf(rules, is64 ? "b64" : "b32");
  if (cov.taskNever) {
    yield {
      check_id: "audit.rules.suppressed",
      subject: "",
      severity: "high",
      description: `"${cov.taskNever.text}" switches syscall auditing off for every task: none of the ` +
        `${rules.length} other rule(s) records anything.`,
      metadata: { source, never_rule: cov.taskNever.text, shadowed_rules: rules.length - 1 },
    };
    return;
  }
  yield {
    check_id: "audit.rules.suppressed",
    subject: "",
    passed: cov.shadowed.length === 0,
    ...(cov.shadowed.length > 0
      ? {
        description: cov.shadowed.slice(0, 5).map((s) =>
          `"${s.never.text}" hides ${s.syscalls.join(",")} of "${s.always.text}"`
        ).join("; "),
      }
      : {}),
    metadata: {
      source,
      shadowed: cov.shadowed.slice(0, 20).map((s) =>
        `${s.never.text} => ${s.always.text} (${s.syscalls.join(",")})`
      ),
    },
  };
  yield* coverageFindings(cov, ctx.host, is64);
  if (arch === "x86_64") {
    const wanted = ["execve", "execveat", ...MODULE_SYSCALLS, "delete_module", ...PRIVILEGE_SYSCALLS];
    const only64 = wanted.filter((s) => audits(cov, "b64", s) && !audits(cov, "b32", s));
    yield {
      check_id: "audit.rules.no_b32",
      subject: "",
      passed: only64.length === 0,
      ...(only64.length > 0 ? { description: `Audited for 64-bit callers only: ${only64.join(", ")}.` } : {}),
      metadata: { syscalls: only64 },
    };
  }
}

/** The auditd scanner. */
export const auditd: Scanner = {
  name: NAME,
  summary:
    "Audit trail: auditd installed and running, rule coverage (execve, identity, modules, privilege), never-rule " +
    "shadowing, b32 gaps, disk vs kernel.",
  slow: false,
  enabledByDefault: (c) => c.hardening,
  checks,
  needs: ["root"],
  run,
};
