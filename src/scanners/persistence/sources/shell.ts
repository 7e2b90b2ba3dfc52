/** Shell start-up files: the system-wide ones (run by every user, root included) and each account's own. */
import { ROOT_ACCOUNT } from "../accounts.ts";
import { type Collector, homeAccounts } from "../collect.ts";
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

/** Shell start-up files of the system (they run as every user, root included) and of each account. */
export function shellSources(c: Collector): void {
  for (const path of SYSTEM_SHELL_FILES) scriptPoint(c, "shell_startup", path, ROOT_ACCOUNT);
  for (const name of c.list("/etc/profile.d")) {
    scriptPoint(c, "shell_startup", `/etc/profile.d/${name}`, ROOT_ACCOUNT);
  }
  for (const a of homeAccounts(c.ctx, c.accounts)) {
    for (const f of USER_SHELL_FILES) scriptPoint(c, "shell_startup", `${a.home}/${f}`, a);
  }
}
