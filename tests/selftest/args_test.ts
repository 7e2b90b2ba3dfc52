import assert from "node:assert/strict";
import { parseSelfTestArgs } from "../../src/cli/commands/self_test.ts";

Deno.test("self-test arguments: defaults, --trace-seconds, --no-trace, --json", () => {
  assert.deepEqual(parseSelfTestArgs([]), {
    ok: true,
    value: { traceSeconds: 2, fullWalk: false, json: false },
  });
  assert.deepEqual(parseSelfTestArgs(["--trace-seconds", "5", "--json"]), {
    ok: true,
    value: { traceSeconds: 5, fullWalk: false, json: true },
  });
  assert.deepEqual(parseSelfTestArgs(["--no-trace"]), {
    ok: true,
    value: { traceSeconds: 0, fullWalk: false, json: false },
  });
});

Deno.test("self-test arguments: --full-walk", () => {
  assert.deepEqual(parseSelfTestArgs(["--full-walk", "--no-trace"]), {
    ok: true,
    value: { traceSeconds: 0, fullWalk: true, json: false },
  });
});

Deno.test("self-test arguments: bad values and unknown flags are usage errors naming the problem", () => {
  for (
    const [args, re] of [
      [["--trace-seconds", "0"], /from 1 to 60/],
      [["--trace-seconds", "61"], /from 1 to 60/],
      [["--trace-seconds", "abc"], /got "abc"/],
      [["--trace-seconds", "-1"], /usage: sys-scan self-test/],
      [["--no-trace", "--trace-seconds", "3"], /cannot be combined/],
      [["--frobnicate"], /usage: sys-scan self-test/],
      [["extra"], /usage: sys-scan self-test/],
    ] as const
  ) {
    const r = parseSelfTestArgs(args);
    assert.equal(r.ok, false, args.join(" "));
    if (!r.ok) {
      assert.equal(r.error.exit, 2);
      assert.match(r.error.message, re);
    }
  }
});

Deno.test("namespaceProblem: a missing or failing unshare is a reason, a working one is null", async () => {
  const { namespaceProblem } = await import("../../src/cli/commands/self_test.ts");
  assert.match(namespaceProblem("/nonexistent/unshare")!, /needs \/nonexistent\/unshare \(util-linux\)/);
  assert.match(namespaceProblem("/bin/false")!, /cannot create a private mount namespace \(exit code 1\)/);
  if (Deno.uid() === 0) assert.equal(namespaceProblem(), null);
});
