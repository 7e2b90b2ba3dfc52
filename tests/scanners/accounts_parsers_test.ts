import assert from "node:assert/strict";
import { nameConcern } from "../../src/scanners/accounts/identity.ts";
import { defInt, parseLoginDefs, uidRanges } from "../../src/scanners/accounts/login_defs.ts";
import { encodeLastlog, LAYOUTS, parseLastlogSlot } from "../../src/scanners/logins/utmp.ts";

Deno.test("login.defs: the last value wins, quotes and trailing words are dropped, octal is octal", () => {
  const defs = parseLoginDefs(
    '# UID_MIN 5\nUID_MIN 1000\r\nUID_MIN\t\t 500\nUMASK 027 # comment\nENCRYPT_METHOD "SHA512"\nbroken\n  PASS_MAX_DAYS   90\n',
  );
  assert.equal(defs.get("UID_MIN"), "500");
  assert.equal(defs.get("ENCRYPT_METHOD"), "SHA512");
  assert.equal(defInt(defs, "UMASK", 0), 0o27);
  assert.equal(defInt(defs, "PASS_MAX_DAYS", 0), 90);
  assert.equal(defInt(defs, "MISSING", 7), 7);
  assert.deepEqual(uidRanges(defs), { uidMin: 500, uidMax: 60000, sysUidMax: 499 });
  assert.deepEqual(uidRanges(parseLoginDefs("\u0000\u00ff garbage")), {
    uidMin: 1000,
    uidMax: 60000,
    sysUidMax: 999,
  });
});

Deno.test("account names made to be overlooked: blanks, control and non-ASCII characters, lookalikes of root", () => {
  assert.equal(nameConcern("root "), "contains blanks");
  assert.equal(nameConcern("ro\u0008ot"), "contains control characters");
  assert.equal(nameConcern("r\u043eot"), "contains non-ASCII characters", "a Cyrillic o");
  assert.equal(nameConcern("r00t"), "looks like root");
  assert.equal(nameConcern("ROOT"), "looks like root");
  assert.equal(nameConcern("a:b"), "contains characters useradd would refuse");
  for (const fine of ["root", "alice", "_apt", "systemd-network", "www-data", "host$", "first.last"]) {
    assert.equal(nameConcern(fine), undefined, fine);
  }
});

Deno.test("lastlog slots in both layouts and byte orders; a short slot is undefined", () => {
  for (const layout of LAYOUTS) {
    for (const little of [true, false]) {
      const slot = encodeLastlog({ time: 1_700_000_000, line: "pts/9", host: "203.0.113.1" }, layout, little);
      assert.equal(slot.length, layout.lastlogSize);
      assert.deepEqual(parseLastlogSlot(slot, layout, little), {
        time: 1_700_000_000,
        line: "pts/9",
        host: "203.0.113.1",
      });
      assert.equal(parseLastlogSlot(slot.subarray(1), layout, little), undefined);
    }
  }
});
