/**
 * Scanning on one thread with rules another compiled (AttachedLibyara, YaraRules.address and abandon): the
 * attached rules read the same table, disposing them destroys nothing, and abandoned rules stay usable.
 */
import assert from "node:assert/strict";
import { AttachedLibyara, Libyara, LibyaraError } from "../../ffi/libyara.ts";
import { needs } from "../host_caps.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const RULES = [{
  name: "t.yar",
  text: 'rule beacon : net { meta: severity = "high" strings: $a = "beacon" condition: $a }',
}];

Deno.test("libyara attach: an unknown layout or a missing library is a LibyaraError at its stage", () => {
  assert.throws(
    () => AttachedLibyara.open("libyara.so.9", "9.9–9.9"),
    (e) => e instanceof LibyaraError && e.stage === "layout" && /9\.9–9\.9/.test(e.message),
  );
  assert.throws(
    () => AttachedLibyara.open("/nonexistent/libyara.so", "4.2–4.3"),
    (e) => e instanceof LibyaraError && e.stage === "dlopen" && /\/nonexistent\/libyara\.so/.test(e.message),
  );
});

Deno.test(needs(["libyara"], {
  name:
    "libyara attach: rules attached by address read the same table and scan alike; disposing them destroys nothing",
  fn: () => {
    using lib = Libyara.open();
    const compiled = lib.compile(RULES);
    if (!compiled.ok) throw new Error(compiled.errors[0].message);
    using rules = compiled.rules;
    using attached = AttachedLibyara.open(lib.path, lib.layout.releases);
    {
      using borrowed = attached.rules(rules.address);
      assert.deepEqual(borrowed.rules, rules.rules);
      using scanner = borrowed.scanner();
      const r = scanner.scan(enc("a beacon here"), 5);
      assert.ok(r.ok);
      assert.deepEqual(r.matches.map((m) => [m.rule.name, m.strings]), [
        ["beacon", [{ identifier: "$a", offset: 2, length: 6 }]],
      ]);
    }
    // The borrowed rules were disposed: the owner's still scan.
    using scanner = rules.scanner();
    assert.equal(scanner.scan(enc("beacon"), 5).matches.length, 1);
  },
}));

Deno.test(needs(["libyara"], {
  name:
    "libyara attach: abandoned rules are not destroyed (a thread that may still scan with them keeps working)",
  fn: () => {
    using lib = Libyara.open();
    const compiled = lib.compile(RULES);
    if (!compiled.ok) throw new Error(compiled.errors[0].message);
    const rules = compiled.rules;
    using attached = AttachedLibyara.open(lib.path, lib.layout.releases);
    using borrowed = attached.rules(rules.address);
    using scanner = borrowed.scanner();
    rules.abandon();
    rules[Symbol.dispose]();
    assert.throws(() => rules.address, /destroyed/, "the owner no longer hands them out");
    for (let n = 0; n < 3; n++) assert.equal(scanner.scan(enc("beacon"), 5).matches.length, 1);
  },
}));
