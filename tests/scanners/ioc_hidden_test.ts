/**
 * The hidden-process sweep: every pid up to pid_max, asked with getpgid (not /proc), compared with the listing.
 * A real process cannot be hidden without a rootkit, so the live test hides one from an injected listing while
 * the probe itself (getpgid, /proc/<pid>/status and stat) is the real one.
 */
import assert from "node:assert/strict";
import { ioc } from "../../src/scanners/ioc/index.ts";
import { findHidden, type HiddenProbeIo, type PidProbe, sweepOrder } from "../../src/scanners/ioc/hidden.ts";
import { FAST_SWEEP_BUDGET_MS, liveHiddenIo, SWEEP_BUDGET_MS } from "../../src/scanners/ioc/hidden_check.ts";
import { Host } from "../../src/host/host.ts";
import { HelperServer } from "../../src/host/helper_worker.ts";
import { type PidSweep, sweepLoop, sweepPids } from "../../src/host/pid_sweep.ts";
import { listPids } from "../../src/host/procfs.ts";
import { runOne } from "../helpers.ts";

/** A fake /proc: `live` answers; the listing after the sweep is `relisted`, and `later` what /proc says then. */
function fakeIo(
  live: Map<number, PidProbe>,
  relisted: number[] | undefined,
  later?: Map<number, PidProbe>,
): HiddenProbeIo {
  let relistedOnce = false;
  return {
    probe: (pid) => (relistedOnce && later ? later : live).get(pid),
    relist: () => {
      relistedOnce = true;
      return relisted === undefined ? undefined : new Set(relisted);
    },
  };
}

/** A sweep of `ranges` by the real loop over a fake kernel in which `live` answers, with a fake clock. */
async function fakeSweep(
  live: ReadonlySet<number>,
  ranges: [number, number][],
  budgetMs = 10_000,
  now: () => number = () => 0,
): Promise<PidSweep> {
  const s = await sweepLoop(ranges, budgetMs, { alive: (pid) => live.has(pid), now });
  return { ...s, method: "fake", where: "thread" };
}

Deno.test("findHidden: threads, late starters and pid reuse are not hidden; a filtered pid is", async () => {
  const live = new Map<number, PidProbe>([
    [1, { tgid: 1, startTicks: 1 }],
    [50, { tgid: 1, startTicks: 9 }], // a thread of pid 1
    [60, { tgid: 60, startTicks: 20 }], // started after the listing: listed the second time
    [70, { tgid: 70, startTicks: 30 }], // hidden
    [80, { tgid: 80, startTicks: 40 }], // exited and its pid reused meanwhile
  ]);
  const later = new Map(live);
  later.set(80, { tgid: 80, startTicks: 99 });
  const listed = new Set([1]);
  const sweep = await fakeSweep(new Set(live.keys()), sweepOrder(32768, listed));
  const r = await findHidden(fakeIo(live, [1, 60], later), listed, 32768, sweep);
  assert.deepEqual(r.hidden, [70]);
  assert.deepEqual([r.ranges, r.swept, r.complete, r.pidMax], [[[1, 32768]], 32768, true, 32768]);
  assert.deepEqual((await findHidden(fakeIo(live, undefined), listed, 32768, sweep)).hidden, []);
});

Deno.test("sweepOrder: the range in use first, then the rest up to pid_max; nothing left out", () => {
  assert.deepEqual(sweepOrder(32768, new Set([1, 500])), [[1, 4596], [4597, 32768]]);
  assert.deepEqual(sweepOrder(4_194_304, new Set([1, 3_000_000])), [[1, 3_004_096], [3_004_097, 4_194_304]]);
  assert.deepEqual(sweepOrder(1000, new Set([1, 999])), [[1, 1000]]);
  assert.deepEqual(sweepOrder(1000, new Set()), [[1, 1000]]);
});

Deno.test("sweepLoop: a budget cut leaves a partial, exactly described coverage; a stop ends it", async () => {
  let t = 0;
  const clock = () => (t += 1); // every budget check costs 1 ms
  const r = await fakeSweep(new Set([9000]), sweepOrder(4_194_304, new Set([1])), 3, clock);
  assert.equal(r.complete, false);
  // Three chunks fit: 1..4096, then 4097 (the end of the range in use), then 4098..8193.
  assert.deepEqual(r.ranges, [[1, 8193]]);
  assert.equal(r.swept, 8193);
  assert.deepEqual(r.alive, [], "pid 9000 was past what the budget allowed");
  const stopped = await sweepLoop([[1, 100_000]], 10_000, {
    alive: () => true,
    now: () => 0,
    stopped: () => true,
  });
  assert.deepEqual([stopped.swept, stopped.complete, stopped.ranges], [0, false, []]);
  const cut = await sweepLoop([[1, 100_000]], 10_000, {
    alive: () => true,
    now: () => 0,
    tick: () => Promise.reject(new Error("scanner cut off")),
  });
  assert.deepEqual(
    [cut.swept, cut.complete],
    [0, false],
    "a throwing checkpoint stops it; it still resolves",
  );
});

Deno.test("ioc hidden live: a process left out of the listing is found, though the old probe window missed it", async () => {
  const child = new Deno.Command("/bin/sleep", {
    args: ["60"],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    const host = new Host("/");
    const real = listPids(host);
    assert.ok(typeof real !== "string");
    // A lying listing: the child is filtered out (as a rootkit's getdents hook would), and a high pid makes the
    // old window (the 131,072 pids below max(highest listed + 4096, 32768)) start far above the child.
    const fakeHigh = 290_000;
    const pidMax = 300_000;
    const listed = new Set([...real.filter((p) => p !== child.pid), fakeHigh]);
    const oldTo = Math.min(pidMax, Math.max(fakeHigh + 4096, 32768));
    const oldFrom = Math.max(1, oldTo - 131_072 + 1);
    assert.ok(child.pid < oldFrom, `the old window ${oldFrom}..${oldTo} does not reach pid ${child.pid}`);
    const io = liveHiddenIo(host);
    const lying = {
      ...io,
      relist: () => {
        const again = io.relist();
        again?.delete(child.pid);
        return again;
      },
    };
    const sweep = await sweepPids(sweepOrder(pidMax, listed), SWEEP_BUDGET_MS);
    assert.deepEqual([sweep.method, sweep.where], ["getpgid", "worker"]);
    const r = await findHidden(lying, listed, pidMax, sweep);
    assert.equal(r.complete, true, `swept ${r.swept} of ${pidMax}`);
    assert.ok(r.hidden.includes(child.pid), `hidden: ${r.hidden}`);
    // Without the lie nothing is hidden (this test's own threads and other tests' processes are not).
    const honest = await findHidden(io, new Set(listPids(host) as number[]), pidMax, sweep);
    assert.deepEqual(honest.hidden.filter((p) => p === child.pid), []);
  } finally {
    child.kill("SIGKILL");
    await child.status;
  }
});

Deno.test("ioc hidden live: the scan sweeps the whole pid_max range and records it in meta; --fast-scan has a shorter budget", async () => {
  const pidMax = Number(Deno.readTextFileSync("/proc/sys/kernel/pid_max").trim());
  for (const fastScan of [false, true]) {
    const r = await runOne(ioc, "/", { fastScan });
    assert.equal(r.status, "ok");
    assert.deepEqual(r.findings.filter((f) => f.check_id === "ioc.process.hidden").map((f) => f.id), []);
    const sweep = r.outcome.meta.hidden_pid_sweep as Record<string, unknown>;
    assert.equal(sweep.pid_max, pidMax);
    assert.equal(sweep.budget_ms, fastScan ? FAST_SWEEP_BUDGET_MS : SWEEP_BUDGET_MS);
    assert.deepEqual([sweep.method, sweep.thread], ["getpgid", "worker"]);
    assert.equal(typeof sweep.elapsed_ms, "number");
    if (sweep.complete) {
      assert.deepEqual([sweep.ranges, sweep.swept], [[`1-${pidMax}`], pidMax]);
    } else {
      // A very slow host: the cut is a warning that says what was covered.
      assert.ok(
        r.warnings.some((w) => w.code === "truncated" && /hidden-process sweep covered/.test(w.detail!)),
      );
    }
  }
});

/** Sweeps from a worker standing in for the scan worker, with or without the main thread's helper server. */
async function sweepFromWorker(
  withServer: boolean,
  base = new URL("../../src/", import.meta.url).href,
): Promise<{ where: string; complete: boolean; self: boolean }> {
  const channel = new MessageChannel();
  const server = withServer ? new HelperServer(channel.port1, base) : undefined;
  const w = new Worker(new URL("../host/helper_worker/sweeping_worker.ts", import.meta.url), {
    type: "module",
  });
  try {
    const got = new Promise<MessageEvent>((resolve) => w.onmessage = resolve);
    if (withServer) w.postMessage({ port: channel.port2 }, [channel.port2]);
    else w.postMessage({});
    return (await got).data;
  } finally {
    w.terminate();
    server?.[Symbol.dispose]();
    channel.port1.close();
    channel.port2.close();
  }
}

Deno.test("sweepPids from the scan worker: on a helper thread the main thread creates, else on that thread", async () => {
  const served = await sweepFromWorker(true);
  assert.deepEqual(served, { where: "worker", complete: true, self: true });
  const alone = await sweepFromWorker(false);
  assert.deepEqual(
    alone,
    { where: "thread", complete: true, self: true },
    "a worker's own worker would start late",
  );
});

Deno.test("sweepPids from the scan worker: a helper that cannot start leaves the sweep to that thread, whole", async () => {
  // A server that starts nothing of src/ (its tree is elsewhere): the helper fails at once.
  const refused = await sweepFromWorker(true, new URL("../../docs/", import.meta.url).href);
  assert.deepEqual(refused, { where: "thread", complete: true, self: true });
});
