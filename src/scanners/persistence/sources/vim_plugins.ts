/**
 * Vim and Neovim plugins: every `plugin/**\/*.vim` (and `.lua`) in a runtime-path directory, and each package's
 * under `pack/*\/start/*\/`, is sourced at every start of the editor, `ftdetect/*.vim` whenever filetype detection
 * is on and `ftplugin/*.vim` when a file of that type is opened: as whoever runs it, root included, with
 * `system()` and `:!` at hand. Debian's runtime path is ~/.vim, /var/lib/vim/addons, /etc/vim,
 * /usr/share/vim/vimfiles, the vim runtime, their `after` directories and ~/.vim/after; Neovim's adds
 * ~/.config/nvim, ~/.local/share/nvim/site, /etc/xdg/nvim and /usr/share/nvim/site, and reads init.vim or
 * init.lua. The editor's own runtime (/usr/share/vim/vim90) is the package's: a plugin there that no package
 * installed is `persistence.hook.unpackaged`.
 */
import { type Account, ROOT_ACCOUNT } from "../accounts.ts";
import { type Collector, type Entry, homeAccounts } from "../collect.ts";
import { scriptLines } from "../cron.ts";
import { judgeUnpackaged, subdirs } from "./hook_files.ts";

/** Runtime-path directories every user's editor reads (vim's on Debian, then Neovim's). */
const SYSTEM_RTP = [
  "/var/lib/vim/addons",
  "/etc/vim",
  "/usr/share/vim/vimfiles",
  "/usr/share/vim/vimfiles/after",
  "/etc/vim/after",
  "/var/lib/vim/addons/after",
  "/etc/xdg/nvim",
  "/usr/local/share/nvim/site",
  "/usr/share/nvim/site",
];
/** The same per user, relative to the home directory. */
const USER_RTP = [".vim", ".vim/after", ".config/nvim", ".config/nvim/after", ".local/share/nvim/site"];
/** Files Neovim sources at start besides its runtime path's plugins. */
const NVIM_INIT = ["/etc/xdg/nvim/sysinit.vim", "/usr/share/nvim/sysinit.vim"];
const USER_NVIM_INIT = [".config/nvim/init.vim", ".config/nvim/init.lua"];
/** How deep `plugin/**` is followed, how many plugin files one scan reads and how many directories it lists. */
const MAX_DEPTH = 4;
const MAX_FILES = 2000;
const MAX_DIRS = 2000;

const SCRIPT = /\.(?:vim|lua)$/;

/** Directories listed so far in one scan (a tree of thousands of directories is cut, with a warning). */
interface Walk {
  dirs: number;
}

/** The scripts under `dir`, recursively to MAX_DEPTH, in `out`. */
function scripts(c: Collector, walk: Walk, dir: string, depth: number, out: string[]): void {
  const listing = c.listing(dir);
  if (listing === undefined) return;
  if (++walk.dirs > MAX_DIRS) {
    if (walk.dirs === MAX_DIRS + 1) {
      c.ctx.warn("truncated", `more than ${MAX_DIRS} editor plugin directories`);
    }
    return;
  }
  for (const name of listing.files) if (SCRIPT.test(name)) out.push(`${dir}/${name}`);
  if (depth >= MAX_DEPTH) return;
  for (const sub of listing.dirs) scripts(c, walk, `${dir}/${sub}`, depth + 1, out);
}

/** Every script the editor sources from one runtime-path directory, its start packages included. */
function runtimeScripts(c: Collector, walk: Walk, rtp: string): string[] {
  const out: string[] = [];
  const roots = [rtp];
  for (const pack of subdirs(c, `${rtp}/pack`, /^[^.]/).slice(0, 100)) {
    for (const plugin of subdirs(c, `${rtp}/pack/${pack}/start`, /^[^.]/).slice(0, 500)) {
      roots.push(`${rtp}/pack/${pack}/start/${plugin}`, `${rtp}/pack/${pack}/start/${plugin}/after`);
    }
  }
  for (const root of roots) {
    // plugin/** is sourced at any depth; ftplugin/<type>/ one level down; ftdetect/ only itself.
    scripts(c, walk, `${root}/plugin`, 1, out);
    scripts(c, walk, `${root}/ftplugin`, MAX_DEPTH - 1, out);
    scripts(c, walk, `${root}/ftdetect`, MAX_DEPTH, out);
  }
  return out;
}

/** Vim script's `"` comment lines and Lua's `--` ones left out; every other logical line is an entry. */
function editorPoint(c: Collector, path: string, runAs: Account): void {
  const f = c.read(path);
  if (!f) return;
  const comment = path.endsWith(".lua") ? /^--/ : /^"/;
  const entries: Entry[] = scriptLines(f.text).filter((l) => !comment.test(l.text))
    .map((l) => ({ line: l.line, text: l.text, runAs }));
  c.point({ kind: "tool_startup", path, entries, meta: { runner: path.endsWith(".lua") ? "nvim" : "vim" } });
}

/** Every plugin and init file of the system's and each account's editors, and the editor runtime's owners. */
export function vimPluginSources(c: Collector): void {
  const files: [string, Account][] = [];
  const walk: Walk = { dirs: 0 };
  for (const rtp of SYSTEM_RTP) for (const p of runtimeScripts(c, walk, rtp)) files.push([p, ROOT_ACCOUNT]);
  for (const p of NVIM_INIT) files.push([p, ROOT_ACCOUNT]);
  for (const a of homeAccounts(c.ctx, c.accounts)) {
    for (const rel of USER_RTP) {
      for (const p of runtimeScripts(c, walk, `${a.home}/${rel}`)) files.push([p, a]);
    }
    for (const rel of USER_NVIM_INIT) files.push([`${a.home}/${rel}`, a]);
  }
  if (files.length > MAX_FILES) {
    c.ctx.warn(
      "truncated",
      `more than ${MAX_FILES} editor plugin files: ${files.length - MAX_FILES} not read`,
    );
  }
  for (const [path, runAs] of files.slice(0, MAX_FILES)) editorPoint(c, path, runAs);
  // The editors' own runtimes: plugins there come from packages.
  const vendor: string[] = [];
  for (const base of ["/usr/share/vim", "/usr/share/nvim"]) {
    for (const runtime of subdirs(c, base, /^(?:vim\d+|runtime)$/)) {
      for (const sub of ["plugin", "ftdetect"]) {
        vendor.push(
          ...c.list(`${base}/${runtime}/${sub}`).filter((n) => SCRIPT.test(n)).map((n) =>
            `${base}/${runtime}/${sub}/${n}`
          ),
        );
      }
    }
  }
  judgeUnpackaged(c, vendor, "editor runtime plugin");
}
