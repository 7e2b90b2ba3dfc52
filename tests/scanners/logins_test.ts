import assert from "node:assert/strict";
import type { Finding } from "../../src/core/finding.ts";
import { logins } from "../../src/scanners/logins/index.ts";
import { historyOffIn } from "../../src/scanners/logins/history.ts";
import {
  encodeLastlog,
  encodeUtmp,
  LAYOUTS,
  nativeLayout,
  parseUtmp,
  UT,
  type UtmpRecord,
} from "../../src/scanners/logins/utmp.ts";
import { makeTree, runOne, type TreeEntry } from "../helpers.ts";
import { CLEAN } from "./accounts_fixtures.ts";

const NOW = Math.floor(Date.now() / 1000);
const HOUR = 3600;

type Rec = Partial<Omit<UtmpRecord, "index" | "zeroed">> & { type: number };

/** Records in the scanning host's layout, or in `layout`/`little` (a file from another architecture). */
function records(rs: Rec[], layout = nativeLayout(), little = true): Uint8Array {
  const out = new Uint8Array(rs.length * layout.size);
  rs.forEach((r, i) => out.set(encodeUtmp(r, layout, little), i * layout.size));
  return out;
}

const login = (user: string, host: string, time: number, line = "pts/0"): Rec => ({
  type: UT.USER_PROCESS,
  user,
  host,
  line,
  time,
  pid: 4242,
  ...(/^\d+\.\d+\.\d+\.\d+$/.test(host) ? { addr: host } : {}),
});
const boot = (time: number): Rec => ({ type: UT.BOOT_TIME, user: "reboot", line: "~", host: "6.1.0", time });
const logout = (time: number, line = "pts/0"): Rec => ({ type: UT.DEAD_PROCESS, line, time });

function lastlog(slots: Record<number, { time: number; host: string }>): Uint8Array {
  const { lastlogSize } = nativeLayout();
  const max = Math.max(...Object.keys(slots).map(Number));
  const b = new Uint8Array((max + 1) * lastlogSize);
  for (const [uid, s] of Object.entries(slots)) {
    b.set(encodeLastlog({ ...s, line: "pts/1" }, nativeLayout()), Number(uid) * lastlogSize);
  }
  return b;
}

/** A quiet host: accounts, one old boot and login in wtmp, an empty btmp and lastlog, files dated after them. */
function base(extra: Record<string, TreeEntry> = {}): Record<string, TreeEntry> {
  return {
    ...CLEAN,
    "var/log/wtmp": {
      content: records([boot(NOW - 30 * 86400), login("alice", "192.0.2.10", NOW - 30 * 86400 + 60)]),
    },
    "var/log/btmp": { content: new Uint8Array() },
    "var/log/lastlog": { content: new Uint8Array() },
    ...extra,
  };
}

function summary(findings: Finding[]): string[] {
  return findings.map((f) => `${f.severity} ${f.id}`).sort();
}

const DAYS = { persistenceRecentDays: 7 };

Deno.test("utmp: records decode in both layouts and byte orders, a torn tail is set apart", () => {
  const rec = {
    type: UT.USER_PROCESS,
    user: "alice",
    line: "pts/3",
    host: "198.51.100.7",
    addr: "198.51.100.7",
    time: 1_700_000_000,
    pid: 77,
  };
  for (const layout of LAYOUTS) {
    for (const little of [true, false]) {
      const bytes = new Uint8Array(layout.size * 2 + 100);
      bytes.set(encodeUtmp(boot(1_699_999_000), layout, little), 0);
      bytes.set(encodeUtmp(rec, layout, little), layout.size);
      const p = parseUtmp(bytes);
      assert.equal(p.layout.name, layout.name, `${layout.name} ${little}`);
      assert.equal(p.little, little);
      assert.equal(p.trailing, 100);
      assert.deepEqual(
        [
          p.records[1].user,
          p.records[1].line,
          p.records[1].host,
          p.records[1].addr,
          p.records[1].time,
          p.records[1].pid,
        ],
        ["alice", "pts/3", "198.51.100.7", "198.51.100.7", 1_700_000_000, 77],
      );
    }
  }
});

Deno.test("utmp: garbage, empty and all-zero input decode without throwing", () => {
  assert.deepEqual(parseUtmp(new Uint8Array()).records, []);
  const zero = parseUtmp(new Uint8Array(nativeLayout().size * 3));
  assert.equal(zero.records.length, 3);
  assert.ok(zero.records.every((r) => r.zeroed));
  const junk = Uint8Array.from({ length: 384 * 50 + 17 }, (_, i) => (i * 2654435761) >>> 24);
  const p = parseUtmp(junk);
  assert.ok(p.records.length >= 47);
  const full = new Uint8Array(nativeLayout().size).fill(0x41);
  assert.equal(parseUtmp(full).records[0].user.length, 32, "an unterminated string stops at its field");
});

Deno.test("logins: a quiet host gives only info (empty btmp and lastlog are normal)", async () => {
  using t = makeTree(base());
  const r = await runOne(logins, t.path, DAYS);
  assert.equal(r.status, "ok");
  assert.ok(r.findings.every((f) => f.severity === "info"), summary(r.findings).join("\n"));
  assert.deepEqual(r.warnings, []);
});

Deno.test("logins: wtmp as a link to /dev/null, a FIFO btmp and a missing lastlog are reported", async () => {
  using t = makeTree(base({ "var/log/wtmp": { symlink: "/dev/null" }, "var/log/lastlog": { dir: true } }));
  Deno.removeSync(`${t.path}/var/log/btmp`);
  new Deno.Command("mkfifo", { args: [`${t.path}/var/log/btmp`] }).outputSync();
  Deno.removeSync(`${t.path}/var/log/lastlog`);
  const r = await runOne(logins, t.path, DAYS);
  assert.deepEqual(summary(r.findings), [
    "high logins.records.not_regular:/var/log/btmp",
    "high logins.records.not_regular:/var/log/wtmp",
    "low logins.records.missing:/var/log/lastlog",
  ]);
  assert.equal(r.findings.find((f) => f.id.endsWith("wtmp"))?.metadata.is, "a symlink to /dev/null");
  using successor = makeTree(base({ "var/lib/lastlog/lastlog2.db": "x" }));
  Deno.removeSync(`${successor.path}/var/log/lastlog`);
  const s = await runOne(logins, successor.path, DAYS);
  assert.ok(!s.findings.some((f) => f.check_id === "logins.records.missing"), "lastlog2 replaces lastlog");
});

Deno.test("logins: zeroed records and time running backwards are found; boots and clock changes are not reversals", async () => {
  const wiped = records([
    boot(NOW - 10 * 86400),
    login("alice", "192.0.2.10", NOW - 9 * 86400),
    { type: UT.EMPTY },
    logout(NOW - 9 * 86400 + 600),
    login("alice", "192.0.2.10", NOW - 20 * 86400),
    boot(NOW - 40 * 86400),
    login("alice", "192.0.2.10", NOW - 39 * 86400),
  ]);
  using t = makeTree(base({ "var/log/wtmp": { content: wiped } }));
  const r = await runOne(logins, t.path, DAYS);
  assert.deepEqual(summary(r.findings.filter((f) => f.severity !== "info")), [
    "high logins.records.zeroed:/var/log/wtmp",
    "medium logins.records.time_reversed:/var/log/wtmp",
  ]);
  const rev = r.findings.find((f) => f.check_id === "logins.records.time_reversed")!;
  assert.equal(rev.metadata.reversals, 1, "the jump back after the second boot is not counted");
});

Deno.test("logins: a login in lastlog after wtmp was last written means wtmp was cleared", async () => {
  using t = makeTree(base({
    "var/log/wtmp": { content: new Uint8Array() },
    "var/log/lastlog": { content: lastlog({ 1000: { time: NOW - HOUR, host: "203.0.113.9" } }) },
  }));
  Deno.utimeSync(`${t.path}/var/log/wtmp`, NOW - 5 * 86400, NOW - 5 * 86400);
  const r = await runOne(logins, t.path, DAYS);
  const f = r.findings.find((f) => f.check_id === "logins.records.cleared")!;
  assert.equal(f.severity, "high");
  assert.match(String(f.metadata.evidence), /alice logged in .* from 203\.0\.113\.9/);
  using fresh = makeTree(base({ "var/log/wtmp": { content: new Uint8Array() } }));
  const q = await runOne(logins, fresh.path, DAYS);
  assert.equal(q.findings.find((f) => f.check_id === "logins.records.cleared")?.severity, "info");
});

Deno.test("logins: remote root, remote system accounts and vanished accounts from wtmp", async () => {
  using t = makeTree(base({
    "etc/passwd": CLEAN["etc/passwd"] + "r00t:x:0:0::/root:/bin/bash\nwww-data:x:33:33::/var/www:/bin/sh\n",
    "var/log/wtmp": {
      content: records([
        boot(NOW - 41 * 86400),
        login("www-data", "203.0.113.7", NOW - 40 * 86400),
        login("root", "203.0.113.8", NOW - 30 * 86400),
        boot(NOW - 2 * 86400),
        login("root", "203.0.113.5", NOW - 86400),
        login("temp1", "203.0.113.7", NOW - 2 * HOUR),
        login("root", "203.0.113.5", NOW - HOUR),
        login("root", ":0", NOW - HOUR, "tty7"),
        login("r00t", "203.0.113.6", NOW - HOUR),
        login("alice", "tmux(1234).%0", NOW - HOUR),
      ]),
    },
  }));
  const r = await runOne(logins, t.path, DAYS);
  assert.deepEqual(summary(r.findings.filter((f) => f.severity !== "info")), [
    "high logins.system_account.remote:www-data@203.0.113.7",
    "low logins.unknown_account:temp1",
    "medium logins.root.remote:r00t@203.0.113.6",
    "medium logins.root.remote:root@203.0.113.5",
  ]);
  assert.equal(r.findings.find((f) => f.id === "logins.root.remote:root@203.0.113.5")?.metadata.logins, 2);
  const off = await runOne(logins, t.path, { persistenceRecentDays: 0 });
  assert.ok(!off.findings.some((f) => f.check_id === "logins.root.remote"), "the window is off at 0 days");
});

Deno.test("logins: a burst of failed logins is medium, high when the same source then logged in", async () => {
  const fails = (source: string, n: number, from: number): Rec[] =>
    Array.from({ length: n }, (_, i) => ({
      type: UT.LOGIN_PROCESS,
      user: i % 2 ? "admin" : "oracle",
      host: source,
      addr: source,
      line: "ssh:notty",
      time: from + i,
    }));
  using t = makeTree(base({
    "var/log/btmp": {
      content: records([
        ...fails("198.51.100.1", 25, NOW - 3 * HOUR),
        ...fails("198.51.100.2", 40, NOW - 2 * HOUR),
        ...fails("198.51.100.3", 19, NOW - HOUR),
      ]),
    },
    "var/log/wtmp": { content: records([boot(NOW - 86400), login("alice", "198.51.100.2", NOW - HOUR)]) },
  }));
  const r = await runOne(logins, t.path, DAYS);
  assert.deepEqual(summary(r.findings.filter((f) => f.check_id === "logins.btmp.burst")), [
    "high logins.btmp.burst:198.51.100.2",
    "medium logins.btmp.burst:198.51.100.1",
  ]);
  const hit = r.findings.find((f) => f.id === "logins.btmp.burst:198.51.100.2")!;
  assert.deepEqual([hit.metadata.failures, hit.metadata.distinct_names, hit.metadata.users], [40, 2, [
    "alice",
  ]]);
  assert.ok(!JSON.stringify(r.findings).includes("oracle"), "names typed at failed logins are not printed");
});

Deno.test("logins: current sessions from utmp are info", async () => {
  using t = makeTree(
    base({ "run/utmp": { content: records([boot(NOW - 86400), login("alice", "192.0.2.10", NOW - 60)]) } }),
  );
  const r = await runOne(logins, t.path, DAYS);
  const s = r.findings.filter((f) => f.check_id === "logins.session.active");
  assert.deepEqual(s.map((f) => [f.severity, f.metadata.user, f.metadata.tty, f.metadata.source]), [
    ["info", "alice", "pts/0", "192.0.2.10"],
  ]);
});

Deno.test("logins: history linked to /dev/null, empty after a recent login, or turned off in start-up files", async () => {
  using t = makeTree(base({
    "root/.bash_history": { symlink: "/dev/null" },
    "home/alice/.bash_history": "",
    "home/alice/.bashrc": "HISTCONTROL=ignoreboth\nHISTSIZE=1000\nexport HISTFILE=/dev/null\n",
    "etc/profile.d/zz.sh": "unset HISTFILE; set +o history\n",
    "etc/bash.bashrc": "HISTSIZE=1000\nHISTFILESIZE=2000\n",
    "var/log/lastlog": { content: lastlog({ 1000: { time: NOW - HOUR, host: "192.0.2.10" } }) },
  }));
  const r = await runOne(logins, t.path, DAYS);
  assert.deepEqual(
    summary(r.findings.filter((f) => f.check_id.startsWith("logins.history"))).map((s) =>
      s.replace(/:[0-9a-f]{12}$/, "")
    ),
    [
      "high logins.history.disabled:/etc/profile.d/zz.sh",
      "high logins.history.null_link:/root/.bash_history",
      "low logins.history.empty:/home/alice/.bash_history",
      "medium logins.history.disabled:/home/alice/.bashrc",
    ],
  );
  const prof = r.findings.find((f) => f.metadata.path === "/etc/profile.d/zz.sh")!;
  assert.deepEqual([prof.metadata.line, prof.metadata.indicators], [1, ["unset HISTFILE", "set +o history"]]);
});

Deno.test("history patterns: what turns history off, and stock lines that do not", () => {
  for (
    const off of [
      "HISTFILE=/dev/null",
      "export HISTFILE=",
      "HISTFILE=''",
      "unset HISTFILE",
      "unset -v HISTSIZE HISTFILE",
      "HISTSIZE=0",
      "export SAVEHIST=0",
      "set +o history",
      "history -c",
      "HISTIGNORE='*'",
      "ln -sf /dev/null ~/.bash_history",
      "rm -f $HOME/.bash_history",
      "> ~/.zsh_history",
    ]
  ) {
    assert.ok(historyOffIn(off).length > 0, off);
  }
  for (
    const fine of [
      "HISTSIZE=1000",
      "HISTFILESIZE=2000",
      "HISTCONTROL=ignoreboth",
      "shopt -s histappend",
      "HISTFILE=~/.bash_history",
      "echo history",
      "cat ~/.bash_history",
    ]
  ) {
    assert.deepEqual(historyOffIn(fine), [], fine);
  }
});

// glibc's updwtmp/pututline, and so every login program, write only the host's own struct utmp; util-linux
// `last` and `utmpdump` read only that struct. The scanner reads the host's layout too, and switches only when
// not one record reads natively (a file copied from another architecture).
const foreign = { layout: nativeLayout(), little: false };
const planted = Array.from({ length: 32 }, (_, i) => boot(NOW - 400 * 86400 + i * HOUR));

Deno.test("utmp: one record in the host's layout outweighs any number in another byte order", () => {
  const mixed = new Uint8Array([
    ...records(planted.concat(planted, planted), foreign.layout, foreign.little),
    ...records([boot(NOW - 86400)]),
  ]);
  const p = parseUtmp(mixed);
  assert.deepEqual([p.layout, p.little, p.native], [nativeLayout(), true, true]);
  assert.deepEqual([p.undecodable.count, p.undecodable.swapped], [96, 96]);
  assert.equal(p.undecodable.swappedSamples[0].user, "reboot", "samples are decoded in their own byte order");
  const whole = parseUtmp(records(planted, foreign.layout, foreign.little));
  assert.deepEqual([whole.little, whole.native, whole.undecodable.count], [false, false, 0]);
});

Deno.test("logins: byte-swapped records planted at the head of wtmp and btmp hide no login and are a finding", async () => {
  // The red-team file: 32 big-endian BOOT_TIME records, then the host's real records.
  const real = [
    boot(NOW - 3 * 86400),
    login("root", "203.0.113.66", NOW - 2 * 86400),
    login("ghost", "203.0.113.66", NOW - 2 * 86400 + 60, "pts/1"),
    logout(NOW - 2 * 86400 + 600),
  ];
  const fails = Array.from({ length: 25 }, (_, i): Rec => ({
    type: UT.LOGIN_PROCESS,
    user: "admin",
    host: "198.51.100.9",
    addr: "198.51.100.9",
    line: "ssh:notty",
    time: NOW - HOUR + i,
  }));
  const swapped = records(planted, foreign.layout, foreign.little);
  using t = makeTree(base({
    "var/log/wtmp": { content: new Uint8Array([...swapped, ...records(real)]) },
    "var/log/btmp": { content: new Uint8Array([...swapped, ...records(fails)]) },
  }));
  const r = await runOne(logins, t.path, DAYS);
  assert.deepEqual(summary(r.findings.filter((f) => f.severity !== "info")), [
    "high logins.records.byte_swapped:/var/log/btmp",
    "high logins.records.byte_swapped:/var/log/wtmp",
    "low logins.unknown_account:ghost",
    "medium logins.btmp.burst:198.51.100.9",
    "medium logins.root.remote:root@203.0.113.66",
  ]);
  const f = r.findings.find((f) => f.id === "logins.records.byte_swapped:/var/log/wtmp")!;
  assert.deepEqual([f.metadata.swapped, f.metadata.records, f.metadata.first_index], [32, 36, 0]);
  // The control: the same real records without the planted head give the same logins and nothing else.
  using clean = makeTree(base({
    "var/log/wtmp": { content: records(real) },
    "var/log/btmp": { content: records(fails) },
  }));
  const c = await runOne(logins, clean.path, DAYS);
  assert.deepEqual(summary(c.findings.filter((f) => f.severity !== "info")), [
    "low logins.unknown_account:ghost",
    "medium logins.btmp.burst:198.51.100.9",
    "medium logins.root.remote:root@203.0.113.66",
  ]);
  assert.deepEqual(c.warnings, []);
});

Deno.test("logins: a wtmp copied whole from another architecture is read in its layout, with a warning only", async () => {
  const other = LAYOUTS.find((l) => l !== nativeLayout())!;
  for (const [layout, little] of [[nativeLayout(), false], [other, true]] as const) {
    const real = [boot(NOW - 3 * 86400), login("root", "203.0.113.66", NOW - 2 * 86400)];
    using t = makeTree(base({ "var/log/wtmp": { content: records(real, layout, little) } }));
    const r = await runOne(logins, t.path, DAYS);
    assert.deepEqual(summary(r.findings.filter((f) => f.severity !== "info")), [
      "medium logins.root.remote:root@203.0.113.66",
    ], `${layout.name} ${little}`);
    assert.deepEqual(r.warnings.map((w) => w.code), ["login_records_foreign"]);
  }
});

Deno.test("logins: lastlog is read in its own layout, so a wtmp rewritten byte-swapped does not blind the wiped-wtmp check", async () => {
  // Before, lastlog borrowed wtmp's byte order: an all-big-endian wtmp made every lastlog time unreadable.
  using t = makeTree(base({
    "var/log/wtmp": { content: records([boot(NOW - 30 * 86400)], foreign.layout, foreign.little) },
    "var/log/lastlog": { content: lastlog({ 1000: { time: NOW - HOUR, host: "203.0.113.9" } }) },
  }));
  Deno.utimeSync(`${t.path}/var/log/wtmp`, NOW - 5 * 86400, NOW - 5 * 86400);
  const r = await runOne(logins, t.path, DAYS);
  const f = r.findings.find((f) => f.check_id === "logins.records.cleared")!;
  assert.equal(f.severity, "high");
  assert.match(String(f.metadata.evidence), /alice logged in .* from 203\.0\.113\.9/);
});

Deno.test("logins: a wtmp larger than the read cap is still checked against lastlog for wiping", async () => {
  // 90 000 records (34 MB): more than the 32 MiB tail that is read; the gap check needs only wtmp's mtime.
  const one = records([login("alice", "10.0.0.5", NOW - 30 * 86400, "pts/3"), logout(NOW - 30 * 86400 + 1)]);
  const big = new Uint8Array(one.length * 45_000);
  for (let o = 0; o < big.length; o += one.length) big.set(one, o);
  const ll = lastlog({ 0: { time: NOW - HOUR, host: "203.0.113.66" } });
  using t = makeTree(base({ "var/log/wtmp": { content: big }, "var/log/lastlog": { content: ll } }));
  Deno.utimeSync(`${t.path}/var/log/wtmp`, NOW - 10 * 86400, NOW - 10 * 86400);
  const r = await runOne(logins, t.path, DAYS);
  const f = r.findings.find((f) => f.check_id === "logins.records.cleared");
  assert.equal(f?.severity, "high");
  assert.match(String(f?.metadata.evidence), /root logged in .* from 203\.0\.113\.66/);
  assert.ok(r.warnings.some((w) => w.code === "truncated"), "the unread head is still said");
  // The look-alike: the same large wtmp written after that login (the normal case) is quiet.
  Deno.utimeSync(`${t.path}/var/log/wtmp`, NOW, NOW);
  const q = await runOne(logins, t.path, DAYS);
  assert.ok(!q.findings.some((f) => f.check_id === "logins.records.cleared"));
});
