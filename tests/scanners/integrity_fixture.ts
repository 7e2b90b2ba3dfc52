/** Builds fake dpkg databases for integrity tests: status, info/*.md5sums, .list, .conffiles and the files. */
import { createHash } from "node:crypto";
import type { TreeEntry } from "../helpers.ts";

/** A packaged file: what the package shipped, and what is on disk (null: missing; omitted: unchanged). */
export interface FileSpec {
  shipped: string;
  disk?: string | null;
  mode?: number;
  /** Dropped by path-exclude: in .md5sums but not in .list, not on disk. */
  filtered?: boolean;
}

/** A conffile; `newconffile` means dpkg has no hash for it yet. */
export interface ConffileSpec {
  shipped: string;
  disk?: string | null;
  newconffile?: boolean;
  obsolete?: boolean;
}

/** A fake installed package. */
export interface PkgSpec {
  name: string;
  arch?: string;
  /** Info files named `<name>:<arch>.*` (Multi-Arch: same). */
  qualified?: boolean;
  state?: string;
  files?: Record<string, FileSpec>;
  conffiles?: Record<string, ConffileSpec>;
  /** No .md5sums file at all. */
  noMd5sums?: boolean;
}

/** MD5 hex of a string. */
export function md5(text: string): string {
  return createHash("md5").update(text).digest("hex");
}

/** The tree entries (relative to the root) of a dpkg database holding `pkgs`, plus the files on disk. */
export function dpkgEntries(pkgs: PkgSpec[], diversions = ""): Record<string, TreeEntry> {
  const out: Record<string, TreeEntry> = {};
  const stanzas: string[] = [];
  for (const p of pkgs) {
    const arch = p.arch ?? "amd64";
    const base = p.qualified ? `${p.name}:${arch}` : p.name;
    const md5s: string[] = [];
    const list = ["/."];
    for (const [path, f] of Object.entries(p.files ?? {})) {
      md5s.push(`${md5(f.shipped)}  ${path.slice(1)}`);
      if (f.filtered) continue;
      list.push(path);
      const disk = f.disk === undefined ? f.shipped : f.disk;
      if (disk !== null) out[path.slice(1)] = { content: disk, mode: f.mode ?? 0o644 };
    }
    const conf: string[] = [];
    for (const [path, c] of Object.entries(p.conffiles ?? {})) {
      conf.push(` ${path} ${c.newconffile ? "newconffile" : md5(c.shipped)}${c.obsolete ? " obsolete" : ""}`);
      list.push(path);
      const disk = c.disk === undefined ? c.shipped : c.disk;
      if (disk !== null) out[path.slice(1)] = { content: disk, mode: 0o644 };
    }
    if (!p.noMd5sums) out[`var/lib/dpkg/info/${base}.md5sums`] = md5s.map((l) => l + "\n").join("");
    out[`var/lib/dpkg/info/${base}.list`] = list.join("\n") + "\n";
    if (conf.length > 0) {
      out[`var/lib/dpkg/info/${base}.conffiles`] = Object.keys(p.conffiles ?? {}).join("\n") + "\n";
    }
    stanzas.push(
      [
        `Package: ${p.name}`,
        `Status: install ok ${p.state ?? "installed"}`,
        "Priority: optional",
        "Maintainer: Test <test@example.org>",
        `Architecture: ${arch}`,
        "Version: 1.0-1",
        ...(conf.length > 0 ? ["Conffiles:", ...conf] : []),
        `Description: ${p.name} test package`,
        " Long description line.",
      ].join("\n"),
    );
  }
  out["var/lib/dpkg/status"] = stanzas.join("\n\n") + "\n";
  if (diversions !== "") out["var/lib/dpkg/diversions"] = diversions;
  return out;
}
