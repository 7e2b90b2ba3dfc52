/**
 * mac: a profile's mode is judged by what the package's profile file asks for. apparmor_parser loads every
 * file of /etc/apparmor.d and the last load of a name wins, so a second file (here one no package installed,
 * sorted first) that declares a packaged profile again in complain or unconfined mode weakens it without
 * touching the package's file; that must not pass for "shipped that way".
 */
import assert from "node:assert/strict";
import { mac } from "../../src/scanners/mac/index.ts";
import type { Finding } from "../../src/core/finding.ts";
import { makeTree, runOne, type TreeEntry } from "../helpers.ts";
import { inetLine, procs, TCP_HEADER } from "./network_procfs_fixture.ts";
import { dpkgEntries } from "./integrity_fixture.ts";

const summary = (fs: Finding[]) => fs.map((f) => `${f.severity} ${f.id}`).sort();

const CUPSD = "#include <tunables/global>\n/usr/sbin/cupsd flags=(attach_disconnected) {\n}\n";
const SSHD = "#include <tunables/global>\nprofile /usr/sbin/sshd {\n}\n";
const DECOY = "profile /usr/sbin/cupsd flags=(complain) {}\nprofile /usr/sbin/sshd flags=(unconfined) {}\n";

/** AppArmor enforcing; apparmor-profiles installed cupsd's and sshd's profiles; both daemons listen. */
function host(
  loaded: string,
  labels: { sshd: string; cupsd: string },
  extra: Record<string, TreeEntry> = {},
) {
  return makeTree({
    "sys/module/apparmor/parameters/enabled": "Y\n",
    "sys/kernel/security/lsm": "lockdown,capability,landlock,yama,apparmor\n",
    "sys/kernel/security/apparmor/profiles": `${loaded}/usr/bin/man (enforce)\n`,
    "usr/sbin/apparmor_parser": "",
    ...dpkgEntries([{
      name: "apparmor-profiles",
      conffiles: {
        "/etc/apparmor.d/usr.sbin.cupsd": { shipped: CUPSD },
        "/etc/apparmor.d/usr.sbin.sshd": { shipped: SSHD },
      },
    }]),
    "proc/net/tcp": [
      TCP_HEADER,
      inetLine(0, "00000000:0016", "00000000:0000", "0A", 1),
      inetLine(1, "00000000:0277", "00000000:0000", "0A", 2),
    ].join("\n") + "\n",
    ...procs(
      { pid: 1, exe: "/usr/lib/systemd/systemd", label: "unconfined\n" },
      { pid: 10, exe: "/usr/sbin/sshd", sockets: [1], label: labels.sshd },
      { pid: 20, exe: "/usr/sbin/cupsd", sockets: [2], label: labels.cupsd },
    ),
    ...extra,
  });
}

Deno.test("mac: an unowned file declaring packaged profiles again in complain/unconfined mode is a weakening", async () => {
  using t = host("/usr/sbin/cupsd (complain)\n/usr/sbin/sshd (unconfined)\n", {
    sshd: "/usr/sbin/sshd (unconfined)\n",
    cupsd: "/usr/sbin/cupsd (complain)\n",
  }, { "etc/apparmor.d/00-local": DECOY });
  const r = await runOne(mac, t.path);
  assert.deepEqual(summary(r.findings), [
    "medium mac.apparmor.complain",
    "medium mac.unconfined_daemon:/usr/sbin/sshd",
  ]);
  const complain = r.findings.find((f) => f.check_id === "mac.apparmor.complain")!;
  assert.deepEqual(complain.metadata.complain_profiles, ["/usr/sbin/cupsd"]);
  assert.match(
    complain.description,
    /usr\.sbin\.cupsd does not ask for complain mode; \/etc\/apparmor\.d\/00-local declares it again in complain mode \(no package installed/,
  );
  const sshd = r.findings.find((f) => f.check_id === "mac.unconfined_daemon")!;
  assert.match(
    sshd.description,
    /switched to unconfined mode: \/etc\/apparmor\.d\/usr\.sbin\.sshd does not ask/,
  );
  assert.match(sshd.description, /00-local declares it again in unconfined mode/);
});

Deno.test("mac: the same decoy sorted after the package's file is judged the same way", async () => {
  using t = host("/usr/sbin/cupsd (complain)\n", {
    sshd: "/usr/sbin/sshd (enforce)\n",
    cupsd: "/usr/sbin/cupsd (complain)\n",
  }, { "etc/apparmor.d/zz-local": DECOY });
  assert.deepEqual(summary((await runOne(mac, t.path)).findings), ["medium mac.apparmor.complain"]);
});

Deno.test("mac: a packaged profile shipped in complain/unconfined mode, and a local profile of one's own, stay quiet", async () => {
  // The package's own file asks for the modes: stock (a --hardening note for complain).
  const cupsdComplain = CUPSD.replace("attach_disconnected", "complain");
  const sshdUnconfined = SSHD.replace(
    "profile /usr/sbin/sshd {",
    "profile /usr/sbin/sshd flags=(unconfined) {",
  );
  using t = host(
    "/usr/sbin/cupsd (complain)\n/usr/sbin/sshd (unconfined)\n/usr/local/bin/tool (complain)\n",
    {
      sshd: "/usr/sbin/sshd (unconfined)\n",
      cupsd: "/usr/sbin/cupsd (complain)\n",
    },
    {
      ...dpkgEntries([{
        name: "apparmor-profiles",
        conffiles: {
          "/etc/apparmor.d/usr.sbin.cupsd": { shipped: cupsdComplain },
          "/etc/apparmor.d/usr.sbin.sshd": { shipped: sshdUnconfined },
        },
      }]),
      // An administrator's own profile for a tool no package profiles, in complain mode while it is written.
      "etc/apparmor.d/usr.local.bin.tool": "profile /usr/local/bin/tool flags=(complain) {\n}\n",
    },
  );
  const r = await runOne(mac, t.path);
  assert.deepEqual(summary(r.findings), []);
  assert.deepEqual(r.warnings, []);
  const h = await runOne(mac, t.path, { hardening: true });
  const stock = h.findings.find((f) => f.check_id === "mac.apparmor.complain_shipped")!;
  assert.deepEqual(stock.metadata.complain_profiles, ["/usr/local/bin/tool", "/usr/sbin/cupsd"]);
});
