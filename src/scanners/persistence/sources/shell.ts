/** Shell start-up files: the system-wide ones (run by every user, root included) and each account's own. */
import { type Account, ANY_USER, ROOT_ACCOUNT } from "../accounts.ts";
import { type Collector, type Entry, homeAccounts } from "../collect.ts";
import { scriptLines } from "../cron.ts";
import { scriptPoint } from "./shared.ts";

/** System-wide shell start-up files (/etc/environment is pam_env's, not a shell's: sources/environment.ts). */
export const SYSTEM_SHELL_FILES = [
  "/etc/profile",
  "/etc/bash.bashrc",
  "/etc/bashrc",
  "/etc/bash.bash_logout",
  "/etc/zsh/zshenv",
  "/etc/zsh/zprofile",
  "/etc/zsh/zshrc",
  "/etc/zsh/zlogin",
  "/etc/zshenv",
  "/etc/zshrc",
];

/** Per-user shell start-up files, relative to the home directory. */
export const USER_SHELL_FILES = [
  ".bashrc",
  ".profile",
  ".bash_profile",
  ".bash_login",
  ".bash_logout",
  ".zshrc",
  ".zshenv",
  ".zprofile",
  ".zlogin",
];

/**
 * Directories whose every file a shell sources: /etc/profile.d (login shells), /etc/bash_completion.d (every
 * interactive bash with bash-completion), fish's conf.d, Xsession.d (every graphical login), and per user
 * ~/.bashrc.d (Fedora's and RHEL's skeleton .bashrc) and fish's.
 */
export const SYSTEM_SHELL_DIRS = [
  "/etc/profile.d",
  "/etc/bash_completion.d",
  "/etc/fish/conf.d",
  "/etc/X11/Xsession.d",
];
/** Per-user directories of sourced start-up fragments, relative to the home directory. */
export const USER_SHELL_DIRS = [".bashrc.d", ".config/fish/conf.d"];
/** More system-wide start-up files some distributions read (SUSE's *.local, zsh's zlogout, csh). */
export const MORE_SYSTEM_SHELL_FILES = [
  "/etc/zlogin",
  "/etc/zlogout",
  "/etc/zprofile",
  "/etc/zsh/zlogout",
  "/etc/profile.local",
  "/etc/bash.bashrc.local",
  "/etc/csh.cshrc",
  "/etc/csh.login",
  // fish, and the X session scripts every graphical login sources (Debian's Xsession, xinit, xprofile).
  "/etc/fish/config.fish",
  "/etc/X11/Xsession",
  "/etc/X11/xinit/xinitrc",
  "/etc/xprofile",
];
/** Start-up files new accounts get a copy of (they run as each future user). */
export const SKELETON_FILES = [
  ".bashrc",
  ".profile",
  ".bash_profile",
  ".bash_login",
  ".bash_logout",
  ".zshrc",
];
/**
 * More per-user start-up files: Debian's .bashrc sources ~/.bash_aliases; ksh and zsh read the next ones; fish
 * its config; a graphical login (Xsession, startx) sources or runs the X session files.
 */
export const MORE_USER_SHELL_FILES = [
  ".bash_aliases",
  ".kshrc",
  ".mkshrc",
  ".zlogout",
  ".config/fish/config.fish",
  ".xsessionrc",
  ".xprofile",
  ".xsession",
  ".xinitrc",
];

/**
 * Start-up files of interactive tools that can run commands: vim's vimrc (`!cmd`, `system()`, autocommands),
 * tmux's configuration (`run-shell`, `default-command`), screen's screenrc, readline's inputrc (a macro bound
 * to Enter types a command after every line the user enters) and less's lesskey source (`#env` sets LESSOPEN,
 * a command run on every file viewed). System-wide ones run as every user, root included.
 */
export const TOOL_STARTUP_FILES = [
  "/etc/vim/vimrc",
  "/etc/vim/vimrc.local",
  "/etc/vimrc",
  "/etc/tmux.conf",
  "/etc/screenrc",
  "/etc/inputrc",
  "/etc/syslesskey",
];
/** The same, per user, relative to the home directory. */
export const USER_TOOL_STARTUP_FILES = [
  ".vimrc",
  ".vim/vimrc",
  ".tmux.conf",
  ".config/tmux/tmux.conf",
  ".screenrc",
  ".inputrc",
  ".lesskey",
  ".config/lesskey",
];

/** One start-up file and whose shell reads it. */
export interface StartupFile {
  path: string;
  runAs: Account;
}

/** Every shell start-up file of the system and of each account, in the order they are judged. */
export function shellStartupFiles(c: Collector): StartupFile[] {
  const out: StartupFile[] = [];
  for (const path of [...SYSTEM_SHELL_FILES, ...MORE_SYSTEM_SHELL_FILES]) {
    out.push({ path, runAs: ROOT_ACCOUNT });
  }
  for (const dir of SYSTEM_SHELL_DIRS) {
    for (const name of c.list(dir)) out.push({ path: `${dir}/${name}`, runAs: ROOT_ACCOUNT });
  }
  for (const f of SKELETON_FILES) out.push({ path: `/etc/skel/${f}`, runAs: ANY_USER });
  for (const a of homeAccounts(c.ctx, c.accounts)) {
    for (const f of [...USER_SHELL_FILES, ...MORE_USER_SHELL_FILES]) {
      out.push({ path: `${a.home}/${f}`, runAs: a });
    }
    for (const dir of USER_SHELL_DIRS) {
      for (const name of c.list(`${a.home}/${dir}`)) out.push({ path: `${a.home}/${dir}/${name}`, runAs: a });
    }
  }
  return out;
}

/** Shell and tool start-up files of the system (they run as every user, root included) and of each account. */
export function shellSources(c: Collector): void {
  for (const f of shellStartupFiles(c)) scriptPoint(c, "shell_startup", f.path, f.runAs);
  for (const path of TOOL_STARTUP_FILES) toolPoint(c, path, ROOT_ACCOUNT);
  for (const a of homeAccounts(c.ctx, c.accounts)) {
    for (const f of USER_TOOL_STARTUP_FILES) toolPoint(c, `${a.home}/${f}`, a);
  }
}

/**
 * A tool's start-up file: its logical lines are entries, vim's `"` comment lines left out as `#` ones are (in
 * an inputrc a `"` starts a key binding, which is kept).
 */
function toolPoint(c: Collector, path: string, runAs: Account): void {
  const f = c.read(path);
  if (!f) return;
  const vim = /vim/.test(path.slice(path.lastIndexOf("/")));
  const entries: Entry[] = scriptLines(f.text).filter((l) => !(vim && l.text.startsWith('"')))
    .map((l) => ({ line: l.line, text: l.text, runAs }));
  c.point({ kind: "tool_startup", path, entries });
}
