/** Shared fixtures of the accounts, auth and logins tests: a clean account database. */

// Invented hashes of the right shape: no password is behind them.
export const H = {
  sha512: "$6$Zq0aBcDeFgHiJk$" + "q".repeat(86),
  yescrypt: "$y$j9T$Zq0aBcDeFgHiJkLm$" + "y".repeat(43),
  md5: "$1$Zq0aBcDe$" + "m".repeat(22),
  des: "ZqAbCdEfGhIjK",
};

/** A clean host: root, two system accounts, one person; shadow entries locked except alice's. */
export const CLEAN: Record<string, string> = {
  "etc/passwd": [
    "root:x:0:0:root:/root:/bin/bash",
    "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin",
    "sync:x:4:65534:sync:/bin:/bin/sync",
    "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin",
    "alice:x:1000:1000:Alice,,,:/home/alice:/bin/bash",
  ].join("\n") + "\n",
  "etc/shadow": [
    "root:*:19700:0:99999:7:::",
    "daemon:*:19700:0:99999:7:::",
    "sync:*:19700:0:99999:7:::",
    "nobody:*:19700:0:99999:7:::",
    `alice:${H.yescrypt}:19700:0:99999:7:::`,
  ].join("\n") + "\n",
  "etc/group": "root:x:0:\ndaemon:x:1:\nsudo:x:27:alice\nnogroup:x:65534:\nalice:x:1000:\n",
  "etc/gshadow": "root:*::\ndaemon:*::\nsudo:*::alice\nnogroup:*::\nalice:!::\n",
  "etc/login.defs": "UID_MIN 1000\nUID_MAX 60000\nPASS_MAX_DAYS 99999\nENCRYPT_METHOD SHA512\nUMASK 022\n",
};
