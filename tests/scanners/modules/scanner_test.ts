import assert from "node:assert/strict";
import { analyzeModuleFile } from "../../../src/scanners/modules/analyze.ts";
import { modulesScanner } from "../../../src/scanners/modules/index.ts";
import { Host } from "../../../src/host/host.ts";
import { fixtureRoot, makeTree, runOne, type TreeEntry, webSha256Hex } from "../../helpers.ts";

const REL = "6.1.0-28-amd64";
const MISC = `lib/modules/${REL}/kernel/drivers/misc`;

/** Every file of a committed fixture host, as makeTree entries (to copy and vary it). */
function fixtureEntries(name: string): Record<string, TreeEntry> {
  const root = fixtureRoot(name);
  const out: Record<string, TreeEntry> = {};
  const walk = (rel: string) => {
    for (const e of Deno.readDirSync(`${root}/${rel}`)) {
      const p = rel === "" ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory) walk(p);
      else out[p] = { content: Deno.readFileSync(`${root}/${p}`) };
    }
  };
  walk("");
  return out;
}

/** The text of a file entry taken from a fixture. */
const text = (e: TreeEntry | undefined) =>
  typeof e === "string" ? e : new TextDecoder().decode((e as { content: Uint8Array }).content);

const ids = (r: Awaited<ReturnType<typeof runOne>>) => r.findings.map((f) => f.id).sort();

Deno.test("modules: a clean host (signed .ko/.gz/.xz/.zst, '-' vs '_' names) gives only the summary", async () => {
  const r = await runOne(modulesScanner, fixtureRoot("modules-clean"));
  assert.equal(r.status, "ok");
  assert.deepEqual(r.warnings, []);
  assert.deepEqual(ids(r), ["module.summary"]);
  const s = r.findings[0];
  assert.equal(s.severity, "info");
  assert.equal(s.metadata.loaded_count, 4);
  assert.deepEqual(
    s.metadata.loaded_names,
    ["gzmod", "plainmod", "xzmod", "zst_mod"],
    "every loaded module by name, sorted",
  );
  assert.equal(s.metadata.files_analysed, 4);
  assert.equal(s.metadata.compressed_count, 3);
  assert.equal(s.metadata.signing_in_use, true);
  assert.equal(s.metadata.unsigned_count, 0);
  assert.deepEqual(r.passed, ["module.kernel_tainted"]);
});

Deno.test("modules: every anomaly on the anomalous host fires, one finding per module and check", async () => {
  const r = await runOne(modulesScanner, fixtureRoot("modules-anomalous"));
  assert.equal(r.status, "ok");
  assert.deepEqual(ids(r), [
    "module.elf.suspicious_section:evilmod",
    "module.elf.wx_section:evilmod",
    "module.file_missing:ghost",
    "module.hidden:kshadow",
    "module.hidden:sysfshider",
    "module.kernel_tainted",
    "module.out_of_tree:rogue",
    "module.out_of_tree:vboxdrv",
    "module.summary",
    "module.unknown_origin:rogue",
    "module.unsigned:rogue",
    "module.unsigned:unsigned_gz",
    "module.unsigned:unsignedko",
    "module.unsigned:unsignedxz",
    "module.unsigned:unsignedzst",
    "module.unsigned:vboxdrv",
  ]);
  const by = new Map(r.findings.map((f) => [f.id, f]));
  assert.equal(by.get("module.unsigned:unsignedxz")?.severity, "high");
  assert.equal(by.get("module.unsigned:vboxdrv")?.severity, "medium");
  assert.equal(by.get("module.hidden:kshadow")?.severity, "critical");
  assert.deepEqual(by.get("module.hidden:kshadow")?.metadata.absent_from, ["proc_modules", "sysfs"]);
  assert.equal(by.get("module.kernel_tainted")?.metadata.taint_flags, "OE");
  assert.equal(by.get("module.kernel_tainted")?.severity, "medium");
  assert.equal(by.get("module.unsigned:unsignedzst")?.metadata.compression, "zstd");
  assert.equal(by.get("module.unsigned:unsignedzst")?.location?.path, `/${MISC}/unsignedzst.ko.zst`);
  assert.equal(by.get("module.summary")?.severity, "info");
  assert.deepEqual(by.get("module.summary")?.metadata.hidden_list, ["kshadow", "sysfshider"]);
  const again = await runOne(modulesScanner, fixtureRoot("modules-anomalous"));
  assert.deepEqual(ids(again), ids(r));
});

Deno.test("modules: --modules-summary gives one summary rated by the worst anomaly", async () => {
  const r = await runOne(modulesScanner, fixtureRoot("modules-anomalous"), { modulesSummary: true });
  assert.deepEqual(ids(r), ["module.kernel_tainted", "module.summary"]);
  const s = r.findings.find((f) => f.check_id === "module.summary")!;
  assert.equal(s.severity, "critical");
  assert.equal(s.metadata.unsigned_count, 6);
  assert.equal(s.metadata.elf_wx_section_count, 1);
  const clean = await runOne(modulesScanner, fixtureRoot("modules-clean"), { modulesSummary: true });
  assert.equal(clean.findings[0].severity, "info");
});

Deno.test("modules: --modules-anomalies-only drops the summary", async () => {
  const r = await runOne(modulesScanner, fixtureRoot("modules-anomalous"), { modulesAnomaliesOnly: true });
  assert.ok(!r.findings.some((f) => f.check_id === "module.summary"));
  assert.equal(r.findings.filter((f) => f.check_id === "module.unsigned").length, 6);
  const clean = await runOne(modulesScanner, fixtureRoot("modules-clean"), { modulesAnomaliesOnly: true });
  assert.deepEqual(clean.findings, []);
});

Deno.test("modules: --modules-hash asked for explicitly wins over --fast-scan: the files are read and hashed", async () => {
  const root = fixtureRoot("modules-anomalous");
  const r = await runOne(modulesScanner, root, { fastScan: true, modulesHash: true });
  const f = r.findings.find((x) => x.id === "module.unsigned:unsignedxz")!;
  assert.equal(f.metadata.sha256, await webSha256Hex(Deno.readFileSync(`${root}/${MISC}/unsignedxz.ko.xz`)));
  assert.equal(r.findings.find((x) => x.check_id === "module.summary")!.metadata.deep_analysis, true);
});

Deno.test("modules: --modules-hash adds the SHA-256 of the whole stored file", async () => {
  const root = fixtureRoot("modules-anomalous");
  const r = await runOne(modulesScanner, root, { modulesHash: true });
  const f = r.findings.find((x) => x.id === "module.unsigned:unsignedxz")!;
  assert.equal(f.metadata.sha256, await webSha256Hex(Deno.readFileSync(`${root}/${MISC}/unsignedxz.ko.xz`)));
  const plain = await runOne(modulesScanner, root);
  assert.equal(plain.findings.find((x) => x.id === "module.unsigned:unsignedxz")!.metadata.sha256, undefined);
});

Deno.test("modules: --fast-scan keeps the kernel's views and taint but reads no module file", async () => {
  const r = await runOne(modulesScanner, fixtureRoot("modules-anomalous"), { fastScan: true });
  assert.deepEqual(r.warnings.map((w) => w.code), []);
  assert.ok(r.findings.every((f) => f.metadata.sha256 === undefined));
  assert.deepEqual(ids(r).filter((i) => i.startsWith("module.unsigned") || i.startsWith("module.elf")), [
    "module.unsigned:rogue",
    "module.unsigned:vboxdrv",
  ]);
  assert.ok(ids(r).includes("module.hidden:kshadow"));
  const s = r.findings.find((f) => f.check_id === "module.summary")!;
  assert.equal(s.metadata.deep_analysis, false);
  assert.equal(s.metadata.files_analysed, 0);
});

Deno.test("modules: a kernel that does not sign its modules gets no unsigned findings", async () => {
  const t = fixtureEntries("modules-clean");
  for (const m of ["plainmod", "gzmod", "xzmod", "zst_mod"]) t[`sys/module/${m}/taint`] = "E\n";
  const unsigned = (f: string) => ({
    content: Deno.readFileSync(`${fixtureRoot("modules-anomalous")}/${MISC}/${f}`),
  });
  t[`${MISC}/plainmod.ko`] = unsigned("unsignedko.ko");
  t[`${MISC}/gzmod.ko.gz`] = unsigned("unsigned-gz.ko.gz");
  t[`${MISC}/xzmod.ko.xz`] = unsigned("unsignedxz.ko.xz");
  t[`${MISC}/zst-mod.ko.zst`] = unsigned("unsignedzst.ko.zst");
  using tree = makeTree(t);
  const r = await runOne(modulesScanner, tree.path);
  assert.deepEqual(ids(r), ["module.summary"]);
  assert.equal(r.findings[0].metadata.signing_in_use, false);
  using noSig = makeTree({
    ...fixtureEntries("modules-anomalous"),
    "sys/module/module/parameters/sig_enforce": "",
  });
  Deno.removeSync(`${noSig.path}/sys/module/module`, { recursive: true });
  const r2 = await runOne(modulesScanner, noSig.path);
  assert.ok(!r2.findings.some((f) => f.check_id === "module.unsigned"));
  assert.equal(r2.findings.find((f) => f.check_id === "module.summary")!.metadata.sig_enforce, "unsupported");
});

Deno.test("modules: a loaded module named like a built-in one is flagged; a module loading is not hidden", async () => {
  const t = fixtureEntries("modules-clean");
  t["proc/modules"] = text(t["proc/modules"]) + "ext4 16384 0 - Live 0x0000000000000000\n";
  t["sys/module/ext4/initstate"] = "live\n";
  t[`lib/modules/${REL}/modules.dep`] = text(t[`lib/modules/${REL}/modules.dep`]) +
    "kernel/fs/ext4/ext4.ko:\nkernel/drivers/misc/leaving.ko:\n";
  t[`lib/modules/${REL}/kernel/fs/ext4/ext4.ko`] = {
    content: Deno.readFileSync(`${fixtureRoot("modules-clean")}/${MISC}/plainmod.ko`),
  };
  t[`${MISC}/leaving.ko`] = t[`${MISC}/plainmod.ko`];
  t["sys/module/newcomer/initstate"] = "coming\n";
  t["proc/modules"] = text(t["proc/modules"]) + "leaving 16384 0 - Unloading 0x0000000000000000\n";
  using tree = makeTree(t);
  const r = await runOne(modulesScanner, tree.path);
  assert.deepEqual(ids(r), ["module.builtin_shadow:ext4", "module.summary"]);
});

Deno.test("modules: a missing or garbage index and /proc/modules are warnings, not errors", async () => {
  const t = fixtureEntries("modules-clean");
  delete t[`lib/modules/${REL}/modules.dep`];
  t["proc/modules"] = "garbage line\n\u0000\u00ff\nplainmod 16384 0 - Live 0x0\n";
  using tree = makeTree(t);
  const r = await runOne(modulesScanner, tree.path);
  assert.equal(r.status, "ok");
  assert.deepEqual(r.warnings.map((w) => w.code).sort(), ["module_index_unreadable", "modules_unparsable"]);
  assert.ok(!r.findings.some((f) => f.check_id === "module.unknown_origin"));
  assert.ok(r.findings.some((f) => f.id === "module.hidden:gzmod"));
});

Deno.test("modules: an undecodable module file is a warning, never a false unsigned", async () => {
  const t = fixtureEntries("modules-clean");
  const xz = (t[`${MISC}/xzmod.ko.xz`] as { content: Uint8Array }).content;
  t[`${MISC}/xzmod.ko.xz`] = { content: xz.subarray(0, xz.length - 20) };
  using tree = makeTree(t);
  const r = await runOne(modulesScanner, tree.path);
  assert.deepEqual(ids(r), ["module.summary"]);
  assert.deepEqual(r.warnings.map((w) => w.code), ["module_unreadable"]);
});

Deno.test("modules: a size-cap hit is its own outcome in the file analysis", async () => {
  const host = new Host(fixtureRoot("modules-clean"));
  const big = await analyzeModuleFile(host, `/${MISC}/xzmod.ko.xz`, {
    hash: false,
    limits: { maxFileBytes: 1 << 20, maxDecompressedBytes: 100 },
  });
  assert.equal(!big.ok && big.kind, "cap");
  const file = await analyzeModuleFile(host, `/${MISC}/xzmod.ko.xz`, {
    hash: false,
    limits: { maxFileBytes: 10, maxDecompressedBytes: 1 << 20 },
  });
  assert.equal(!file.ok && file.kind, "cap");
  const ok = await analyzeModuleFile(host, `/${MISC}/xzmod.ko.xz`, { hash: false });
  assert.ok(ok.ok && ok.signature.status === "signed");
});

Deno.test("modules: a running kernel without /proc/modules is skipped with the reason", async () => {
  using tree = makeTree({ "proc/sys/kernel/osrelease": "6.18.0\n" });
  const r = await runOne(modulesScanner, tree.path);
  assert.equal(r.status, "skipped");
  assert.match(r.reason ?? "", /no loadable module support/);
});

Deno.test("modules: an image without /proc judges the out-of-tree files of its only release", async () => {
  const t = fixtureEntries("modules-anomalous");
  for (const k of Object.keys(t)) if (k.startsWith("proc/") || k.startsWith("sys/")) delete t[k];
  using tree = makeTree(t);
  const r = await runOne(modulesScanner, tree.path);
  assert.equal(r.status, "ok");
  assert.deepEqual(ids(r), ["module.out_of_tree:vboxdrv", "module.summary"]);
  assert.equal(r.findings[0].metadata.loaded, false);
  assert.equal(r.findings[1].metadata.release_source, "lib_modules");
  using two = makeTree({ ...t, "lib/modules/6.2.0/modules.dep": "" });
  const r2 = await runOne(modulesScanner, two.path);
  assert.equal(r2.status, "skipped");
  assert.match(r2.reason ?? "", /holds 2/);
});

Deno.test("modules: live host runs without error", async () => {
  const r = await runOne(modulesScanner, "/");
  // A kernel without loadable modules (no /proc/modules) is skipped with that reason; otherwise it runs.
  const loadable = (() => {
    try {
      Deno.statSync("/proc/modules");
      return true;
    } catch {
      return false;
    }
  })();
  assert.equal(r.status, loadable ? "ok" : "skipped", r.reason);
  if (!loadable) assert.match(r.reason ?? "", /no loadable module support \(no \/proc\/modules\)/);
  assert.ok(r.findings.every((f) => f.check_id !== "module.hidden"), JSON.stringify(r.findings));
});

Deno.test("modules: the summary lists at most 2000 loaded module names, and says so when there are more", async () => {
  const t = fixtureEntries("modules-clean");
  const extra = Array.from({ length: 2001 }, (_, i) => `m${String(i).padStart(4, "0")} 16384 0 - Live 0x0\n`);
  t["proc/modules"] = text(t["proc/modules"]) + extra.join("");
  using tree = makeTree(t);
  const r = await runOne(modulesScanner, tree.path, { modulesSummary: true });
  const s = r.findings.find((f) => f.check_id === "module.summary")!;
  assert.equal(s.metadata.loaded_count, 2005);
  const names = s.metadata.loaded_names as string[];
  assert.equal(names.length, 2000);
  assert.deepEqual(names.slice(0, 2), ["gzmod", "m0000"], "sorted by name");
  assert.ok(
    r.warnings.some((w) => w.code === "truncated" && /2005 loaded modules/.test(w.detail ?? "")),
    "the cap is a collection warning",
  );
});
