/** The logins scanner's catalogue: who logged in, who tried, and whether the records were wiped. */
import { type CheckInput, checkMaker } from "../../core/catalogue.ts";

/** The scanner name. */
export const LOGINS = "logins";

const mk = checkMaker(LOGINS, { category: "ioc" });

const PRESERVE =
  "Copy the record files (utmp, wtmp, btmp, lastlog) and the journal off the host before anything else, then " +
  "compare them with the authentication log (journalctl -u ssh, /var/log/auth.log or secure).";

/** Every logins check. */
export const LOGIN_CHECKS: CheckInput[] = [
  mk({
    id: "logins.session.active",
    title: "Session logged in now",
    severity: "info",
    category: "other",
    rationale: "A login session recorded in utmp: who is on the host while it is being examined.",
    remediation: "Confirm every session belongs to someone expected; an unknown one may be the intruder.",
    mitre: ["T1078"],
  }),
  mk({
    id: "logins.root.remote",
    title: "Root logged in from a remote address",
    severity: "medium",
    rationale:
      "wtmp shows a uid-0 account logging in over the network within --persistence-recent-days. Direct remote " +
      "root logins leave no trace of which person it was, and are what a stolen root key or password looks like.",
    remediation:
      "Confirm each source address; prefer personal accounts with sudo and PermitRootLogin no (or " +
      "prohibit-password with known keys).",
    mitre: ["T1078.003", "T1021.004"],
  }),
  mk({
    id: "logins.system_account.remote",
    title: "System account logged in remotely",
    severity: "high",
    rationale:
      "Service accounts (www-data, nobody, postgres…) do not log in over the network. A remote login by one is " +
      "the use of a backdoored system user. High: a service account has no business with a network login.",
    remediation: "Lock the account, remove its shell and keys, and trace the source address. " + PRESERVE,
    mitre: ["T1078.003", "T1021.004", "T1098"],
  }),
  mk({
    id: "logins.unknown_account",
    title: "Login by an account that no longer exists",
    severity: "low",
    rationale:
      "wtmp records a login by a name that /etc/passwd does not have: an account created, used and deleted " +
      "(or one from a directory service such as LDAP or SSSD, which is normal on such hosts).",
    remediation: "Check the directory service; otherwise find out who created and removed the account.",
    mitre: ["T1136.001", "T1078", "T1070"],
    confidence: "heuristic",
  }),
  mk({
    id: "logins.btmp.burst",
    title: "Many failed logins from one source",
    severity: "medium",
    rationale:
      "btmp holds at least 20 failed logins from one address: password guessing. High when a login from the " +
      "same address succeeded after the failures started.",
    remediation:
      "Block the source, make sure password authentication is off where keys are used (PasswordAuthentication " +
      "no), and if a login succeeded, treat that account as compromised.",
    mitre: ["T1110", "T1110.001"],
  }),
  mk({
    id: "logins.records.missing",
    title: "Login record file missing",
    severity: "medium",
    rationale:
      "wtmp (or btmp, lastlog) does not exist although the host keeps these records: deleting them is the " +
      "bluntest way to erase who logged in. Low for btmp and lastlog.",
    remediation: PRESERVE + " Recreate the file with the right owner (root:utmp) and mode.",
    mitre: ["T1070.002"],
  }),
  mk({
    id: "logins.records.not_regular",
    title: "Login record file replaced by a link to /dev/null or a special file",
    severity: "high",
    rationale:
      "A wtmp, btmp, utmp or lastlog that is a symlink to /dev/null, a FIFO or a device throws every new record " +
      "away: a common anti-forensics step that needs root. High: no package sets this up; it only serves to lose " +
      "records.",
    remediation: "Replace it with a regular file (root:utmp, 0664 or 0660 for btmp). " + PRESERVE,
    mitre: ["T1070.002", "T1562.006"],
  }),
  mk({
    id: "logins.records.cleared",
    title: "Login records cleared or edited",
    severity: "high",
    rationale:
      "Logins that other records show (lastlog, utmp sessions, the boot in utmp) are not in wtmp, or happened " +
      "after wtmp was last written: it was emptied, rewritten or had its time stamp reset. An empty wtmp with " +
      "nothing contradicting it is only noted (info): rotation empties it too. High: removing login records needs " +
      "root and serves only to hide who logged in.",
    remediation: PRESERVE,
    mitre: ["T1070.002", "T1070.006"],
  }),
  mk({
    id: "logins.records.zeroed",
    title: "Wiped records in wtmp or btmp",
    severity: "high",
    rationale:
      "Records that are all zero bytes are never written by login programs; log cleaners overwrite the entries " +
      "they remove that way to keep the file size. High: only log cleaners write them.",
    remediation: PRESERVE,
    mitre: ["T1070.002"],
  }),
  mk({
    id: "logins.records.byte_swapped",
    title: "Login records written in the wrong byte order",
    severity: "high",
    rationale:
      "utmp, wtmp or btmp holds records in the other byte order beside the host's own. Login programs write only " +
      "the host's struct, and a file copied from another architecture holds no native record at all, so these " +
      "were crafted: a tool that guesses the byte order from the first records of the file (as a forensic parser " +
      "may) then reads every record wrongly and shows none of the real logins or failed logins. High: nothing but " +
      "a hand-made file mixes byte orders, and its only use is to hide logins.",
    remediation:
      "Read the file with the host's own tools (last -f, utmpdump), look at what the real records show, and " +
      "find out who wrote the others. " + PRESERVE,
    mitre: ["T1070.002"],
  }),
  mk({
    id: "logins.records.time_reversed",
    title: "Time runs backwards between login records",
    severity: "medium",
    rationale:
      "Records are appended as they happen, so their times only move forward except across a boot or a clock " +
      "change (which wtmp marks). A jump back of more than an hour elsewhere means records were inserted or " +
      "their times edited.",
    remediation: PRESERVE,
    mitre: ["T1070.002", "T1070.006"],
    confidence: "heuristic",
  }),
  mk({
    id: "logins.history.null_link",
    title: "Shell history is a link to /dev/null or a special file",
    severity: "high",
    rationale:
      "A history file replaced by a symlink to /dev/null (or a FIFO, a device) throws away every command the " +
      "account runs: done by intruders to leave no trail. High: no package or installer makes a history file a link.",
    remediation: "Replace it with a regular file owned by the account, and ask who made the link.",
    mitre: ["T1070.003", "T1562.003"],
  }),
  mk({
    id: "logins.history.disabled",
    title: "Shell history turned off in a start-up file",
    severity: "medium",
    rationale:
      "HISTFILE=/dev/null, unset HISTFILE, HISTSIZE=0, set +o history, history -c or HISTIGNORE='*' in a " +
      "start-up file keeps commands out of the history. High in a system-wide file or root's.",
    remediation: "Remove the line and find out who added it.",
    mitre: ["T1070.003", "T1562.003"],
  }),
  mk({
    id: "logins.history.empty",
    title: "Shell history empty after a recent login",
    severity: "low",
    rationale:
      "The account's history file is empty although it logged in within --persistence-recent-days: it may " +
      "have been cleared. Logins that only ran a command (ssh host cmd, scp) do not write history, hence low.",
    remediation: "Compare with the authentication log and the account's other traces (its files' times).",
    mitre: ["T1070.003"],
    confidence: "heuristic",
  }),
];
