import assert from "node:assert/strict";
import {
  canonicalModuleName,
  isOutOfTreePath,
  moduleNameFromPath,
  parseModulesBuiltin,
  parseModulesDep,
} from "../../../src/scanners/modules/modules_dep.ts";

Deno.test("modules.dep: names are canonical ('-' = '_') and every compression suffix is stripped", () => {
  const dep = parseModulesDep(
    "kernel/drivers/hid/hid-generic.ko.zst: kernel/drivers/hid/hid.ko.zst\n" +
      "kernel/fs/fuse/fuse.ko.xz:\nkernel/a/b.ko.gz:\nkernel/c/d.ko:\nupdates/dkms/vbox-drv.ko: kernel/x.ko\n",
  );
  assert.equal(dep.get("hid_generic"), "kernel/drivers/hid/hid-generic.ko.zst");
  assert.equal(dep.get("fuse"), "kernel/fs/fuse/fuse.ko.xz");
  assert.equal(dep.get("b"), "kernel/a/b.ko.gz");
  assert.equal(dep.get("d"), "kernel/c/d.ko");
  assert.equal(dep.get("vbox_drv"), "updates/dkms/vbox-drv.ko");
  assert.equal(dep.size, 5);
});

Deno.test("modules.dep: the first entry for a name wins; garbage, empty and truncated lines are ignored", () => {
  const dep = parseModulesDep(
    "updates/x.ko:\nkernel/x.ko:\n\n:\nnot a module line\nkernel/y.txt:\nkernel/trunc",
  );
  assert.deepEqual([...dep.entries()], [["x", "updates/x.ko"]]);
  assert.equal(parseModulesDep("").size, 0);
  assert.equal(parseModulesDep("\u0000\u0001\u00ff: x").size, 0);
});

Deno.test("modules.builtin: canonical names, junk skipped", () => {
  assert.deepEqual(
    [...parseModulesBuiltin("kernel/drivers/usb/host/xhci-hcd.ko\nkernel/fs/ext4/ext4.ko\n\ngarbage\n")]
      .sort(),
    ["ext4", "xhci_hcd"],
  );
});

Deno.test("module names and out-of-tree paths", () => {
  assert.equal(canonicalModuleName("snd-hda-intel"), "snd_hda_intel");
  assert.equal(moduleNameFromPath("a/b/.ko"), undefined);
  assert.equal(moduleNameFromPath("a/b/x.ko.bz2"), undefined);
  assert.ok(isOutOfTreePath("updates/dkms/vboxdrv.ko"));
  assert.ok(isOutOfTreePath("extra/zfs.ko"));
  assert.ok(isOutOfTreePath("kernel/../dkms/x.ko"));
  assert.ok(!isOutOfTreePath("kernel/drivers/net/extra-thing.ko"));
  assert.ok(!isOutOfTreePath("kernel/fs/ext4/ext4.ko"));
});
