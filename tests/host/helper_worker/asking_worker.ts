/**
 * A worker for tests/host/helper_worker_test.ts, standing in for the scan worker: it takes the helper server's
 * port, starts the helper module it is told through that server, sends it one message and reports the reply
 * (or the helper's error) to the test.
 */
/// <reference lib="deno.worker" />
import { startHelper, useHelperServer } from "../../../src/host/helper_worker.ts";

self.onmessage = (ev: MessageEvent<{ port: MessagePort; url: string; send: string }>) => {
  useHelperServer(ev.data.port);
  const helper = startHelper(ev.data.url);
  helper.onmessage = (m) => {
    self.postMessage({ reply: m.data });
    if (ev.data.send !== "keep") helper.terminate();
  };
  helper.onerror = (message) => {
    self.postMessage({ error: message });
    helper.terminate();
  };
  helper.postMessage(ev.data.send);
};
