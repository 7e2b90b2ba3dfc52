/**
 * The self-test's isolation: it re-runs itself under `unshare --mount --propagation private`, and the inner
 * run refuses to mount anything unless it really is in a new mount namespace whose mounts propagate nowhere.
 * Everything it creates lives on tmpfs mounts of that namespace, which vanish with its last process.
 */

import { urlPath } from "./program_files.ts";

/** util-linux unshare, by absolute path (PATH is not trusted on a host under investigation). */
export const UNSHARE = "/usr/bin/unshare";

/** Set in the inner run's environment: the parent's mount namespace ("mnt:[4026531841]"). */
export const PARENT_NS_ENV = "SYS_SCAN_SELFTEST_PARENT_MNTNS";

/** This process's mount namespace as the kernel names it ("mnt:[4026531841]"), or null when unreadable. */
export function mountNamespace(pid: number | "self" = "self"): string | null {
  try {
    return Deno.readLinkSync(`/proc/${pid}/ns/mnt`);
  } catch {
    return null;
  }
}

/** Mount points of a mountinfo text whose mounts still propagate to a peer group (`shared:N`). */
export function sharedMountPoints(mountinfo: string): string[] {
  const out: string[] = [];
  for (const line of mountinfo.split("\n")) {
    const sep = line.indexOf(" - ");
    if (sep < 0) continue;
    const fields = line.slice(0, sep).split(" ");
    if (fields.length < 6) continue;
    if (fields.slice(6).some((f) => f.startsWith("shared:"))) out.push(fields[4]);
  }
  return out;
}

/**
 * Null when the inner run may mount: it is in a mount namespace other than `parentNs` and no mount of it
 * propagates. Otherwise the reason it must not.
 */
export function isolationProblem(
  parentNs: string | undefined,
  ownNs: string | null,
  mountinfo: string,
): string | null {
  if (!parentNs) {
    return `${PARENT_NS_ENV} is not set: the inner self-test runs only when started by \`sys-scan self-test\``;
  }
  if (ownNs === null) return "cannot read /proc/self/ns/mnt to confirm the private mount namespace";
  if (ownNs === parentNs) {
    return `still in the parent's mount namespace (${ownNs}); refusing to mount anything`;
  }
  const shared = sharedMountPoints(mountinfo);
  if (shared.length > 0) {
    return `mounts still propagate to the host (${
      shared.slice(0, 3).join(", ")
    }); refusing to mount anything`;
  }
  return null;
}

/**
 * The argv that runs this same program again: the executable itself when compiled, else
 * `deno run -A <main module>` (with the main module's directory as working directory, for its deno.json).
 */
export function selfCommand(): { argv: string[]; cwd?: string } {
  if (Deno.build.standalone === true) return { argv: [Deno.execPath()] };
  const main = urlPath(new URL(Deno.mainModule));
  const dir = main.slice(0, main.lastIndexOf("/")) || "/";
  return { argv: [Deno.execPath(), "run", "-A", "--quiet", main], cwd: dir };
}

/** The command that runs `args` of this program inside a new private mount namespace. */
export function isolatedCommand(args: readonly string[]): { argv: string[]; cwd?: string } {
  const self = selfCommand();
  return {
    argv: [UNSHARE, "--mount", "--propagation", "private", "--", ...self.argv, ...args],
    cwd: self.cwd,
  };
}
