/** Reading configuration directories for the auth scanner: sorted file lists and reads that report failures. */
import type { Host } from "../../host/host.ts";

/** Regular files of `dir` whose name ends with `suffix`, as sorted paths ([] when the directory is missing). */
export function listFiles(host: Host, dir: string, suffix: string): string[] {
  const r = host.readDir(dir, 5000);
  if (!r.ok) return [];
  return r.value.filter((e) => !e.isDirectory && e.name.endsWith(suffix)).map((e) => `${dir}/${e.name}`)
    .sort();
}

/** A reader of text files (1 MiB cap) that passes unreadable ones (not missing ones) to `warn`. */
export function textReader(host: Host, warn: (detail: string) => void): (path: string) => string | undefined {
  return (path) => {
    const r = host.readText(path, 1 << 20);
    if (!r.ok) {
      if (r.reason !== "missing") warn(`${path}: ${r.message}`);
      return undefined;
    }
    if (r.truncated) warn(`${path} larger than 1 MiB: only the start was read`);
    return r.value;
  };
}
