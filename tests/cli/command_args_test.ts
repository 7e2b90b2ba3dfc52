import assert from "node:assert/strict";
import { parseCommandArgs } from "../../src/cli/commands/command_args.ts";

Deno.test("subcommand flags: values, positionals, and usage errors naming the command", () => {
  const ok = parseCommandArgs(
    "diff",
    "usage: x",
    ["a", "--format=md", "b"],
    { format: { type: "string" } },
    2,
  );
  assert.ok(ok.ok);
  if (ok.ok) {
    assert.equal(ok.value.values.format, "md");
    assert.deepEqual(ok.value.positionals, ["a", "b"]);
  }
  const extra = parseCommandArgs("keygen", "usage: y", ["stray"], { out: { type: "string" } });
  assert.ok(
    !extra.ok && extra.error.exit === 2 &&
      /^keygen: unexpected argument "stray"; usage: y$/.test(extra.error.message),
  );
  const unknown = parseCommandArgs("verify", "usage: z", ["--nope"], { pub: { type: "string" } });
  assert.ok(!unknown.ok && /^verify: .*--nope.*; usage: z$/.test(unknown.error.message));
  const missing = parseCommandArgs("verify", "usage: z", ["--pub"], { pub: { type: "string" } });
  assert.ok(!missing.ok && missing.error.exit === 2);
});
