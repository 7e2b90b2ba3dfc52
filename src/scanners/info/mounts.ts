/** The mounts scanner's descriptor: name, gates and check catalogue (data only; the code is in the scanner's module). */
import { type CheckInput, checkMaker } from "../../core/catalogue.ts";
import type { ScannerInfo } from "../../core/scanner.ts";

const NAME = "mounts";
const mk = checkMaker(NAME, { category: "filesystem", hardening: true, mitre: ["T1059"] });

const BENCHMARK =
  " Distributions mount it this way by default, so on a compromised host the gap matters little " +
  "next to a change someone made (rated low; reported with --hardening).";

const checks: CheckInput[] = [
  {
    ...mk({
      id: "mount.readonly.remounted_rw",
      title: "Filesystem declared read-only is mounted read-write",
      severity: "high",
      rationale:
        "/etc/fstab mounts it read-only, but the live mount is writable: someone remounted it, e.g. to plant " +
        "files in /usr or /boot. High: a deliberate change that undoes a protection the owner set up.",
      remediation: "Find out who remounted it (audit log, shell history), then `mount -o remount,ro` it.",
      hardening: false,
    }),
    mitre: ["T1562.001", "T1601"],
  },
  {
    ...mk({
      id: "mount.options.lost",
      title: "Mount lacks an option it is declared with",
      severity: "medium",
      rationale:
        "The live mount lacks nosuid, nodev or noexec although its /etc/fstab entry, or systemd for its API " +
        "filesystems (/proc, /sys, /dev/shm, /dev/pts, /run), sets it: someone remounted it (`mount -o " +
        "remount,exec /dev/shm`) to run a payload or a set-id program from it. High when nosuid or noexec is " +
        "lost on a world-writable temporary directory, the drop zone it protects; medium otherwise.",
      remediation:
        "Find out who remounted it (audit log, shell history), then `mount -o remount,<option>` it.",
      hardening: false,
    }),
    mitre: ["T1562.001", "T1059"],
  },
  mk({
    id: "mount.tmp.noexec_missing",
    title: "Temporary directory mounted without noexec",
    severity: "low",
    rationale:
      "Attackers drop and run payloads from world-writable temporary directories; noexec stops direct execution " +
      "(interpreters can still read scripts from there)." + BENCHMARK,
    remediation:
      "Mount it with noexec (e.g. `tmpfs /tmp tmpfs defaults,noexec,nosuid,nodev 0 0` in /etc/fstab).",
  }),
  mk({
    id: "mount.tmp.nosuid_missing",
    title: "Temporary directory mounted without nosuid",
    severity: "low",
    rationale:
      "A set-id binary planted in a world-writable directory keeps its privileges there; nosuid makes the " +
      "kernel ignore the bit." + BENCHMARK,
    remediation: "Add nosuid to the mount options in /etc/fstab and remount.",
  }),
  mk({
    id: "mount.tmp.nodev_missing",
    title: "Temporary directory mounted without nodev",
    severity: "low",
    rationale:
      "A device node created in a world-writable directory can give raw access to disks or memory; nodev " +
      "makes the kernel refuse to open it." + BENCHMARK,
    remediation: "Add nodev to the mount options in /etc/fstab and remount.",
  }),
  mk({
    id: "mount.tmp.not_separate",
    title: "/tmp is not a separate filesystem",
    severity: "low",
    rationale:
      "When /tmp lives on the root filesystem its mount options cannot be restricted (nosuid, noexec) and " +
      "filling it fills the root disk." + BENCHMARK,
    remediation:
      "Mount /tmp as tmpfs (systemctl enable tmp.mount) or a separate partition with noexec,nosuid,nodev.",
  }),
  mk({
    id: "mount.sensitive.nosuid_missing",
    title: "Sensitive mount without nosuid",
    severity: "low",
    rationale:
      "Set-id binaries have no business on data partitions such as /home or /var; nosuid removes the " +
      "escalation path a planted one would give." + BENCHMARK,
    remediation: "Add nosuid to this mount's options in /etc/fstab.",
  }),
  mk({
    id: "mount.sensitive.nodev_missing",
    title: "Sensitive mount without nodev",
    severity: "low",
    rationale:
      "Device files on data partitions give whoever can create them access to the underlying devices, " +
      "bypassing file permissions; nodev makes the kernel refuse them." + BENCHMARK,
    remediation: "Add nodev to this mount's options in /etc/fstab.",
  }),
];

/** The mounts scanner's descriptor. */
export const MOUNTS_INFO: ScannerInfo = {
  name: NAME,
  summary:
    "Mounts weaker than declared (read-only remounted writable, fstab or systemd options lost); with " +
    "--hardening, options of temporary and sensitive filesystems.",
  slow: false,
  enabledByDefault: () => true,
  checks,
};
