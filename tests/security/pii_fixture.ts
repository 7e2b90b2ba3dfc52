/** A fixture host full of known personal data, built at test time on top of the proc-compromised host. */
import { fixtureRoot } from "../helpers.ts";

/** Values that must never appear in a redacted report. */
export const KNOWN_VALUES = [
  "alice",
  "Alice Liddell",
  "bobby",
  "/srv/bobby-data",
  "secret-host",
  "Hunter2SecretValue",
  "tok-ABCDEF123456",
];

/** Patterns for the uid 1000 in uid-like contexts. */
export const KNOWN_UID_PATTERNS = [/"(?:uid|euid)":\s*1000\b/, /user-1000\.slice/, /\buid[ =:]1000\b/];

/** Builds the tree and returns its path (remove it with Deno.removeSync(path, { recursive: true })). */
export function makePiiHost(): string {
  const root = Deno.makeTempDirSync({ prefix: "sys-scan-pii-" });
  new Deno.Command("/bin/cp", { args: ["-a", `${fixtureRoot("proc-compromised")}/.`, root] }).outputSync();
  const w = (rel: string, content: string | Uint8Array, mode?: number) => {
    const p = `${root}/${rel}`;
    Deno.mkdirSync(p.slice(0, p.lastIndexOf("/")), { recursive: true });
    if (typeof content === "string") Deno.writeTextFileSync(p, content);
    else Deno.writeFileSync(p, content);
    if (mode !== undefined) Deno.chmodSync(p, mode);
  };
  const passwd = Deno.readTextFileSync(`${root}/etc/passwd`);
  w(
    "etc/passwd",
    passwd +
      "alice:x:1000:1000:Alice Liddell,,,:/home/alice:/bin/bash\nbobby:x:1001:1001::/srv/bobby-data:/bin/sh\n",
  );
  w("etc/hostname", "secret-host.example.org\n");
  const miner = "/home/alice/.cache/xmrig";
  const argv = [miner, "--password=Hunter2SecretValue", "--user=alice", "-o", "pool.example:3333"];
  w("proc/900/cmdline", argv.join("\0") + "\0");
  w(
    "proc/900/stat",
    `900 (xmrig) S 1 0 0 0 0 4194560 0 0 0 0 0 0 0 0 0 0 0 0 1900 ${"0 ".repeat(30).trim()}\n`,
  );
  w(
    "proc/900/status",
    "Name:\txmrig\nTgid:\t900\nPid:\t900\nPPid:\t1\nUid:\t1000\t1000\t1000\t1000\nGid:\t1000\t1000\t1000\t1000\n",
  );
  w(
    "proc/900/environ",
    "API_TOKEN=tok-ABCDEF123456\0HOME=/home/alice\0LD_PRELOAD=/home/alice/.hook/evil.so\0USER=alice\0",
  );
  w("proc/900/cgroup", "0::/user.slice/user-1000.slice/session-3.scope\n");
  Deno.mkdirSync(`${root}/proc/900/fd`, { recursive: true });
  Deno.symlinkSync(`${miner} (deleted)`, `${root}/proc/900/exe`);
  Deno.symlinkSync("/home/alice", `${root}/proc/900/cwd`);
  w("home/alice/bin/rootme", "#!/bin/sh\n", 0o4755);
  if (Deno.uid() === 0) Deno.chownSync(`${root}/home/alice/bin/rootme`, 1000, 1000);
  w("home/alice/drop.sh", "#!/bin/sh\n", 0o777);
  w("usr/local/bin/alice-tool", "#!/bin/sh\n", 0o4755);
  if (Deno.uid() === 0) Deno.chownSync(`${root}/usr/local/bin/alice-tool`, 1000, 1000);
  w("usr/local/bin/alice-open", "#!/bin/sh\n", 0o777);
  w("etc/alice.conf", "token=Hunter2SecretValue\n", 0o666);
  w("srv/bobby-data/open.txt", "x", 0o666);
  w("etc/cron.d/alice-sync", `* * * * * alice ${miner} --password=Hunter2SecretValue\n`);
  w(
    "etc/systemd/system/alice-miner.service",
    `[Unit]\nDescription=Alice Liddell miner\n[Service]\nExecStart=${miner} --password=Hunter2SecretValue\nUser=alice\n[Install]\nWantedBy=multi-user.target\n`,
  );
  w("etc/ld.so.preload", "/home/alice/.hook/evil.so\n");
  return root;
}
