/** The pid sweep on its own thread: runs `sweepLoop` with getpgid and posts what answered (see pid_sweep.ts). */
import { onHelperStart } from "./helper_worker.ts";
import { pidAlive, sweepLoop, type SweepWorkerIn, type SweepWorkerOut } from "./pid_sweep.ts";

onHelperStart((port) => {
  const post = (m: SweepWorkerOut) => port.postMessage(m);
  port.onmessage = async (ev: MessageEvent<SweepWorkerIn>) => {
    try {
      const { ranges, budgetMs, stop } = ev.data;
      const flag = new Int32Array(stop);
      const probe = pidAlive();
      const s = await sweepLoop(ranges, budgetMs, {
        alive: probe.alive,
        now: () => performance.now(),
        stopped: () => Atomics.load(flag, 0) !== 0,
      });
      post({ t: "done", sweep: { ...s, method: probe.method, where: "worker" } });
    } catch (e) {
      post({ t: "failed", message: e instanceof Error ? e.message : String(e) });
    }
  };
});
