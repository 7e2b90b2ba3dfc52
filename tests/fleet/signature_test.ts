/** `fleet --pub KEY`: signed reports are checked with the same code as `sys-scan verify`; those that fail are named. */
import assert from "node:assert/strict";
import { run } from "../../src/cli/run.ts";
import { loadPrivateKey, signBytes } from "../../src/security/sign.ts";
import { makeTree } from "../helpers.ts";
import { fixtureReport, fleet, toNdjson, vary, writeReport } from "./helpers.ts";

const AT = "2026-06-01T10:00:00.000Z";

Deno.test("--pub: valid signatures are recorded, tampered, foreign-key and unsigned reports are left out and named (exit 1)", async () => {
  using t = makeTree({});
  assert.equal(await run(["keygen", "--out", `${t.path}/fleet`]), 0);
  assert.equal(await run(["keygen", "--out", `${t.path}/other`]), 0);
  const key = await loadPrivateKey(`${t.path}/fleet.key`);
  const other = await loadPrivateKey(`${t.path}/other.key`);
  assert.ok(key.ok && other.ok);
  const base = await fixtureReport("net-mixed");
  const sign = async (path: string, k = key.value) =>
    Deno.writeTextFileSync(`${path}.sig`, await signBytes(k, Deno.readFileSync(path)));

  await sign(await writeReport(t.path, "in/good.json", vary(base, { host: "good", at: AT })));
  await sign(await writeReport(t.path, "in/good-stream.ndjson", vary(base, { host: "stream", at: AT })));
  const tampered = await writeReport(
    t.path,
    "in/tampered.json",
    vary(base, { host: "tampered", at: AT, risk: 90 }),
  );
  await sign(tampered);
  Deno.writeTextFileSync(tampered, Deno.readTextFileSync(tampered).replace('"score":90', '"score":0'));
  await sign(
    await writeReport(t.path, "in/foreign.json", vary(base, { host: "foreign", at: AT })),
    other.value,
  );
  await writeReport(t.path, "in/unsigned.json", vary(base, { host: "unsigned", at: AT }));
  Deno.writeTextFileSync(
    `${t.path}/in/garbled.ndjson`,
    await toNdjson(vary(base, { host: "garbled", at: AT })),
  );
  Deno.writeTextFileSync(`${t.path}/in/garbled.ndjson.sig`, "sys-scan-signature-v1\nalgorithm: rot13\n");

  const out = await fleet([
    "--dir",
    `${t.path}/in`,
    "--db",
    `${t.path}/f.db`,
    "--pub",
    `${t.path}/fleet.pub`,
  ]);
  assert.equal(out.code, 1, "a report that did not verify makes exit 1");
  const r = out.report!;
  assert.deepEqual(r.hosts.map((h) => h.host).sort(), ["good", "stream"]);
  assert.ok(r.hosts.every((h) => h.signer?.startsWith("sha256:")));
  assert.equal(r.run.unverified, 4);
  const why = (name: string) => r.run.problems.find((p) => p.source.endsWith(`/${name}`));
  assert.equal(why("tampered.json")?.problem, "unverified");
  assert.match(why("tampered.json")!.reason, /modified after it was signed/);
  assert.match(why("foreign.json")!.reason, /not by the given key/);
  assert.match(why("unsigned.json")!.reason, /not signed \(no .*unsigned\.json\.sig\)/);
  assert.match(why("garbled.ndjson")!.reason, /unsupported algorithm/);
  assert.ok(out.warnings.some((w) => /tampered\.json: signature did not verify/.test(w)));
  assert.ok(out.warnings.some((w) => /4 report\(s\) did not verify/.test(w)));

  const noKey = await fleet([
    "--dir",
    `${t.path}/in`,
    "--db",
    `${t.path}/g.db`,
    "--pub",
    `${t.path}/missing.pub`,
  ]);
  assert.equal(noKey.code, 2);
  assert.match(noKey.error!, /public key .*missing\.pub: no such file/);
});
