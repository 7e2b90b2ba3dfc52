/**
 * Parsers of the boot, loader and module families: GRUB defaults, grub.cfg and BLS command lines, kernel command
 * line judgement, unit file assignments, upstart jobs, environment and pam_env files, ld.so.conf, modprobe.d.
 * Each is fed well-formed, odd and malformed input.
 */
import assert from "node:assert/strict";
import {
  blsCmdlines,
  grubCfgCmdlines,
  grubDefaults,
  judgeCmdline,
} from "../../src/scanners/persistence/boot_config.ts";
import { parseEnvFile, parseLdSoConf, parsePamEnvConf } from "../../src/scanners/persistence/env_files.ts";
import { globMatcher } from "../../src/host/glob.ts";
import { parseModprobeConf, parseModulesLoad } from "../../src/scanners/persistence/modprobe.ts";
import { parseUpstartJob } from "../../src/scanners/persistence/upstart.ts";
import { parseUnitFile, unitAssignments } from "../../src/scanners/systemd_units/unit_file.ts";

const GARBAGE = ["", "\u0000\u00ff\ufffd", "=\n==\n'\"'\"", "\\\n\\\n\\", "[\n]]]\n{{{", "x".repeat(10_000)];

Deno.test("GRUB defaults: quotes, $VAR and ${VAR} from earlier files, export, continuations, comments", () => {
  const vars = new Map<string, string>();
  const first = grubDefaults(
    [
      "# If you change this file, run 'update-grub'",
      'GRUB_CMDLINE_LINUX_DEFAULT="quiet"',
      "GRUB_CMDLINE_LINUX=''",
      "GRUB_DISTRIBUTOR=`lsb_release -i -s 2> /dev/null || echo Debian`",
    ].join("\n"),
    vars,
  );
  assert.deepEqual(first.map((s) => [s.line, s.key, s.cmdline]), [
    [2, "GRUB_CMDLINE_LINUX_DEFAULT", "quiet"],
    [3, "GRUB_CMDLINE_LINUX", ""],
  ]);
  const second = grubDefaults(
    'export GRUB_CMDLINE_LINUX_DEFAULT="${GRUB_CMDLINE_LINUX_DEFAULT} console=ttyS0 \\\n init=/x" # cloud\nGRUB_CMDLINE_LINUX=$UNSET"a b"c\n',
    vars,
  );
  assert.deepEqual(second.map((s) => [s.line, s.cmdline]), [[1, "quiet console=ttyS0  init=/x"], [
    3,
    "a bc",
  ]]);
  for (const g of GARBAGE) assert.ok(Array.isArray(grubDefaults(g, new Map())));
  assert.deepEqual(grubDefaults('GRUB_CMDLINE_LINUX="unterminated', new Map())[0].cmdline, "unterminated");
});

Deno.test("grub.cfg and BLS: the words after the kernel image; /etc/kernel/cmdline whole", () => {
  const cfg = grubCfgCmdlines(
    "menuentry 'x' {\n\tlinux\t/vmlinuz root=/dev/sda1 ro quiet\n\tlinuxefi /v rd.break\n\tinitrd /i\n}\n\tlinux /only-image\n",
  );
  assert.deepEqual(cfg.map((s) => [s.line, s.key, s.cmdline]), [
    [2, "linux", "root=/dev/sda1 ro quiet"],
    [3, "linuxefi", "rd.break"],
    [6, "linux", ""],
  ]);
  assert.deepEqual(
    blsCmdlines("title x\noptions root=/dev/vda1 ro\n# options init=/no\n").map((s) => s.cmdline),
    [
      "root=/dev/vda1 ro",
    ],
  );
  assert.deepEqual(blsCmdlines("root=/dev/vda1 ro\n\n", true).map((s) => s.cmdline), ["root=/dev/vda1 ro"]);
  for (const g of GARBAGE) assert.ok(Array.isArray(grubCfgCmdlines(g)) && Array.isArray(blsCmdlines(g)));
});

Deno.test("kernel command line: a replaced init and protections off; stock inits, init arguments and lookalikes are not", () => {
  assert.deepEqual(judgeCmdline("root=/dev/sda1 ro quiet init=/lib/systemd/systemd rdinit=/init"), {
    inits: [],
    protectionsOff: [],
  });
  assert.deepEqual(
    judgeCmdline(
      'quiet "init=/tmp/x y" rdinit=/bin/sh selinux=0 apparmor=1 module.sig_enforce=0 lockdown=none',
    ),
    {
      inits: [{ param: "init", program: "/tmp/x y" }, { param: "rdinit", program: "/bin/sh" }],
      protectionsOff: ["selinux=0", "module.sig_enforce=0", "lockdown=none"],
    },
  );
  assert.deepEqual(judgeCmdline("'security=none' enforcing=0 -- init=/tmp/x selinux=0").protectionsOff, [
    "security=none",
    "enforcing=0",
  ]);
  assert.deepEqual(judgeCmdline("xinit=/tmp/x noselinux=0 ima_appraise=enforce").inits, []);
  for (const g of GARBAGE) assert.ok(judgeCmdline(g).inits.length >= 0);
});

Deno.test("unit assignments: the line each starts on, across continuations and comments inside them", () => {
  const text = [
    "# comment",
    "[Service]",
    "ExecStart=/usr/bin/a \\",
    "# a comment inside the continuation is skipped",
    '  --flag "quoted value" \\',
    "  last",
    "Environment=LD_PRELOAD=/x",
    "junk line",
    "[Install]",
    "WantedBy=multi-user.target \\",
  ].join("\n");
  const { assignments, bad } = unitAssignments(text);
  assert.equal(bad, 1);
  assert.deepEqual(assignments.map((a) => [a.line, a.section, a.key, a.value]), [
    // Each trailing backslash becomes a space and the next line is appended as it is (systemd's config_parse).
    [3, "Service", "ExecStart", '/usr/bin/a    --flag "quoted value"    last'],
    [7, "Service", "Environment", "LD_PRELOAD=/x"],
    [10, "Install", "WantedBy", "multi-user.target"],
  ]);
  assert.deepEqual(parseUnitFile(text).sections.get("Service")?.get("ExecStart")?.length, 1);
  for (const g of GARBAGE) assert.ok(unitAssignments(g).bad >= 0);
});

Deno.test("upstart: exec stanzas with their kind, script blocks to end script, an unclosed block counted", () => {
  const job = parseUpstartJob(
    'description "x"\nstart on runlevel [2345]\npre-start exec /bin/mkdir \\\n  -p /run/x\nexec /usr/sbin/d\npost-stop script\n  # comment\n  rm -f /run/x\nend script\n',
  );
  assert.equal(job.bad, 0);
  assert.deepEqual(job.commands.map((c) => [c.line, c.stanza, c.command]), [
    [3, "pre-start exec", "/bin/mkdir  -p /run/x"],
    [5, "exec", "/usr/sbin/d"],
    [8, "post-stop script", "rm -f /run/x"],
  ]);
  assert.equal(parseUpstartJob("script\n/tmp/x\n").bad, 1);
  for (const g of GARBAGE) assert.ok(parseUpstartJob(g).bad >= 0);
});

Deno.test("environment files: NAME=value with export and quotes; pam_env DEFAULT/OVERRIDE; both syntaxes in one file", () => {
  assert.deepEqual(parseEnvFile('PATH="/usr/bin:/bin"\nexport LANG=C\n# c\nnot an assignment\n'), {
    assignments: [{ line: 1, name: "PATH", value: "/usr/bin:/bin" }, { line: 2, name: "LANG", value: "C" }],
    bad: 1,
  });
  const pam = parsePamEnvConf(
    'REMOTEHOST DEFAULT= OVERRIDE=@{PAM_RHOST}\nLD_PRELOAD DEFAULT="/a b.so"\nPATH=/x:/y\nBAD-NAME x\nFOO junk\n',
  );
  assert.deepEqual(pam.assignments.map((a) => [a.line, a.name, a.value]), [
    [1, "REMOTEHOST", "@{PAM_RHOST}"],
    [2, "LD_PRELOAD", "/a b.so"],
    [3, "PATH", "/x:/y"],
  ]);
  assert.equal(pam.bad, 2);
  for (const g of GARBAGE) assert.ok(parseEnvFile(g).bad >= 0 && parsePamEnvConf(g).bad >= 0);
});

Deno.test("ld.so.conf: include patterns, hwcap, separators, =type suffixes, comments", () => {
  assert.deepEqual(
    parseLdSoConf(
      "include /etc/ld.so.conf.d/*.conf  extra/*.conf\nhwcap 1 nosegneg\n/a:/b, /c\t/d=libc6 # c\n",
    ),
    [
      { kind: "include", line: 1, pattern: "/etc/ld.so.conf.d/*.conf" },
      { kind: "include", line: 1, pattern: "extra/*.conf" },
      { kind: "dir", line: 3, dir: "/a" },
      { kind: "dir", line: 3, dir: "/b" },
      { kind: "dir", line: 3, dir: "/c" },
      { kind: "dir", line: 3, dir: "/d" },
    ],
  );
  // Module aliases (modules.alias) are matched with the one path-glob matcher; a pattern an image can hold
  // never throws.
  assert.ok(
    globMatcher("*.conf", { path: true })("libc.conf") &&
      !globMatcher("*.conf", { path: true })("x.conf.bak"),
  );
  assert.ok(globMatcher("[!a]?", { path: true })("bc") && !globMatcher("[!a]?", { path: true })("ac"));
  for (const p of ["[", "[]", "[\\", "*[", "((*", "[z-a]", "[\\]"]) {
    assert.equal(typeof globMatcher(p, { path: true })("x"), "boolean", p);
  }
  assert.equal(globMatcher("[z-a]", { path: true })("m"), false);
  for (const g of GARBAGE) assert.ok(Array.isArray(parseLdSoConf(g)));
});

Deno.test("modprobe.d: install/remove with continuations; unknown directives and empty commands counted", () => {
  const r = parseModprobeConf(
    "# c\ninstall a /bin/true\nremove b /sbin/modprobe -r x \\\n  && echo y\noptions c z=1\nsoftdep d pre: e\nfrob f\ninstall g\n",
  );
  assert.deepEqual(r.commands.map((c) => [c.line, c.directive, c.module, c.command]), [
    [2, "install", "a", "/bin/true"],
    [3, "remove", "b", "/sbin/modprobe -r x    && echo y"],
  ]);
  assert.equal(r.bad, 2);
  assert.deepEqual(r.softdeps, [{ line: 6, module: "d", deps: ["e"] }]);
  const soft = parseModprobeConf(
    "softdep ext4 pre: crc32c post: evil x\nweakdep i915 ghost\nsoftdep lonely\n",
  );
  assert.deepEqual(soft.softdeps.map((s) => [s.module, s.deps]), [["ext4", ["crc32c", "evil", "x"]], [
    "i915",
    ["ghost"],
  ]]);
  assert.equal(soft.bad, 1);
  assert.deepEqual(parseModulesLoad("# c\n; c\ntun\n  loop max_loop=8\n"), [
    { line: 3, module: "tun" },
    { line: 4, module: "loop" },
  ]);
  for (const g of GARBAGE) assert.ok(parseModprobeConf(g).bad >= 0 && Array.isArray(parseModulesLoad(g)));
});
