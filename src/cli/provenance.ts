/**
 * Build and runtime provenance for `meta.provenance` and `--version`: the tool version, the git commit, the
 * Deno runtime, whether this is a compiled executable, and the hash of the bundled BPF object.
 */
import type { Provenance } from "../core/report.ts";
import { TOOL_VERSION } from "../core/version.ts";
import { bundledObjectSha256 } from "../trace/object.ts";

function readText(url: URL): string | undefined {
  try {
    return Deno.readTextFileSync(url);
  } catch {
    return undefined;
  }
}

/** The git commit this build came from: SYS_SCAN_PROV_GIT_COMMIT, the build-info file of a compiled binary, or .git. */
export function gitCommit(env: (k: string) => string | undefined = (k) => Deno.env.get(k)): string {
  const override = env("SYS_SCAN_PROV_GIT_COMMIT");
  if (override) return override;
  const info = readText(new URL("../../build/build-info.json", import.meta.url));
  if (info) {
    try {
      const commit = JSON.parse(info).git_commit;
      if (typeof commit === "string" && commit !== "") return commit;
    } catch {
      // fall through to .git
    }
  }
  const head = readText(new URL("../../.git/HEAD", import.meta.url))?.trim();
  if (!head) return "unknown";
  if (!head.startsWith("ref: ")) return head.slice(0, 12);
  const ref = head.slice(5);
  const direct = readText(new URL(`../../.git/${ref}`, import.meta.url))?.trim();
  if (direct) return direct.slice(0, 12);
  const packed = readText(new URL("../../.git/packed-refs", import.meta.url)) ?? "";
  const line = packed.split("\n").find((l) => l.endsWith(` ${ref}`));
  return line ? line.slice(0, 12) : "unknown";
}

/** True when running inside a `deno compile` executable. */
export function isCompiled(): boolean {
  return Deno.build.standalone === true;
}

/** SHA-256 (hex) of the bundled BPF object, or null when it is not there. */
export const bpfObjectSha256: () => Promise<string | null> = bundledObjectSha256;

/** Build and runtime provenance for meta and `--version`. */
export async function provenance(
  slsaLevel?: string,
  env: (k: string) => string | undefined = (k) => Deno.env.get(k),
): Promise<Provenance> {
  return {
    tool_version: TOOL_VERSION,
    git_commit: gitCommit(env),
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    typescript: Deno.version.typescript,
    bpf_object_sha256: await bpfObjectSha256(),
    compiled: isCompiled(),
    slsa_level: slsaLevel ?? env("SYS_SCAN_PROV_SLSA_LEVEL") ?? "0",
  };
}

/** The `--version` text. */
export function versionText(p: Provenance): string {
  return [
    `sys-scan ${p.tool_version}`,
    `git commit: ${p.git_commit}`,
    `deno: ${p.deno}  v8: ${p.v8}  typescript: ${p.typescript}`,
    `bpf object sha256: ${p.bpf_object_sha256 ?? "(not bundled)"}`,
    `compiled: ${p.compiled ? "yes" : "no (deno run)"}`,
    "",
  ].join("\n");
}
