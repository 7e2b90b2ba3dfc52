/**
 * A worker for tests/scanners/ioc_hidden_test.ts, standing in for the scan worker: it sweeps the 4096 pids around its own, with
 * the helper server's port when it is given one, and reports on which thread the sweep ran.
 */
/// <reference lib="deno.worker" />
import { useHelperServer } from "../../../src/host/helper_worker.ts";
import { sweepPids } from "../../../src/host/pid_sweep.ts";

self.onmessage = async (ev: MessageEvent<{ port?: MessagePort }>) => {
  if (ev.data.port !== undefined) useHelperServer(ev.data.port);
  const s = await sweepPids([[Math.max(1, Deno.pid - 2048), Deno.pid + 2048]], 5000);
  self.postMessage({ where: s.where, complete: s.complete, self: s.alive.includes(Deno.pid) });
  ev.data.port?.close();
};
