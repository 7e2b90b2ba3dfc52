/** The self-test's screen: a header with what this host offers, one line per verdict, and a summary line. */
import type { Capabilities } from "../host/capabilities.ts";
import { allSeen, type Verdict } from "./verdicts.ts";

function yesNo(b: boolean): string {
  return b ? "yes" : "no";
}

/** One line per verdict: scanner, check, evidence, then `seen` or `NOT SEEN (reason)`. */
export function verdictLines(verdicts: readonly Verdict[]): string[] {
  const w1 = Math.max(7, ...verdicts.map((v) => v.scanner.length));
  const w2 = Math.max(5, ...verdicts.map((v) => v.check.length));
  const w3 = Math.max(8, ...verdicts.map((v) => v.evidence.length));
  return verdicts.map((v) =>
    `  ${v.scanner.padEnd(w1)}  ${v.check.padEnd(w2)}  ${v.evidence.padEnd(w3)}  ${
      v.seen ? "seen" : v.applicable ? `NOT SEEN (${v.reason ?? "no reason known"})` : `n/a (${v.reason})`
    }`
  );
}

/** The whole report of a self-test run. */
export function renderSelfTest(caps: Capabilities, verdicts: readonly Verdict[], elapsedMs: number): string {
  const seen = verdicts.filter((v) => v.seen).length;
  const applicable = verdicts.filter((v) => v.applicable).length;
  const na = verdicts.length - applicable;
  const lines = [
    `sys-scan self-test: kernel ${caps.kernel}, euid ${caps.euid}, BTF ${yesNo(caps.btf)}, tracefs ${
      yesNo(caps.tracefs)
    }, libbpf ${caps.libbpf ?? "not found"}`,
    "",
    ...verdictLines(verdicts),
    "",
    `${seen} of ${applicable} seen in ${(elapsedMs / 1000).toFixed(1)} s${
      allSeen(verdicts) ? "" : ` — ${applicable - seen} NOT SEEN`
    }${
      na ? ` (${na} not applicable here)` : ""
    }. Everything was created in a private mount namespace on tmpfs and is gone; its processes were stopped.`,
    "",
  ];
  return lines.join("\n");
}
