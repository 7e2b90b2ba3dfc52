/**
 * Shell history anti-forensics: history files of login accounts that are links to /dev/null (or special files),
 * empty after a recent login, and start-up files that turn history off (HISTFILE=/dev/null, unset HISTFILE,
 * HISTSIZE=0, set +o history, history -c, HISTIGNORE='*').
 */
import type { FindingDraft } from "../../core/finding.ts";
import { type Host, pathComponents } from "../../host/host.ts";
import { type AccountDb, isLoginShell, passwdByName } from "../accounts/db.ts";
import { entryDigest } from "../persistence/assess.ts";
import { scriptLines } from "../persistence/cron.ts";
import { SYSTEM_SHELL_FILES, USER_SHELL_FILES } from "../persistence/sources/shell.ts";
import { lastLoginOf, type LoginRecords } from "./records.ts";

/** History files, relative to the home directory, and the shells that write them. */
export const HISTORY_FILES: readonly { file: string; shells: readonly string[] }[] = [
  { file: ".bash_history", shells: ["bash"] },
  { file: ".zsh_history", shells: ["zsh"] },
  { file: ".zhistory", shells: ["zsh"] },
  { file: ".histfile", shells: ["zsh"] },
  { file: ".sh_history", shells: ["ksh", "mksh", "sh"] },
  { file: ".mksh_history", shells: ["mksh"] },
  { file: ".ash_history", shells: ["ash", "busybox"] },
  { file: ".history", shells: ["tcsh", "csh"] },
  { file: ".local/share/fish/fish_history", shells: ["fish"] },
  { file: ".python_history", shells: [] },
  { file: ".mysql_history", shells: [] },
  { file: ".psql_history", shells: [] },
];

/** Extra start-up files read here beyond the persistence scanner's lists. */
const EXTRA_USER_FILES = [".zlogout", ".kshrc", ".mkshrc", ".config/fish/config.fish"];

/** The simple commands of a line (split at `;`, `&`, `|`), each trimmed: what the word-based tests look at. */
function segments(line: string): string[] {
  return line.split(/[;&|]/).map((x) => x.trim());
}

/**
 * The words of a simple command as the shell would run them: the quoting, escaping and grouping around a word
 * removed (`\rm`, `(rm`, `` `rm ``, `$(unset`, `"HISTFILE")` are `rm`, `unset`, `HISTFILE`).
 */
function words(command: string): string[] {
  return command.split(/\s+/).map((w) => w.replace(/^[\\({"'`$]+/, "").replace(/[)}"'`]+$/, ""));
}

/** A history file name (`~/.bash_history`, `$HOME/.zsh_history`, `.histfile`). */
const HISTORY_FILE = /(?:_history|\.histfile)\b/;

/**
 * What turns history off in a shell line, by name. Each test is linear in the line: the word-list ones split the
 * line into its simple commands rather than letting a regex retry a run of words from every position (a line of
 * `rm a a a …` or `unset x x x …` took seconds that way).
 */
export const HISTORY_OFF: readonly { name: string; test: (line: string) => boolean }[] = [
  {
    name: "HISTFILE=/dev/null",
    test: (l) => /\bHISTFILE\s*=\s*(?:["']?\/dev\/null\b|["']{2}|(?=[\s;&|)]|$))/.test(l),
  },
  {
    name: "unset HISTFILE",
    test: (l) =>
      segments(l).some((c) => {
        const ws = words(c);
        const at = ws.indexOf("unset");
        return at >= 0 && ws.indexOf("HISTFILE", at + 1) > at;
      }),
  },
  {
    name: "history size 0",
    test: (l) => /\b(?:HISTSIZE|HISTFILESIZE|SAVEHIST)\s*=\s*["']?0+["']?(?=[\s;&|)]|$)/.test(l),
  },
  { name: "set +o history", test: (l) => /\bset\s+\+o\s+history\b/.test(l) },
  { name: "history -c", test: (l) => /\bhistory\s+-[a-z]*c\b/.test(l) },
  { name: "HISTIGNORE='*'", test: (l) => /\bHISTIGNORE\s*=\s*["']?\*["']?(?=[\s;&|)]|$)/.test(l) },
  {
    name: "history file removed or linked to /dev/null",
    test: (l) =>
      l.includes("hist") && segments(l).some((c) => {
        if (!HISTORY_FILE.test(c)) return false;
        const ws = words(c);
        const is = (w: string, name: string) => w === name || w.endsWith(`/${name}`);
        if (ws.some((w) => is(w, "rm"))) return true;
        const ln = ws.findIndex((w) => is(w, "ln"));
        if (ln >= 0 && /^-\w*s/.test(ws[ln + 1] ?? "") && ws[ln + 2] === "/dev/null") return true;
        // `> file`, `: > file`, `cat /dev/null > file`: a command that only truncates the file.
        return /^[({`$\s]*(?:cat\s+\/dev\/null\s*|:\s*)?>/.test(c);
      }),
  },
];

/** The names of what turns history off in one logical line ([] when nothing does). */
export function historyOffIn(line: string): string[] {
  return HISTORY_OFF.filter((h) => h.test(line)).map((h) => h.name);
}

interface LoginAccount {
  name: string;
  uid: number;
  home: string;
  shell: string;
}

/** Accounts that can open a shell (root and login shells), one per home directory. */
export function loginAccounts(db: AccountDb): LoginAccount[] {
  const seen = new Set<string>();
  const out: LoginAccount[] = [];
  for (const e of passwdByName(db).values()) {
    if (e.uid !== 0 && !isLoginShell(e.shell)) continue;
    if (!e.home.startsWith("/")) continue;
    const home = "/" + pathComponents(e.home).join("/");
    if (home === "/" || home === "/nonexistent" || seen.has(home)) continue;
    seen.add(home);
    out.push({ name: e.name, uid: e.uid, home, shell: e.shell.trim() });
  }
  return out;
}

/** History files that are links to /dev/null or not regular, and the shell's history empty after a recent login. */
export function* historyFiles(
  db: AccountDb,
  records: LoginRecords,
  host: Host,
  sinceSec: number | undefined,
): Generator<FindingDraft> {
  for (const a of loginAccounts(db)) {
    const shell = a.shell.slice(a.shell.lastIndexOf("/") + 1);
    const emptyOwn: string[] = [];
    let ownExists = false;
    for (const h of HISTORY_FILES) {
      const path = `${a.home}/${h.file}`;
      const l = host.lstat(path);
      if (!l.ok) continue;
      let what: string | undefined;
      let target: string | null = null;
      if (l.value.isSymlink) {
        const link = host.readLink(path);
        target = link.ok ? link.value : "?";
        const st = host.stat(path);
        if (/(?:^|\/)dev\/null\/*$/.test(target)) what = "a symlink to /dev/null";
        else if (st.ok && !st.value.isFile) {
          what = `a symlink to something that is not a regular file (${target})`;
        }
      } else if (!l.value.isFile && !l.value.isDirectory) {
        what = l.value.isFifo ? "a FIFO" : l.value.isCharDevice ? "a character device" : "not a regular file";
      }
      if (what !== undefined) {
        yield {
          check_id: "logins.history.null_link",
          subject: path,
          severity: a.uid === 0 ? "high" : undefined,
          description: `${path} (history of ${a.name}) is ${what}: the account's commands are not kept.`,
          metadata: { path, user: a.name, uid: a.uid, is: what, target },
          location: { path },
        };
        continue;
      }
      if (h.shells.includes(shell) && l.value.isFile) {
        ownExists = true;
        if (l.value.size === 0) emptyOwn.push(path);
      }
    }
    if (sinceSec === undefined || !ownExists || emptyOwn.length === 0) continue;
    const last = lastLoginOf(records, a.name, a.uid);
    if (!last || last.time < sinceSec) continue;
    yield {
      check_id: "logins.history.empty",
      subject: emptyOwn[0],
      description: `${emptyOwn.join(", ")} is empty although ${a.name} logged in ${
        new Date(last.time * 1000).toISOString()
      }${last.host ? ` from ${last.host}` : ""}.`,
      metadata: {
        path: emptyOwn[0],
        user: a.name,
        uid: a.uid,
        last_login: new Date(last.time * 1000).toISOString(),
        last_login_from: last.host || null,
      },
      location: { path: emptyOwn[0] },
    };
  }
}

/** The start-up files to read: the system's (and /etc/profile.d, /etc/skel) and each login account's. */
export function startupFiles(db: AccountDb, host: Host): { path: string; user: LoginAccount | undefined }[] {
  const out: { path: string; user: LoginAccount | undefined }[] = SYSTEM_SHELL_FILES.map((path) => ({
    path,
    user: undefined,
  }));
  for (const dir of ["/etc/profile.d", "/etc/skel"]) {
    const r = host.readDir(dir, 5000);
    if (!r.ok) continue;
    for (const e of r.value.filter((e) => !e.isDirectory).map((e) => e.name).sort()) {
      out.push({ path: `${dir}/${e}`, user: undefined });
    }
  }
  for (const a of loginAccounts(db)) {
    for (const f of [...USER_SHELL_FILES, ...EXTRA_USER_FILES]) out.push({ path: `${a.home}/${f}`, user: a });
  }
  return out;
}

/** Lines of start-up files that turn shell history off. */
export function* historyDisabled(
  db: AccountDb,
  host: Host,
  warn: (detail: string) => void,
): Generator<FindingDraft> {
  for (const { path, user } of startupFiles(db, host)) {
    const r = host.readText(path, 1 << 20);
    if (!r.ok) {
      if (r.reason !== "missing" && r.reason !== "not_file") warn(`${path}: ${r.message}`);
      continue;
    }
    if (r.truncated) warn(`${path} larger than 1 MiB: only the start was read`);
    for (const l of scriptLines(r.value)) {
      const hits = historyOffIn(l.text);
      if (hits.length === 0) continue;
      const skel = path.startsWith("/etc/skel/");
      const systemWide = user === undefined && !skel;
      yield {
        check_id: "logins.history.disabled",
        subject: `${path}:${entryDigest(l.text)}`,
        severity: systemWide || user?.uid === 0 ? "high" : undefined,
        description: `${path}:${l.line} (${
          skel ? "copied to new accounts" : systemWide ? "every user" : user!.name
        }): ${hits.join(", ")}: ${l.text.slice(0, 200)}`,
        metadata: {
          path,
          line: l.line,
          text: l.text.slice(0, 500),
          indicators: hits,
          user: user?.name ?? null,
          scope: skel ? "skel" : systemWide ? "system" : "account",
        },
        location: { path },
      };
    }
  }
}
