/**
 * The yara scanner's helper thread: claims files of the batches the scanner sends (`helper_protocol.ts`) and
 * scans them with the rules the scanner's thread compiled, through the same library and layout, with a scanner
 * and a read buffer of its own; answers each file with its walk index. Started and ended by `helper_pool.ts`.
 * At its first failure it stops: it claims and scans nothing more.
 */
import { Host } from "../../host/host.ts";
import { onHelperStart } from "../../host/helper_worker.ts";
import { type AttachedLibyara, attachLibyara, type YaraScanner } from "./engine.ts";
import { scanWalkedFile } from "./file_scan.ts";
import {
  BATCH_STOP,
  type HelperBatch,
  type HelperIn,
  type HelperInit,
  type HelperOut,
  slotOf,
} from "./helper_protocol.ts";

interface State {
  lib: AttachedLibyara;
  scanner: YaraScanner;
  host: Host;
  init: HelperInit;
  buffer: Uint8Array<ArrayBuffer> | undefined;
  errorsSeen: number;
}

let port: MessagePort | undefined;
let state: State | undefined;
/** Batches are worked one at a time, in the order they came. */
let queue: Promise<void> = Promise.resolve();

function post(m: HelperOut): void {
  port?.postMessage(m);
}

function start(init: HelperInit): void {
  const lib = attachLibyara(init.library, init.layout);
  try {
    const rules = lib.rules(init.rules);
    const scanner = rules.scanner(init.maxStrings);
    const host = new Host(init.root, { allowRemote: init.allowRemote });
    state = { lib, scanner, host, init, buffer: undefined, errorsSeen: 0 };
  } catch (e) {
    lib[Symbol.dispose]();
    throw e;
  }
}

function work(s: State, b: HelperBatch): void {
  const slots = new Int32Array(b.slots);
  const deadline = performance.now() + b.budgetMs;
  for (let j = 0; j < b.files.length; j++) {
    if (state !== s || Atomics.load(slots, BATCH_STOP) !== 0 || performance.now() >= deadline) break;
    if (Atomics.compareExchange(slots, slotOf(j), 0, s.init.id) !== 0) continue;
    if (s.init.failAfter !== undefined && s.init.failAfter-- <= 0) {
      throw new Error("failing as the test asked");
    }
    const f = b.files[j];
    s.buffer ??= new Uint8Array(s.init.maxBytes + 1);
    const left = Math.max(1, deadline - performance.now()) / 1000;
    const result = scanWalkedFile({ host: s.host }, f, s.scanner, s.init.maxBytes, left, s.buffer);
    const errors = s.scanner.callbackErrors - s.errorsSeen;
    s.errorsSeen = s.scanner.callbackErrors;
    const first = s.scanner.firstCallbackError;
    post({
      t: "result",
      i: f.i,
      scan: result,
      callbackErrors: errors,
      ...(errors > 0 && first !== undefined ? { callbackError: String(first) } : {}),
    });
  }
  post({ t: "batch_done", id: b.id });
}

function received(ev: MessageEvent<HelperIn>): void {
  const m = ev.data;
  if (m.t === "init") {
    try {
      start(m);
      post({ t: "ready" });
    } catch (e) {
      post({ t: "failed", message: e instanceof Error ? e.message : String(e) });
    }
    return;
  }
  const s = state;
  if (s === undefined) return;
  if (m.t === "stop") {
    queue = queue.then(() => {
      state = undefined;
      s.scanner[Symbol.dispose]();
      s.lib[Symbol.dispose]();
      post({ t: "stopped" });
    });
    return;
  }
  queue = queue.then(() => state === s ? work(s, m) : undefined).catch((e) => {
    state = undefined;
    post({ t: "failed", message: e instanceof Error ? e.message : String(e) });
  });
}

onHelperStart((p) => {
  port = p;
  p.onmessage = received;
});
