/**
 * The package database as the scanners of one scan share it (see `PackageDb` in src/host/package_owners.ts), and
 * whether this scan reads it at all.
 */
import type { ScanContext } from "../core/context.ts";
import { PackageDb } from "../host/package_owners.ts";

/** This scan's package database: dpkg's lists are read once for every scanner that asks who owns a file. */
export function packageDb(ctx: ScanContext): PackageDb {
  return ctx.shared.memo("package-db", () => new PackageDb(ctx.host));
}

/**
 * Whether the checks that read the package database run: not under --fast-scan, unless --integrity asks for
 * package verification (an explicit request wins over the preset). Reading it is the largest cost of a fast scan
 * (every package's file list: 774 lists, 7.5 MB, ~100 ms of CPU on a small cloud host), so a triage scan leaves
 * out what needs it — which packaged file was replaced or has a set-id bit added, which file in a package
 * directory no package installed, what the maintainer scripts run — and says so in a `fast_scan_skipped`
 * collection warning.
 */
export function readsPackageDb(ctx: ScanContext): boolean {
  return !ctx.config.fastScan || ctx.config.integrity;
}

/** The collection warning of a check left out under --fast-scan (see `readsPackageDb`). */
export function warnFastScanSkipped(ctx: ScanContext, what: string): void {
  ctx.warn(
    "fast_scan_skipped",
    `--fast-scan: ${what} not checked (it reads the package database); run without --fast-scan or add --integrity`,
  );
}
