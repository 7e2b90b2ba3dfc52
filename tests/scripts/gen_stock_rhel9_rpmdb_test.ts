/** The committed rpm database of the stock RHEL 9 root is what scripts/gen-stock-rhel9-rpmdb.ts writes. */
import assert from "node:assert/strict";
import { Host } from "../../src/host/host.ts";
import { loadRpmOwners, loadRpmScriptlets } from "../../src/host/rpm_db.ts";
import { packagesOf, RHEL9_ROOT, writeStockRpmDb } from "../../scripts/gen-stock-rhel9-rpmdb.ts";
import { TempTree } from "../helpers.ts";

Deno.test("stock rhel9: the committed rpmdb.sqlite owns every file the generator's rules give a package", () => {
  const owners = loadRpmOwners(new Host(RHEL9_ROOT));
  assert.ok(owners.ok, owners.ok ? "" : owners.message);
  const wrong: string[] = [];
  for (const [pkg, paths] of packagesOf(RHEL9_ROOT)) {
    for (const p of paths) {
      if (owners.value.ownerOf(p) !== pkg) wrong.push(`${p}: ${owners.value.ownerOf(p)} ≠ ${pkg}`);
    }
  }
  assert.deepEqual(wrong, [], "run: deno run -A scripts/gen-stock-rhel9-rpmdb.ts");
});

Deno.test("gen-stock-rhel9-rpmdb: a database written again reads back the same owners and scriptlets", () => {
  using tmp = new TempTree(Deno.makeTempDirSync({ prefix: "sys-scan-rpmdb-" }));
  Deno.mkdirSync(`${tmp.path}/usr/lib/systemd/system`, { recursive: true });
  Deno.writeTextFileSync(`${tmp.path}/usr/lib/systemd/system/sshd.service`, "[Service]\n");
  Deno.writeTextFileSync(`${tmp.path}/usr/lib/systemd/system/x.service`, "[Service]\n");
  assert.deepEqual(writeStockRpmDb(tmp.path), { packages: 2, files: 2 });
  const host = new Host(tmp.path);
  const owners = loadRpmOwners(host);
  assert.ok(owners.ok);
  assert.equal(owners.value.ownerOf("/usr/lib/systemd/system/sshd.service"), "openssh-server");
  assert.equal(owners.value.ownerOf("/usr/lib/systemd/system/x.service"), "systemd");
  const s = loadRpmScriptlets(host, 1 << 16);
  assert.ok(s.ok);
  assert.deepEqual(
    s.value.packages.map((p) => [p.name, p.scriptlets.map((x) => x.name)]),
    [["openssh-server", ["%post", "%preun"]], ["systemd", ["%post"]]],
  );
});
