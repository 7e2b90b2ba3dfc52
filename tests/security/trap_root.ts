/**
 * A scan root full of traps for the memory bound (issue 13 §3): decompression bombs named as kernel modules in
 * xz, gzip and zstd (listed in /proc/modules, so the modules scanner analyses them), 2 GiB sparse files where
 * scanners read or hash (a module, a packaged file of the dpkg database, a set-id file, a file under a YARA
 * root), a 50,000-entry directory, nesting deeper than the walk goes, garbage /proc files (binary junk, no
 * newlines, huge numbers, negative pids), a 16 MiB cmdline and environment, and a crowd of 1,000 processes with
 * 32 KiB command lines (half of them 32,768 empty arguments).
 *
 * Built at test time in a temporary directory (nothing multi-MiB is committed): the bombs are zeros compressed by
 * the real `xz`, `gzip` and `zstd` (Debian's xz-utils, gzip and zstd; scripts/bootstrap.sh installs them). Sparse
 * files take no disk space. Building takes a few seconds, most of it compressing 255 MiB of zeros twice.
 *
 *   deno run -A tests/security/trap_root.ts --out DIR     # writes the root at DIR (must not exist)
 */
import { md5 } from "../scanners/integrity_fixture.ts";
import { DEFAULT_WALK_LIMITS } from "../../src/host/walker.ts";

/** The kernel release of the trap root. */
export const TRAP_RELEASE = "6.1.0-trap";
/** Size of every sparse file. */
export const SPARSE_BYTES = 2 ** 31;
/** Decompressed size of the xz and gzip bombs: just under the old 256 MiB cap, the worst case of holding it twice. */
export const BOMB_BYTES = 255 << 20;
/** The zstd bomb: this many frames of 64 MiB of zeros each (4 GiB decompressed). */
export const ZSTD_FRAMES = 64;
/** Entries of the flat directory. */
export const FLOOD_ENTRIES = 50_000;
/** Depth of the nested directory chain: past the walk's limit, so the cut is said. */
export const NEST_DEPTH = DEFAULT_WALK_LIMITS.maxDepth + 100;
/** Size of the cmdline and environ of the chatty process. */
export const HUGE_PROC_BYTES = 16 << 20;
/** Processes in the crowd: each has a 32 KiB command line, of NULs (32,768 empty arguments) or of one letter. */
export const CROWD = 1000;
/** The first pid of the crowd. */
export const CROWD_FIRST_PID = 20000;

/** Where the traps are, for assertions (host paths inside the root). */
export const TRAPS = {
  modulesDir: `/lib/modules/${TRAP_RELEASE}/kernel/drivers/misc`,
  /** Module name to file name. */
  modules: {
    xz_bomb: "xz_bomb.ko.xz",
    gz_bomb: "gz_bomb.ko.gz",
    zst_bomb: "zst_bomb.ko.zst",
    sparse_mod: "sparse_mod.ko",
  },
  packagedSparse: "/usr/lib/trap/huge.bin",
  setidSparse: "/usr/bin/sparse-suid",
  yaraSparse: "/tmp/drop/huge.bin",
  flood: "/usr/share/flood",
  nest: "/usr/local/nest",
  chattyPid: 4242,
} as const;

/** A trap root in a temporary directory, removed when disposed. */
export interface TrapRoot extends Disposable {
  readonly path: string;
}

function sparse(path: string, size = SPARSE_BYTES, mode?: number): void {
  using f = Deno.openSync(path, { write: true, create: true, truncate: true });
  f.truncateSync(size);
  if (mode !== undefined) Deno.chmodSync(path, mode);
}

/** Compresses the file `input` with `tool` (reading it itself, so no pipe is needed) into `output`. */
function compressFile(tool: "xz" | "gzip" | "zstd", input: string, output: string): void {
  const args = tool === "xz"
    ? ["-0", "-T2", "-c", input]
    : tool === "gzip"
    ? ["-1", "-c", input]
    : ["-q", "-1", "-c", input];
  const r = new Deno.Command(tool, { args, stdout: "piped", stderr: "piped" }).outputSync();
  if (!r.success) {
    throw new Error(
      `${tool} failed: ${new TextDecoder().decode(r.stderr).trim()} (apt-get install xz-utils zstd)`,
    );
  }
  Deno.writeFileSync(output, r.stdout);
}

function repeat(bytes: Uint8Array, times: number): Uint8Array {
  const out = new Uint8Array(bytes.length * times);
  for (let i = 0; i < times; i++) out.set(bytes, i * bytes.length);
  return out;
}

function write(root: string, rel: string, content: string | Uint8Array, mode?: number): void {
  const path = `${root}/${rel}`;
  Deno.mkdirSync(path.slice(0, path.lastIndexOf("/")), { recursive: true });
  if (typeof content === "string") Deno.writeTextFileSync(path, content);
  else Deno.writeFileSync(path, content);
  if (mode !== undefined) Deno.chmodSync(path, mode);
}

function junk(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

function writeModules(root: string, scratch: string): void {
  const dir = `${root}${TRAPS.modulesDir}`;
  Deno.mkdirSync(dir, { recursive: true });
  const zeros = `${scratch}/zeros`;
  sparse(zeros, BOMB_BYTES);
  compressFile("xz", zeros, `${dir}/${TRAPS.modules.xz_bomb}`);
  compressFile("gzip", zeros, `${dir}/${TRAPS.modules.gz_bomb}`);
  sparse(zeros, 64 << 20);
  const frame = `${scratch}/frame.zst`;
  compressFile("zstd", zeros, frame);
  Deno.writeFileSync(`${dir}/${TRAPS.modules.zst_bomb}`, repeat(Deno.readFileSync(frame), ZSTD_FRAMES));
  Deno.removeSync(zeros);
  Deno.removeSync(frame);
  sparse(`${dir}/${TRAPS.modules.sparse_mod}`);
  const rel = (f: string) => `kernel/drivers/misc/${f}`;
  write(
    root,
    `lib/modules/${TRAP_RELEASE}/modules.dep`,
    Object.values(TRAPS.modules).map((f) => `${rel(f)}:\n`).join(""),
  );
  write(root, `lib/modules/${TRAP_RELEASE}/modules.builtin`, "");
  const lines = Object.keys(TRAPS.modules).map((m) => `${m} 16384 0 - Live 0x0000000000000000`);
  lines.push("99999999999999999999 99999999999999999999999 -1 - Live 0xffffffffffffffffff");
  write(root, "proc/modules", lines.join("\n") + "\n" + new TextDecoder("latin1").decode(junk(4096, 7)));
}

function writeProc(root: string): void {
  write(root, "proc/sys/kernel/osrelease", `${TRAP_RELEASE}\n`);
  write(root, "proc/sys/kernel/tainted", "184467440737095516159999999999\n");
  write(root, "proc/sys/kernel/kptr_restrict", junk(8192, 3));
  write(root, "proc/sys/kernel/randomize_va_space", "-99999999999999999999999999");
  write(root, "proc/loadavg", "1e308 -5 NaN 99999999999/-1 -42");
  write(root, "proc/cmdline", "A".repeat(1 << 20));
  write(root, "proc/mounts", junk(64 << 10, 11));
  write(root, "proc/net/tcp", junk(64 << 10, 13));
  write(root, "proc/net/tcp6", "  sl\n" + "9".repeat(200_000));
  write(root, "proc/net/udp", "");
  write(root, "proc/net/unix", junk(32 << 10, 17));

  const pid = TRAPS.chattyPid;
  write(
    root,
    `proc/${pid}/stat`,
    `${pid} (chatty) S 1 ${pid} ${pid} 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 100 0 0\n`,
  );
  write(root, `proc/${pid}/status`, `Name:\tchatty\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n`);
  const cmd = new Uint8Array(HUGE_PROC_BYTES).fill(0x41);
  for (let i = 4095; i < cmd.length; i += 4096) cmd[i] = 0;
  write(root, `proc/${pid}/cmdline`, cmd);
  const env = new Uint8Array(HUGE_PROC_BYTES).fill(0x42);
  env.set(new TextEncoder().encode("LD_PRELOAD="), 0);
  for (let i = 8191; i < env.length; i += 8192) env[i] = 0;
  write(root, `proc/${pid}/environ`, env);
  write(root, `proc/${pid}/cgroup`, "0::/" + "x".repeat(1 << 20));
  Deno.symlinkSync("/usr/bin/sparse-suid", `${root}/proc/${pid}/exe`);

  // Binary junk without a newline, huge numbers, and negative or absurd pids.
  write(root, "proc/4243/stat", junk(64 << 10, 5));
  write(root, "proc/4243/status", junk(64 << 10, 6));
  write(root, "proc/4244/stat", "4244 (huge) S 99999999999999999999999 -1 -1 0 -1 99999999999999999999 0 0");
  write(root, "proc/4244/status", "Uid:\t" + "9".repeat(100_000));
  write(root, "proc/-7/stat", "-7 (neg) S -1 0 0 0 -1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n");
  write(root, "proc/18446744073709551617/stat", "18446744073709551617 (big) S 1 0 0\n");
  write(root, "proc/4245/stat", `4245 (${"(".repeat(4000)}) S 1 0 0 0 -1 0 0 0 0\n`);
  write(root, "proc/4245/cmdline", junk(1 << 20, 9));

  // A crowd of processes with long command lines: what is kept per process adds up.
  const letters = new Uint8Array(32 << 10).fill(0x43);
  for (let i = 0; i < CROWD; i++) {
    const p = CROWD_FIRST_PID + i;
    write(
      root,
      `proc/${p}/stat`,
      `${p} (crowd) S 1 ${p} ${p} 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 100 0 0\n`,
    );
    if (i % 2 === 0) sparse(`${root}/proc/${p}/cmdline`, 32 << 10);
    else Deno.writeFileSync(`${root}/proc/${p}/cmdline`, letters);
  }
}

function writeFiles(root: string): void {
  write(root, "etc/passwd", "root:x:0:0:root:/root:/bin/bash\neve:x:1000:1000::/home/eve:/bin/bash\n");
  write(root, "etc/group", "root:x:0:\neve:x:1000:\n");
  write(root, "etc/hostname", "trap\n");
  Deno.mkdirSync(`${root}/usr/lib/trap`, { recursive: true });
  Deno.mkdirSync(`${root}/usr/bin`, { recursive: true });
  Deno.mkdirSync(`${root}${TRAPS.yaraSparse.slice(0, TRAPS.yaraSparse.lastIndexOf("/"))}`, {
    recursive: true,
  });
  sparse(`${root}${TRAPS.packagedSparse}`);
  sparse(`${root}${TRAPS.setidSparse}`, SPARSE_BYTES, 0o4755);
  sparse(`${root}${TRAPS.yaraSparse}`);
  write(root, "usr/lib/trap/small.txt", "small\n");
  // A dpkg database whose package ships the sparse file and the set-id one (md5 of something else: a mismatch
  // only if it were hashed).
  write(
    root,
    "var/lib/dpkg/status",
    "Package: trap\nStatus: install ok installed\nPriority: optional\nArchitecture: amd64\nVersion: 1.0-1\n" +
      "Maintainer: Trap <trap@example.org>\nDescription: trap package\n",
  );
  write(
    root,
    "var/lib/dpkg/info/trap.md5sums",
    `${md5("x")}  ${TRAPS.packagedSparse.slice(1)}\n${md5("x")}  ${TRAPS.setidSparse.slice(1)}\n` +
      `${md5("small\n")}  usr/lib/trap/small.txt\n`,
  );
  write(
    root,
    "var/lib/dpkg/info/trap.list",
    [
      "/.",
      "/usr",
      "/usr/lib",
      "/usr/lib/trap",
      TRAPS.packagedSparse,
      TRAPS.setidSparse,
      "/usr/lib/trap/small.txt",
    ]
      .join("\n") + "\n",
  );

  const flood = `${root}${TRAPS.flood}`;
  Deno.mkdirSync(flood, { recursive: true });
  for (let i = 0; i < FLOOD_ENTRIES; i++) {
    Deno.openSync(`${flood}/f${i}`, { write: true, create: true }).close();
  }

  const chain = Array.from({ length: NEST_DEPTH }, () => "d").join("/");
  write(root, `${TRAPS.nest.slice(1)}/${chain}/bottom.txt`, "bottom\n", 0o666);
}

/** Writes the trap root at `root` (created; must not exist). Needs `xz`, `gzip` and `zstd` on PATH. */
export function generateTrapRoot(root: string): void {
  Deno.mkdirSync(root);
  const scratch = Deno.makeTempDirSync({ prefix: "sys-scan-trap-scratch-" });
  try {
    writeModules(root, scratch);
  } finally {
    Deno.removeSync(scratch, { recursive: true });
  }
  writeProc(root);
  writeFiles(root);
}

/** The missing tools the trap root needs, empty when all are installed. */
export function missingTrapTools(): string[] {
  return ["xz", "gzip", "zstd"].filter((t) => {
    try {
      return !new Deno.Command(t, { args: ["--version"], stdout: "null", stderr: "null" }).outputSync()
        .success;
    } catch {
      return true;
    }
  });
}

/** A trap root in a new temporary directory. */
export function makeTrapRoot(): TrapRoot {
  const parent = Deno.makeTempDirSync({ prefix: "sys-scan-trap-" });
  const path = `${parent}/root`;
  generateTrapRoot(path);
  return {
    path,
    [Symbol.dispose]() {
      Deno.removeSync(parent, { recursive: true });
    },
  };
}

if (import.meta.main) {
  const i = Deno.args.indexOf("--out");
  if (i < 0 || !Deno.args[i + 1]) {
    console.error("usage: deno run -A tests/security/trap_root.ts --out DIR");
    Deno.exit(2);
  }
  generateTrapRoot(Deno.args[i + 1]);
  console.log(Deno.args[i + 1]);
}
