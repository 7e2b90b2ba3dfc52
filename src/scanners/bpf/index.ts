/**
 * bpf: the BPF programs loaded in the running kernel (listed through bpf(2), as `bpftool prog show` does), the
 * processes holding them, and the helpers they call: eBPF rootkits and packet backdoors leave no file to find,
 * and a kernel without loadable modules still runs them. Live host only.
 */
import type { ScanContext } from "../../core/context.ts";
import type { FindingDraft } from "../../core/finding.ts";
import type { Scanner } from "../../core/scanner.ts";
import { listPrograms } from "../../host/bpf_progs.ts";
import { procSnapshot } from "../proc_snapshot.ts";
import { readKallsyms, type ViewWarning } from "../modules/views.ts";
import { bpfFindings, helperOffsets, programClass, programHolders } from "./analyze.ts";
import { BPF_INFO } from "../info/bpf.ts";

async function* run(ctx: ScanContext): AsyncGenerator<FindingDraft> {
  if (!ctx.host.isLive) return ctx.skip("BPF programs live in a running kernel: only a scan of / lists them");
  let listed: ReturnType<typeof listPrograms>;
  try {
    listed = listPrograms({ instructions: true });
  } catch (e) {
    return ctx.skip(`BPF programs could not be listed: ${(e as Error).message}`);
  }
  if (!listed.ok) {
    return ctx.skip(
      `bpf(2) refused to list BPF programs (${listed.message}, errno ${listed.errno})` +
        (listed.errno === 1 ? ": run as root" : ""),
    );
  }
  if (listed.truncated) {
    ctx.warn("truncated", `more than ${listed.programs.length} BPF programs: the rest not listed`);
  }
  if (listed.unreadable > 0) {
    ctx.warn("bpf_unreadable", `${listed.unreadable} BPF program(s) could not be opened`);
  }
  ctx.setMeta("bpf_program_count", listed.programs.length);
  if (!listed.programs.some((p) => programClass(p.type) !== undefined || p.insns !== undefined)) return;
  await ctx.checkpoint();
  const snap = procSnapshot(ctx);
  const holders = programHolders(ctx.host, snap.processes);
  const own = new Set(programHolders(ctx.host, snap.own).keys());
  const warnings: ViewWarning[] = [];
  const kallsyms = readKallsyms(ctx.host, warnings);
  for (const w of warnings) ctx.warn(w.code, w.detail);
  const offsets = kallsyms === undefined ? undefined : helperOffsets(kallsyms);
  if (!offsets) {
    ctx.warn(
      "bpf_helpers_unresolved",
      "/proc/kallsyms gives no addresses: the helpers BPF programs call were not read",
    );
  }
  yield* bpfFindings(listed.programs, holders, own, offsets);
}

/** The bpf scanner. */
export const bpfScanner: Scanner = { ...BPF_INFO, run };
