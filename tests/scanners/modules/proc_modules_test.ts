import assert from "node:assert/strict";
import { kallsymsModuleNames, parseProcModules } from "../../../src/scanners/modules/proc_modules.ts";

Deno.test("/proc/modules: fields, used-by lists and the taint column", () => {
  const { modules, bad } = parseProcModules(
    "vboxdrv 696320 2 vboxnetadp,vboxnetflt, Live 0xffffffffc0a00000 (OE)\n" +
      "snd_hda_intel 57344 3 - Live 0xffffffffc09f0000\n" +
      "loading 16384 0 - Loading 0x0000000000000000\n",
  );
  assert.equal(bad, 0);
  assert.deepEqual(modules[0], {
    name: "vboxdrv",
    size: 696320,
    refcount: 2,
    usedBy: ["vboxnetadp", "vboxnetflt"],
    state: "Live",
    taint: ["O", "E"],
  });
  assert.deepEqual(modules[1].taint, []);
  assert.equal(modules[2].state, "Loading");
});

Deno.test("/proc/modules: empty, truncated and garbage lines are counted as bad, not thrown", () => {
  assert.deepEqual(parseProcModules(""), { modules: [], bad: 0 });
  const r = parseProcModules(
    "vboxdrv 6963\n\u0000\u00ff garbage\nname notanumber 0 - Live 0x0\nok 1 0 - Live 0x0",
  );
  assert.equal(r.bad, 3);
  assert.deepEqual(r.modules.map((m) => m.name), ["ok"]);
});

Deno.test("kallsyms: module tags, canonicalised; bpf and __builtin pseudo-owners skipped", () => {
  const names = kallsymsModuleNames(
    "0000000000000000 T _stext\n0000000000000000 t foo\t[snd-hda]\n0000000000000000 t bpf_prog_x\t[bpf]\n" +
      "0000000000000000 t ftrace_trampoline\t[__builtin__ftrace]\n0000000000000000 t x\t[kshadow]\n",
  );
  assert.deepEqual([...names].sort(), ["kshadow", "snd_hda"]);
  assert.equal(kallsymsModuleNames("").size, 0);
});
