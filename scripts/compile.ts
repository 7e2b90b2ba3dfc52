/**
 * Builds the single executable: `deno compile` with the BPF object, the built-in rules and the build info embedded,
 * the permissions the tool needs baked in, output `dist/sys-scan-<version>-<arch>` plus `dist/SHA256SUMS`.
 *
 * `deno compile` needs the `denort` runtime for the target. It normally downloads it; on a machine without that
 * access, provide it through DENORT_BIN (an unpacked denort executable) or Deno's cache.
 */
import { TOOL_VERSION } from "../src/core/version.ts";
import { sha256HexAsync } from "../src/host/hash.ts";
import { SCANNER_MODULES } from "../src/scanners/loaders.ts";

/**
 * Files and directories embedded with --include (paths relative to the repository root): data read at run time,
 * worker modules and the modules src/cli/run.ts loads on demand (LAZY_MODULES), which are all outside the static
 * module graph.
 */
export const INCLUDES = [
  "generated/process_exec.bpf.o",
  "rules",
  "src/host/census_worker.ts",
  "src/cli/scan_worker.ts",
  "src/cli/scanner_code.ts",
  "src/host/pid_sweep_worker.ts",
  "src/scanners/integrity/verify_worker.ts",
  "src/scanners/yara/yara_worker.ts",
  "src/cli/help.ts",
  "src/cli/provenance.ts",
  "src/cli/scan.ts",
  "src/cli/commands/checks.ts",
  "src/scanners/index.ts",
  "src/cli/commands/diff.ts",
  "src/cli/commands/keygen.ts",
  "src/cli/commands/verify.ts",
  "src/cli/commands/self_test.ts",
  "src/cli/commands/fleet.ts",
  "src/cli/commands/bpf_selftest.ts",
  "build/build-info.json",
  // The scanners' modules, which the scan worker loads by URLs made at run time (src/scanners/loaders.ts).
  ...Object.values(SCANNER_MODULES).map((m) => `src/scanners/${m.path.slice(2)}`),
  // Modules other code loads by URLs made at run time (docs/ARCHITECTURE.md, "Modules named at run time").
  "src/scanners/containers/runtime_configs.ts",
  "src/scanners/accounts/userdb_records.ts",
];

/**
 * Permissions baked into the executable: everything the scanners, FFI and signing need. Not `--deny-net`: with
 * any deny flag Deno refuses every read of /proc and /sys ("requires all access"), which would blind most
 * scanners; and it would not keep the scan off the network anyway (FFI and child processes ignore it). Every scan
 * installs a seccomp filter that does (src/security/lifecycle.ts, meta.security.network).
 */
export const PERMISSIONS = ["--allow-all"] as const;

/**
 * V8 options baked into the executable (and passed by scripts/scan.sh, the `scan` task and scripts/bench.ts, so
 * `deno run` measures what ships): a young generation of at most 1 MiB per semi-space and size-favouring
 * optimizations. A scan is short-lived and runs several isolates (the main thread, the scan worker, census and
 * pid-sweep workers); V8 grows each one's young generation to 16 MiB semi-spaces by default. Measured in
 * alternating runs (load 7-8, 2 cores): --fast-scan 152 -> 130 MiB peak RSS, default scan 203 -> 164 MiB, CPU
 * time within the machine's noise (1.86 -> 2.13 s and 7.44 -> 6.56 s). Not --lite-mode: it turns WebAssembly
 * off, which the xz decoder of the modules scanner needs. --no-short-builtin-calls: V8 otherwise maps the
 * executable's built-in code a second time next to each isolate (~2 MiB of resident pages per isolate, counted
 * again in each mapping); default scan 139.4 -> 135.5 MiB, --fast-scan 106.9 -> 105.8 MiB, same wall and CPU
 * time (5 and 7 alternating runs).
 */
export const V8_FLAGS = [
  "--max-semi-space-size=1",
  "--optimize-for-size",
  "--no-short-builtin-calls",
] as const;

/** The `deno` option that passes V8_FLAGS. */
export const V8_FLAGS_OPTION = `--v8-flags=${V8_FLAGS.join(",")}`;

const TARGETS: Record<string, string> = {
  x86_64: "x86_64-unknown-linux-gnu",
  aarch64: "aarch64-unknown-linux-gnu",
};

/** The `deno compile` target of this machine's architecture, or undefined when there is none. */
export function denortTarget(arch: string = Deno.build.arch): string | undefined {
  return TARGETS[arch];
}

/** Where Deno keeps a downloaded denort for this version and target, if it is there. */
export function cachedDenort(target: string, env: (k: string) => string | undefined): string | undefined {
  const dirs = [
    env("DENO_DIR"),
    env("XDG_CACHE_HOME") && `${env("XDG_CACHE_HOME")}/deno`,
    `${env("HOME")}/.cache/deno`,
  ];
  for (const dir of dirs) {
    if (!dir) continue;
    const zip = `${dir}/dl/release/v${Deno.version.deno}/denort-${target}.zip`;
    try {
      if (Deno.statSync(zip).isFile) return zip;
    } catch {
      // not cached here
    }
  }
  return undefined;
}

/** The message printed when no denort is available. */
export function missingDenortMessage(target: string): string {
  const zip = `denort-${target}.zip`;
  return [
    `compile: the Deno runtime for the executable (denort, Deno ${Deno.version.deno}, ${target}) is not available here,`,
    "and this machine cannot download it. Provide it in one of two ways:",
    `  1. On a machine with internet access, run any \`deno compile\` with Deno ${Deno.version.deno}; copy`,
    `     $DENO_DIR/dl/release/v${Deno.version.deno}/${zip} (DENO_DIR defaults to ~/.cache/deno) to the same path here.`,
    `  2. Or unzip ${zip} (from the Deno v${Deno.version.deno} release assets) and run with DENORT_BIN=/path/to/denort.`,
  ].join("\n");
}

async function sh(
  cmd: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; out: string }> {
  const r = await new Deno.Command(cmd, { args, env, stdout: "piped", stderr: "inherit" }).output();
  return { code: r.code, out: new TextDecoder().decode(r.stdout) };
}

/** Runs the compile step from the repository root; returns the exit code. */
export async function compile(
  env: (k: string) => string | undefined = (k) => Deno.env.get(k),
): Promise<number> {
  const root = decodeURIComponent(new URL("../", import.meta.url).pathname);
  Deno.chdir(root);
  const arch = Deno.build.arch;
  const target = denortTarget(arch);
  if (!target) {
    console.error(`compile: unsupported architecture ${arch}`);
    return 1;
  }
  const denortBin = env("DENORT_BIN");
  if (denortBin) {
    try {
      if (!Deno.statSync(denortBin).isFile) throw new Error("not a file");
    } catch {
      console.error(`compile: DENORT_BIN=${denortBin} is not a file`);
      return 1;
    }
  } else if (!cachedDenort(target, env)) {
    console.error(missingDenortMessage(target));
    return 1;
  }
  for (const inc of INCLUDES.filter((i) => i !== "build/build-info.json")) {
    try {
      Deno.statSync(inc);
    } catch {
      console.error(`compile: ${inc} is missing; build it first (scripts/build-bpf.sh for the BPF object)`);
      return 1;
    }
  }
  const git = await sh("git", ["rev-parse", "HEAD"]).catch(() => ({ code: 1, out: "" }));
  Deno.mkdirSync("build", { recursive: true });
  Deno.writeTextFileSync(
    "build/build-info.json",
    JSON.stringify({
      git_commit: git.code === 0 ? git.out.trim().slice(0, 12) : "unknown",
      tool_version: TOOL_VERSION,
    }) +
      "\n",
  );
  Deno.mkdirSync("dist", { recursive: true });
  const name = `sys-scan-${TOOL_VERSION}-${arch}`;
  const args = [
    "compile",
    ...PERMISSIONS,
    V8_FLAGS_OPTION,
    "--no-check",
    ...INCLUDES.flatMap((i) => ["--include", i]),
    "--target",
    target,
    "--output",
    `dist/${name}`,
    "main.ts",
  ];
  const built = await new Deno.Command(Deno.execPath(), { args, stdout: "inherit", stderr: "inherit" })
    .output();
  if (built.code !== 0) {
    console.error("compile: deno compile failed (see above)");
    return built.code;
  }
  const sums = `${await sha256HexAsync(await Deno.readFile(`dist/${name}`))}  ${name}\n`;
  Deno.writeTextFileSync("dist/SHA256SUMS", sums);
  console.log(`compile: dist/${name}\n${sums.trimEnd()}`);
  return 0;
}

if (import.meta.main) Deno.exit(await compile());
