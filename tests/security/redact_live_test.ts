import assert from "node:assert/strict";
import { passwdUsers } from "../../src/security/redact.ts";
import { needs } from "../host_caps.ts";
import { ExecProbes, ndjsonRecords, repoPath } from "../helpers.ts";

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
    const scan = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        repoPath("main.ts"),
        "--enable",
        "ebpf_exec_trace",
        "--ioc-exec-trace",
        "60",
        "--redact",
        "--drop-priv",
        "--seccomp",
        "--seccomp-strict",
        "--ndjson",
      ],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const stderr = new Response(scan.stderr).text();
    const lines: Record<string, unknown>[] = [];
    let asUser: number | undefined;
    await using probes = new ExecProbes("redact-probe");
    for await (const r of ndjsonRecords(scan.stdout)) {
      lines.push(r);
      if (r.type !== "exec.trace") continue;
      if (asUser === undefined && probes.has(r.pid)) {
        await probes.stop();
        // A probe was traced, so the hooks are attached: exec as the live user (setpriv execs env, which
        // execs true, all in one process), then stop the scan once that exec was seen.
        const c = new Deno.Command("/usr/bin/setpriv", {
          args: [
            `--reuid=${user!.uid}`,
            `--regid=${user!.uid}`,
            "--clear-groups",
            "/usr/bin/env",
            "/bin/true",
            `--password=${SECRET}`,
          ],
        }).spawn();
        asUser = c.pid;
        await c.status;
      } else if (r.pid === asUser && r.comm === "true") scan.kill("SIGINT");
    }
    const status = await scan.status;
    assert.ok(status.code === 0 || status.code === 1, await stderr);
    const text = lines.map((l) => JSON.stringify(l)).join("\n");
    const traced = lines.filter((l) => l.type === "exec.trace" && l.comm === "true" && l.pid === asUser);
    assert.ok(traced.length > 0, "the exec as the live user was traced (after the drop and under seccomp)");
    assert.ok(traced.every((l) => /^uid-[0-9a-f]{8}$/.test(String(l.uid))), JSON.stringify(traced));
    assert.ok(!text.includes(SECRET), "argv secret");
    assert.ok(!new RegExp(`\\b${user!.name}\\b`).test(text), "user name");
    assert.ok(!new RegExp(`"uid":${user!.uid}\\b`).test(text), "uid");
    assert.ok(!text.includes(`"hostname":"${Deno.hostname()}"`), "host name");
  },
}));
