/** The rpm database written into each copy of the stock RHEL 9 root (stock_rhel9_rpmdb.ts). */
import assert from "node:assert/strict";
import { Host } from "../../src/host/host.ts";
import { loadRpmOwners, loadRpmScriptlets } from "../../src/host/rpm_db.ts";
import { TempTree } from "../helpers.ts";
import { installedCopy } from "./stock_fixture.ts";
import { packagesOf, writeStockRpmDb } from "./stock_rhel9_rpmdb.ts";

Deno.test("stock rhel9: the copy's rpm database owns every file the rules give a package, with its size", () => {
  using root = installedCopy("rhel9");
  const owners = loadRpmOwners(new Host(root.path));
  assert.ok(owners.ok, owners.ok ? "" : owners.message);
  const wrong: string[] = [];
  let files = 0;
  for (const [pkg, paths] of packagesOf(root.path)) {
    for (const p of paths) {
      files++;
      if (owners.value.ownerOf(p) !== pkg) wrong.push(`${p}: ${owners.value.ownerOf(p)} ≠ ${pkg}`);
      const st = Deno.lstatSync(`${root.path}${p}`);
      if (owners.value.fileInfoOf?.(p)?.size !== st.size) wrong.push(`${p}: size`);
    }
  }
  assert.deepEqual(wrong, []);
  assert.ok(files > 400, `${files} files`);
});

Deno.test("stock rhel9 rpm database: written again, it reads back the same owners and scriptlets", () => {
  using tmp = new TempTree(Deno.makeTempDirSync({ prefix: "sys-scan-rpmdb-" }));
  Deno.mkdirSync(`${tmp.path}/usr/lib/systemd/system`, { recursive: true });
  Deno.writeTextFileSync(`${tmp.path}/usr/lib/systemd/system/sshd.service`, "[Service]\n");
  Deno.writeTextFileSync(`${tmp.path}/usr/lib/systemd/system/x.service`, "[Service]\n");
  assert.deepEqual(writeStockRpmDb(tmp.path), { packages: 2, files: 2 });
  assert.deepEqual(writeStockRpmDb(tmp.path), { packages: 2, files: 2 }, "an existing database is replaced");
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
