import assert from "node:assert/strict";
import { generateFixtureRoot, PROGRAMS } from "../../scripts/gen-fixture-root.ts";
import { network } from "../../src/scanners/network/index.ts";
import { processes } from "../../src/scanners/processes.ts";
import { worldWritable } from "../../src/scanners/world_writable/index.ts";
import { suidSgid } from "../../src/scanners/suid_sgid.ts";
import { runOne } from "../helpers.ts";

function count(dir: string, pred: (e: Deno.DirEntry) => boolean = () => true): number {
  return [...Deno.readDirSync(dir)].filter(pred).length;
}

Deno.test("gen-fixture-root: N processes and N files, the planted modes and sockets, seen by the scanners", async () => {
  const root = `${Deno.makeTempDirSync({ prefix: "sys-scan-fx-" })}/root`;
  try {
    assert.deepEqual(generateFixtureRoot(root, 250), { processes: 250, files: 250 });
    assert.equal(count(`${root}/proc`, (e) => /^\d+$/.test(e.name)), 250);
    assert.equal(count(`${root}/usr/bin`), PROGRAMS);
    assert.equal(Deno.readLinkSync(`${root}/proc/1007/exe`), "/usr/bin/app-7");
    const tcp = Deno.readTextFileSync(`${root}/proc/net/tcp`).trim().split("\n");
    assert.equal(tcp.length, 1 + 25, "a header and one listener per 10 processes");
    assert.equal(Deno.statSync(`${root}/usr/lib/bench/d0/file-0`).mode! & 0o7777, 0o4755);
    assert.equal(Deno.statSync(`${root}/usr/lib/bench/d0/file-50`).mode! & 0o7777, 0o666);

    const net = await runOne(network, root);
    assert.equal(net.findings.filter((f) => f.check_id === "net.listen.exposed").length, 25);
    assert.ok(net.findings.every((f) => f.location?.pid !== undefined), "each socket has its owning process");
    const ww = await runOne(worldWritable, root);
    assert.equal(
      ww.findings.filter((f) => f.check_id === "fs.world_writable.file").length,
      2,
      "files 50 and 150",
    );
    const suid = await runOne(suidSgid, root);
    assert.deepEqual(
      suid.findings.map((f) => f.location?.path).filter((p) => p?.includes("/bench/")).sort(),
      [
        "/usr/lib/bench/d0/file-0",
        "/usr/lib/bench/d2/file-200",
      ],
    );
    const procs = await runOne(processes, root, { processInventory: true });
    assert.equal(procs.status, "ok");
  } finally {
    Deno.removeSync(root.slice(0, -"/root".length), { recursive: true });
  }
});

Deno.test("gen-fixture-root: refuses a bad count and an existing directory", () => {
  const dir = Deno.makeTempDirSync({ prefix: "sys-scan-fx-" });
  try {
    assert.throws(() => generateFixtureRoot(`${dir}/a`, 0), /positive integer/);
    assert.throws(() => generateFixtureRoot(`${dir}/b`, 1.5), /positive integer/);
    assert.throws(() => generateFixtureRoot(dir, 1), Deno.errors.AlreadyExists);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
