/**
 * The flag table (how each setting is spelled on the command line) and core's settings schema (what each
 * setting is) stay in step: one flag per setting and one setting per flag, unique names, matching kinds.
 */
import assert from "node:assert/strict";
import { CONFIG_KEYS, type ConfigKey, settingSchema } from "../../src/core/config.ts";
import { FLAG_GROUPS, flagByName, FLAGS } from "../../src/cli/flags/index.ts";
import type { FlagKind, FlagSpec } from "../../src/cli/flags/spec.ts";

/** The zod type under defaults, optionals and pipes (`default`, `optional`, `pipe` → its input). */
function baseType(schema: unknown): { type: string; optional: boolean } {
  let def = (schema as { _zod: { def: Record<string, unknown> } })._zod.def;
  let optional = false;
  for (;;) {
    if (def.type === "optional") optional = true;
    const inner = def.type === "default" || def.type === "optional"
      ? def.innerType
      : def.type === "pipe"
      ? def.in
      : undefined;
    if (inner === undefined) return { type: def.type as string, optional };
    def = (inner as { _zod: { def: Record<string, unknown> } })._zod.def;
  }
}

/** The setting types each flag kind can produce. */
const KIND_TYPES: Record<FlagKind, string[]> = {
  boolean: ["boolean"],
  int: ["number"],
  "optional-int": ["number"],
  csv: ["array"],
  string: ["string", "enum"],
};

Deno.test("every setting has exactly one flag, and every flag sets a setting", () => {
  const grouped = FLAG_GROUPS.flatMap((g) => Object.keys(g.flags));
  assert.equal(new Set(grouped).size, grouped.length, "a setting appears in two flag groups");
  assert.deepEqual([...grouped].sort(), [...CONFIG_KEYS].sort());
  assert.deepEqual(Object.keys(FLAGS).sort(), [...CONFIG_KEYS].sort());
});

Deno.test("flag names are unique and map back to their setting", () => {
  const names = Object.values(FLAGS).map((f) => f.name);
  assert.equal(new Set(names).size, names.length);
  for (const [key, spec] of Object.entries(FLAGS) as [ConfigKey, FlagSpec][]) {
    assert.match(spec.name, /^[a-z][a-z0-9-]*$/, key);
    assert.equal(flagByName(spec.name)?.[0], key);
  }
});

Deno.test("each flag's kind matches the type of its setting", () => {
  for (const [key, spec] of Object.entries(FLAGS) as [ConfigKey, FlagSpec][]) {
    const { type, optional } = baseType(settingSchema(key));
    assert.ok(KIND_TYPES[spec.kind].includes(type), `--${spec.name} is ${spec.kind} but ${key} is ${type}`);
    if (spec.kind === "optional-int") {
      assert.ok(optional, `--${spec.name} takes an optional value, so ${key} must be optional`);
      assert.ok(
        settingSchema(key).safeParse(spec.implicit).success,
        `--${spec.name}'s implicit value is valid`,
      );
    }
  }
});

Deno.test("the kind check can tell kinds apart", () => {
  assert.deepEqual(baseType(settingSchema("enable")), { type: "array", optional: false });
  assert.deepEqual(baseType(settingSchema("failOnCount")), { type: "number", optional: true });
  assert.deepEqual(baseType(settingSchema("format")), { type: "enum", optional: true });
  assert.ok(!KIND_TYPES.boolean.includes(baseType(settingSchema("maxDuration")).type));
});
