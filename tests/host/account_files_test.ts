import assert from "node:assert/strict";
import {
  classifyPassword,
  describePassword,
  hashScheme,
  parseGroupFile,
  parseGshadowFile,
  parsePasswdFile,
  parseShadowFile,
  strtoulId,
} from "../../src/host/account_files.ts";

// Invented hashes of the right shape (no real password behind them).
const SHA512 = "$6$abcdefgh$" + "A".repeat(86);
const YESCRYPT = "$y$j9T$abcdefghijklmnop$" + "B".repeat(43);
const MD5 = "$1$abcdefgh$" + "C".repeat(22);
const DES = "abCDEFGHIJKLM";

Deno.test("uids are read as glibc's strtoul reads them: blanks, a sign, leading zeros and 2^32 all give 0", () => {
  assert.equal(strtoulId("0"), 0);
  assert.equal(strtoulId(" 0"), 0);
  assert.equal(strtoulId("+0"), 0);
  assert.equal(strtoulId("000"), 0);
  assert.equal(strtoulId("4294967296"), 0, "2^32 truncates to uid 0 on a 64-bit host");
  assert.equal(strtoulId("-1"), 4294967295);
  assert.equal(strtoulId("99999999999999999999999"), 4294967295, "overflow saturates");
  assert.equal(strtoulId(""), undefined);
  assert.equal(strtoulId("0x0"), undefined);
  assert.equal(strtoulId("0 "), undefined);
});

Deno.test("password fields are classified, never kept", () => {
  assert.deepEqual(classifyPassword(""), { state: "empty" });
  assert.deepEqual(classifyPassword("x", true), { state: "shadowed" });
  assert.deepEqual(classifyPassword("x"), { state: "invalid" }, "in shadow, x matches no password");
  assert.deepEqual(classifyPassword("!"), { state: "locked" });
  assert.deepEqual(classifyPassword("!!"), { state: "locked" });
  assert.deepEqual(classifyPassword("!*"), { state: "locked" });
  assert.deepEqual(classifyPassword("!" + SHA512), { state: "locked", scheme: "SHA-512" });
  assert.deepEqual(classifyPassword("*"), { state: "disabled" });
  assert.deepEqual(classifyPassword(SHA512), { state: "usable", scheme: "SHA-512" });
  assert.deepEqual(classifyPassword(YESCRYPT), { state: "usable", scheme: "yescrypt" });
  assert.deepEqual(classifyPassword(MD5), { state: "usable", scheme: "MD5" });
  assert.deepEqual(classifyPassword(DES), { state: "usable", scheme: "DES" });
  assert.equal(hashScheme("$2b$12$" + "D".repeat(53)), "bcrypt");
  assert.equal(hashScheme("$5$salt$" + "E".repeat(43)), "SHA-256");
  assert.equal(hashScheme("NP"), "unknown");
  assert.equal(describePassword(classifyPassword("!" + YESCRYPT)), "locked (yescrypt hash kept)");
  for (const p of [SHA512, YESCRYPT, MD5, DES].map((h) => classifyPassword(h))) {
    assert.ok(!JSON.stringify(p).includes("AAAA") && !JSON.stringify(p).includes(DES), "no hash text kept");
  }
});

Deno.test("passwd: glibc's reading — blanks and comments skipped, the shell takes the rest, odd uids are uid 0", () => {
  const text = [
    "root:x:0:0:root:/root:/bin/bash",
    "# a comment",
    "   ",
    "  r00t:x:+0:0::/root:/bin/bash",
    "wrap:x:4294967296:0::/:/bin/sh",
    "colon:x:1001:1001::/home/colon:/bin/bash:extra",
    "crlf:x:1002:1002::/home/crlf:/bin/bash\r",
    "short:x:1003:1003",
    "bad:x:1x:1::/:/bin/sh",
    ":x:1004:1004::/:/bin/sh",
    "nul:x:1005:1005::/:/bin/sh\0:ignored",
    "+::0:0:::",
    "+",
    `hashed:${SHA512}:1006:1006::/home/h:/bin/sh`,
  ].join("\n");
  const { entries, bad } = parsePasswdFile(text);
  const by = new Map(entries.map((e) => [e.name, e]));
  assert.equal(by.get("r00t")?.uid, 0);
  assert.equal(by.get("r00t")?.uidText, "+0");
  assert.equal(by.get("wrap")?.uid, 0);
  assert.equal(by.get("colon")?.shell, "/bin/bash:extra");
  assert.equal(by.get("crlf")?.shell, "/bin/bash\r");
  assert.equal(by.get("nul")?.shell, "/bin/sh");
  assert.equal(by.get("+")?.nis, true);
  assert.equal(entries.find((e) => e.name === "+" && e.uid === 0)?.password.state, "empty");
  assert.equal(by.get("hashed")?.password.scheme, "SHA-512");
  assert.equal(by.get("root")?.password.state, "shadowed");
  assert.equal(
    by.get("short")?.uid,
    1003,
    "4 fields are an account: glibc leaves gecos, home and shell empty",
  );
  assert.deepEqual(bad.map((b) => [b.line, b.reason]), [
    [9, "the uid is not a number"],
    [10, "empty account name"],
  ]);
  assert.ok(bad.every((b) => b.text.length > 0), "the text, for the scanner to hash (never to report)");
});

Deno.test("shadow: days and empty fields; a short line is reported but its password is still judged", () => {
  const { entries, bad } = parseShadowFile(
    [
      "root:*:19700:0:99999:7:::",
      "alice:" + YESCRYPT + ":19701::::::",
      "ghost::",
      "odd:!:abc:0:99999:7:::",
    ].join("\n"),
  );
  assert.equal(entries.length, 4);
  assert.equal(entries[0].lastChange, 19700);
  assert.equal(entries[0].maxDays, 99999);
  assert.equal(entries[1].maxDays, null);
  assert.equal(entries[2].password.state, "empty");
  assert.deepEqual(bad.map((b) => b.line), [3, 4]);
});

Deno.test("group and gshadow: members split as glibc does, NIS lines kept apart, malformed lines reported", () => {
  const g = parseGroupFile("sudo:x:27:alice, bob ,\ndocker:x:nope:\n+:::\nroot:x:0\nshort:x\n");
  // glibc's parse_list drops the blanks before a member and keeps those after it: "bob " is not bob.
  assert.deepEqual(g.entries.find((e) => e.name === "sudo")?.members, ["alice", "bob "]);
  assert.equal(g.entries.find((e) => e.name === "+")?.nis, true);
  assert.equal(g.entries.find((e) => e.name === "root")?.gid, 0, "3 fields are a group without members");
  assert.deepEqual(g.bad.map((b) => b.line), [2, 5]);
  const gs = parseGshadowFile(`sudo:*::alice\ndocker:${SHA512}:root:bob\nbroken\n`);
  assert.equal(gs.entries[1].password.state, "usable");
  assert.deepEqual(gs.entries[1].admins, ["root"]);
  assert.deepEqual(gs.bad.map((b) => b.line), [3]);
});

Deno.test("account file parsers never throw on binary garbage or huge lines", () => {
  const garbage = new TextDecoder().decode(Uint8Array.from({ length: 5000 }, (_, i) => (i * 7919) % 256));
  for (const text of [garbage, ":".repeat(100_000), "a".repeat(1 << 20), "\r\n".repeat(1000)]) {
    parsePasswdFile(text);
    parseShadowFile(text);
    parseGroupFile(text);
    parseGshadowFile(text);
  }
});

// Each case below was run through glibc 2.36's fgetpwent, fgetgrent and fgetspent (Debian 12), which use the
// parsers nss_files uses: "ok" lines came back as entries, the others were skipped.
Deno.test("passwd: glibc accepts 4 to 7+ fields (missing gecos, home and shell are empty) and rejects fewer", () => {
  const text = [
    "a1",
    "a2:x",
    "a3:x:0",
    "evil:x:0:0",
    "a5:x:0:0:g",
    "a6:x:0:0:g:/h",
    "a8:x:0:0:g:/h:/s:e",
    "+n1:x",
    "+n2:x:",
    "+n3:x::",
    "+n4:x:::",
    "+n5:x::6",
    "+n6:x:5:",
    "+n8:x:a::",
  ].join("\n");
  const { entries, bad } = parsePasswdFile(text);
  assert.deepEqual(entries.map((e) => `${e.name} ${e.uid}:${e.gid} [${e.gecos}] [${e.home}] [${e.shell}]`), [
    "evil 0:0 [] [] []",
    "a5 0:0 [g] [] []",
    "a6 0:0 [g] [/h] []",
    "a8 0:0 [g] [/h] [/s:e]",
    "+n4 -1:-1 [] [] []",
    "+n5 -1:6 [] [] []",
  ]);
  assert.equal(entries[0].fields, 4);
  assert.deepEqual(bad.map((b) => b.reason), [
    "1 field(s), no uid",
    "2 field(s), no uid",
    "3 field(s), no gid",
    "2 field(s), no uid",
    "the uid is empty",
    "the gid is empty",
    "the gid is empty",
    "the uid is not a number",
  ]);
});

Deno.test("shadow: glibc takes 5 (the old form), 8 and 9 fields and rejects 3, 4, 6, 7 and 10", () => {
  const counts = [3, 4, 5, 6, 7, 8, 9, 10];
  const text = counts.map((n) =>
    ["s" + n, "p", ...["1", "2", "3", "4", "5", "6", "7", "8"].slice(0, n - 2)].join(":")
  );
  const extra = [
    "t1:p:1:2:3:",
    "t6:p:1:2:3:4:5:6:",
    "t9:p:1:2:3:::",
    "t10:p:1:2:3::::",
    "t7:p:1:2:3:4:5:6: ",
    "+u",
  ];
  const { entries, bad } = parseShadowFile([...text, ...extra].join("\n"));
  const rejected = new Set(bad.map((b) => b.line));
  const accepted = entries.filter((e) => !rejected.has(e.line)).map((e) => e.name);
  assert.deepEqual(accepted, ["s5", "s8", "s9", "t1", "t6", "t10"]);
  assert.ok(!rejected.has(text.length + extra.length), "a lone NIS name (+u) is a line glibc takes");
  const s8 = entries.find((e) => e.name === "s8")!;
  assert.deepEqual([s8.lastChange, s8.maxDays, s8.warnDays, s8.expireDay], [1, 3, 4, 6]);
  assert.equal(
    entries.find((e) => e.name === "s3")?.password.state,
    "invalid",
    "a rejected line is still judged",
  );
});
