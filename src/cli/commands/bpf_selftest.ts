/**
 * `sys-scan bpf-selftest [--json]`: loads the bundled BPF object from memory, attaches and detaches each hook
 * variant, and shows in one screen what works on this kernel. Exit 0 when the trace can run here, 1 when it
 * cannot (the reason is printed), 2 on a usage error.
 */
import { ExitCode, type ExitCodeValue, ok, type Result } from "../../core/result.ts";
import { parseCommandArgs } from "./command_args.ts";
import { probeBpf, type ProbeOptions, renderBpfProbe } from "../../selftest/bpf_probe.ts";

/** Runs the bpf-selftest subcommand. */
export async function bpfSelftestCommand(
  args: readonly string[],
  out: (text: string) => void = (t) => Deno.stdout.writeSync(new TextEncoder().encode(t)),
  probeOptions: ProbeOptions = {},
): Promise<Result<ExitCodeValue>> {
  const parsed = parseCommandArgs("bpf-selftest", "usage: sys-scan bpf-selftest [--json]", args, {
    json: { type: "boolean" },
  });
  if (!parsed.ok) return parsed;
  const json = parsed.value.values.json === true;
  const p = await probeBpf(probeOptions);
  out(json ? JSON.stringify(p, null, 2) + "\n" : renderBpfProbe(p));
  return ok(p.tracer.ok ? ExitCode.Ok : ExitCode.Threshold);
}
