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
    severity: "low",
    hardening: true,
    rationale:
      "Without SELinux or AppArmor enforcing, a compromised daemon has every right of its user; MAC " +
      "confines services so that one exploited service cannot read or change the rest of the host. " +
      "Reported with --hardening: a kernel or installation without MAC is how the host was built. A MAC " +
      "the distribution ships and someone switched off is reported by default (mac.apparmor.disabled, " +
      "mac.selinux.*).",
    remediation:
      "Enable the distribution's MAC: AppArmor on Debian/Ubuntu/SUSE (apparmor=1 security=apparmor, " +
      "apparmor package and profiles), SELinux enforcing on RHEL/Fedora.",
    mitre: ["T1562.001"],
  }),
  check({
    id: "mac.apparmor.disabled",
    title: "AppArmor switched off",
    severity: "medium",
    rationale:
      "The kernel has AppArmor and the distribution's AppArmor and profiles are installed, yet nothing is " +
      "confined: the kernel was booted with apparmor=0 (medium: a boot-time change, sometimes an " +
      "administrator's) or every profile was unloaded from the running kernel (aa-teardown, apparmor_parser " +
      "-R; high: the run-time defence-evasion step).",
    remediation:
      "Remove apparmor=0 from the kernel command line, or reload the profiles (systemctl restart " +
      "apparmor), and find out who switched it off.",
    mitre: ["T1562.001"],
  }),
  check({
    id: "mac.selinux.permissive",
    title: "SELinux is permissive",
    severity: "medium",
    rationale:
      "In permissive mode SELinux only logs denials. High when /etc/selinux/config says enforcing, " +
      "so the mode was switched at run time (setenforce 0) or on the kernel command line (enforcing=0): the " +
      "classic defence-evasion step. Medium when the configuration itself was changed to permissive from " +
      "the enforcing mode distributions ship.",
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
      "the policy failed to load): nothing is confined, against the host's own configuration.",
    remediation: "Remove selinux=0 from the kernel command line, relabel (touch /.autorelabel) and reboot.",
    mitre: ["T1562.001"],
  }),
  check({
    id: "mac.selinux.config_weaker",
    title: "SELinux configuration is weaker than the running mode",
    severity: "medium",
    rationale: "SELinux enforces now, but /etc/selinux/config was changed to permissive or disabled: the " +
      "next boot loses it, a way to switch it off that survives without touching the running system.",
    remediation: "Set SELINUX=enforcing in /etc/selinux/config.",
    mitre: ["T1562.001"],
  }),
  check({
    id: "mac.apparmor.complain",
    title: "AppArmor profiles switched to complain mode",
    severity: "medium",
    rationale: "Profiles in complain mode only log what they would block. These were switched there: their " +
      "profile file does not ask for complain mode (forced with aa-complain, force-complain/ or " +
      "apparmor_parser -C) or was edited since its package installed it.",
    remediation: "Switch them back to enforce mode (aa-enforce <profile>) and find out who changed them.",
    mitre: ["T1562.001"],
  }),
  check({
    id: "mac.apparmor.complain_shipped",
    title: "AppArmor profiles shipped in complain mode",
    severity: "low",
    hardening: true,
    rationale:
      "Profiles their package ships in complain mode (or that another manager such as snapd or LXD loads " +
      "that way) only log what they would block; the programs they cover are not confined until an " +
      "administrator enforces them.",
    remediation: "Switch them to enforce mode (aa-enforce <profile>) once their logs are clean.",
    mitre: ["T1562.001"],
  }),
  check({
    id: "mac.unconfined_daemon",
    title: "Network-facing daemon runs outside the MAC policy meant for it",
    severity: "medium",
    rationale:
      "A daemon reachable from the network is the likeliest entry point. AppArmor has a profile for this one " +
      "(loaded or in /etc/apparmor.d) but the process is not confined by it (the profile disabled, unloaded, " +
      "or loaded after the daemon started), or under SELinux it runs in unconfined_t, the domain of an " +
      "administrator's shell rather than of a service: someone took it out of its confinement or started " +
      "it by hand.",
    remediation:
      "Reload and enforce its profile (aa-enforce, then restart the daemon), or start it through " +
      "its service manager, and find out why it ran unconfined.",
    mitre: ["T1190", "T1562.001"],
  }),
  check({
    id: "mac.daemon.no_profile",
    title: "Network-facing daemon has no MAC profile",
    severity: "info",
    hardening: true,
    rationale:
      "The daemon listens on the network and the distribution ships no AppArmor profile or SELinux policy " +
      "module for it (unconfined_service_t): an exploit gets the daemon user's full rights. Stock for many " +
      "daemons (sshd on Debian and Ubuntu), so information only.",
    remediation:
      "Write and enforce a profile or policy module for it (aa-genprof / audit2allow), or bind it to " +
      "loopback if it need not face the network.",
    mitre: ["T1190"],
  }),
  check({
    id: "mac.lsm.missing",
    title: "Hardening LSM not active",
    severity: "low",
    hardening: true,
    rationale:
      "Yama restricts ptrace (credential theft from other processes); Landlock lets programs sandbox " +
      "themselves. Both are cheap and on by default in current distribution kernels; without them those " +
      "protections cannot be switched on at all.",
    remediation:
      "Boot a kernel with the LSM enabled (CONFIG_SECURITY_YAMA, CONFIG_SECURITY_LANDLOCK; `lsm=` on " +
      "the kernel command line).",
  }),
];
