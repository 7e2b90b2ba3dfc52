import assert from "node:assert/strict";
import { passwdUsers, Redactor } from "../../src/security/redact.ts";
import { buildRedactor } from "../../src/security/redaction_seed.ts";
import { NO_REDACTION } from "../../src/security/redaction_stage.ts";
import { Host } from "../../src/host/host.ts";
import { makeTree, testConfig } from "../helpers.ts";
import { scanCommand } from "../../src/cli/scan.ts";
import { SCANNERS } from "../../src/scanners/index.ts";
import { KNOWN_UID_PATTERNS, KNOWN_VALUES, makePiiHost } from "./pii_fixture.ts";
import { assertValid, validateFactPack, validateReport, validateSarif } from "../output/validate.ts";

const seed = {
  key: "k",
  keySource: "fixed" as const,
  users: [{ name: "alice", uid: 1000, home: "/home/alice", fullName: "Alice Liddell" }],
  systemUsers: ["root", "www-data"],
  hostnames: ["secret-host.example.org"],
  commandValues: ["python3 -c Hunter2SecretValue"],
};
const all = { users: true, cmdline: true, hostname: true };

Deno.test("Redactor: stable tokens, home paths keep their shape, system users stay, tokens are never redacted twice", () => {
  const r = new Redactor(all, seed);
  const u = r.token("user", "alice");
  assert.match(u, /^user-[0-9a-f]{8}$/);
  assert.equal(new Redactor(all, seed).token("user", "alice"), u, "same key, same token");
  assert.notEqual(new Redactor(all, { ...seed, key: "other" }).token("user", "alice"), u);
  assert.equal(r.text("/home/alice/.ssh/authorized_keys"), `/home/${u}/.ssh/authorized_keys`);
  assert.equal(r.text("owned by Alice Liddell and root"), `owned by ${u} and root`);
  assert.equal(r.text("SECRET-HOST.example.org up"), `${r.token("host", "secret-host.example.org")} up`);
  assert.equal(r.text("malice"), "malice", "word boundaries");
  const once = r.text("uid 1000 in user-1000.slice");
  assert.doesNotMatch(once, /1000/);
  assert.equal(r.text(once), once, "idempotent");
  const f = r.deep({
    id: "ioc.x:/home/alice/x",
    metadata: {
      owner: "alice",
      group: "root",
      uid: 1000,
      argv: ["python3", "-c", "x"],
      user: "root",
      variable: "API_KEY",
      values: ["abcdefgh"],
    },
    description: "python3 -c Hunter2SecretValue ran",
  });
  assert.equal(f.id, `ioc.x:/home/${u}/x`);
  assert.equal(f.metadata.owner, u);
  assert.equal(f.metadata.user, "root");
  assert.equal(f.metadata.uid, r.token("uid", "1000"));
  const argv = f.metadata.argv as string[];
  assert.equal(argv[0], "python3", "the program stays readable");
  assert.ok(argv.slice(1).every((a) => /^cmd-[0-9a-f]{8}$/.test(a)), "its arguments do not");
  assert.match((f.metadata.values as string[])[0], /^cmd-/);
  assert.doesNotMatch(f.description, /Hunter2/);
  assert.deepEqual(r.deep(f), f);
});

Deno.test("Redactor: each switch only hides its own kind; inactive redactor is the identity", () => {
  const users = new Redactor({ users: true, cmdline: false, hostname: false }, seed);
  assert.equal(users.deep({ hostname: "secret-host", cmdline: "a b c d e f" }).hostname, "secret-host");
  const host = new Redactor({ users: false, cmdline: false, hostname: true }, seed);
  const v = host.deep({ hostname: "secret-host.example.org", path: "/home/alice" });
  assert.match(v.hostname, /^host-/);
  assert.equal(v.path, "/home/alice");
  const none = new Redactor({ users: false, cmdline: false, hostname: false }, seed);
  const o = { a: "alice" };
  assert.equal(none.deep(o), o);
});

Deno.test("passwdUsers: login users and /home users are hidden, system accounts kept; garbage lines ignored", () => {
  const p = passwdUsers(
    "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000:Alice,,,:/home/alice:/bin/bash\n" +
      "svc:x:999:999::/home/svc:/bin/false\nnobody:x:65534:65534::/nonexistent:/usr/sbin/nologin\n\ngarbage\n::::\n",
  );
  assert.deepEqual(p.users.map((u) => u.name), ["alice", "svc"]);
  assert.deepEqual(p.system, ["root", "nobody"]);
});

const FORMATS: [string, string[]][] = [
  ["json", []],
  ["canonical", ["--canonical"]],
  ["ndjson", ["--ndjson"]],
  ["sarif", ["--format", "sarif"]],
  ["factpack", ["--format", "factpack"]],
  ["html", ["--format", "html"]],
];

function leaks(text: string): string[] {
  const lower = text.toLowerCase();
  return [
    ...KNOWN_VALUES.filter((v) => lower.includes(v.toLowerCase())),
    ...KNOWN_UID_PATTERNS.filter((p) => p.test(text)).map(String),
  ];
}

async function scan(root: string, out: string, args: string[]): Promise<string> {
  const r = await scanCommand(["--root", root, "--output", out, "--include-passed", ...args], {
    stderr: () => {},
  });
  assert.ok(r.ok, r.ok ? "" : r.error.message);
  return Deno.readTextFileSync(out);
}

function validate(name: string, text: string): void {
  if (name === "json") assertValid(validateReport, JSON.parse(text), "report");
  if (name === "sarif") assertValid(validateSarif, JSON.parse(text), "sarif");
  if (name === "factpack") assertValid(validateFactPack, JSON.parse(text), "factpack");
  if (name === "ndjson") { for (const l of text.trimEnd().split("\n")) JSON.parse(l); }
}

Deno.test("--redact: no known name, home path, uid, host name, command line or secret leaks in any format", async () => {
  const root = makePiiHost();
  const dir = Deno.makeTempDirSync();
  try {
    const plain = await scan(root, `${dir}/plain.json`, []);
    for (const v of ["alice", "secret-host", "Hunter2SecretValue"]) {
      assert.ok(plain.includes(v), `control: ${v} is in the plain report`);
    }
    assert.ok(KNOWN_UID_PATTERNS.some((p) => p.test(plain)), "control: uid 1000 is in the plain report");
    for (const [name, args] of FORMATS) {
      const text = await scan(root, `${dir}/r.${name}`, ["--redact", ...args]);
      assert.deepEqual(leaks(text), [], name);
      validate(name, text);
    }
    const redacted = JSON.parse(Deno.readTextFileSync(`${dir}/r.json`));
    const plainReport = JSON.parse(plain);
    const count = (r: { results: { findings: unknown[] }[] }) =>
      r.results.reduce((n, x) => n + x.findings.length, 0);
    assert.equal(count(redacted), count(plainReport), "redaction keeps every finding");
    assert.equal(redacted.meta.security.redaction.users, true);
  } finally {
    Deno.removeSync(root, { recursive: true });
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("--redact per scanner: every registered scanner's findings, warnings and streamed records stay clean", async () => {
  const root = makePiiHost();
  const dir = Deno.makeTempDirSync();
  try {
    for (const s of SCANNERS) {
      for (const [name, args] of [FORMATS[2], FORMATS[3]]) {
        const text = await scan(root, `${dir}/${s.name}.${name}`, ["--enable", s.name, "--redact", ...args]);
        assert.deepEqual(leaks(text), [], `${s.name} ${name}`);
      }
    }
  } finally {
    Deno.removeSync(root, { recursive: true });
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("--no-hostname-meta alone hides the host but keeps user paths; tokens are stable across scans", async () => {
  const root = makePiiHost();
  const dir = Deno.makeTempDirSync();
  try {
    const a = JSON.parse(await scan(root, `${dir}/a.json`, ["--no-hostname-meta"]));
    const b = JSON.parse(await scan(root, `${dir}/b.json`, ["--no-hostname-meta"]));
    assert.match(a.meta.hostname, /^host-[0-9a-f]{8}$/);
    assert.equal(a.meta.hostname, b.meta.hostname);
    assert.ok(JSON.stringify(a.results).includes("/home/alice"));
    const u = JSON.parse(await scan(root, `${dir}/u.json`, ["--no-user-meta"]));
    const ids = u.results.flatMap((r: { findings: { id: string }[] }) => r.findings.map((f) => f.id));
    assert.ok(ids.some((id: string) => /\/home\/user-[0-9a-f]{8}/.test(id)), "ids are redacted consistently");
    assert.ok(!ids.some((id: string) => id.includes("alice")));
  } finally {
    Deno.removeSync(root, { recursive: true });
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("Redactor: command lines never rewrite scanner names, check ids or codes; ids keep their check prefix", () => {
  const r = new Redactor(all, {
    ...seed,
    users: [...seed.users, { name: "network", uid: 1002, home: "/home/network" }],
  });
  const report = r.deep({
    meta: { cmdline: "sys-scan --enable world_writable,suid_sgid --output /tmp/r.json" },
    results: [{ scanner: "world_writable", reason: "world_writable done" }, { scanner: "network" }],
    finding: { id: "network.listener:/home/network/x", check_id: "network.listener", code: "network" },
  });
  assert.match(report.meta.cmdline, /^sys-scan cmd-[0-9a-f]{8}$/);
  assert.equal(report.results[0].scanner, "world_writable");
  assert.equal(report.results[0].reason, "world_writable done");
  assert.equal(report.results[1].scanner, "network");
  assert.equal(report.finding.check_id, "network.listener");
  assert.equal(report.finding.code, "network");
  assert.equal(report.finding.id, `network.listener:/home/${r.token("user", "network")}/x`);
  const secrets = r.deep({
    argv: ["tool", "--password=Hunter2SecretValue"],
    note: "called with Hunter2SecretValue",
  });
  assert.doesNotMatch(secrets.note, /Hunter2/);
});

Deno.test("Redactor: a two-letter host name is hidden on word boundaries only", () => {
  const r = new Redactor(all, { ...seed, hostnames: ["vm"] });
  assert.equal(
    r.text("host vm is up; kvm and vmlinux stay"),
    `host ${r.token("host", "vm")} is up; kvm and vmlinux stay`,
  );
});

Deno.test("Redactor: primary gids of hidden users are tokenised in gid fields, system gids stay", () => {
  const r = new Redactor(all, {
    ...seed,
    users: [{ name: "alice", uid: 1000, gid: 1000, home: "/home/alice" }],
  });
  const v = r.deep({ uid: 1000, gid: 1000, other: { gid: 0, euid: 0 } });
  assert.equal(v.gid, r.token("gid", "1000"));
  assert.match(String(v.uid), /^uid-/);
  assert.deepEqual(v.other, { gid: 0, euid: 0 });
});

Deno.test("Redactor: a command value seen in one finding is hidden when a later finding quotes it, at any volume", () => {
  const r = new Redactor(all, { ...seed, commandValues: [] });
  for (let i = 0; i < 200; i++) {
    r.deep({ metadata: { argv: [`/usr/bin/app${i}`, `--token=secretvalue${i}`] } });
  }
  const later = r.deep({
    description: "it was started with --token=secretvalue7 and secretvalue150 twice: secretvalue150",
  });
  assert.doesNotMatch(later.description, /secretvalue/);
  assert.equal(later.description.match(/cmd-[0-9a-f]{8}/g)?.length, 3);
});

Deno.test("buildRedactor: without a privacy flag nothing is redacted (and the redactor's code is not loaded)", async () => {
  using t = makeTree({ "etc/passwd": "alice:x:1000:1000:Alice A:/home/alice:/bin/bash\n" });
  const host = new Host(t.path);
  const off = await buildRedactor(testConfig(), host, ["vm"], () => undefined);
  assert.equal(off, NO_REDACTION);
  assert.deepEqual(off.deep({ user: "alice", path: "/home/alice/x" }), {
    user: "alice",
    path: "/home/alice/x",
  });
  const on = await buildRedactor(testConfig({ redact: true }), host, ["vm"], () => undefined);
  assert.equal(on.active, true);
  const out = on.deep({ path: "/home/alice/x" });
  assert.match(out.path, /^\/home\/user-[0-9a-f]{8}\/x$/);
});
