/**
 * Helper threads (src/host/helper_worker.ts): started here or through the main thread's server, they talk
 * through a port, report their errors, and end when told to or with the server.
 */
import assert from "node:assert/strict";
import { HelperServer, startHelper } from "../../src/host/helper_worker.ts";

const ECHO = new URL("./helper_worker/echo_helper.ts", import.meta.url).href;
const ASKING = new URL("./helper_worker/asking_worker.ts", import.meta.url);
const TESTS = new URL("../", import.meta.url).href;

/** The next message of a worker or helper, or an error after `ms`. */
function next<T>(on: (deliver: (v: T) => void) => void, ms = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`nothing within ${ms} ms`)), ms);
    on((v) => {
      clearTimeout(timer);
      resolve(v);
    });
  });
}

/** Threads of this process named like Deno's workers. */
function workerThreads(): number {
  let n = 0;
  for (const t of Deno.readDirSync("/proc/self/task")) {
    try {
      if (Deno.readTextFileSync(`/proc/self/task/${t.name}/comm`).startsWith("worker-")) n++;
    } catch {
      // the thread ended meanwhile
    }
  }
  return n;
}

Deno.test("a helper started on this thread answers through its port and ends when terminated", async () => {
  const helper = startHelper(ECHO);
  try {
    const reply = next<MessageEvent>((d) => helper.onmessage = d);
    helper.postMessage("hello");
    assert.deepEqual((await reply).data, { echo: "hello" });
  } finally {
    helper.terminate();
  }
  helper.terminate(); // twice is harmless
  helper.postMessage("after the end is dropped");
});

Deno.test("a helper's uncaught error reaches onerror with its message", async () => {
  const helper = startHelper(ECHO);
  try {
    const error = next<string>((d) => helper.onerror = d);
    helper.postMessage("throw");
    assert.match(await error, /thrown as the test asked/);
  } finally {
    helper.terminate();
  }
});

Deno.test("a module that does not exist fails through onerror, never silently", async () => {
  const helper = startHelper(new URL("./helper_worker/missing.ts", import.meta.url).href);
  try {
    const message = await next<string>((d) => helper.onerror = d);
    assert.ok(message.length > 0);
  } finally {
    helper.terminate();
  }
});

async function askThroughServer(
  base: string,
  send: string,
  url = ECHO,
): Promise<{ server: HelperServer; got: Record<string, unknown>; asker: Worker }> {
  const channel = new MessageChannel();
  const server = new HelperServer(channel.port1, base);
  const asker = new Worker(ASKING, { type: "module" });
  const got = next<MessageEvent>((d) => asker.onmessage = d);
  asker.postMessage({ port: channel.port2, url, send }, [channel.port2]);
  return { server, got: (await got).data, asker };
}

Deno.test("a worker's helper is created by the server's thread and answers the worker directly", async () => {
  const { server, got, asker } = await askThroughServer(TESTS, "through the main thread");
  try {
    assert.deepEqual(got, { reply: { echo: "through the main thread" } });
    assert.deepEqual(server.started, 1);
  } finally {
    asker.terminate();
    server[Symbol.dispose]();
  }
});

Deno.test("a helper's error reaches the worker that asked for it", async () => {
  const { server, got, asker } = await askThroughServer(TESTS, "throw");
  try {
    assert.match(String(got.error), /thrown as the test asked/);
  } finally {
    asker.terminate();
    server[Symbol.dispose]();
  }
});

Deno.test("the server starts only modules of its own tree", async () => {
  const elsewhere = new URL("../../src/", import.meta.url).href;
  const { server, got, asker } = await askThroughServer(elsewhere, "hello");
  try {
    assert.match(String(got.error), /not a module of this program/);
    assert.deepEqual(server.started, 0);
  } finally {
    asker.terminate();
    server[Symbol.dispose]();
  }
});

Deno.test("the server resolves a module's URL before checking it: `..` cannot lead out of its tree", async () => {
  // Under tests/ as written, but src/host/helper_worker.ts once resolved.
  const outside = `${TESTS}host/../../src/host/helper_worker.ts`;
  assert.ok(outside.startsWith(TESTS));
  const { server, got, asker } = await askThroughServer(TESTS, "hello", outside);
  try {
    assert.match(String(got.error), /not a module of this program/);
    assert.equal(server.started, 0);
  } finally {
    asker.terminate();
    server[Symbol.dispose]();
  }
});

Deno.test("disposing the server ends the helpers still running (the scan worker was ended)", async () => {
  const before = workerThreads();
  const { server, got, asker } = await askThroughServer(TESTS, "keep");
  assert.deepEqual(got, { reply: { echo: "keep" } });
  asker.terminate();
  assert.deepEqual(server.running, 1);
  server[Symbol.dispose]();
  assert.deepEqual(server.running, 0);
  const deadline = Date.now() + 5000;
  while (workerThreads() > before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.ok(
    workerThreads() <= before,
    `worker threads still running: ${workerThreads()} (before: ${before})`,
  );
});
