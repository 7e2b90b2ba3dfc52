/**
 * The documented deployment copies the executable to /tmp and runs it there: the scan must report nothing about
 * its own process. Here the deno that runs the scan is linked (or copied) into a temporary directory.
 */
import assert from "node:assert/strict";
import type { Finding } from "../../src/core/finding.ts";
import { REPO } from "../host_caps.ts";
import { repoPath } from "../helpers.ts";

const MAIN = repoPath("main.ts");

/** Every pid a finding names: location, metadata pid, pids, owner and relay pids. */
function pidsNamed(f: Finding): number[] {
  const m = f.metadata;
  const list = (v: unknown) => Array.isArray(v) ? v.map(Number) : [];
  return [
    f.location?.pid,
    typeof m.pid === "number" ? m.pid : undefined,
    typeof m.relay_pid === "number" ? m.relay_pid : undefined,
    ...list(m.pids),
    ...list(m.owner_pids),
  ].filter((p): p is number => p !== undefined);
}

Deno.test("self: a scan run from a deno in /tmp names neither its pid nor its executable", async () => {
  const dir = Deno.makeTempDirSync({ dir: "/tmp", prefix: "sys-scan-deploy-" });
  const deno = `${dir}/sys-scan`;
  try {
    try {
      Deno.linkSync(Deno.execPath(), deno);
    } catch {
      Deno.copyFileSync(Deno.execPath(), deno);
      Deno.chmodSync(deno, 0o755);
    }
    const out = await new Deno.Command(deno, {
      args: [
        "run",
        "-A",
        MAIN,
        "scan",
        "--enable",
        "ioc,processes,network",
        "--process-inventory",
        "--min-severity",
        "info",
      ],
      cwd: REPO,
      env: { DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.ok(out.code === 0 || out.code === 1, `exit ${out.code}: ${stderr}`);
    const report = JSON.parse(new TextDecoder().decode(out.stdout));
    const pid = report.meta.scanner_pid;
    assert.equal(typeof pid, "number");
    assert.ok(report.meta.scanner_processes.includes(pid), "the snapshot set the scanner apart");
    // The CLI runs its scanners in a worker: the pid sweep runs on a helper thread the main thread creates for it
    // (its threads are the scanner's own tasks, not hidden processes).
    const sweep = report.meta.hidden_pid_sweep;
    assert.deepEqual([sweep.thread, sweep.method, sweep.complete], ["worker", "getpgid", true]);
    const findings: Finding[] = report.results.flatMap((r: { findings: Finding[] }) => r.findings);
    assert.ok(findings.length > 0, "the inventory lists the host's other processes");
    const aboutItself = findings.filter((f) => pidsNamed(f).includes(pid) || f.metadata.exe === deno);
    assert.deepEqual(aboutItself.map((f) => f.id), []);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
