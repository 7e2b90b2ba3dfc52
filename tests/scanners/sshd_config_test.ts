import assert from "node:assert/strict";
import { Host } from "../../src/host/host.ts";
import { authorizedKeysPatterns, expandKeysPattern } from "../../src/scanners/ssh/key_files.ts";
import {
  globalValue,
  loadSshdConfig,
  matchValues,
  parseSshdLine,
  splitArgs,
  type SshdConfig,
} from "../../src/scanners/ssh/sshd_config.ts";
import { persistence } from "../../src/scanners/persistence/index.ts";
import { makeTree, runOne, type TreeEntry } from "../helpers.ts";
import { ED25519 } from "./persistence_fixtures.ts";

function load(entries: Record<string, TreeEntry>): SshdConfig {
  using tree = makeTree(entries);
  const r = loadSshdConfig(new Host(tree.path));
  assert.ok(r.ok, r.ok ? "" : r.message);
  return r.value;
}

Deno.test("sshd line: keywords are case-insensitive, '=' and quotes are accepted, '#' words end the line", () => {
  assert.deepEqual(parseSshdLine("PermitRootLogin yes"), { keyword: "permitrootlogin", args: ["yes"] });
  assert.deepEqual(parseSshdLine("  pErMiTrOoTlOgIn=YES\r"), { keyword: "permitrootlogin", args: ["YES"] });
  assert.deepEqual(parseSshdLine("PermitRootLogin = no # not yes"), {
    keyword: "permitrootlogin",
    args: ["no"],
  });
  assert.deepEqual(parseSshdLine('ForceCommand "/bin/echo hi" x\\ y'), {
    keyword: "forcecommand",
    args: ["/bin/echo hi", "x y"],
  });
  assert.equal(parseSshdLine("# PermitRootLogin yes"), undefined);
  assert.equal(parseSshdLine("\t \t"), undefined);
  assert.deepEqual(parseSshdLine("PermitRootLogin"), {
    error: 'no argument after keyword "PermitRootLogin"',
  });
  assert.ok("error" in (parseSshdLine('Banner "unclosed') ?? {}));
  // A carriage return ends the keyword, as sshd reads it (a setting hidden that way is still read); inside the
  // arguments it is part of a word, and a form feed is no separator at all.
  assert.deepEqual(parseSshdLine("PermitRootLogin\ryes"), { keyword: "permitrootlogin", args: ["yes"] });
  assert.deepEqual(parseSshdLine("AllowUsers alice\rbob"), { keyword: "allowusers", args: ["alice\rbob"] });
  assert.deepEqual(parseSshdLine("PermitRootLogin\fyes"), {
    error: 'no argument after keyword "PermitRootLogin\fyes"',
  });
  // Blank runs around a carriage return were retried in cubic time (4,000 characters took 26 s).
  const t0 = performance.now();
  assert.deepEqual(parseSshdLine(`a${" ".repeat(200_000)}b\rc`), { keyword: "a", args: ["b\rc"] });
  assert.ok(performance.now() - t0 < 1000, `${Math.round(performance.now() - t0)} ms`);
  assert.deepEqual(splitArgs("'a b' \"c\"#d"), ["a b", "c#d"], "'#' inside a word is not a comment");
  assert.deepEqual(splitArgs("'a b' \"c\" #d"), ["a b", "c"]);
});

Deno.test("sshd line: a quoted keyword is read as sshd 9.2's strdelim() reads it; what sshd skips or refuses is not", () => {
  const root = { keyword: "permitrootlogin", args: ["yes"] };
  // Each of these is `permitrootlogin yes` to `sshd -T` (OpenSSH 9.2).
  for (
    const line of [
      '"PermitRootLogin" yes',
      'Permit"RootLogin" yes',
      '"PermitRootLogin"\tyes',
      '"PermitRootLogin"yes',
      '\t"PermitRootLogin" "yes"',
      "=PermitRootLogin yes",
      "  =PermitRootLogin yes",
      '"" PermitRootLogin yes',
      '""PermitRootLogin yes',
      '"PermitRootLogin"\ryes',
    ]
  ) assert.deepEqual(parseSshdLine(line), root, JSON.stringify(line));
  // Quiet twins: sshd skips these lines, reads another keyword, or refuses the line.
  assert.equal(parseSshdLine('"PermitRootLogin yes'), undefined, "an unclosed quote in the keyword: skipped");
  assert.equal(parseSshdLine('"" "" PermitRootLogin yes'), undefined, "only one empty word is skipped");
  assert.equal(
    parseSshdLine('"#x" PermitRootLogin yes'),
    undefined,
    "a keyword starting with # is a comment",
  );
  assert.deepEqual(parseSshdLine("'PermitRootLogin' yes"), { keyword: "'permitrootlogin'", args: ["yes"] });
  assert.deepEqual(parseSshdLine('"PermitRoot"Login yes'), { keyword: "permitroot", args: ["Login", "yes"] });
  assert.deepEqual(parseSshdLine('"Permit RootLogin" yes'), { keyword: "permit rootlogin", args: ["yes"] });
  assert.deepEqual(parseSshdLine('"PermitRootLogin"=yes'), { keyword: "permitrootlogin", args: ["=yes"] });
  assert.deepEqual(parseSshdLine('"PermitRootLogin"'), {
    error: 'no argument after keyword "PermitRootLogin"',
  });
  assert.deepEqual(parseSshdLine("\f"), { error: 'no argument after keyword "\f"' });
});

Deno.test("sshd line: runs of quotes, '=' and blanks around a keyword are read in linear time", () => {
  const N = 200_000;
  const cases: [string, ReturnType<typeof parseSshdLine>][] = [
    ['"'.repeat(N), undefined],
    [`"${"a".repeat(N)}`, undefined],
    [`${'""'.repeat(N)} PermitRootLogin yes`, undefined],
    ["=".repeat(N), undefined],
    [`${" ".repeat(N)}=${" ".repeat(N)}PermitRootLogin${" \r".repeat(N)}=${" ".repeat(N)}yes`, {
      keyword: "permitrootlogin",
      args: ["yes"],
    }],
    [`"${" ".repeat(N)}" ${'"x '.repeat(N)}"`, { error: `unbalanced quotes after ${" ".repeat(N)}` }],
    [`Permit"${"=".repeat(N)}" ${"\\".repeat(N)}`, {
      keyword: `permit${"=".repeat(N)}`,
      args: ["\\".repeat(N / 2)],
    }],
  ];
  for (const [line, want] of cases) {
    const t0 = performance.now();
    // Compared as JSON: a failed deepEqual of 200,000-character strings would take minutes to print its diff.
    assert.ok(JSON.stringify(parseSshdLine(line)) === JSON.stringify(want), line.slice(0, 40));
    assert.ok(
      performance.now() - t0 < 1000,
      `${line.slice(0, 20)}: ${Math.round(performance.now() - t0)} ms`,
    );
  }
});

Deno.test("sshd config: a quoted keyword counts, at top level and in a Match block, without a false warning", () => {
  const cfg = load({
    "etc/ssh/sshd_config": 'PermitRootLogin no\nMatch User backup\n  "AuthorizedKeysFile" /var/lib/misc/.k\n',
  });
  assert.deepEqual(matchValues(cfg, "authorizedkeysfile").map((l) => l.args), [["/var/lib/misc/.k"]]);
  assert.deepEqual(cfg.problems, []);
  const top = load({
    "etc/ssh/sshd_config": '"PermitRootLogin" yes\n"AuthorizedKeysFile" /var/lib/misc/.k\n',
  });
  assert.deepEqual(globalValue(top, "permitrootlogin")?.args, ["yes"]);
  assert.deepEqual(authorizedKeysPatterns(top), ["/var/lib/misc/.k"]);
  assert.deepEqual(top.problems, [], "no 'no keyword' warning");
  // Quiet twin: single quotes are no quotes to strdelim(); sshd rejects the keyword, so nothing is set.
  const single = load({ "etc/ssh/sshd_config": "'PermitRootLogin' yes\nPermitRootLogin no\n" });
  assert.deepEqual(globalValue(single, "permitrootlogin")?.args, ["no"]);
});

Deno.test("sshd config: Include globs are expanded in place, sorted, relative to /etc/ssh; the first value wins", () => {
  const cfg = load({
    "etc/ssh/sshd_config": "Include sshd_config.d/*.conf\nPermitRootLogin no\nPasswordAuthentication no\n",
    "etc/ssh/sshd_config.d/50-b.conf": "PermitRootLogin yes\n",
    "etc/ssh/sshd_config.d/10-a.conf": "PasswordAuthentication yes\n",
    "etc/ssh/sshd_config.d/.hidden.conf": "PermitRootLogin without-password\n",
    "etc/ssh/sshd_config.d/99-x.conf.bak": "PasswordAuthentication no\n",
  });
  assert.deepEqual(cfg.files, [
    "/etc/ssh/sshd_config",
    "/etc/ssh/sshd_config.d/10-a.conf",
    "/etc/ssh/sshd_config.d/50-b.conf",
  ]);
  assert.deepEqual(globalValue(cfg, "permitrootlogin")?.args, ["yes"]);
  assert.equal(globalValue(cfg, "permitrootlogin")?.path, "/etc/ssh/sshd_config.d/50-b.conf");
  assert.deepEqual(globalValue(cfg, "passwordauthentication")?.args, ["yes"]);
});

Deno.test("sshd config: Match blocks are kept apart from global values and end with their file or 'Match all'", () => {
  const cfg = load({
    "etc/ssh/sshd_config": [
      "PermitRootLogin prohibit-password",
      "Include /etc/ssh/extra.conf",
      "PasswordAuthentication no",
      "Match Address 203.0.113.7",
      "  PermitRootLogin yes",
      "  PermitRootLogin no",
      "Match all",
      "ForceCommand /bin/true",
    ].join("\n"),
    "etc/ssh/extra.conf": "Match User backup\n  AuthorizedKeysFile /srv/keys/%u\n",
  });
  assert.deepEqual(globalValue(cfg, "permitrootlogin")?.args, ["prohibit-password"]);
  assert.deepEqual(
    globalValue(cfg, "passwordauthentication")?.args,
    ["no"],
    "the included Match ended with its file",
  );
  const overrides = matchValues(cfg, "permitrootlogin");
  assert.equal(overrides.length, 1, "the first value inside a block wins");
  assert.deepEqual(overrides[0].args, ["yes"]);
  assert.equal(overrides[0].match?.criteria, "Address 203.0.113.7");
  assert.equal(
    globalValue(cfg, "forcecommand")?.args[0],
    "/bin/true",
    "'Match all' returns to every connection",
  );
  assert.deepEqual(authorizedKeysPatterns(cfg), [
    ".ssh/authorized_keys",
    ".ssh/authorized_keys2",
    "/srv/keys/%u",
  ]);
});

Deno.test("sshd config: Include loops, FIFOs and /dev/null links are refused with a problem, never followed forever", () => {
  using tree = makeTree({
    "etc/ssh/sshd_config":
      "Include /etc/ssh/a.conf\nInclude /etc/ssh/null.conf\nInclude /etc/ssh/fifo.conf\n",
    "etc/ssh/a.conf": "Include /etc/ssh/b.conf\nPermitRootLogin no\n",
    "etc/ssh/b.conf": "Include /etc/ssh/a.conf\n",
    "etc/ssh/null.conf": { symlink: "/dev/null" },
  });
  new Deno.Command("mkfifo", { args: [`${tree.path}/etc/ssh/fifo.conf`] }).outputSync();
  const r = loadSshdConfig(new Host(tree.path));
  assert.ok(r.ok);
  assert.deepEqual(globalValue(r.value, "permitrootlogin")?.args, ["no"]);
  assert.ok(
    r.value.problems.some((p) => p.includes("/etc/ssh/a.conf loops back")),
    r.value.problems.join("\n"),
  );
  assert.ok(r.value.problems.some((p) => p.includes("fifo.conf") && p.includes("not a regular file")));
  assert.ok(
    !r.value.files.some((f) => f.endsWith("null.conf")),
    "a link to /dev/null is not read as a config file",
  );
});

Deno.test("sshd config: an Include glob made to backtrack is expanded in linear time", () => {
  // As a regex, each of /etc's names took seconds to hours against 16 or more stars.
  const entries: Record<string, TreeEntry> = {
    "etc/ssh/sshd_config": `Include /etc/${"*".repeat(3000)}q\nPermitRootLogin no\n`,
  };
  for (let i = 0; i < 50; i++) entries[`etc/name-of-some-length-${i}`] = "x\n";
  using tree = makeTree(entries);
  const started = performance.now();
  const r = loadSshdConfig(new Host(tree.path));
  assert.ok(performance.now() - started < 5000, `${(performance.now() - started).toFixed(0)} ms`);
  assert.ok(r.ok);
  assert.deepEqual(globalValue(r.value, "permitrootlogin")?.args, ["no"]);
});

Deno.test("sshd config: files that each include the next three times are read once each, not 3^16 times", () => {
  const entries: Record<string, TreeEntry> = { "etc/ssh/sshd_config": "Include /etc/ssh/d/0.conf\n" };
  for (let i = 0; i < 40; i++) {
    const next = `/etc/ssh/d/${i + 1}.conf`;
    entries[`etc/ssh/d/${i}.conf`] = `Include ${next} ${next}\nInclude ${next}\n`;
  }
  entries["etc/ssh/d/8.conf"] += "PermitRootLogin yes\n";
  entries["etc/ssh/d/9.conf"] = "Match User backup\nInclude /etc/ssh/d/10.conf\n";
  entries["etc/ssh/d/10.conf"] = "X11Forwarding yes\n";
  const t0 = performance.now();
  const c = load(entries);
  const ms = performance.now() - t0;
  assert.ok(ms < 5000, `${ms.toFixed(0)} ms`);
  assert.deepEqual(globalValue(c, "permitrootlogin")?.args, ["yes"]);
  // The file included under a Match block is read there too: once per block, not once overall.
  assert.deepEqual(matchValues(c, "x11forwarding").map((v) => v.args), [["yes"]]);
  assert.equal(c.files.length, new Set(c.files).size, "each file read once");
  assert.equal(c.files.length, 12);
});

Deno.test("sshd config: garbage, CRLF and overlong lines do not crash and are reported", () => {
  const junk = "PermitRootLogin\nBanner 'x\n" + "A".repeat(200_000) +
    "\n\u0000\u00ff\r\nPermitEmptyPasswords yes\r\n";
  const cfg = load({ "etc/ssh/sshd_config": junk });
  assert.deepEqual(globalValue(cfg, "permitemptypasswords")?.args, ["yes"]);
  assert.ok(cfg.problems.length >= 3, cfg.problems.join("\n"));
});

Deno.test("authorized keys patterns: default, 'none', tokens and paths outside the home", () => {
  assert.deepEqual(authorizedKeysPatterns(undefined), [".ssh/authorized_keys", ".ssh/authorized_keys2"]);
  const a = { name: "alice", uid: 1000, home: "/home/alice" };
  assert.equal(expandKeysPattern("%h/.ssh/k", a), "/home/alice/.ssh/k");
  assert.equal(expandKeysPattern("/etc/ssh/keys/%u.%U%%", a), "/etc/ssh/keys/alice.1000%");
  assert.equal(expandKeysPattern("../../tmp/k", a), "/tmp/k");
});

Deno.test("persistence lists keys in every location sshd may read, Match blocks and drop-ins included", async () => {
  using tree = makeTree({
    "etc/passwd": "root:x:0:0:root:/root:/bin/bash\nbackup:x:34:34::/var/backups:/bin/sh\n",
    "etc/group": "root:x:0:\n",
    "etc/ssh/sshd_config": "Include /etc/ssh/sshd_config.d/*.conf\nAuthorizedKeysFile .ssh/authorized_keys\n",
    "etc/ssh/sshd_config.d/10-x.conf": "Match User backup\n  AuthorizedKeysFile /srv/keys/%u\n",
    "srv/keys/backup": `ssh-ed25519 ${ED25519} backup@x\n`,
  });
  const r = await runOne(persistence, tree.path, { persistenceInventory: true, persistenceRecentDays: 0 });
  const keys = r.findings.filter((f) => f.metadata.kind === "authorized_keys").map((f) => f.metadata.path);
  assert.deepEqual(keys, ["/srv/keys/backup"]);
});

Deno.test("persistence lists keys where a quoted keyword or SSHD_OPTS puts AuthorizedKeysFile; not where nothing does", async () => {
  const base = {
    "etc/passwd": "root:x:0:0:root:/root:/bin/bash\nbackup:x:34:34::/var/backups:/bin/sh\n",
    "etc/group": "root:x:0:\n",
    "var/lib/misc/.k": `ssh-ed25519 ${ED25519} planted\n`,
  };
  const keys = async (over: Record<string, TreeEntry>) => {
    using tree = makeTree({ ...base, ...over });
    const r = await runOne(persistence, tree.path, { persistenceInventory: true, persistenceRecentDays: 0 });
    return r.findings.filter((f) => f.metadata.kind === "authorized_keys").map((f) => f.metadata.path);
  };
  assert.deepEqual(await keys({ "etc/ssh/sshd_config": '"AuthorizedKeysFile" /var/lib/misc/.k\n' }), [
    "/var/lib/misc/.k",
  ]);
  assert.deepEqual(
    await keys({
      "etc/ssh/sshd_config": "AuthorizedKeysFile .ssh/authorized_keys\n",
      "etc/default/ssh": 'SSHD_OPTS="-o AuthorizedKeysFile=/var/lib/misc/.k -o PermitRootLogin=yes"\n',
    }),
    ["/var/lib/misc/.k"],
  );
  assert.deepEqual(
    await keys({
      "etc/ssh/sshd_config": "AuthorizedKeysFile .ssh/authorized_keys\n",
      "etc/default/ssh": '#SSHD_OPTS="-o AuthorizedKeysFile=/var/lib/misc/.k"\nSSHD_OPTS=\n',
    }),
    [],
  );
});
