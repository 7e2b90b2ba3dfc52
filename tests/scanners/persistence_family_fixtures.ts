/** Shared pieces of the tests of the boot, package-manager, loader and module families of `persistence`. */
import type { Finding } from "../../src/core/finding.ts";
import type { TreeEntry } from "../helpers.ts";

/** Accounts of the test roots: root, a service account, two people. */
export const PASSWD = [
  "root:x:0:0:root:/root:/bin/bash",
  "www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin",
  "alice:x:1000:1000::/home/alice:/bin/bash",
  "bob:x:1001:1001::/home/bob:/bin/bash",
].join("\n") + "\n";
const GROUP = "root:x:0:\nsudo:x:27:alice\nalice:x:1000:\nbob:x:1001:\n";

/**
 * A root with the accounts and a dpkg database whose single package, `stock`, owns `owned` (so files not in it
 * are unowned), plus `extra` files.
 */
export function rootWith(owned: string[], extra: Record<string, TreeEntry>): Record<string, TreeEntry> {
  return {
    "etc/passwd": PASSWD,
    "etc/group": GROUP,
    "var/lib/dpkg/info/stock.list": ["/.", ...owned].join("\n") + "\n",
    ...extra,
  };
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
