import assert from "node:assert/strict";
import { Host } from "../../src/host/host.ts";
import { Aggregator } from "../../src/trace/aggregate.ts";
import { runFallback } from "../../src/trace/fallback.ts";
import { ProcessTable } from "../../src/trace/lineage.ts";
import type { ExecRecord } from "../../src/trace/records.ts";
import { makeTree } from "../helpers.ts";

function stat(pid: number, comm: string, ppid: number, start: number): string {
  // Fields 3..22: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime
  // priority nice threads itrealvalue starttime
  return `${pid} (${comm}) S ${ppid} ${pid} ${pid} 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 ${start} 0 0\n`;
}

async function poll(
  root: string,
  initial: Map<number, number>,
  during: (root: string) => void,
  maxEvents = 100,
): Promise<{ records: ExecRecord[]; metrics: Awaited<ReturnType<typeof runFallback>>["metrics"] }> {
  const records: ExecRecord[] = [];
  const table = new ProcessTable();
  table.set({ pid: 1, ppid: 0, comm: "init", exe: "/sbin/init", argv: [], source: "snapshot" });
  setTimeout(() => during(root), 60);
  const { metrics } = await runFallback({
    host: new Host(root),
    durationMs: 400,
    maxEvents,
    intervalMs: 20,
    signal: new AbortController().signal,
    table,
    aggregator: new Aggregator(),
    emit: (_t, r) => records.push(r),
    initial,
  });
  return { records, metrics };
}

Deno.test("fallback: a new process is reported with its comm (spaces and parentheses), ppid, start time and low fidelity", async () => {
  using tree = makeTree({ "proc/1/stat": stat(1, "init", 0, 1), "proc/1/cmdline": "/sbin/init\0" });
  const { records, metrics } = await poll(tree.path, new Map([[1, 1]]), (root) => {
    Deno.mkdirSync(`${root}/proc/42`);
    Deno.writeTextFileSync(`${root}/proc/42/cmdline`, "./evil\0--flag\0");
    Deno.writeTextFileSync(`${root}/proc/42/stat`, stat(42, "a) b (c", 1, 5000));
  });
  assert.equal(records.length, 1);
  const r = records[0];
  assert.equal(r.pid, 42);
  assert.equal(r.comm, "a) b (c");
  assert.equal(r.ppid, 1);
  assert.equal(r.start_ticks, 5000);
  assert.deepEqual(r.argv, ["./evil", "--flag"]);
  assert.equal(r.fidelity, "low");
  assert.equal(r.source, "proc_polling");
  assert.deepEqual(r.lineage, ["init[1]"]);
  assert.equal(metrics.mode, "proc_polling");
  assert.ok(metrics.polls > 3);
});

Deno.test("fallback: a process that starts during the last interval is seen by one last poll", async () => {
  // One poll, then the duration is over while the poller sleeps: the process written meanwhile is still seen.
  using tree = makeTree({ "proc/1/stat": stat(1, "init", 0, 1) });
  const records: ExecRecord[] = [];
  const table = new ProcessTable();
  let polls = 0;
  const { metrics } = await runFallback({
    host: new Host(tree.path),
    durationMs: 30,
    maxEvents: 100,
    intervalMs: 60,
    signal: new AbortController().signal,
    table,
    aggregator: new Aggregator(),
    emit: (_t, r) => records.push(r),
    initial: new Map([[1, 1]]),
    onProgress: () => {
      if (++polls > 1) return;
      Deno.mkdirSync(`${tree.path}/proc/77`);
      Deno.writeTextFileSync(`${tree.path}/proc/77/stat`, stat(77, "late", 1, 900));
    },
  });
  assert.equal(metrics.polls, 2);
  assert.deepEqual(records.map((r) => [r.pid, r.comm]), [[77, "late"]]);
});

Deno.test("fallback: a reused pid (same pid, new start time) is a new process; an unchanged one is not", async () => {
  using tree = makeTree({ "proc/7/stat": stat(7, "old", 1, 100), "proc/8/stat": stat(8, "steady", 1, 200) });
  const { records } = await poll(tree.path, new Map([[7, 100], [8, 200]]), (root) => {
    Deno.writeTextFileSync(`${root}/proc/7/stat`, stat(7, "new", 1, 900));
  });
  assert.deepEqual(records.map((r) => [r.pid, r.comm, r.start_ticks]), [[7, "new", 900]]);
});

Deno.test("fallback: garbage and truncated stat files are skipped, not reported or thrown", async () => {
  using tree = makeTree({});
  Deno.mkdirSync(`${tree.path}/proc`);
  const { records } = await poll(tree.path, new Map(), (root) => {
    for (const [pid, text] of [[3, ""], [4, "4 (x"], [5, "garbage"], [6, "6 (x) S 1 2"]] as const) {
      Deno.mkdirSync(`${root}/proc/${pid}`);
      Deno.writeTextFileSync(`${root}/proc/${pid}/stat`, text);
    }
  });
  assert.deepEqual(records, []);
});

Deno.test("fallback: the user-space cap stops polling and says so", async () => {
  using tree = makeTree({});
  Deno.mkdirSync(`${tree.path}/proc`);
  const { records, metrics } = await poll(tree.path, new Map(), (root) => {
    for (const pid of [11, 12, 13]) {
      Deno.mkdirSync(`${root}/proc/${pid}`);
      Deno.writeTextFileSync(`${root}/proc/${pid}/stat`, stat(pid, "p", 1, pid));
    }
  }, 2);
  assert.equal(records.length, 2);
  assert.equal(metrics.stopped_by, "max_events");
  assert.equal(metrics.user_drops.max_events, 1);
});

Deno.test("fallback: an unreadable /proc stops with a reason", async () => {
  using tree = makeTree({});
  const { records, metrics } = await poll(tree.path, new Map(), () => {});
  assert.deepEqual(records, []);
  assert.equal(metrics.stopped_by, "proc_unreadable");
});

Deno.test('fallback: the exe link\'s " (deleted)" is read by the shared helper; a memfd is not a deleted file', async () => {
  using tree = makeTree({ "proc/1/stat": stat(1, "init", 0, 1), "proc/1/cmdline": "/sbin/init\0" });
  const { records } = await poll(tree.path, new Map([[1, 1]]), (root) => {
    for (const [pid, target] of [[42, "/tmp/x (deleted)"], [43, "/memfd:p (deleted)"]] as const) {
      Deno.mkdirSync(`${root}/proc/${pid}`);
      Deno.writeTextFileSync(`${root}/proc/${pid}/stat`, stat(pid, "x", 1, 5000));
      Deno.symlinkSync(target, `${root}/proc/${pid}/exe`);
    }
  });
  assert.deepEqual(records.map((r) => [r.pid, r.exe, r.exe_deleted]).sort(), [
    [42, "/tmp/x", true],
    [43, "/memfd:p", false],
  ]);
});
