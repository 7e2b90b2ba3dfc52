import assert from "node:assert/strict";
import { addressScope, basename, execLocation, homeArea, processKind } from "../../src/trace/classify.ts";

Deno.test("classify: address scopes for IPv4 and IPv6", () => {
  const cases: [string, string][] = [
    ["127.0.0.1", "loopback"],
    ["127.8.9.10", "loopback"],
    ["10.0.0.1", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["172.32.0.1", "external"],
    ["192.168.1.1", "private"],
    ["100.64.0.1", "private"],
    ["169.254.169.254", "link_local"],
    ["224.0.0.251", "multicast"],
    ["0.0.0.0", "unspecified"],
    ["1.1.1.1", "external"],
    ["::1", "loopback"],
    ["::", "unspecified"],
    ["fe80::1", "link_local"],
    ["fd00::1", "private"],
    ["ff02::1", "multicast"],
    ["2001:db8::1234", "external"],
    ["not an address", "external"],
    ["1.2.3", "external"],
  ];
  for (const [ip, scope] of cases) assert.equal(addressScope(ip), scope, ip);
});

Deno.test("classify: exec locations", () => {
  assert.equal(execLocation("/tmp/x", null), "temp");
  assert.equal(execLocation("/dev/shm/x", "/dev/shm/x"), "temp");
  assert.equal(execLocation("/var/tmp/a/b", null), "temp");
  assert.equal(execLocation("/dev/fd/3", "/memfd:payload"), "memfd");
  assert.equal(execLocation("/usr/bin/x", "/usr/bin/x", true), "deleted");
  assert.equal(execLocation("/home/alice/bin/x", null), "home");
  assert.equal(execLocation("/root/x", null), "home");
  assert.equal(execLocation("/usr/bin/true", "/usr/bin/true"), null);
  assert.equal(execLocation("/tmpfoo/x", null), null);
  assert.equal(execLocation("/home/alice", null), null);
  assert.equal(execLocation("", null), null);
  // fexecve: the fd path is resolved through /proc/<pid>/exe.
  assert.equal(execLocation("/dev/fd/3", "/tmp/dropped"), "temp");
});

Deno.test("classify: the trace shares the scanners' temporary trees (session and message-queue ones too)", () => {
  assert.equal(execLocation("/run/user/1000/x", null), "temp");
  assert.equal(execLocation("/dev/mqueue/x", "/dev/mqueue/x"), "temp");
  assert.equal(execLocation("/var/crash/x", null), "temp");
  assert.equal(execLocation("/run/username/x", null), null);
});

Deno.test("classify: home areas group toolchains, files directly in home stand alone", () => {
  assert.equal(homeArea("/root/.pyenv/shims/python3"), "/root/.pyenv");
  assert.equal(homeArea("/home/alice/bin/tool"), "/home/alice/bin");
  assert.equal(homeArea("/home/alice/payload"), "/home/alice/payload");
  assert.equal(homeArea("/usr/bin/x"), "/usr/bin/x");
});

Deno.test("classify: process kinds and basename", () => {
  assert.equal(processKind("bash"), "shell");
  assert.equal(processKind("python3.11"), "interpreter");
  assert.equal(processKind("perl"), "interpreter");
  assert.equal(processKind("ncat"), "net_tool");
  assert.equal(processKind("curl"), null);
  assert.equal(processKind(""), null);
  assert.equal(basename("/usr/bin/python3"), "python3");
  assert.equal(basename("python3"), "python3");
});
