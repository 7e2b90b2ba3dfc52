/** The mac scanner's checks (catalogue entries). */
import type { CheckInput } from "../../core/catalogue.ts";

/** The scanner name. */
export const NAME = "mac";

const check = (c: Omit<CheckInput, "scanner" | "category">): CheckInput => ({
  ...c,
  scanner: NAME,
  category: "mac",
});

/** Every check the mac scanner can emit. */
export const checks: CheckInput[] = [
  check({
    id: "mac.none",
    title: "No mandatory access control is enforcing",
    severity: "medium",
    rationale:
      "Without SELinux or AppArmor enforcing, a compromised daemon has every right of its user; MAC " +
      "confines services so that one exploited service cannot read or change the rest of the host.",
    remediation:
      "Enable the distribution's MAC: AppArmor on Debian/Ubuntu/SUSE (apparmor=1 security=apparmor, " +
      "apparmor package and profiles), SELinux enforcing on RHEL/Fedora.",
    mitre: ["T1562.001"],
  }),
  check({
    id: "mac.selinux.permissive",
    title: "SELinux is permissive",
    severity: "medium",
    rationale: "In permissive mode SELinux only logs denials. Switching an enforcing system to permissive " +
      "(setenforce 0) is a classic defence-evasion step.",
    remediation:
      "Run `setenforce 1`, set SELINUX=enforcing in /etc/selinux/config, and find out who switched it.",
    mitre: ["T1562.001"],
  }),
  check({
    id: "mac.selinux.disabled",
    title: "SELinux configured but not active",
    severity: "medium",
    rationale:
      "/etc/selinux/config asks for SELinux, but the kernel runs without it (booted with selinux=0 or " +
      "the policy failed to load): nothing is confined.",
    remediation: "Remove selinux=0 from the kernel command line, relabel (touch /.autorelabel) and reboot.",
    mitre: ["T1562.001"],
  }),
  check({
    id: "mac.selinux.config_weaker",
    title: "SELinux configuration is weaker than the running mode",
    severity: "low",
    rationale:
      "SELinux enforces now, but /etc/selinux/config sets permissive or disabled: the next boot loses it.",
    remediation: "Set SELINUX=enforcing in /etc/selinux/config.",
    mitre: ["T1562.001"],
  }),
  check({
    id: "mac.apparmor.complain",
    title: "AppArmor profiles in complain mode",
    severity: "low",
    rationale:
      "Profiles in complain mode only log what they would block; the programs they cover are not confined.",
    remediation: "Switch them to enforce mode (aa-enforce <profile>) once their logs are clean.",
    mitre: ["T1562.001"],
  }),
  check({
    id: "mac.unconfined_daemon",
    title: "Network-facing daemon runs unconfined",
    severity: "low",
    rationale:
      "A daemon reachable from the network is the most likely entry point; when it runs unconfined " +
      "while MAC enforces elsewhere, an exploit gets the daemon user's full rights. Rated low when a profile " +
      "exists but does not apply (or under SELinux), information when the distribution ships no profile.",
    remediation:
      "Load and enforce a profile or policy module for it (aa-genprof / audit2allow), or bind it to " +
      "loopback if it need not face the network.",
    mitre: ["T1190"],
  }),
  check({
    id: "mac.lsm.missing",
    title: "Hardening LSM not active",
    severity: "low",
    rationale:
      "Yama restricts ptrace (credential theft from other processes); Landlock lets programs sandbox " +
      "themselves. Both are cheap and on by default in current distribution kernels.",
    remediation:
      "Boot a kernel with the LSM enabled (CONFIG_SECURITY_YAMA, CONFIG_SECURITY_LANDLOCK; `lsm=` on " +
      "the kernel command line).",
  }),
];
