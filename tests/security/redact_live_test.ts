import assert from "node:assert/strict";
import { passwdUsers } from "../../src/security/redact.ts";
import { needs } from "../host_caps.ts";
import { repoPath } from "../helpers.ts";

const SECRET = "Hunter2SecretValueLive";

function liveUser(): { name: string; uid: number } | undefined {
  try {
    const u = passwdUsers(Deno.readTextFileSync("/etc/passwd")).users.find((u) => u.uid >= 1000);
    return u ? { name: u.name, uid: u.uid } : undefined;
  } catch {
    return undefined;
  }
}

const user = liveUser();
Deno.test(needs(["root", "btf", "libbpf", "liveUser"], {
  name:
    "live: the exec trace under --redact --drop-priv --seccomp streams no user, uid, host name or argv secret",
  fn: async () => {
    const dir = Deno.makeTempDirSync();
    try {
      const out = `${dir}/t.ndjson`;
      const main = repoPath("main.ts");
      const scan = new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          main,
          "--enable",
          "ebpf_exec_trace",
          "--ioc-exec-trace",
          "6",
          "--redact",
          "--drop-priv",
          "--seccomp",
          "--seccomp-strict",
          "--ndjson",
          "--output",
          out,
        ],
        stdout: "null",
        stderr: "piped",
      }).spawn();
      // Exec as the live user a few times while the 6 s trace runs.
      for (let i = 0; i < 8; i++) {
        await new Promise((r) => setTimeout(r, 500));
        await new Deno.Command("/usr/bin/setpriv", {
          args: [
            `--reuid=${user!.uid}`,
            `--regid=${user!.uid}`,
            "--clear-groups",
            "/usr/bin/env",
            "/bin/true",
            `--password=${SECRET}`,
          ],
        }).output();
      }
      const status = await scan.output();
      assert.ok(status.code === 0 || status.code === 1, new TextDecoder().decode(status.stderr));
      const text = Deno.readTextFileSync(out);
      const lines = text.trimEnd().split("\n").map((l) => JSON.parse(l));
      const traced = lines.filter((l) =>
        l.type === "exec.trace" && l.comm === "true" && typeof l.uid === "string"
      );
      assert.ok(traced.length > 0, "the exec as the live user was traced (after the drop and under seccomp)");
      assert.ok(traced.every((l) => /^uid-[0-9a-f]{8}$/.test(l.uid)));
      assert.ok(!text.includes(SECRET), "argv secret");
      assert.ok(!new RegExp(`\\b${user!.name}\\b`).test(text), "user name");
      assert.ok(!new RegExp(`"uid":${user!.uid}\\b`).test(text), "uid");
      assert.ok(!text.includes(`"hostname":"${Deno.hostname()}"`), "host name");
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
}));
