/** Parsers for /proc/<pid>/mountinfo, /proc/mounts and /etc/fstab (octal escapes decoded). */

/** One mounted filesystem. */
export interface MountEntry {
  mountpoint: string;
  source: string;
  fstype: string;
  /** Per-mount options merged with superblock options (e.g. ro, nosuid, nodev, noexec). */
  options: string[];
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
    });
  }
  return { mounts, bad };
}

/** Parses /proc/mounts or /etc/fstab (whitespace-separated fields, `#` comments). */
export function parseMountsTable(text: string): { mounts: MountEntry[]; bad: number } {
  const mounts: MountEntry[] = [];
  let bad = 0;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const f = line.split(/\s+/);
    if (f.length < 4) {
      bad++;
      continue;
    }
    mounts.push({
      source: unescapeOctal(f[0]),
      mountpoint: unescapeOctal(f[1]),
      fstype: f[2],
      options: f[3].split(",").filter((o) => o !== ""),
    });
  }
  return { mounts, bad };
}

/** Returns the effective mount for each mountpoint (the last one mounted wins, as in the kernel). */
export function effectiveMounts(mounts: MountEntry[]): Map<string, MountEntry> {
  const out = new Map<string, MountEntry>();
  for (const m of mounts) out.set(m.mountpoint, m);
  return out;
}
