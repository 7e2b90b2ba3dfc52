/**
 * The native verifier's helper thread: runs the engine (`verify_packages.ts`) on packages it takes from the
 * counter it shares with the scan worker, with its own Host on the same scan root, and posts each package's
 * result. Started and ended by `native_run.ts`; messages are `HelperIn` and `HelperOut`, through the port of `src/host/helper_worker.ts`.
 */
import { Host } from "../../host/host.ts";
import { onHelperStart } from "../../host/helper_worker.ts";
import { claimFrom, type HelperIn, type HelperOut, SHARED_STOP, verifyPackages } from "./verify_packages.ts";

let port: MessagePort | undefined;

function post(m: HelperOut): void {
  port?.postMessage(m);
}

async function received(ev: MessageEvent<HelperIn>): Promise<void> {
  const m = ev.data;
  try {
    const shared = new Int32Array(m.shared);
    await verifyPackages({
      host: new Host(m.root, { allowRemote: m.allowRemote }),
      packages: m.packages,
      diversions: new Map(m.diversions.map((d) => [d.from, d])),
      maxBytes: m.maxBytes,
      claim: claimFrom(shared, m.claims, 1, m.packages.length),
      stopped: () => Atomics.load(shared, SHARED_STOP) !== 0 || Date.now() > m.deadline,
      buffers: Array.from({ length: m.lanes }, () => new Uint8Array(m.bufferBytes)),
      deliver: (result) => {
        if (m.failAfter !== undefined && m.failAfter-- <= 0) throw new Error("failing as the test asked");
        post({ t: "result", result });
      },
    });
    post({ t: "done" });
  } catch (e) {
    post({ t: "failed", message: e instanceof Error ? e.message : String(e) });
  }
}

onHelperStart((p) => {
  port = p;
  p.onmessage = received;
});
