/**
 * ioc's scan-wide budget of environ and maps reads, against real processes this test starts: a flood of
 * forked processes sharing a padded environment (the red-team's way to hold ioc past its time budget) is read
 * only in part and said so in a finding, and an injected process started after it is still read and reported.
 * Every process is killed in a finally block.
 */
import assert from "node:assert/strict";
import { ioc } from "../../src/scanners/ioc/index.ts";
import { ReadBudget } from "../../src/scanners/ioc/common.ts";
import type { Finding } from "../../src/core/finding.ts";
import { descendantsOf, killPid, runOne, stopChild } from "../helpers.ts";
import { needs } from "../host_caps.ts";

const LIB = "/usr/lib/x86_64-linux-gnu/libm.so.6";
/** Children of the flood: 100 × ~5.5 MiB of environment is 550 MiB, twice the budget. */
const FLOOD = 100;

/**
 * A perl that forks FLOOD sleepers after an exec with 46 variables of 120,000 bytes (under the kernel's
 * 128 KiB per string; `ulimit -s unlimited` lifts the quarter-of-the-stack cap to 6 MiB): each child's
 * /proc/<pid>/environ is the parent's 5.5 MiB, shared copy-on-write.
 */
function flood(): Deno.ChildProcess {
  const script = "ulimit -s unlimited; v=$(head -c 120000 /dev/zero | tr '\\0' a); set --; " +
    'for i in $(seq 1 46); do set -- "$@" "V$i=$v"; done; ' +
    `exec env "$@" perl -e 'for(1..${FLOOD}){ my $p=fork; if(defined $p && $p==0){ sleep 600; exit } } ` +
    'print "ready\\n"; STDOUT->flush; sleep 600\'';
  return new Deno.Command("/bin/bash", {
    args: ["-c", script],
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  })
    .spawn();
}

async function firstLine(child: Deno.ChildProcess): Promise<string> {
  const reader = child.stdout.getReader();
  const { value } = await reader.read();
  reader.releaseLock();
  return new TextDecoder().decode(value ?? new Uint8Array());
}

Deno.test(needs(["root"], {
  name: "a flood of padded environments is read in part and reported, and a later LD_PRELOAD is still seen",
  async fn() {
    const padded = flood();
    let injected: Deno.ChildProcess | undefined;
    try {
      assert.match(await firstLine(padded), /ready/);
      injected = new Deno.Command("/bin/sleep", {
        args: ["60"],
        env: { LD_PRELOAD: LIB },
        stdin: "null",
        stdout: "piped",
        stderr: "null",
      }).spawn();
      await new Promise((r) => setTimeout(r, 300));
      const t0 = performance.now();
      const r = await runOne(ioc, "/");
      assert.equal(r.status, "ok", r.reason);
      const incomplete = r.findings.find((f: Finding) => f.check_id === "ioc.scan.incomplete");
      assert.ok(incomplete, "the budget was spent: a finding says which processes were not read");
      assert.equal(incomplete.severity, "medium");
      const flooded = new Set([...descendantsOf(padded.pid)].map(String));
      const notRead = incomplete.metadata.environ_not_read as string[];
      assert.ok(notRead.length > 0 && notRead.every((pid) => flooded.has(pid)), "only the flood was cut");
      const preload = r.findings.find((f) =>
        f.check_id === "ioc.process.ld_preload" &&
        (f.metadata.pids as string[]).includes(String(injected!.pid))
      );
      assert.ok(preload, "the injected process after the flood is read from the reserve");
      assert.ok(performance.now() - t0 < 20_000, "the scan stays well inside its 30 s budget");
    } finally {
      for (const pid of descendantsOf(padded.pid)) killPid(pid);
      await stopChild(padded);
      if (injected) await stopChild(injected);
    }
  },
}));

Deno.test("the read budget gives large reads what is above the reserve, then small pieces, then nothing", () => {
  const b = new ReadBudget(10 << 20, 4 << 20);
  assert.equal(b.cap(8 << 20), 6 << 20);
  b.spend(6 << 20);
  // Only the reserve is left: each read gets at most 256 KiB of it, so ordinary processes are still read.
  assert.equal(b.cap(8 << 20), 256 << 10);
  assert.equal(b.cap(4 << 10), 4 << 10);
  b.spend(4 << 20);
  assert.equal(b.cap(8 << 20), 0);
});

Deno.test(needs(["root"], {
  name: "an ordinary host stays inside the read budget: no incomplete finding",
  async fn() {
    const r = await runOne(ioc, "/");
    assert.equal(r.status, "ok", r.reason);
    assert.ok(!r.findings.some((f) => f.check_id === "ioc.scan.incomplete"));
  },
}));
