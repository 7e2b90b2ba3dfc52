/** The auth scanner's catalogue: PAM stacks, sshd's effective configuration, polkit and D-Bus. */
import { type CheckInput, checkMaker } from "../../core/catalogue.ts";

/** The scanner name. */
export const AUTH = "auth";

const mk = checkMaker(AUTH, { category: "privilege_escalation_surface" });

const PAM_FIX =
  "Compare the file with the distribution's (dpkg -S/rpm -qf, then the package's copy or authselect/pam-auth-" +
  "update), restore it, and find out who changed it; treat passwords typed since then as exposed.";

/** Every auth check. */
export const AUTH_CHECKS: CheckInput[] = [
  mk({
    id: "auth.pam.exec_module",
    title: "PAM runs an external program",
    severity: "high",
    rationale:
      "pam_exec or pam_script in a stack runs a program at every authentication, password change or session: " +
      "a favourite backdoor and credential logger. Critical with expose_authtok in auth or password, where " +
      "the program receives the password on its standard input. High: no distribution puts pam_exec or pam_script in " +
      "a stock stack.",
    remediation: PAM_FIX,
    mitre: ["T1556.003"],
  }),
  mk({
    id: "auth.pam.auth_bypass",
    title: "PAM authentication succeeds without credentials",
    severity: "critical",
    rationale:
      "Run as libpam runs it, the auth stack of a service can end in success for someone who knows no password: " +
      "pam_permit (or pam_succeed_if on a condition anyone meets) placed as sufficient, or a jump over the " +
      "checks. High when it depends on a condition (a group, a uid range, pam_wheel trust); info for display " +
      "manager autologin and greeter services, which accept everyone by design. Critical: it is a login without a " +
      "password to everything that uses the stack (sshd, su, sudo).",
    remediation: PAM_FIX,
    mitre: ["T1556.003", "T1078"],
  }),
  mk({
    id: "auth.pam.untrusted_path",
    title: "PAM loads a module or file from outside the system directories",
    severity: "critical",
    rationale:
      "A module given by an absolute path outside the module directories (or a relative one escaping them with " +
      "..), or an include of a file outside /etc/pam.d, runs code or rules no package installed. Critical: code " +
      "outside the packaged modules runs inside every login.",
    remediation: PAM_FIX,
    mitre: ["T1556.003"],
  }),
  mk({
    id: "auth.pam.module_unowned",
    title: "PAM module file not installed by any package",
    severity: "high",
    rationale:
      "The module a stack loads is in the module directory but no package owns it: how PAM backdoors that log " +
      "or accept a magic password are dropped. High: every module a stock stack loads comes from a package.",
    remediation: "Identify the file (hash, strings, timestamps); remove it and the lines using it. " +
      PAM_FIX,
    mitre: ["T1556.003"],
  }),
  mk({
    id: "auth.pam.module_modified",
    title: "PAM module differs from its package",
    severity: "critical",
    rationale:
      "The module file's digest does not match the one its package recorded: a patched pam_unix that accepts a " +
      "master password or records every password is a classic rootkit component. Critical: a stock module matches " +
      "its package; a changed one sees every password typed on the host.",
    remediation: "Preserve the file, reinstall the package (apt install --reinstall / dnf reinstall). " +
      PAM_FIX,
    mitre: ["T1556.003"],
  }),
  mk({
    id: "auth.pam.nullok_remote",
    title: "Empty passwords accepted for a remote service",
    severity: "medium",
    rationale:
      "pam_unix with nullok in the stack of a network service (or of sshd with PermitEmptyPasswords yes) lets " +
      "an account with an empty password in from anywhere. High when such an account exists.",
    remediation: "Remove nullok from the stack (authselect: without-nullok) or lock the empty accounts.",
    mitre: ["T1078", "T1556.003"],
  }),
  mk({
    id: "auth.sshd.permit_root_login",
    title: "sshd lets root log in with a password",
    severity: "high",
    rationale:
      "PermitRootLogin yes with password or keyboard-interactive authentication on: root's password can be " +
      "guessed from the network and logins leave no trace of the person. A Match block that re-enables it " +
      "for one address or user is reported with its criteria. Low when only keys are accepted. High: distributions " +
      "ship prohibit-password or no; root's password open to the network was switched on by someone.",
    remediation: "Set PermitRootLogin prohibit-password (or no), also in every Match block and drop-in.",
    mitre: ["T1021.004", "T1078.003", "T1110"],
  }),
  mk({
    id: "auth.sshd.permit_empty_passwords",
    title: "sshd accepts empty passwords",
    severity: "high",
    rationale:
      "PermitEmptyPasswords yes lets accounts with an empty password log in over the network. High: no distribution " +
      "ships it on, and it turns an empty password into a network login.",
    remediation: "Set PermitEmptyPasswords no and lock accounts without a password.",
    mitre: ["T1021.004", "T1078"],
  }),
  mk({
    id: "auth.sshd.authorized_keys_file",
    title: "sshd reads keys from an extra location",
    severity: "medium",
    rationale:
      "An AuthorizedKeysFile outside ~/.ssh (or in a Match block) adds a place where keys grant logins, which " +
      "key audits of ~/.ssh miss. The keys found there are listed (the persistence scanner lists them too).",
    remediation:
      "Return to the default (.ssh/authorized_keys) unless the location is documented and root-owned.",
    mitre: ["T1098.004"],
  }),
  mk({
    id: "auth.sshd.keys_command",
    title: "sshd asks a program for keys or principals",
    severity: "medium",
    rationale:
      "AuthorizedKeysCommand and AuthorizedPrincipalsCommand run a program whose output grants logins: " +
      "legitimate with cloud agents and directories, a quiet backdoor otherwise. High when the program is " +
      "in an untrusted place.",
    remediation: "Confirm the program belongs to a known package and service; remove the line otherwise.",
    mitre: ["T1098.004", "T1556"],
  }),
  mk({
    id: "auth.sshd.trusted_user_ca",
    title: "sshd accepts user certificates signed by a CA",
    severity: "medium",
    rationale:
      "With TrustedUserCAKeys, any certificate one of the listed CA keys signs logs in as the principals it " +
      "names, whatever the authorized_keys files hold and without a trace in them: usual where an organisation " +
      "runs an SSH CA, a master key to every account otherwise. High when the CA file is in a place others can " +
      "write (or a temporary, hidden or home location).",
    remediation:
      "Confirm the CA keys (fingerprints listed) belong to your SSH CA; remove the line and the file otherwise, " +
      "and review recent certificate logins in the sshd logs.",
    mitre: ["T1098.004", "T1556"],
  }),
  mk({
    id: "auth.sshd.force_command",
    title: "sshd forces a command at login",
    severity: "medium",
    rationale:
      "ForceCommand runs a program at every login it applies to (internal-sftp is not reported): a way to run " +
      "code as each user that logs in.",
    remediation: "Confirm the command and who it applies to; remove it otherwise.",
    mitre: ["T1546", "T1098.004"],
  }),
  mk({
    id: "auth.sshd.permit_user_environment",
    title: "sshd lets users set environment variables",
    severity: "medium",
    rationale:
      "PermitUserEnvironment yes applies ~/.ssh/environment and environment= key options, so LD_PRELOAD and " +
      "friends can be set for every login.",
    remediation: "Set PermitUserEnvironment no.",
    mitre: ["T1574.006", "T1546"],
  }),
  mk({
    id: "auth.sshd.user_rc",
    title: "sshd runs an rc script at login",
    severity: "medium",
    rationale:
      "With PermitUserRC (the default) sshd runs ~/.ssh/rc, or /etc/ssh/sshrc, at every login: a persistence " +
      "point few people look at.",
    remediation: "Review and remove the script; set PermitUserRC no if it is not used.",
    mitre: ["T1037", "T1546"],
  }),
  mk({
    id: "auth.polkit.permissive_rule",
    title: "polkit grants actions without authentication to everyone",
    severity: "high",
    rationale:
      "A rules.d rule that returns YES without checking the user (or only a group everyone is in, or only a " +
      "local session), or a .pkla entry with ResultAny/Inactive/Active=yes for unix-user:*, lets any local " +
      "user run privileged actions (manage units, install packages, mount disks). The rule may be given by name, " +
      "hand YES back through a variable, ternary or helper, or hide it behind a test of subject.user that names " +
      "no one (a regex such as /./, an unknown function): such a test may always be true, so it restricts " +
      "nothing. Critical for any action. High: stock rules check the user or ask for an administrator's password.",
    remediation: "Restrict the rule to an admin group, or remove it.",
    mitre: ["T1548", "T1068"],
    confidence: "heuristic",
  }),
  mk({
    id: "auth.polkit.service_account_yes",
    title: "polkit grants actions without authentication to a service account",
    severity: "high",
    rationale:
      "A rule that returns YES when subject.user is www-data, nobody, postgres or another account that runs a " +
      "service (by name, in a list of names, by a regex or string test on the name, or through isInGroup of a " +
      "group such an account is in; or a .pkla entry for unix-user: or unix-group: of it) hands root's actions " +
      "(manage units, install packages, mount disks) to whoever takes over that service: a web shell running as " +
      "www-data becomes root with one D-Bus call. Packages grant their own daemons narrow actions " +
      "(systemd-networkd may set the hostname), so rules the packages installed are not judged; one in /etc or " +
      "that no package installed is. High: the service's account gets root's actions without a password; " +
      "critical when the grant holds for every action.",
    remediation:
      "Remove the rule or restrict it to the action and account the service needs; find who added it.",
    mitre: ["T1548", "T1098"],
    confidence: "heuristic",
  }),
  mk({
    id: "auth.polkit.spawn",
    title: "polkit rule runs a program",
    severity: "medium",
    rationale:
      "polkit.spawn() in a rules file runs a program, as the polkitd account, each time the rule is asked " +
      "about an action: code run on demand by any local user who asks for anything. Debian's polkitd-pkla " +
      "ships one (its compatibility rule runs the .pkla checker), so a rules file a package installed in a " +
      "package directory is not judged; one in /etc, or that no package installed, is.",
    remediation: "Read what the rule runs and why; remove the rule unless it belongs to a known package.",
    mitre: ["T1546", "T1548"],
  }),
  mk({
    id: "auth.polkit.broad_admin",
    title: "polkit treats everyone as an administrator",
    severity: "high",
    rationale:
      "addAdminRule (or AdminIdentities) naming unix-user:* or a group everyone is in makes every user's own " +
      "password enough for admin authentication. High: stock rules name only the administrators' group.",
    remediation: "Name only the admin group (sudo or wheel).",
    mitre: ["T1548"],
  }),
  mk({
    id: "auth.dbus.untrusted_exec",
    title: "D-Bus system service runs a program from an untrusted location",
    severity: "high",
    rationale:
      "A system bus activation file whose Exec= runs from a temporary directory, a home or a file others can " +
      "write: whoever can change the program runs code as the service's user on demand. Critical as root. High: " +
      "stock activation files only start packaged programs from system directories.",
    remediation: "Remove the service file or point it at a root-owned program under /usr.",
    mitre: ["T1543", "T1574"],
  }),
  mk({
    id: "auth.dbus.permissive_policy",
    title: "D-Bus system bus policy lets everyone own names or eavesdrop",
    severity: "high",
    rationale:
      'A default-context <allow own="*"> or own_prefix lets any user claim service names and impersonate ' +
      'system services; eavesdrop="true" lets them read other processes\' messages; send_destination="*" ' +
      "opens every service to every user. High: stock policies never open these to every user, and what they expose " +
      "runs as root or as system services.",
    remediation: "Remove the rule; give only the service's own user ownership of its name.",
    mitre: ["T1548", "T1557"],
  }),
  mk({
    id: "auth.login.securetty_pts",
    title: "Root may log in on pseudo-terminals",
    severity: "low",
    hardening: true,
    rationale:
      "/etc/securetty lists pts/* or other network terminals, so pam_securetty lets root log in on them. (--hardening)",
    remediation: "Keep only the console and serial lines in /etc/securetty.",
    mitre: ["T1078.003"],
  }),
  mk({
    id: "auth.login.access_allows_root",
    title: "access.conf lets root in from everywhere",
    severity: "low",
    hardening: true,
    rationale:
      "pam_access is used and /etc/security/access.conf grants root from ALL origins before any restriction. " +
      "(--hardening)",
    remediation: "Limit root to LOCAL or the admin network (+ : root : LOCAL).",
    mitre: ["T1078.003"],
  }),
];
