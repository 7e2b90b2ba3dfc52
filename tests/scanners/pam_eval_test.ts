import assert from "node:assert/strict";
import { Host } from "../../src/host/host.ts";
import {
  flatten,
  MAX_STACK_ITEMS,
  PamConfig,
  type PamRule,
  parsePamText,
  type StackItem,
} from "../../src/scanners/auth/pam_config.ts";
import { authBypasses } from "../../src/scanners/auth/pam_eval.ts";
import { makeTree } from "../helpers.ts";

/** A stack from pam.d text (no includes); `sub` turns a line's rules into a substack item. */
function stack(text: string): StackItem[] {
  return parsePamText(text, "/etc/pam.d/t").statements.map((s) => ({ rule: (s as { rule: PamRule }).rule }));
}
const none = () => false;
const verdict = (items: StackItem[]) => {
  const v = authBypasses(items, none);
  return v.bypasses.length === 0
    ? "fails"
    : v.bypasses.some((b) => !b.conditional)
    ? "always"
    : "conditional";
};

Deno.test("pam eval: stock stacks fail without credentials", () => {
  assert.equal(
    verdict(
      stack(
        "auth [success=1 default=ignore] pam_unix.so nullok\nauth requisite pam_deny.so\nauth required pam_permit.so\n",
      ),
    ),
    "fails",
  );
  assert.equal(verdict(stack("auth sufficient pam_rootok.so\nauth required pam_unix.so\n")), "fails");
  assert.equal(verdict(stack("auth required pam_env.so\n")), "fails", "nothing set success: PAM fails");
  assert.equal(verdict([]), "fails", "an empty stack fails");
});

Deno.test("pam eval: permit as sufficient, a jump over deny, reset, die, done after a failure", () => {
  assert.equal(verdict(stack("auth sufficient pam_permit.so\nauth required pam_unix.so\n")), "always");
  assert.equal(
    verdict(stack("auth [default=1] pam_unix.so\nauth requisite pam_deny.so\nauth required pam_permit.so\n")),
    "always",
  );
  assert.equal(
    verdict(stack("auth required pam_unix.so\nauth sufficient pam_permit.so\n")),
    "fails",
    "done does not undo an earlier failure",
  );
  assert.equal(
    verdict(
      stack("auth required pam_unix.so\nauth [success=reset] pam_permit.so\nauth required pam_permit.so\n"),
    ),
    "always",
    "reset forgets the failure",
  );
  assert.equal(
    verdict(stack("auth requisite pam_deny.so\nauth required pam_permit.so\n")),
    "fails",
    "requisite dies at once",
  );
  assert.equal(
    verdict(stack("auth [success=ok default=die] pam_succeed_if.so uid >= 0\nauth required pam_permit.so\n")),
    "conditional",
    "success needs the condition (otherwise die)",
  );
});

Deno.test("pam eval: a substack's done ends only the substack", () => {
  const sub = stack("auth sufficient pam_permit.so\n");
  const items: StackItem[] = [
    { substack: sub, rule: { ...stack("auth substack x\n")[0].rule } },
    ...stack("auth required pam_deny.so\n"),
  ];
  assert.equal(verdict(items), "fails", "the deny after the substack still runs");
  const included: StackItem[] = [...sub, ...stack("auth required pam_deny.so\n")];
  assert.equal(verdict(included), "always", "an include's done ends the whole stack");
});

Deno.test("pam eval: many conditions are explored up to a cap, never forever", () => {
  const text =
    Array.from({ length: 40 }, () => "auth [success=1 default=ignore] pam_succeed_if.so uid >= 1000\n").join(
      "",
    ) +
    "auth requisite pam_deny.so\nauth required pam_permit.so\n";
  const t0 = performance.now();
  const v = authBypasses(stack(text), none);
  assert.ok(performance.now() - t0 < 2000, "equivalent paths are merged, so 2^40 outcomes stay cheap");
  assert.equal(v.capped, false);
  assert.ok(
    v.bypasses.length > 0 && v.bypasses.every((b) => b.conditional),
    "a jump over the deny when the last condition holds",
  );
});

Deno.test("pam config: files that each include the next four ways resolve within a bound, said as a problem", () => {
  const entries: Record<string, string> = {
    "etc/pam.d/sshd": "@include dag0\nauth required pam_permit.so\n",
    "etc/pam.d/plain": "auth include common\nauth substack common\n",
    "etc/pam.d/common": "auth required pam_unix.so\n",
  };
  for (let i = 0; i < 40; i++) {
    entries[`etc/pam.d/dag${i}`] = `@include dag${i + 1}\n@include dag${i + 1}\nauth include dag${i + 1}\n` +
      `auth substack dag${i + 1}\n`;
  }
  entries["etc/pam.d/dag40"] = "auth required pam_unix.so\n";
  using tree = makeTree(entries);
  const cfg = new PamConfig(new Host(tree.path));
  const t0 = performance.now();
  for (const type of ["auth", "account", "password", "session"] as const) cfg.stack("sshd", type);
  const ms = performance.now() - t0;
  assert.ok(ms < 5000, `${ms.toFixed(0)} ms`);
  const cut = cfg.problems.filter((p) => p.includes(`more than ${MAX_STACK_ITEMS}`));
  assert.equal(cut.length, 4, cfg.problems.join("\n"));
  assert.ok(cut.every((p) => p.includes("the rest were not checked")));
  assert.equal(cfg.problems.length, new Set(cfg.problems).size, "each problem once");
  // A stack of ordinary size resolves whole and says nothing.
  const plain = flatten(cfg.stack("plain", "auth"));
  assert.deepEqual(plain.map((r) => r.module), ["pam_unix.so", "common", "pam_unix.so"]);
  assert.ok(!cfg.problems.some((p) => p.includes("plain")));
});
