/**
 * The running kernel's build options (/boot/config-<release>, else /proc/config.gz): they decide several
 * kernel defaults (dmesg_restrict, the SysRq mask, unprivileged BPF, …), so "what the kernel ships" is read
 * from the kernel itself rather than assumed.
 */
import type { ScanContext } from "../core/context.ts";
import { inflate } from "./modules/decompress.ts";

const MAX_CONFIG_BYTES = 4 << 20;

/**
 * Parses a kernel .config: `CONFIG_X=value` (quotes removed) and `# CONFIG_X is not set` (as "n"); an option
 * the file does not mention at all did not exist in that kernel.
 */
export function parseKernelConfig(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split("\n")) {
    const t = line.trim();
    const m = /^(CONFIG_[A-Za-z0-9_]+)=(.*)$/.exec(t);
    if (m) out.set(m[1], m[2].replace(/^"(.*)"$/, "$1"));
    const off = /^# (CONFIG_[A-Za-z0-9_]+) is not set$/.exec(t);
    if (off) out.set(off[1], "n");
  }
  return out;
}

/** The running kernel's build options and the file they came from; undefined when neither file is readable. */
export async function readKernelConfig(
  ctx: ScanContext,
): Promise<{ path: string; options: Map<string, string> } | undefined> {
  const release = ctx.host.readText("/proc/sys/kernel/osrelease", 256);
  if (release.ok && /^[A-Za-z0-9._+~-]{1,200}$/.test(release.value.trim())) {
    const path = `/boot/config-${release.value.trim()}`;
    const r = ctx.host.readText(path, MAX_CONFIG_BYTES);
    if (r.ok) {
      if (r.truncated) ctx.warn("truncated", `${path} larger than ${MAX_CONFIG_BYTES} bytes`);
      return { path, options: parseKernelConfig(r.value) };
    }
  }
  const gz = ctx.host.readBytes("/proc/config.gz", MAX_CONFIG_BYTES);
  if (!gz.ok) return undefined;
  let pending: Uint8Array | null = gz.value;
  const decoder = new TextDecoder();
  let text = "";
  const outcome = await inflate(
    "gzip",
    () => {
      const chunk = pending;
      pending = null;
      return chunk;
    },
    { maxOut: MAX_CONFIG_BYTES, maxWindow: 0 },
    (chunk) => text += decoder.decode(chunk, { stream: true }),
  );
  if (!outcome.ok) {
    ctx.warn("kernel_config_unreadable", `/proc/config.gz: ${outcome.message}`);
    return undefined;
  }
  return { path: "/proc/config.gz", options: parseKernelConfig(text + decoder.decode()) };
}
