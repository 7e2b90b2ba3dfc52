/** Shared test data for the persistence tests. */
import type { Finding } from "../../src/core/finding.ts";
import type { TreeEntry } from "../helpers.ts";

/** A real ed25519 public key blob (type string + 32 bytes), base64; `ssh-keygen -lf` gives SHA256:3Itk2k+…gGc. */
export const ED25519 = "AAAAC3NzaC1lZDI1NTE5AAAAIHq9jXc0Ah0fBsrHcpXKkOWbUl8+/0qz+6sP0FzQ7sEo";

/** root, a service account and two people (alice is an admin). */
export const PASSWD = [
  "root:x:0:0:root:/root:/bin/bash",
  "www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin",
  "alice:x:1000:1000::/home/alice:/bin/bash",
  "bob:x:1001:1001::/home/bob:/bin/bash",
].join("\n") + "\n";
/** The groups of PASSWD's accounts. */
export const GROUP = "root:x:0:\nsudo:x:27:alice\ndocker:x:998:bob\nalice:x:1000:\nbob:x:1001:\n";

/** A tree with PASSWD and GROUP plus `extra`. */
export function withAccounts(extra: Record<string, TreeEntry>): Record<string, TreeEntry> {
  return { "etc/passwd": PASSWD, "etc/group": GROUP, ...extra };
}

/**
 * A dpkg database that says `pkg` installed `paths` (with their md5 sums when given), as
 * var/lib/dpkg/info/PKG.list and PKG.md5sums entries of a tree.
 */
export function dpkgOwns(
  pkg: string,
  paths: string[],
  md5s: Record<string, string> = {},
): Record<string, TreeEntry> {
  const dirs = new Set<string>();
  for (const p of paths) {
    for (let d = p.slice(0, p.lastIndexOf("/")); d !== ""; d = d.slice(0, d.lastIndexOf("/"))) dirs.add(d);
  }
  const list = ["/.", ...[...dirs].sort(), ...paths].join("\n") + "\n";
  const sums = Object.entries(md5s).map(([p, h]) => `${h}  ${p.slice(1)}`).join("\n");
  return {
    [`var/lib/dpkg/info/${pkg}.list`]: list,
    ...(sums ? { [`var/lib/dpkg/info/${pkg}.md5sums`]: sums + "\n" } : {}),
  };
}

/** "severity check_id path" of each finding, sorted: what most persistence tests compare. */
export function summary(findings: Finding[]): string[] {
  return findings.map((f) => `${f.severity} ${f.check_id} ${f.metadata.path ?? ""}`).sort();
}

/** MD5 (hex) of a string, as dpkg's md5sums records it. */
export async function md5(text: string): Promise<string> {
  const { createHash } = await import("node:crypto");
  return createHash("md5").update(text).digest("hex");
}

/**
 * A root with the accounts and a dpkg database whose single package, `stock`, owns `owned` (so files not in it
 * are unowned), plus `extra` files.
 */
export function rootWith(owned: string[], extra: Record<string, TreeEntry>): Record<string, TreeEntry> {
  return withAccounts({ "var/lib/dpkg/info/stock.list": ["/.", ...owned].join("\n") + "\n", ...extra });
}

/** An executable script. */
export const exe = (content: string): TreeEntry => ({ content, mode: 0o755 });

/** "severity check_id path[:line]" for every finding except the inventory, sorted: what fired, where. */
export function fired(findings: Finding[]): string[] {
  return findings.filter((f) => f.check_id !== "persistence.inventory.point").map((f) => {
    const line = typeof f.metadata.line === "number" && f.metadata.line > 0 ? `:${f.metadata.line}` : "";
    return `${f.severity} ${f.check_id} ${f.metadata.path ?? f.location?.path ?? ""}${line}`;
  }).sort();
}
