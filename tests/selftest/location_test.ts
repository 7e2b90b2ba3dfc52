/**
 * The self-test hides /tmp under a tmpfs, and sys-scan is often run from there: under `deno run`, a copy of
 * the program in a directory below /tmp (with a space in its name) must still load everything its scan needs
 * after the mount (the BPF object, the census worker), because the self-test binds its own files back.
 */
import assert from "node:assert/strict";
import { copyCheckout } from "../helpers.ts";
import { needs } from "../host_caps.ts";
import { programPaths } from "../../src/selftest/program_files.ts";

Deno.test(needs(["root", "unshare", "btf", "libbpf"], {
  name: "self-test: deno run from a copy under /tmp (path with a space) sees every planted piece",
  fn: async () => {
    const tmp = Deno.makeTempDirSync({ dir: "/tmp", prefix: "sys-scan-from-tmp-" });
    try {
      const copy = `${tmp}/my src`;
      copyCheckout(copy);
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "--cached-only", `${copy}/main.ts`, "self-test", "--json"],
        cwd: "/",
        stdin: "null",
      }).output();
      const text = new TextDecoder().decode(out.stdout);
      const err = new TextDecoder().decode(out.stderr);
      assert.notEqual(text, "", err);
      const r = JSON.parse(text);
      assert.deepEqual(r.verdicts.filter((v: { seen: boolean }) => !v.seen), [], err);
      assert.equal(out.code, 0, err);
      const kept: string[] = r.evidence.programKept;
      assert.ok(kept.includes(Deno.realPathSync(copy)), `the copy was bound back: ${kept}`);
      // Besides the copy, only the deno executable or Deno's cache, when they are under /tmp too.
      const allowed = [Deno.realPathSync(copy), ...programPaths()];
      assert.deepEqual(kept.filter((p) => !allowed.includes(p)), []);
      assert.ok(!err.includes("Module not found"), err);
    } finally {
      Deno.removeSync(tmp, { recursive: true });
    }
  },
}));
