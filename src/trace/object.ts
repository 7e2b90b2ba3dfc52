/** The bundled BPF object: where it is (next to the code, so `deno compile --include` embeds it) and its hash. */
import { sha256HexAsync } from "../host/hash.ts";

/** URL of generated/process_exec.bpf.o relative to this module (works inside a `deno compile` binary). */
export const BUNDLED_OBJECT_URL = new URL("../../generated/process_exec.bpf.o", import.meta.url);

/** Reads the bundled object's bytes. Throws Deno.errors.NotFound when it is missing. */
export async function readBundledObject(url: URL = BUNDLED_OBJECT_URL): Promise<Uint8Array> {
  return await Deno.readFile(url);
}

/** SHA-256 of the bundled process_exec.bpf.o (for `--version`), or null when it is not there. */
export async function bundledObjectSha256(): Promise<string | null> {
  try {
    return await sha256HexAsync(await readBundledObject());
  } catch {
    return null;
  }
}
