/**
 * The stock distribution roots (tests/fixtures/hosts/stock/<name>) as a test uses them: copied, dated back to
 * their installation, and, for the rpm-based root, given the rpm database its packages would have written.
 */
import { createHash } from "node:crypto";
import { fixtureRoot, TempTree } from "../helpers.ts";
import { pkg, writeRpmDb } from "../host/rpm_fixture.ts";

/** The stock roots, by directory name under tests/fixtures/hosts/stock. */
export const STOCK_ROOTS = ["debian12", "ubuntu2404", "rhel9"] as const;

/** One of the stock roots. */
export type StockRoot = typeof STOCK_ROOTS[number];

/**
 * When the stock install happened, as far as file times go. git does not keep modification times, so each root is
 * copied and dated back to this moment (June 2024): otherwise every file would look "modified today".
 */
export const INSTALLED = new Date("2024-06-01T12:00:00Z");

/**
 * The rpm packages of the RHEL 9 root and the files of the root they own. The database is written when the root
 * is copied (a binary sqlite file stays out of git), with each file's SHA-256 as the package recorded it.
 */
export const RHEL9_RPMS: Readonly<Record<string, readonly string[]>> = {
  systemd: [
    "/etc/sysctl.conf",
    "/etc/sysctl.d/99-sysctl.conf",
    "/usr/lib/sysctl.d/50-coredump.conf",
    "/usr/lib/sysctl.d/50-default.conf",
    "/usr/lib/sysctl.d/50-pid-max.conf",
  ],
  "elfutils-default-yama-scope": ["/usr/lib/sysctl.d/10-default-yama-scope.conf"],
  libkcapi: ["/usr/lib/sysctl.d/50-libkcapi-optmem.conf"],
};

function rpmDatabase(root: string): void {
  const blobs = Object.entries(RHEL9_RPMS).map(([name, paths]) => {
    const dirs = [...new Set(paths.map((p) => p.slice(0, p.lastIndexOf("/") + 1)))];
    const hex = paths.map((p) => {
      const st = Deno.lstatSync(`${root}${p}`);
      return st.isSymlink ? "" : createHash("sha256").update(Deno.readFileSync(`${root}${p}`)).digest("hex");
    });
    const files = paths.map((p): [number, string] => [
      dirs.indexOf(p.slice(0, p.lastIndexOf("/") + 1)),
      p.slice(p.lastIndexOf("/") + 1),
    ]);
    return pkg(name, dirs, files, { algo: 8, hex });
  });
  Deno.mkdirSync(`${root}/var/lib/rpm`, { recursive: true });
  writeRpmDb(`${root}/var/lib/rpm/rpmdb.sqlite`, blobs);
}

/** A copy of a stock root with every file dated INSTALLED (symlinks kept as they are). */
export function installedCopy(name: StockRoot): TempTree {
  const tmp = Deno.makeTempDirSync({ prefix: `sys-scan-stock-${name}-` });
  const cp = new Deno.Command("/bin/cp", { args: ["-a", `${fixtureRoot(`stock/${name}`)}/.`, tmp] })
    .outputSync();
  if (!cp.success) throw new Error(`cp failed: ${new TextDecoder().decode(cp.stderr)}`);
  if (name === "rhel9") rpmDatabase(tmp);
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
