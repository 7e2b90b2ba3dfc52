/**
 * A helper module for tests/host/helper_worker_test.ts: echoes every message back through its port, and throws
 * (an uncaught error in the helper) when asked to.
 */
import { onHelperStart } from "../../../src/host/helper_worker.ts";

onHelperStart((port) => {
  port.onmessage = (ev: MessageEvent) => {
    if (ev.data === "throw") throw new Error("thrown as the test asked");
    port.postMessage({ echo: ev.data });
  };
});
