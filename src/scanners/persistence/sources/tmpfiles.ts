/**
 * tmpfiles.d: lines systemd-tmpfiles applies at every boot. Besides creating directories it writes files (`f`,
 * `F`, `w`), links them (`L`) and copies them (`C`), as root: `L+ /etc/ld.so.preload - - - - /var/tmp/.l` or
 * `w+ /root/.ssh/authorized_keys - - - - ssh-ed25519 …` puts persistence back at each boot after it was cleaned.
 * Into a persistence location, the written text is judged as a command and the link or copy source by where it
 * lives, and the line is reported unless a package installed its file; elsewhere only a payload in the text.
 */
import { ROOT_ACCOUNT } from "../accounts.ts";
import { entryDigest } from "../assess.ts";
import { type Collector, type Entry, normalisePath } from "../collect.ts";
import { matchPatterns } from "../patterns.ts";
import { unlessOwned } from "./ownership.ts";
import { confFiles } from "./shared.ts";

/** tmpfiles.d directories, highest precedence first (a name in an earlier one hides the same name later). */
export const TMPFILES_DIRS = [
  "/etc/tmpfiles.d",
  "/run/tmpfiles.d",
  "/usr/local/lib/tmpfiles.d",
  "/usr/lib/tmpfiles.d",
  "/lib/tmpfiles.d",
];

/** One line of a tmpfiles.d file. */
export interface TmpfilesLine {
  line: number;
  /** The type letter without its modifiers (`+`, `!`, `-`, `=`, `~`, `^`, `$`, `?`). */
  type: string;
  /** The whole type field as written (`L+`, `w!`). */
  typeField: string;
  path: string;
  /** The sixth field to the end of the line ("-" or absent: none). */
  argument?: string;
}

/** Specifiers systemd-tmpfiles expands in a path, as it does for the system instance (run as root). */
const SPECIFIERS: Record<string, string> = {
  h: "/root",
  t: "/run",
  S: "/var/lib",
  C: "/var/cache",
  L: "/var/log",
  T: "/tmp",
  V: "/var/tmp",
  "%": "%",
};

/** A path field as systemd-tmpfiles reads it: quotes removed, the specifiers above expanded. */
function pathField(field: string): string {
  const unquoted = /^(["']).*\1$/.test(field) ? field.slice(1, -1) : field;
  return unquoted.replace(/%(.)/g, (m, c: string) => SPECIFIERS[c] ?? m);
}

/** Parses a tmpfiles.d file; malformed lines are counted. Never throws. */
export function parseTmpfiles(text: string): { lines: TmpfilesLine[]; bad: number } {
  const lines: TmpfilesLine[] = [];
  let bad = 0;
  text.split("\n").forEach((raw, i) => {
    const t = raw.replace(/\r$/, "").trim();
    if (t === "" || t.startsWith("#")) return;
    // The first six fields by a regex, the argument (the rest of the line) by slice: a `\s+(.*)$` at the end
    // backtracked quadratically on a line with a carriage return in the middle, which is kept as part of it.
    const m = t.match(/^(\S+)\s+(\S+)(?:\s+(\S+)(?:\s+(\S+)(?:\s+(\S+)(?:\s+(\S+))?)?)?)?/);
    const type = m?.[1].replace(/[+!\-=~^$?]/g, "");
    const path = m ? pathField(m[2]) : "";
    if (!m || type === undefined || type.length !== 1 || !path.startsWith("/")) {
      bad++;
      return;
    }
    const argument = t.slice(m[0].length).trim();
    lines.push({
      line: i + 1,
      type,
      typeField: m[1],
      path,
      ...(argument !== "" && argument !== "-" ? { argument } : {}),
    });
  });
  return { lines, bad };
}

/** Where a file written, linked or copied at boot is itself persistence (or an account or a key). */
const PERSISTENCE_TARGET =
  /^\/etc\/(?:ld\.so\.(?:preload|conf)|crontab|cron\.|anacrontab|rc\.local|rc\.d\/|init\.d\/|profile|bash\.bashrc|environment|sudoers|pam\.d|security\/|systemd\/|update-motd\.d|udev\/|xdg\/autostart|apt\/apt\.conf|modprobe\.d|modules|passwd|shadow|group|gshadow|ssh\/|X11\/|kernel\/|nsswitch\.conf|polkit-1\/|vim\/|vimrc|tmux\.conf|screenrc|fish\/|tmpfiles\.d|binfmt\.d|sysctl\.|initramfs-tools|dracut|default\/grub|zsh)|^\/var\/spool\/cron|^\/(?:usr\/(?:local\/)?)?lib\/(?:systemd\/|udev\/|tmpfiles\.d|modules-load\.d|modprobe\.d|binfmt\.d|environment\.d)|^\/usr\/lib\/(?:kernel\/|x86_64-linux-gnu\/libnss_|polkit-1\/)|\/\.ssh\/|\/\.(?:bashrc|profile|bash_profile|bash_login|bash_logout|zshrc|zprofile|zshenv|xsessionrc|xprofile|xinitrc|vimrc|tmux\.conf|config\/(?:autostart|systemd|fish))(?:\/|$)/;

/** Types that put content at the path: written text (f, F, w) or a link or copy of another file (L, C). */
const WRITES = new Set(["f", "F", "w"]);
const LINKS = new Set(["L", "C"]);

/** tmpfiles.d files: each line that writes, links or copies a file. */
export function tmpfilesSources(c: Collector): void {
  for (const path of confFiles(c, TMPFILES_DIRS)) {
    const f = c.read(path);
    if (!f) continue;
    const parsed = parseTmpfiles(f.text);
    if (parsed.bad > 0) {
      c.ctx.warn("tmpfiles_malformed", `${path}: ${parsed.bad} line(s) that are not tmpfiles lines`);
    }
    const entries: Entry[] = [];
    for (const l of parsed.lines) {
      if (!WRITES.has(l.type) && !LINKS.has(l.type)) continue;
      // Into a persistence location, the written text is judged as the command it becomes (a crontab line
      // running /var/tmp/x) and a link's or copy's source by where it lives (a preload linked to /var/tmp/.l).
      // Elsewhere the text is data (a sysctl value, a link of /run/shm to /dev/shm): only a payload in it counts.
      const target = normalisePath(l.path);
      const persistent = PERSISTENCE_TARGET.test(target);
      if (
        l.argument !== undefined &&
        (persistent || (WRITES.has(l.type) && matchPatterns(l.argument).length > 0))
      ) {
        entries.push({ line: l.line, text: l.argument, runAs: ROOT_ACCOUNT });
      }
      if (!persistent) continue;
      unlessOwned(c, path, {
        check_id: "persistence.tmpfiles.persistence_target",
        subject: `${path}:${entryDigest(`${l.typeField} ${target}`)}`,
        description:
          `${path}:${l.line} ${LINKS.has(l.type) ? "links or copies" : "writes"} ${target} at every ` +
          `boot (${l.typeField}${l.argument !== undefined ? ` ${l.argument.slice(0, 200)}` : ""}), and no ` +
          "package installed the file.",
        metadata: {
          path,
          line: l.line,
          type: l.typeField,
          target,
          ...(l.argument !== undefined ? { argument: l.argument.slice(0, 1000) } : {}),
        },
        location: { path },
      });
    }
    c.point({ kind: "tmpfiles", path, entries, meta: { lines: parsed.lines.length } });
  }
}
