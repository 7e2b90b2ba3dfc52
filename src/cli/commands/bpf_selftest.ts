/**
 * `sys-scan bpf-selftest [--json]`: loads the bundled BPF object from memory, attaches and detaches each hook
 * variant, and shows in one screen what works on this kernel. Exit 0 when the trace can run here, 1 when it
 * cannot (the reason is printed), 2 on a usage error.
 */
import { parseArgs } from "node:util";
import { ExitCode, type ExitCodeValue, fail, ok, type Result } from "../../core/result.ts";
import { probeBpf, type ProbeOptions, renderBpfProbe } from "../../selftest/bpf_probe.ts";

/** Runs the bpf-selftest subcommand. */
export async function bpfSelftestCommand(
  args: readonly string[],
  out: (text: string) => void = (t) => Deno.stdout.writeSync(new TextEncoder().encode(t)),
  probeOptions: ProbeOptions = {},
): Promise<Result<ExitCodeValue>> {
  let json = false;
  try {
    json =
      parseArgs({ args: [...args], options: { json: { type: "boolean" } }, strict: true }).values.json ===
        true;
  } catch (e) {
    return fail(
      ExitCode.Usage,
      `bpf-selftest: ${(e as Error).message}; usage: sys-scan bpf-selftest [--json]`,
    );
  }
  const p = await probeBpf(probeOptions);
  out(json ? JSON.stringify(p, null, 2) + "\n" : renderBpfProbe(p));
  return ok(p.tracer.ok ? ExitCode.Ok : ExitCode.Threshold);
}
