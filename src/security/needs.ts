/** Which capabilities `--drop-priv` keeps: the union of what the selected scanners need. */
import type { ScannerInfo } from "../core/scanner.ts";

/** Reading other users' files and directories (root-only configs, package files to hash, home trees). */
const READ = "CAP_DAC_READ_SEARCH";
/** Other users' /proc/<pid>/{exe,cwd,fd,environ} (ptrace read-mode access checks). */
const PROC = "CAP_SYS_PTRACE";

/** Capabilities per scanner, beyond what the scanner's `needs` list names (documented in docs/SECURITY.md). */
export const SCANNER_CAPABILITIES: Readonly<Record<string, readonly string[]>> = {
  processes: [READ, PROC],
  ioc: [READ, PROC],
  network: [READ, PROC],
  containers: [READ, PROC],
  auditd: [READ, "CAP_AUDIT_CONTROL"],
  ebpf_exec_trace: [READ, PROC, "CAP_BPF", "CAP_PERFMON", "CAP_SYS_ADMIN", "CAP_SYS_RESOURCE"],
};

/**
 * Capabilities a scanner needs: its entry above, plus CAP_DAC_READ_SEARCH when its `needs` mention root,
 * plus any CAP_* names its `needs` spell out. New scanners are covered through their `needs`.
 */
export function capabilitiesFor(scanner: ScannerInfo): string[] {
  const out = new Set(SCANNER_CAPABILITIES[scanner.name] ?? []);
  for (const need of scanner.needs ?? []) {
    if (/\broot\b/.test(need)) out.add(READ);
    for (const m of need.matchAll(/\bCAP_[A-Z_]+\b/g)) out.add(m[0]);
  }
  return [...out].sort();
}

/** The kept set for a scan: the union over the selected scanners, plus CAP_DAC_READ_SEARCH with `keepCapDac`. */
export function keptCapabilities(scanners: readonly ScannerInfo[], keepCapDac: boolean): string[] {
  const out = new Set(scanners.flatMap(capabilitiesFor));
  if (keepCapDac) out.add(READ);
  return [...out].sort();
}
