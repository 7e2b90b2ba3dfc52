/**
 * The rpm database of the stock RHEL 9 root (tests/fixtures/hosts/stock/rhel9), written into each copy of it (a
 * binary sqlite file stays out of git): which package owns each file the scanners judge by ownership (by the path
 * rules below, as RHEL 9 packages them), with the SHA-256, size and mode of the file as the copy has it, and the
 * scriptlets a few of those packages carry (as RHEL's spec macros expand them).
 */
import { createHash } from "node:crypto";
import { header, str, type Tag, writeRpmDb } from "../host/rpm_fixture.ts";

/** Which package owns a path of the root (first matching rule), or undefined for files no package owns. */
const RULES: [RegExp, string][] = [
  // kernel parameters
  [/^\/etc\/sysctl\.(?:conf|d\/99-sysctl\.conf)$/, "systemd"],
  [/^\/usr\/lib\/sysctl\.d\/50-(?:coredump|default|pid-max)\.conf$/, "systemd"],
  [/^\/usr\/lib\/sysctl\.d\/10-default-yama-scope\.conf$/, "elfutils-default-yama-scope"],
  [/^\/usr\/lib\/sysctl\.d\/50-libkcapi-optmem_max\.conf$/, "libkcapi"],
  // persistence families
  [/^\/usr\/lib\/systemd\/system\/sshd\.service$/, "openssh-server"],
  [/^\/usr\/lib\/systemd\/system\/crond\.service$/, "cronie"],
  [/^\/usr\/lib\/systemd\/system\/dnf-makecache\./, "dnf"],
  [/^\/usr\/lib\/systemd\/system\/fstrim\./, "util-linux"],
  [/^\/usr\/lib\/systemd\/system\/logrotate\./, "logrotate"],
  [/^\/usr\/lib\/systemd\//, "systemd"],
  [/^\/usr\/lib\/dracut\/dracut\.conf\.d\/02-rescue\.conf$/, "dracut-config-rescue"],
  [/^\/usr\/lib\/dracut\//, "dracut"],
  [/^\/etc\/dracut\.conf$/, "dracut"],
  [/^\/etc\/grub\.d\//, "grub2-tools"],
  [/^\/usr\/lib\/python3\.9\/site-packages\/dnf-plugins\//, "python3-dnf-plugins-core"],
  [/^\/etc\/dnf\/plugins\/(?:copr|debuginfo-install)\.conf$/, "dnf-plugins-core"],
  [/^\/etc\/dnf\/plugins\/(?:subscription-manager|product-id)\.conf$/, "subscription-manager"],
  [/^\/etc\/dnf\/dnf\.conf$/, "dnf-data"],
  [/^\/etc\/rc\.d\/init\.d\//, "initscripts"],
  [/^\/etc\/ld\.so\.conf$/, "glibc"],
  [/^\/etc\/ld\.so\.conf\.d\/kernel-/, "kernel-core"],
  [/^\/etc\/security\/pam_env\.conf$/, "pam"],
  [/^\/etc\/environment$/, "setup"],
  [/^\/etc\/modprobe\.d\/firewalld-sysctls\.conf$/, "firewalld"],
  [/^\/usr\/lib\/modprobe\.d\/dist-blacklist\.conf$/, "kmod"],
  // event hooks, shell start-up, scheduled work and web server files
  [/^\/usr\/lib\/udev\/rules\.d\/95-dm-notify\.rules$/, "device-mapper"],
  [/^\/usr\/lib\/udev\/rules\.d\//, "systemd-udev"],
  [/^\/usr\/lib\/NetworkManager\/dispatcher\.d\/20-chrony-/, "chrony"],
  [
    /^\/usr\/lib\/NetworkManager\/dispatcher\.d\/(?:pre-up\.d\/)?90-nm-cloud-setup\.sh$/,
    "NetworkManager-cloud-setup",
  ],
  [/^\/usr\/lib\/python3\.9\/site-packages\/distutils-precedence\.pth$/, "python3-setuptools"],
  [/^\/etc\/logrotate\.(?:conf|d\/(?:btmp|wtmp))$/, "logrotate"],
  [/^\/etc\/logrotate\.d\/(chrony|dnf|firewalld|rsyslog)$/, "$1"],
  [/^\/etc\/logrotate\.d\/sssd$/, "sssd-common"],
  [/^\/etc\/profile\.d\/which2\.sh$/, "which"],
  [/^\/etc\/profile\.d\/(?:lang\.sh|sh\.local)$/, "setup"],
  [/^\/etc\/profile\.d\/less\.sh$/, "less"],
  [/^\/etc\/profile\.d\/colorgrep\.sh$/, "grep"],
  [/^\/etc\/profile\.d\/gawk\.sh$/, "gawk"],
  [/^\/etc\/profile\.d\/colorls\.sh$/, "coreutils-common"],
  [/^\/etc\/profile\.d\/bash_completion\.sh$/, "bash-completion"],
  [/^\/etc\/cron\.daily\/man-db\.cron$/, "man-db"],
  [/^\/etc\/crontab$/, "crontabs"],
  [/^\/etc\/(?:anacrontab|cron\.hourly\/0anacron)$/, "cronie-anacron"],
  [/^\/etc\/cron\.d\/0hourly$/, "cronie"],
  [/^\/usr\/share\/httpd\/noindex\//, "httpd-filesystem"],
  [/^\/etc\/httpd\/conf\/httpd\.conf$/, "httpd-core"],
];

const UNITS = (units: string) =>
  `if [ $1 -eq 1 ] && [ -x "/usr/lib/systemd/systemd-update-helper" ]; then\n` +
  `    # Initial installation\n    /usr/lib/systemd/systemd-update-helper install-system-units ${units} || :\nfi\n`;

/** Scriptlets by package: rpm tag → text. */
const SCRIPTLETS: Record<string, Record<number, string>> = {
  "openssh-server": {
    1024: UNITS("sshd.service sshd.socket"),
    1025: `if [ $1 -eq 0 ] && [ -x "/usr/lib/systemd/systemd-update-helper" ]; then\n` +
      `    # Package removal, not upgrade\n    /usr/lib/systemd/systemd-update-helper remove-system-units sshd.service sshd.socket || :\nfi\n`,
  },
  cronie: { 1024: UNITS("crond.service") },
  systemd: {
    1024: "systemd-machine-id-setup &>/dev/null || :\nsystemctl daemon-reexec &>/dev/null || {\n  :\n}\n",
  },
  "kernel-core": {
    1152:
      "/bin/kernel-install add 5.14.0-427.13.1.el9_4.x86_64 /lib/modules/5.14.0-427.13.1.el9_4.x86_64/vmlinuz || exit $?\n",
  },
};

const enc = new TextEncoder();
const strings = (list: string[]) => new Uint8Array(list.flatMap((s) => [...enc.encode(s + "\0")]));
function int32s(list: number[]): Uint8Array {
  const b = new Uint8Array(list.length * 4);
  list.forEach((v, i) => new DataView(b.buffer).setUint32(i * 4, v));
  return b;
}

const sha256 = (path: string) => createHash("sha256").update(Deno.readFileSync(path)).digest("hex");

function int16s(list: number[]): Uint8Array {
  const b = new Uint8Array(list.length * 2);
  list.forEach((v, i) => new DataView(b.buffer).setUint16(i * 2, v));
  return b;
}

function walk(root: string, dir: string, out: string[]): void {
  for (const e of [...Deno.readDirSync(dir)].sort((a, b) => a.name < b.name ? -1 : 1)) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory) walk(root, path, out);
    else out.push(path.slice(root.length));
  }
}

/** The files of `root` each package owns, by the rules above (package name → absolute paths, sorted). */
export function packagesOf(root: string): Map<string, string[]> {
  const files: string[] = [];
  walk(root, root, files);
  const byPackage = new Map<string, string[]>();
  for (const path of files) {
    const rule = RULES.find(([re]) => re.test(path));
    const pkg = rule?.[1].replace("$1", rule[0].exec(path)?.[1] ?? "");
    if (pkg) byPackage.set(pkg, [...(byPackage.get(pkg) ?? []), path]);
  }
  return new Map([...byPackage].sort(([a], [b]) => a < b ? -1 : 1));
}

/** Writes the database for the copy `root` to `<root>/var/lib/rpm/rpmdb.sqlite`; returns the package and file counts. */
export function writeStockRpmDb(root: string): { packages: number; files: number } {
  const byPackage = packagesOf(root);
  const blobs = [...byPackage].map(([name, paths]) => {
    const dirs = [...new Set(paths.map((p) => p.slice(0, p.lastIndexOf("/") + 1)))];
    const stats = paths.map((p) => Deno.lstatSync(root + p));
    const tags: Tag[] = [
      { tag: 1000, type: 6, count: 1, data: str(name) },
      {
        tag: 1117,
        type: 8,
        count: paths.length,
        data: strings(paths.map((p) => p.slice(p.lastIndexOf("/") + 1))),
      },
      { tag: 1118, type: 8, count: dirs.length, data: strings(dirs) },
      {
        tag: 1116,
        type: 4,
        count: paths.length,
        data: int32s(paths.map((p) => dirs.indexOf(p.slice(0, p.lastIndexOf("/") + 1)))),
      },
      // File digests (sha256, "" for links), sizes and modes as the root has them, as rpm records them.
      {
        tag: 1035,
        type: 8,
        count: paths.length,
        data: strings(paths.map((p, i) => stats[i].isFile ? sha256(root + p) : "")),
      },
      { tag: 5011, type: 4, count: 1, data: int32s([8]) },
      { tag: 1028, type: 4, count: paths.length, data: int32s(stats.map((st) => st.size)) },
      { tag: 1030, type: 3, count: paths.length, data: int16s(stats.map((st) => (st.mode ?? 0) & 0xffff)) },
      ...Object.entries(SCRIPTLETS[name] ?? {}).map(([tag, text]) => ({
        tag: Number(tag),
        type: 6,
        count: 1,
        data: str(text),
      })),
    ];
    return header(tags);
  });
  const db = `${root}/var/lib/rpm/rpmdb.sqlite`;
  Deno.mkdirSync(`${root}/var/lib/rpm`, { recursive: true });
  try {
    Deno.removeSync(db);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  writeRpmDb(db, blobs);
  return { packages: blobs.length, files: [...byPackage.values()].flat().length };
}
