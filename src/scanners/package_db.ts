/** The package database shared by the scanners of one scan (see `PackageDb` in src/host/package_owners.ts). */
import type { ScanContext } from "../core/context.ts";
import { PackageDb } from "../host/package_owners.ts";

/** This scan's package database: dpkg's lists are read once for every scanner that asks who owns a file. */
export function packageDb(ctx: ScanContext): PackageDb {
  return ctx.shared.memo("package-db", () => new PackageDb(ctx.host));
}
