/**
 * Writes a fake root for scaling benchmarks: N fake /proc/<pid> entries (stat, status, cmdline, cgroup,
 * environ, exe and fd links; every 10th holds a listening TCP socket listed in /proc/net/tcp) and N small files
 * in system directories (1 in 100 world-writable, 1 in 200 set-uid), plus a minimal /etc.
 *
 *   deno run -A scripts/gen-fixture-root.ts --out DIR --count N
 *
 * Set-uid bits are applied with chmod, so run it as the user who will scan the tree. DIR must not exist.
 */

/** Programs the fake processes run (real files of the fake root). */
export const PROGRAMS = 50;
/** Files per generated directory. */
const PER_DIR = 100;

function write(path: string, text: string, mode?: number): void {
  Deno.writeTextFileSync(path, text);
  if (mode !== undefined) Deno.chmodSync(path, mode);
}

function tcpLine(slot: number, port: number, inode: number): string {
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  return `${
    String(slot).padStart(4)
  }: 00000000:${hexPort} 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 ${inode} 1 0000000000000000 100 0 0 10 0`;
}

/** Writes the fake root at `root` (created; must not exist) with `count` processes and `count` files. */
export function generateFixtureRoot(root: string, count: number): { processes: number; files: number } {
  if (!Number.isInteger(count) || count < 1) {
    throw new Error(`count must be a positive integer, got ${count}`);
  }
  Deno.mkdirSync(root);
  for (const d of ["etc", "usr/bin", "usr/lib/bench", "opt/bench", "proc/net", "proc/sys/kernel", "tmp"]) {
    Deno.mkdirSync(`${root}/${d}`, { recursive: true });
  }
  Deno.chmodSync(`${root}/tmp`, 0o1777);
  write(`${root}/etc/passwd`, "root:x:0:0:root:/root:/bin/bash\nbench:x:1000:1000::/home/bench:/bin/sh\n");
  write(`${root}/etc/group`, "root:x:0:\nbench:x:1000:\n");
  write(`${root}/proc/sys/kernel/osrelease`, "6.1.0-bench\n");
  for (let i = 0; i < PROGRAMS; i++) write(`${root}/usr/bin/app-${i}`, `#!/bin/sh\n# app ${i}\n`, 0o755);

  const tcp = [
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
  ];
  for (let i = 0; i < count; i++) {
    const pid = 1000 + i;
    const dir = `${root}/proc/${pid}`;
    Deno.mkdirSync(`${dir}/fd`, { recursive: true });
    const prog = `app-${i % PROGRAMS}`;
    const uid = i % 3 === 0 ? 0 : 1000;
    write(
      `${dir}/stat`,
      `${pid} (${prog}) S 1 ${pid} ${pid} 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 ${1000 + i} 0 0`,
    );
    write(
      `${dir}/status`,
      `Name:\t${prog}\nTgid:\t${pid}\nPid:\t${pid}\nPPid:\t1\nUid:\t${uid}\t${uid}\t${uid}\t${uid}\nGid:\t${uid}\t${uid}\t${uid}\t${uid}\nCapEff:\t0000000000000000\n`,
    );
    write(`${dir}/cmdline`, `/usr/bin/${prog}\0--worker\0${i}\0`);
    write(`${dir}/cgroup`, `0::/system.slice/${prog}.service\n`);
    write(`${dir}/environ`, `PATH=/usr/bin:/bin\0LANG=C.UTF-8\0`);
    Deno.symlinkSync(`/usr/bin/${prog}`, `${dir}/exe`);
    Deno.symlinkSync("/", `${dir}/cwd`);
    Deno.symlinkSync("/dev/null", `${dir}/fd/0`);
    if (i % 10 === 0) {
      const inode = 500000 + i;
      Deno.symlinkSync(`socket:[${inode}]`, `${dir}/fd/3`);
      tcp.push(tcpLine(tcp.length - 1, 20000 + (i / 10) % 40000, inode));
    }
  }
  write(`${root}/proc/net/tcp`, tcp.join("\n") + "\n");
  for (const t of ["tcp6", "udp", "udp6"]) write(`${root}/proc/net/${t}`, tcp[0] + "\n");

  for (let i = 0; i < count; i++) {
    const base = i % 2 === 0 ? "usr/lib/bench" : "opt/bench";
    const dir = `${root}/${base}/d${Math.floor(i / PER_DIR)}`;
    if (i % PER_DIR === 0 || i % PER_DIR === 1) Deno.mkdirSync(dir, { recursive: true });
    const mode = i % 200 === 0 ? 0o4755 : i % 100 === 50 ? 0o666 : 0o644;
    write(`${dir}/file-${i}`, `bench file ${i}\n`, mode);
  }
  return { processes: count, files: count };
}

if (import.meta.main) {
  const arg = (name: string) => {
    const i = Deno.args.indexOf(`--${name}`);
    return i >= 0 ? Deno.args[i + 1] : undefined;
  };
  const out = arg("out");
  const count = Number(arg("count"));
  if (!out || !Number.isInteger(count) || count < 1) {
    console.error("usage: deno run -A scripts/gen-fixture-root.ts --out DIR --count N");
    Deno.exit(2);
  }
  const r = generateFixtureRoot(out, count);
  console.log(`wrote ${out}: ${r.processes} processes, ${r.files} files`);
}
