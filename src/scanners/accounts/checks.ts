/** The accounts scanner's catalogue: who can log in, as what, with which password state. */
import { type CheckInput, checkMaker } from "../../core/catalogue.ts";

/** The scanner name. */
export const ACCOUNTS = "accounts";

const mk = checkMaker(ACCOUNTS, { category: "privilege_escalation_surface" });

const REVIEW_ACCOUNT =
  "Find out who created the account and when (auth logs, the passwd- and shadow- backups, the login " +
  "records of this report); if nobody on the team did, lock it (usermod -L -e 1), preserve evidence and " +
  "remove it (userdel).";

/** Every accounts check. */
export const ACCOUNT_CHECKS: CheckInput[] = [
  mk({
    id: "accounts.passwd.uid0_extra",
    title: "Account other than root with uid 0",
    severity: "critical",
    rationale:
      "Every account with uid 0 is root, whatever its name. A second uid-0 entry (r00t, toor, a name with a " +
      "trailing space, a uid written as +0 or 4294967296 that glibc reads as 0) is the classic backdoor user: " +
      "its own password or keys give full root while root's own credentials stay untouched. Critical: it is full " +
      "root for whoever holds its credentials, and no distribution creates one.",
    remediation: REVIEW_ACCOUNT,
    mitre: ["T1136.001", "T1078.003", "T1098"],
  }),
  mk({
    id: "accounts.nss.uid0_record",
    title: "uid-0 account defined outside /etc/passwd (systemd user record, extrausers)",
    severity: "critical",
    rationale:
      "glibc's Name Service Switch asks every service nsswitch.conf names for an account: with `systemd` (Debian " +
      "12's default) a JSON user record in /etc/userdb, /run/userdb or /usr/lib/userdb is an account, with " +
      "`extrausers` a line in /var/lib/extrausers/passwd is. sshd, su and sudo see it; a reader of /etc/passwd " +
      "never does. Critical: a uid-0 record is a second root that no account review finds.",
    remediation:
      "Read the record (`userdbctl user NAME`, `getent passwd NAME`), preserve it as evidence and " +
      "remove it; then " + REVIEW_ACCOUNT.charAt(0).toLowerCase() + REVIEW_ACCOUNT.slice(1),
    mitre: ["T1136.001", "T1078.003", "T1098"],
  }),
  mk({
    id: "accounts.nss.extra_account",
    title: "Account or group membership defined outside /etc/passwd and /etc/group",
    severity: "high",
    rationale:
      "A systemd user or group record (/etc/userdb, /run/userdb, /run/host/userdb, /usr/lib/userdb) or a " +
      "libnss-extrausers file defines accounts and group memberships that logins get while /etc/passwd and " +
      "/etc/group show nothing. No Debian, Ubuntu or RHEL server ships such a record. High when the account can " +
      "log in (a login shell, a password or keys in its record) or the record puts someone in sudo, wheel, " +
      "root or another root-equivalent group; medium for another account; low when nsswitch.conf does not name " +
      "the service (inert until that one line changes) or /etc/passwd's entry of the name wins the lookup.",
    remediation: "Read the record, find out who placed it (its file times, the package database: " +
      "`dpkg -S`/`rpm -qf`), and remove it unless it is documented. " + REVIEW_ACCOUNT,
    mitre: ["T1136.001", "T1098"],
  }),
  mk({
    id: "accounts.nss.records_unread",
    title: "systemd user-record directory larger than the scan reads",
    severity: "high",
    rationale:
      "nss-systemd reads every .user, .group and .membership file of /etc/userdb, /run/userdb, /run/host/userdb " +
      "and /usr/lib/userdb; the scan reads a bounded number. A real host holds a handful: thousands were put " +
      "there, and a uid-0 record past them would log in unseen. High: the padding exists to hide a record.",
    remediation:
      "List the directory (`ls -f`, `userdbctl user`), keep a copy and remove what no package owns.",
    mitre: ["T1136.001", "T1027"],
  }),
  mk({
    id: "accounts.passwd.gid0_login",
    title: "Login account in the root group",
    severity: "medium",
    rationale:
      "An account other than root whose primary group is gid 0 and that has a login shell can read and " +
      "write every file the root group can: a quiet step towards root.",
    remediation: "Give the account its own primary group (usermod -g) unless there is a documented reason.",
    mitre: ["T1078.003", "T1548"],
  }),
  mk({
    id: "accounts.passwd.duplicate_uid",
    title: "Accounts sharing a uid",
    severity: "high",
    rationale:
      "Two names with one uid are one identity with two sets of credentials: logs and `id` show the first " +
      "name while the second logs in. Attackers clone an existing account's uid to borrow its files and rights. " +
      "High: no package gives one uid two names, so this was made by hand.",
    remediation: "Give each account its own uid, or remove the extra name. " + REVIEW_ACCOUNT,
    mitre: ["T1136.001", "T1078.003"],
  }),
  mk({
    id: "accounts.file.duplicate_name",
    title: "Account or group name listed twice",
    severity: "high",
    rationale:
      "glibc uses the first entry of a name; tools that edit the files, and other readers, may use another. " +
      "A second entry with other ids or another password is a way to keep a backdoor next to the real one. High: " +
      "stock account files never hold one; only a hand edit makes it.",
    remediation: "Keep one entry per name (pwck and grpck list them) and find out who added the other.",
    mitre: ["T1136.001", "T1098"],
  }),
  mk({
    id: "accounts.file.oversized",
    title: "Account file larger than the scan reads",
    severity: "high",
    rationale:
      "glibc reads /etc/passwd, shadow and group to the end, however long; the scan reads the first 16 MiB. A " +
      "real account file holds a few hundred lines: one this large was padded, and an account past the padding " +
      "(a second uid 0, a password for a service account) logs in without being seen." +
      " High: what the padding hides is an account, and the file was written by root.",
    remediation:
      "Look at the end of the file (`tail -c 4096`, `getent passwd | awk -F: '$3==0'`), keep a copy, and rebuild " +
      "it from a known-good backup.",
    mitre: ["T1136.001", "T1027.001"],
  }),
  mk({
    id: "accounts.file.malformed",
    title: "Malformed line in an account file",
    severity: "medium",
    rationale:
      "A line glibc skips (wrong field count, a uid that is not a number) may be a failed edit, or a line " +
      "written to confuse parsers that read the file differently from the system.",
    remediation: "Inspect the line (pwck -r, grpck -r) and fix or remove it.",
    mitre: ["T1136.001"],
  }),
  mk({
    id: "accounts.passwd.nis_entry",
    title: "NIS compatibility line in an account file",
    severity: "medium",
    rationale:
      "`+` and `-` lines import or hide accounts from NIS under `compat` lookups. They are rarely used today " +
      "and a `+::0:0:::` line is a known backdoor: high when it carries uid 0 or an empty password.",
    remediation: "Remove the line unless the host really uses NIS compat mode in nsswitch.conf.",
    mitre: ["T1136.001", "T1078"],
  }),
  mk({
    id: "accounts.passwd.suspicious_name",
    title: "Account name made to look like another",
    severity: "medium",
    rationale:
      "Names with blanks, control or non-ASCII characters, or lookalikes of root (r00t, root with a trailing " +
      "space) are made to be overlooked in listings and logs.",
    remediation: REVIEW_ACCOUNT,
    mitre: ["T1036", "T1136.001"],
  }),
  mk({
    id: "accounts.passwd.hash_in_passwd",
    title: "Password hash in the world-readable passwd file",
    severity: "high",
    rationale:
      "A hash in /etc/passwd instead of `x` takes precedence over the shadow file and can be read by every " +
      "user and cracked offline; it is also how backdoor accounts are added with one `echo >> /etc/passwd`. High: no " +
      "stock system keeps a hash there, where every user can read it.",
    remediation: "Run pwconv to move hashes to /etc/shadow, and find out who wrote the entry.",
    mitre: ["T1136.001", "T1098", "T1003.008"],
  }),
  mk({
    id: "accounts.password.empty",
    title: "Account without a password",
    severity: "critical",
    rationale:
      "An empty password field lets anyone log in as the account where empty passwords are accepted (console, " +
      "su, pam_unix with nullok, sshd with PermitEmptyPasswords). High for accounts without a login shell. Critical: " +
      "anyone who reaches a service that accepts it logs in without any secret.",
    remediation: "Lock the account (passwd -l) or set a password; remove nullok from the PAM stacks.",
    mitre: ["T1078.003", "T1098"],
  }),
  mk({
    id: "accounts.password.weak_hash",
    title: "Password hashed with an obsolete scheme",
    severity: "medium",
    rationale:
      "DES, MD5 and NT hashes fall to offline cracking in minutes to hours once the file leaks. A recent " +
      "change to such a scheme is also a sign of an account set by hand with a pasted hash.",
    remediation: "Set a new password (passwd) with a current ENCRYPT_METHOD (yescrypt or SHA-512).",
    mitre: ["T1110.002"],
  }),
  mk({
    id: "accounts.password.system_usable",
    title: "System account with a usable password",
    severity: "high",
    rationale:
      "Service accounts are created locked. A password on one (the 'backdoored system user' technique: " +
      "nobody, news or games given a password) turns it into a login nobody watches. High: installers never set one, " +
      "so it was added by hand.",
    remediation: "Lock it again (passwd -l) and review how the password was set. " + REVIEW_ACCOUNT,
    mitre: ["T1098", "T1078.003"],
  }),
  mk({
    id: "accounts.system.login_shell",
    title: "System account with a login shell",
    severity: "low",
    rationale:
      "Service accounts use nologin. A real shell on one is how a system user is turned into a login: high " +
      "with a usable password or authorized keys, medium for accounts that never log in on stock systems " +
      "(daemon, bin, games, news, nobody…), low otherwise, information for an account a package creates with " +
      "a shell, as packaged (postgres with its home under /var/lib, locked, without keys).",
    remediation: "Set the shell back to /usr/sbin/nologin (usermod -s) unless the package needs it.",
    mitre: ["T1098", "T1078.003"],
  }),
  mk({
    id: "accounts.shadow.orphan",
    title: "Shadow entry without a passwd account",
    severity: "medium",
    rationale:
      "A password without an account is inert until someone adds the matching passwd line: a backdoor " +
      "prepared in two steps, or the leftover of an account removed by hand.",
    remediation: "Remove the shadow entry (pwck) unless the account is being restored on purpose.",
    mitre: ["T1136.001"],
  }),
  mk({
    id: "accounts.account.recent",
    title: "Account or password changed recently",
    severity: "low",
    rationale:
      "An account created, or a password changed, within --persistence-recent-days: worth a look during an " +
      "investigation (shadow's last-change day, or an account missing from the passwd- backup of the last " +
      "change).",
    remediation: "Confirm the change with the person responsible for the account.",
    mitre: ["T1136.001", "T1098"],
  }),
  mk({
    id: "accounts.file.recent",
    title: "Account file modified recently",
    severity: "low",
    rationale:
      "passwd, shadow, group or gshadow modified within --persistence-recent-days: accounts, passwords or " +
      "group memberships changed.",
    remediation: "Compare with the backup copies (/etc/passwd- …) to see what changed.",
    mitre: ["T1136.001", "T1098"],
  }),
  mk({
    id: "accounts.group.privileged_members",
    title: "Members of a root-equivalent group",
    severity: "info",
    rationale:
      "sudo, wheel and admin grant root through sudo or polkit; docker, lxd and libvirt through their daemons; " +
      "disk through raw devices; shadow reads password hashes; adm reads logs. Listed once per group; medium " +
      "when a member is a system account, low when a member was created recently.",
    remediation: "Remove members who do not need the access (gpasswd -d USER GROUP).",
    mitre: ["T1098", "T1078.003", "T1548"],
  }),
  mk({
    id: "accounts.group.privileged_gid_alias",
    title: "Group line sharing the gid of a root-equivalent group",
    severity: "high",
    rationale:
      "glibc's initgroups gives a login the gid of every /etc/group line that lists it, whatever the line's " +
      "name, and sudo, polkit and pam_wheel compare gids. A second line with sudo's gid (`xsudo:x:27:eve`, or a " +
      "second `sudo:x:27:eve`) therefore puts eve in sudo while `grep ^sudo: /etc/group` shows no member. " +
      "High: no package writes such a line; it is a hidden grant of root.",
    remediation: "Remove the line (grpck lists duplicate gids), then find out who added it. " +
      REVIEW_ACCOUNT,
    mitre: ["T1098", "T1548.003"],
  }),
  mk({
    id: "accounts.group.password_set",
    title: "Group with a password",
    severity: "medium",
    rationale:
      "A group password in gshadow lets anyone who knows it join the group with newgrp: high for root-" +
      "equivalent groups (sudo, docker, disk…).",
    remediation: "Remove the group password (gpasswd -r GROUP).",
    mitre: ["T1098", "T1548"],
  }),
  mk({
    id: "accounts.login_defs.weak_hash_method",
    title: "login.defs hashes new passwords with an obsolete scheme",
    severity: "medium",
    hardening: true,
    rationale: "ENCRYPT_METHOD DES or MD5 makes every password set with passwd/chpasswd crackable offline.",
    remediation: "Set ENCRYPT_METHOD YESCRYPT or SHA512 in /etc/login.defs. (--hardening)",
    mitre: ["T1110.002"],
  }),
  mk({
    id: "accounts.login_defs.no_password_expiry",
    title: "Passwords never expire by default",
    severity: "low",
    hardening: true,
    rationale: "PASS_MAX_DAYS is unset or 99999: a leaked password stays valid forever. (--hardening)",
    remediation: "Set PASS_MAX_DAYS to your policy (for example 365) and apply it with chage.",
    mitre: ["T1078.003"],
  }),
  mk({
    id: "accounts.login_defs.weak_umask",
    title: "Default umask lets others write new files",
    severity: "low",
    hardening: true,
    rationale: "UMASK in login.defs without the group and other write bits masked. (--hardening)",
    remediation: "Set UMASK 022 or 027 in /etc/login.defs.",
    mitre: ["T1222.002"],
  }),
  mk({
    id: "accounts.password.never_expires",
    title: "Password exempt from the expiry policy",
    severity: "low",
    hardening: true,
    rationale:
      "login.defs sets a maximum password age, but this login account's shadow entry has none (or 99999). " +
      "(--hardening)",
    remediation: "Apply the policy: chage -M DAYS USER.",
    mitre: ["T1078.003"],
  }),
  mk({
    id: "accounts.inventory.account",
    title: "Login-capable account",
    severity: "info",
    category: "other",
    rationale:
      "An inventory entry (--accounts-inventory): an account that can log in, with its uid, shell, home, " +
      "password state and last login.",
    remediation: "Compare with the accounts you expect on this host.",
    mitre: [],
  }),
];
