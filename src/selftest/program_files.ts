/**
 * The self-test hides /tmp and a system directory under fresh tmpfs mounts. The program itself may live there
 * (a checkout in /tmp, the executable copied to /tmp, Deno's cache under /tmp): its scan still loads files
 * after the mounts — the BPF object, the census worker module, modules imported lazily with `import()`, worker
 * modules, the executable when it starts itself again.
 *
 * Rather than preloading today's list of such files (which the next lazily loaded module would silently
 * break), every path of the program under a directory about to be hidden is held by an O_PATH descriptor
 * before the mount and bound back at its own path inside the new tmpfs. Whatever the scan loads later is then
 * where it was, in this private namespace only; the tmpfs still hides everything else there.
 */
import { closeFd } from "../../ffi/fd.ts";
import { bindMount, mountTmpfs, openPath } from "./sys.ts";

/** The file path of a `file:` URL (percent-escapes decoded, so "/home/u/my src" stays as it is). */
export function urlPath(url: URL): string {
  return decodeURIComponent(url.pathname);
}

/** Deno's cache directory as Deno chooses it: DENO_DIR, else $XDG_CACHE_HOME/deno, else ~/.cache/deno. */
export function denoCacheDir(env: (k: string) => string | undefined): string | null {
  const dir = env("DENO_DIR");
  if (dir) return dir;
  const xdg = env("XDG_CACHE_HOME");
  if (xdg) return `${xdg}/deno`;
  const home = env("HOME");
  return home ? `${home}/.cache/deno` : null;
}

function real(path: string | null): string | null {
  if (path === null) return null;
  try {
    return Deno.realPathSync(path);
  } catch {
    return null;
  }
}

/**
 * The paths this program may still read after the self-test's mounts: the executable when compiled (its
 * modules and assets are inside it); under `deno run`, the source tree this module belongs to, the deno
 * executable and Deno's cache (npm packages imported lazily). Resolved, existing paths only.
 */
export function programPaths(env: (k: string) => string | undefined = (k) => Deno.env.get(k)): string[] {
  const paths: (string | null)[] = [Deno.execPath()];
  if (Deno.build.standalone !== true) {
    const tree = new URL("../../", import.meta.url);
    if (tree.protocol === "file:") paths.push(urlPath(tree).replace(/(.)\/$/, "$1"));
    paths.push(denoCacheDir(env));
  }
  return [...new Set(paths.map(real).filter((p): p is string => p !== null))];
}

function within(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir === "/" ? "/" : `${dir}/`);
}

/** Of `paths`, those a mount on `target` would hide, without any that lies inside another one listed. */
export function hiddenBy(target: string, paths: readonly string[]): string[] {
  const hidden = paths.filter((p) => within(p, target));
  return hidden.filter((p) => !hidden.some((q) => q !== p && within(p, q))).sort();
}

/**
 * Mounts a fresh tmpfs on `target` (mount `options`, e.g. "mode=1777,size=64m") and binds each of `keep`
 * that it hides back at its own path. Returns the paths bound back. Throws when one of `keep` is `target`
 * itself (binding it back would undo the tmpfs) or a mount fails.
 */
export function mountTmpfsKeeping(target: string, options: string, keep: readonly string[]): string[] {
  const hidden = hiddenBy(target, keep);
  if (hidden.includes(target)) {
    throw new Error(
      `${target} is both a directory the self-test hides and where sys-scan runs from; run it from a subdirectory`,
    );
  }
  const held: { path: string; dir: boolean; fd: number }[] = [];
  try {
    for (const path of hidden) held.push({ path, dir: Deno.statSync(path).isDirectory, fd: openPath(path) });
    mountTmpfs(target, options);
    for (const h of held) {
      Deno.mkdirSync(h.path.slice(0, h.path.lastIndexOf("/")) || "/", { recursive: true, mode: 0o755 });
      if (h.dir) Deno.mkdirSync(h.path, { mode: 0o755 });
      else Deno.writeFileSync(h.path, new Uint8Array(), { mode: 0o644 });
      bindMount(`/proc/self/fd/${h.fd}`, h.path);
    }
  } finally {
    for (const h of held) closeFd(h.fd);
  }
  return hidden;
}
