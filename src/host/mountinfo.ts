/**
 * Parsers for /proc/<pid>/mountinfo, /proc/mounts and /etc/fstab (octal escapes decoded), and the classes of
 * filesystem types sys-scan treats alike (pseudo, remote).
 */

/** One mounted filesystem. */
export interface MountEntry {
  mountpoint: string;
  source: string;
  fstype: string;
  /** Per-mount options merged with superblock options (e.g. ro, nosuid, nodev, noexec). */
  options: string[];
  /** The 1-based line of a table (fstab, /proc/mounts) the entry was read from. */
  line?: number;
  /** mountinfo: the directory of the filesystem mounted here (not "/" for a bind mount of a subtree). */
  root?: string;
  /** mountinfo: the filesystem's device, "major:minor". */
  device?: string;
}

/** Decodes the kernel's octal escapes (`\040` space, `\011` tab, `\012` newline, `\134` backslash). */
export function unescapeOctal(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Parses mountinfo text. Malformed lines are returned in `bad` (count), never thrown. */
export function parseMountinfo(text: string): { mounts: MountEntry[]; bad: number } {
  const mounts: MountEntry[] = [];
  let bad = 0;
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const f = line.split(" ");
    const sep = f.indexOf("-", 6);
    if (f.length < 10 || sep < 6 || f.length < sep + 3) {
      bad++;
      continue;
    }
    const opts = new Set([...f[5].split(","), ...(f[sep + 3] ?? "").split(",")].filter((o) => o !== ""));
    mounts.push({
      mountpoint: unescapeOctal(f[4]),
      source: unescapeOctal(f[sep + 2]),
      fstype: f[sep + 1],
      options: [...opts],
      root: unescapeOctal(f[3]),
      device: f[2],
    });
  }
  return { mounts, bad };
}

/** Parses /proc/mounts or /etc/fstab (whitespace-separated fields, `#` comments). */
export function parseMountsTable(text: string): { mounts: MountEntry[]; bad: number } {
  const mounts: MountEntry[] = [];
  let bad = 0;
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const f = line.split(/\s+/);
    if (f.length < 4) {
      bad++;
      return;
    }
    mounts.push({
      source: unescapeOctal(f[0]),
      mountpoint: unescapeOctal(f[1]),
      fstype: f[2],
      options: f[3].split(",").filter((o) => o !== ""),
      line: i + 1,
    });
  });
  return { mounts, bad };
}

/** Returns the effective mount for each mountpoint (the last one mounted wins, as in the kernel). */
export function effectiveMounts(mounts: MountEntry[]): Map<string, MountEntry> {
  const out = new Map<string, MountEntry>();
  for (const m of mounts) out.set(m.mountpoint, m);
  return out;
}

/** Kernel pseudo filesystems: never walked (no files an attacker plants, and reading them can have effects). */
export const PSEUDO_FS: ReadonlySet<string> = new Set([
  "proc",
  "sysfs",
  "devtmpfs",
  "devpts",
  "cgroup",
  "cgroup2",
  "securityfs",
  "debugfs",
  "tracefs",
  "bpf",
  "pstore",
  "efivarfs",
  "configfs",
  "fusectl",
  "hugetlbfs",
  "mqueue",
  "binfmt_misc",
  "autofs",
  "rpc_pipefs",
  "nsfs",
  "selinuxfs",
  "nfsd",
]);

/** Network and remote filesystems: never walked (slow, can hang, and not this host's files). */
export const NETWORK_FS: ReadonlySet<string> = new Set([
  "nfs",
  "nfs4",
  "cifs",
  "smb3",
  "smbfs",
  "9p",
  "ceph",
  "glusterfs",
  "afs",
  "lustre",
  "gfs2",
  "ocfs2",
  "ncpfs",
  "davfs",
  "coda",
]);

/**
 * True for remote filesystems and FUSE (a FUSE server can block a reader forever, and what it serves is not
 * this host's disk), except `fuseblk` (local NTFS/exFAT disks): never entered nor opened unless allowed.
 */
export function isRemoteFsType(fstype: string): boolean {
  return NETWORK_FS.has(fstype) || (fstype.startsWith("fuse") && fstype !== "fuseblk");
}

/** True for filesystem types a walk never enters: pseudo filesystems and remote ones (`isRemoteFsType`). */
export function isSkippedFsType(fstype: string): boolean {
  return PSEUDO_FS.has(fstype) || isRemoteFsType(fstype);
}

/** Splits a Linux dev_t (as Deno reports it) into "major:minor". */
export function devString(dev: number): string {
  const d = BigInt(dev);
  const major = ((d >> 8n) & 0xfffn) | ((d >> 32n) & 0xfffff000n);
  const minor = (d & 0xffn) | ((d >> 12n) & 0xffffff00n);
  return `${major}:${minor}`;
}

/** Parses mountinfo text into "major:minor" → filesystem type (malformed lines skipped). */
export function parseMountDevices(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split("\n")) {
    const f = line.split(" ");
    const sep = f.indexOf("-", 6);
    if (sep < 6 || f.length < sep + 2 || !/^\d+:\d+$/.test(f[2] ?? "")) continue;
    out.set(f[2], f[sep + 1]);
  }
  return out;
}

/** The mount points of remote filesystems (`isRemoteFsType`) in mountinfo text, escapes decoded. */
export function remoteMountpoints(text: string): string[] {
  return parseMountinfo(text).mounts.filter((m) => isRemoteFsType(m.fstype)).map((m) => m.mountpoint);
}

/**
 * Mount points to step around by name: for each parent directory (a real path), the names below it that are
 * such mount points. A walk asks once per directory and skips those entries before any stat, which on a hung
 * remote or FUSE mount would block.
 */
export function mountpointsByParent(points: readonly string[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const p of points) {
    if (p === "/" || !p.startsWith("/")) continue;
    const cut = p.lastIndexOf("/");
    const parent = cut === 0 ? "/" : p.slice(0, cut);
    const names = out.get(parent) ?? new Set<string>();
    names.add(p.slice(cut + 1));
    out.set(parent, names);
  }
  return out;
}
