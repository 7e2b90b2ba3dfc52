/**
 * A census worker: walks the directories it is given with a CensusWalker on its own thread, hands half of
 * its pending directories to the coordinator when an idle worker asks, and reports what it kept whenever it
 * runs out of work. Messages are `WorkerIn` and `WorkerOut` (census_data.ts), through the port of `helper_worker.ts`.
 */
import { DirentCalls } from "../../ffi/dirent.ts";
import { CensusWalker } from "./census_walker.ts";
import { checkLimits, type WorkerIn, type WorkerOut } from "./census_data.ts";
import { onHelperStart } from "./helper_worker.ts";

let walker: CensusWalker | undefined;
let shared: Int32Array;
let deadline = 0;
let maxEntries = 0;
let port: MessagePort | undefined;

function post(m: WorkerOut): void {
  port?.postMessage(m);
}

function drive(w: CensusWalker): void {
  while (!w.stopped && w.step()) {
    checkLimits(shared, deadline, maxEntries);
    if (w.stealRequested && w.stack.length >= 2) post({ t: "donate", tasks: w.donate() });
  }
  w.discard();
  post({ t: "idle", ...w.drain() });
}

function received(ev: MessageEvent<WorkerIn>): void {
  const m = ev.data;
  if (m.t === "init") {
    const fs = DirentCalls.open();
    if (typeof fs === "string") {
      post({ t: "failed", message: fs });
      return;
    }
    shared = new Int32Array(m.shared);
    deadline = m.deadline;
    maxEntries = m.maxEntries;
    walker = new CensusWalker(fs, m.settings, shared, m.id);
  } else if (m.t === "work" && walker !== undefined) {
    walker.adopt(m.tasks);
    drive(walker);
  }
}

onHelperStart((p) => {
  port = p;
  p.onmessage = received;
});
