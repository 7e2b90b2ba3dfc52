/**
 * auditd: is there an audit trail at all (installed, running), what the rules really cover (execve, identity
 * files, module loading, privilege changes — once each), `never` rules that shadow coverage, 32-bit gaps on
 * x86_64, and rules on disk that disagree with the rules loaded in the kernel (`auditctl -l`).
 */
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
import { AUDITD_INFO } from "./info/auditd.ts";

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
export const auditd: Scanner = { ...AUDITD_INFO, run };
