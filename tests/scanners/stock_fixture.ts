/**
 * The stock distribution roots (tests/fixtures/hosts/stock/<name>) as a test uses them: copied, dated back to
 * their installation, and, for the rpm-based root, given the rpm database its packages would have written.
 */
import { fixtureRoot, TempTree } from "../helpers.ts";
import { writeStockRpmDb } from "./stock_rhel9_rpmdb.ts";

/** The stock roots, by directory name under tests/fixtures/hosts/stock. */
export const STOCK_ROOTS = ["debian12", "ubuntu2404", "rhel9"] as const;

/** One of the stock roots. */
export type StockRoot = typeof STOCK_ROOTS[number];

/**
 * When the stock install happened, as far as file times go. git does not keep modification times, so each root is
 * copied and dated back to this moment (June 2024): otherwise every file would look "modified today".
 */
export const INSTALLED = new Date("2024-06-01T12:00:00Z");

/** A copy of a stock root with every file dated INSTALLED (symlinks kept as they are). */
export function installedCopy(name: StockRoot): TempTree {
  const tmp = Deno.makeTempDirSync({ prefix: `sys-scan-stock-${name}-` });
  const cp = new Deno.Command("/bin/cp", { args: ["-a", `${fixtureRoot(`stock/${name}`)}/.`, tmp] })
    .outputSync();
  if (!cp.success) throw new Error(`cp failed: ${new TextDecoder().decode(cp.stderr)}`);
  if (name === "rhel9") writeStockRpmDb(tmp);
  const date = (dir: string) => {
    for (const e of Deno.readDirSync(dir)) {
      const path = `${dir}/${e.name}`;
      if (e.isSymlink) continue;
      if (e.isDirectory) date(path);
      Deno.utimeSync(path, INSTALLED, INSTALLED);
    }
  };
  date(tmp);
  return new TempTree(tmp);
}
