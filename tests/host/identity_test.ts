/** The scanned host's identity: os-release read from the root, and said when it cannot be. */
import assert from "node:assert/strict";
import { Host } from "../../src/host/host.ts";
import { readIdentity } from "../../src/host/identity.ts";
import { makeTree, sh } from "../helpers.ts";

Deno.test("identity: os-release from the root, /usr/lib's when /etc's is missing; nothing said when both are", () => {
  using t = makeTree({
    "usr/lib/os-release": 'ID=debian\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nVERSION_ID="12"\n',
  });
  const problems: string[] = [];
  const id = readIdentity(new Host(t.path), new Host("/"), problems);
  assert.deepEqual([id.os_id, id.os_pretty, id.os_version], [
    "debian",
    "Debian GNU/Linux 12 (bookworm)",
    "12",
  ]);
  assert.deepEqual(problems, []);
  using none = makeTree({ "etc/hostname": "x\n" });
  const quiet: string[] = [];
  assert.equal(readIdentity(new Host(none.path), new Host("/"), quiet).os_id, "");
  assert.deepEqual(quiet, []);
});

Deno.test("identity: an os-release that is a FIFO is said, never opened; a link out of the root reads nothing", () => {
  using t = makeTree({
    "etc/hostname": "x\n",
    "usr/lib/os-release": { symlink: "../../../../../../etc/os-release-outside" },
  });
  sh("/usr/bin/mkfifo", `${t.path}/etc/os-release`);
  const problems: string[] = [];
  const id = readIdentity(new Host(t.path), new Host("/"), problems);
  assert.equal(id.os_id, "");
  assert.equal(problems.length, 1, problems.join("\n"));
  assert.match(problems[0], /^\/etc\/os-release: .*FIFO/);
});
