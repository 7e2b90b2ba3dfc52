/**
 * What the live reverse-shell tests share: a TCP listener on 127.0.0.1 they hold, waiting for the processes
 * they start, and the ioc findings about one pid.
 */
import assert from "node:assert/strict";
import { ioc } from "../../src/scanners/ioc/index.ts";
import type { Finding } from "../../src/core/finding.ts";
import { runOne } from "../helpers.ts";

/** A TCP listener on 127.0.0.1 that accepts and holds every connection until closed. */
export function listener(): { port: number; close(): void } {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  (async () => {
    for await (const c of l) conns.push(c);
  })().catch(() => {});
  return {
    port: (l.addr as Deno.NetAddr).port,
    close() {
      for (const c of conns) c.close();
      l.close();
    },
  };
}

/** Waits (bounded) until `find` returns a pid. */
export async function waitFor(what: string, find: () => number | undefined): Promise<number> {
  for (let i = 0; i < 250; i++) {
    const pid = find();
    if (pid !== undefined) return pid;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`never saw ${what}`);
}

/** True when `pid` holds a socket. */
export function holdsSocket(pid: number): boolean {
  try {
    return Deno.readDirSync(`/proc/${pid}/fd`).some((e) => {
      try {
        return Deno.readLinkSync(`/proc/${pid}/fd/${e.name}`).startsWith("socket:");
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

/** Waits until `pid` holds a socket (its connection to the listener is made); returns the pid. */
export function connected(what: string, pid: number): Promise<number> {
  return waitFor(what, () => holdsSocket(pid) ? pid : undefined);
}

/** The argv of `pid` (NUL-separated in /proc), or [] when it is gone. */
export function argvOf(pid: number): string[] {
  try {
    return Deno.readTextFileSync(`/proc/${pid}/cmdline`).split("\0").filter((a) => a !== "");
  } catch {
    return [];
  }
}

/** Starts `cmd` with stdio on /dev/null. */
export function spawn(cmd: string, args: string[]): Deno.ChildProcess {
  return new Deno.Command(cmd, { args, stdin: "null", stdout: "null", stderr: "null" }).spawn();
}

/** Kills the children (SIGKILL) and waits for them. */
export async function kill(...children: Deno.ChildProcess[]): Promise<void> {
  for (const c of children) {
    try {
      c.kill("SIGKILL");
    } catch {
      // gone
    }
    await c.status;
  }
}

/** The ioc reverse-shell findings (direct and relayed) that name `pid`, from a live scan. */
export async function shellFindings(pid: number): Promise<Finding[]> {
  const r = await runOne(ioc, "/");
  assert.equal(r.status, "ok", r.reason);
  return r.findings.filter((f) =>
    f.check_id.startsWith("ioc.process.reverse_shell") && (f.metadata.pids as string[]).includes(String(pid))
  );
}

/** Waits (bounded) until the process's exe link satisfies `ok`. */
export async function waitExe(pid: number, ok: (target: string) => boolean): Promise<void> {
  for (let i = 0; i < 500; i++) {
    try {
      if (ok(Deno.readLinkSync(`/proc/${pid}/exe`))) return;
    } catch {
      // not there yet
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`pid ${pid} never reached the expected executable`);
}
