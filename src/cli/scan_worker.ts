/**
 * The scan worker: runs the scanners its coordinator names (`src/core/isolation.ts`) and posts what they do —
 * starts, drafts, ends, streamed events and meta keys — as it happens. The coordinator keeps the budgets and the
 * deadline as hard limits and terminates this worker when a scanner is stuck; nothing here writes a report.
 */
/// <reference lib="deno.worker" />
import { ScanShared } from "../core/context.ts";
import { executeScanners, ScanClock } from "../core/execute.ts";
import type { FromWorker, RunRequest, ToWorker } from "../core/isolation.ts";
import { useHelperServer } from "../host/helper_worker.ts";
import { Host } from "../host/host.ts";
import { loadScanners } from "../scanners/loaders.ts";
import { loadScannerCode } from "./scanner_code.ts";

let clock: ScanClock | undefined;
let interruptedEarly = false;

function post(m: FromWorker): void {
  self.postMessage(m);
}

async function run(req: RunRequest): Promise<void> {
  const known = await loadScannerCode(req.names, req.config, req.modules);
  const unknown = req.names.filter((n) => !known.has(n));
  if (unknown.length > 0) {
    post({ t: "failed", message: `unknown scanner(s) ${unknown.join(", ")}` });
    return;
  }
  const shared = new ScanShared();
  shared.onEvent = (type, record) => post({ t: "event", type, record });
  shared.onMeta = (key, value) => post({ t: "meta", key, value });
  clock = new ScanClock(req.deadline);
  if (req.interrupted || interruptedEarly) clock.interrupt();
  const active = new Int32Array(req.active);
  const index = new Map(req.names.map((n, i) => [n, i + 1]));
  await executeScanners({
    onActive: (name) => Atomics.store(active, 0, index.get(name) ?? 0),
    scanners: req.names.map((n) => known.get(n)!),
    config: req.config,
    host: new Host(req.root, { allowRemote: req.allowRemote }),
    caps: req.caps,
    shared,
    clock,
  }, {
    started: (scanner, at) => post({ t: "started", scanner, at }),
    draft: (scanner, draft) => post({ t: "draft", scanner, draft }),
    finished: (scanner, end) => post({ t: "finished", scanner, end }),
  });
  clock[Symbol.dispose]();
  post({ t: "done" });
}

self.onmessage = (ev: MessageEvent<ToWorker>) => {
  const m = ev.data;
  if (m.t === "preload") {
    // Errors surface again, with their message, when `run` loads the same modules.
    loadScanners(m.names).catch(() => {});
    return;
  }
  if (m.t === "helpers") {
    useHelperServer(m.port);
    return;
  }
  if (m.t === "interrupt") {
    if (clock) clock.interrupt();
    else interruptedEarly = true;
    return;
  }
  run(m).catch((e) => post({ t: "failed", message: e instanceof Error ? e.message : String(e) }));
};
