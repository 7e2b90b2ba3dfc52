import assert from "node:assert/strict";
import { Redactor } from "../../src/security/redact.ts";

const seed = {
  key: "k",
  keySource: "fixed" as const,
  users: [{ name: "alice", uid: 1000, home: "/home/alice" }],
  systemUsers: ["root", "www-data", "syslog"],
  hostnames: [],
  commandValues: [],
};

Deno.test("Redactor: a user name only a finding knows (wtmp, btmp) is hidden in its id and text too", () => {
  const r = new Redactor({ users: true, cmdline: false, hostname: false }, seed);
  const tok = r.token("user", "temp1");
  const f = r.deep({
    id: "logins.unknown_account:temp1",
    check_id: "logins.unknown_account",
    description: "temp1 logged in 3 time(s)",
    metadata: { user: "temp1", source: "203.0.113.7" },
  });
  assert.deepEqual(f, {
    id: `logins.unknown_account:${tok}`,
    check_id: "logins.unknown_account",
    description: `${tok} logged in 3 time(s)`,
    metadata: { user: tok, source: "203.0.113.7" },
  });
  assert.equal(r.text("later: temp1"), `later: ${tok}`, "learned for the rest of the report");
});

Deno.test("Redactor: lists of members and users are tokenised element by element, system accounts kept", () => {
  const r = new Redactor({ users: true, cmdline: false, hostname: false }, seed);
  const f = r.deep({
    description: "Group adm: alice, bob, syslog.",
    metadata: {
      group: "adm",
      members: ["alice", "bob", "syslog"],
      system_members: ["syslog"],
      users: ["bob"],
    },
  });
  const [a, b] = [r.token("user", "alice"), r.token("user", "bob")];
  assert.deepEqual(f.metadata, {
    group: "adm",
    members: [a, b, "syslog"],
    system_members: ["syslog"],
    users: [b],
  });
  assert.equal(f.description, `Group adm: ${a}, ${b}, syslog.`);
  assert.deepEqual(r.deep(f), f, "idempotent");
  const off = new Redactor({ users: false, cmdline: false, hostname: false }, seed);
  assert.deepEqual(off.deep({ metadata: { members: ["bob"] } }), { metadata: { members: ["bob"] } });
});
