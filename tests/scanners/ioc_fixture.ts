/** Fixture hosts for the ioc tests: a small root with system, temp, world-writable and home trees, and processes. */
import assert from "node:assert/strict";
import type { Finding } from "../../src/core/finding.ts";
import { makeTree, type TempTree, type TreeEntry } from "../helpers.ts";
import { type FakeProc, procTree } from "../host/procfs_fixture.ts";

/** root, alice (1000, /home/alice) and daemon. */
export const PASSWD = "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n" +
  "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n";

/** A small host: system dirs, a sticky /tmp, a world-writable /srv/drop, alice's home, and the given processes. */
export function host(procs: FakeProc[], extra: Record<string, TreeEntry> = {}): TempTree {
  return makeTree({
    "etc/passwd": PASSWD,
    "usr/bin/sleep": { content: "ELF", mode: 0o755 },
    "usr/sbin/nginx": { content: "ELF", mode: 0o755 },
    "usr/lib/x86_64-linux-gnu/libfoo.so": "lib",
    "usr/lib/x86_64-linux-gnu/libc.so.6": "lib",
    "tmp": { dir: true, mode: 0o1777 },
    "srv/drop": { dir: true, mode: 0o777 },
    "home/alice/bin/tool": { content: "ELF", mode: 0o755 },
    ...procTree(...procs),
    ...extra,
  });
}

/** A process running `exe` (a " (deleted)" suffix is kept in the link only), named after it. */
export const proc = (pid: number, exe: string, more: Partial<FakeProc> = {}): FakeProc => ({
  pid,
  comm: exe.slice(exe.lastIndexOf("/") + 1).replace(" (deleted)", "").slice(0, 15),
  argv: [exe.replace(" (deleted)", "")],
  exe,
  ...more,
});

/** The one finding of `checkId` (fails when there are none or several). */
export function only(findings: Finding[], checkId: string): Finding {
  const hits = findings.filter((f) => f.check_id === checkId);
  assert.equal(hits.length, 1, `one ${checkId} in ${JSON.stringify(findings.map((f) => f.id))}`);
  return hits[0];
}

/** "severity id" of each finding, sorted. */
export const summary = (fs: Finding[]) => fs.map((f) => `${f.severity} ${f.id}`).sort();
