/**
 * The one location classifier (src/host/location.ts): temporary trees, homes and system directories by name,
 * and the permission judge that the ioc scanner rates running programs with.
 */
import assert from "node:assert/strict";
import { Host } from "../../src/host/host.ts";
import {
  ancestors,
  homeDirs,
  homeOf,
  inProgramDir,
  inside,
  LocationJudge,
  pathLocation,
  PROGRAM_DIRS,
  SYSTEM_DIRS,
  TEMP_DIRS,
  under,
} from "../../src/host/location.ts";
import { mappedRootId } from "../../src/host/proc_stat.ts";
import { makeTree } from "../helpers.ts";

Deno.test("location: every temporary tree is temp, including the session and message-queue ones", () => {
  for (const dir of TEMP_DIRS) assert.equal(pathLocation(`${dir}/x`), "temp", dir);
  assert.equal(pathLocation("/run/user/1000/payload"), "temp");
  assert.equal(pathLocation("/dev/mqueue/payload"), "temp");
  assert.equal(pathLocation("/var/crash/x/y"), "temp");
  assert.equal(pathLocation("/tmpfoo/x"), undefined, "a name that only starts like /tmp");
  assert.equal(pathLocation("/run/username/x"), undefined);
  assert.equal(pathLocation("/usr/bin/true"), undefined);
  assert.equal(pathLocation(""), undefined);
});

Deno.test("location: a home is root's or a directory in /home, plus the users' homes given", () => {
  assert.equal(pathLocation("/root/x"), "home");
  assert.equal(pathLocation("/home/alice/bin/x"), "home");
  assert.equal(pathLocation("/home/alice"), undefined, "the home directory itself is not inside a home");
  assert.equal(pathLocation("/home/x"), undefined, "a file directly in /home is in no one's home");
  assert.equal(pathLocation("/rootkit/x"), undefined);
  assert.equal(pathLocation("/srv/users/bob/x"), undefined);
  assert.equal(pathLocation("/srv/users/bob/x", ["/srv/users/bob"]), "home");
  assert.equal(homeOf("/home/alice/.local/bin/x"), "/home/alice");
  assert.equal(
    homeOf("/srv/users/bob/deep/x", ["/srv/users", "/srv/users/bob"]),
    "/srv/users/bob",
    "longest",
  );
});

Deno.test("location: homeDirs keeps root and login users, drops system accounts and nobody", () => {
  const e = (name: string, uid: number, home: string) => ({ name, uid, gid: uid, home, shell: "/bin/sh" });
  assert.deepEqual(
    homeDirs([
      e("root", 0, "/root"),
      e("alice", 1000, "/home/alice/"),
      e("bob", 1001, "/srv/users//bob"),
      e("daemon", 1, "/usr/sbin"),
      e("nobody", 65534, "/nonexistent"),
      e("svc", 1002, "/var/lib/svc"),
      e("empty", 1003, "/"),
    ]),
    ["/home/alice", "/root", "/srv/users/bob"],
  );
});

Deno.test("location: under, inside and ancestors", () => {
  assert.ok(under("/usr", "/usr") && under("/usr/bin", "/usr") && !under("/usrx", "/usr"));
  assert.ok(!inside("/usr", "/usr") && inside("/usr/bin", "/usr") && !inside("/usrx/a", "/usr"));
  assert.ok(inside("/a", "/") && !inside("/", "/"));
  assert.deepEqual(ancestors("/a/b/c"), ["/a/b", "/a", "/"]);
  assert.deepEqual(ancestors("/"), []);
});

Deno.test("location: program directories lie in the system trees; a program must sit directly in one", () => {
  for (const d of PROGRAM_DIRS) assert.ok(SYSTEM_DIRS.some((s) => under(d, s)), d);
  assert.ok(inProgramDir("/usr/sbin/dhclient"));
  assert.ok(!inProgramDir("/usr/sbin/x/dhclient"));
  assert.ok(!inProgramDir("/opt/x/dhclient"));
  assert.ok(!inProgramDir("dhclient"));
});

Deno.test("location judge: permission bits decide temp and world-writable, names do not", () => {
  using t = makeTree({
    "tmp/x": "ELF",
    "srv/drop/x": "ELF",
    "opt/app/x": { content: "ELF", mode: 0o777 },
    "scratch/x": "ELF",
    "usr/bin/x": "ELF",
    "home/alice/bin/x": "ELF",
  });
  Deno.chmodSync(`${t.path}/tmp`, 0o755);
  Deno.chmodSync(`${t.path}/srv/drop`, 0o777);
  Deno.chmodSync(`${t.path}/scratch`, 0o1777);
  const judge = new LocationJudge(new Host(t.path), ["/home/alice"]);
  assert.deepEqual(judge.judge("/tmp/x"), { kind: "system" }, "a read-only /tmp is not temp");
  assert.deepEqual(judge.judge("/srv/drop/x"), {
    kind: "world_writable",
    because: "/srv/drop",
    mode: "0777",
  });
  assert.deepEqual(judge.judge("/opt/app/x"), {
    kind: "world_writable",
    because: "/opt/app/x",
    mode: "0777",
  });
  assert.deepEqual(judge.judge("/scratch/x"), { kind: "temp", because: "/scratch", mode: "01777" });
  assert.deepEqual(judge.judge("/home/alice/bin/x"), { kind: "home", because: "/home/alice" });
  assert.deepEqual(judge.judge("/root/.x"), { kind: "home", because: "/root" });
  assert.deepEqual(judge.judge("/usr/bin/x"), { kind: "system" });
  assert.deepEqual(
    judge.judge("/usr/bin/gone"),
    { kind: "system" },
    "a missing file is judged by its directories",
  );
});

Deno.test("location judge: owned by or group-writable for a non-root account is user_writable, nearest first", () => {
  using t = makeTree({
    "opt/app/bin/x": "ELF",
    "opt/grp/x": "ELF",
    "opt/sticky/x": "ELF",
    "opt/file/x": "ELF",
    "opt/gfile/x": "ELF",
    "opt/ok/bin/x": "ELF",
    "opt/link": { symlink: "app" },
  });
  const p = t.path;
  Deno.chownSync(`${p}/opt/app`, 33, 33);
  Deno.chownSync(`${p}/opt/grp`, 0, 1001);
  Deno.chmodSync(`${p}/opt/grp`, 0o775);
  Deno.chownSync(`${p}/opt/sticky`, 0, 1001);
  Deno.chmodSync(`${p}/opt/sticky`, 0o1775);
  Deno.chownSync(`${p}/opt/file/x`, 1000, 0);
  Deno.chownSync(`${p}/opt/gfile/x`, 0, 1001);
  Deno.chmodSync(`${p}/opt/gfile/x`, 0o775);
  const judge = new LocationJudge(new Host(p));
  assert.deepEqual(judge.judge("/opt/app/bin/x"), {
    kind: "user_writable",
    because: "/opt/app",
    mode: "0755",
    uid: 33,
  });
  assert.deepEqual(judge.judge("/opt/grp/x"), {
    kind: "user_writable",
    because: "/opt/grp",
    mode: "0775",
    gid: 1001,
  });
  assert.deepEqual(
    judge.judge("/opt/sticky/x"),
    { kind: "system" },
    "sticky: the group cannot replace root's file",
  );
  assert.deepEqual(judge.judge("/opt/file/x"), {
    kind: "user_writable",
    because: "/opt/file/x",
    mode: "0644",
    uid: 1000,
  });
  assert.deepEqual(judge.judge("/opt/gfile/x"), {
    kind: "user_writable",
    because: "/opt/gfile/x",
    mode: "0775",
    gid: 1001,
  });
  assert.deepEqual(judge.judge("/opt/ok/bin/x"), { kind: "system" });
  assert.equal(judge.judge("/opt/link/bin/x").uid, 33, "a symlink on the path is judged by its target");
  assert.equal(
    judge.judge("/opt/app/bin/x", "", { uids: [0, 33], gids: [0] }).kind,
    "system",
    "33 is root here",
  );
});

Deno.test("location judge: a scan root owned by another account makes everything below user_writable", () => {
  using t = makeTree({ "usr/bin/x": "ELF" });
  Deno.chownSync(t.path, 1000, 1000);
  assert.deepEqual(new LocationJudge(new Host(t.path)).judge("/usr/bin/x"), {
    kind: "user_writable",
    because: "/",
    mode: "0700",
    uid: 1000,
  });
});

Deno.test("mappedRootId: the outside id of a user namespace's root", () => {
  assert.equal(mappedRootId("         0          0 4294967295\n"), 0);
  assert.equal(mappedRootId("         0     100000      65536\n"), 100000);
  assert.equal(mappedRootId("      1000       1000          1\n         0     100000       1000\n"), 100000);
  assert.equal(mappedRootId("      1000       1000          1\n"), undefined);
  assert.equal(mappedRootId("0 x 1\n0 5\n"), undefined);
  assert.equal(mappedRootId(""), undefined);
});
