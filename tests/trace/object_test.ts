/**
 * The committed object matches bpf/ (through the source hash written by scripts/build-bpf.sh) and loads on
 * this kernel through the loader.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { findLibbpf } from "../../src/host/capabilities.ts";
import { Libbpf } from "../../ffi/libbpf.ts";
import { BUNDLED_OBJECT_URL, bundledObjectSha256, readBundledObject } from "../../src/trace/object.ts";
import { CONNECT_PROGRAMS, EXEC_PROGRAMS } from "../../src/trace/loader.ts";
import { needs } from "../host_caps.ts";
import { webSha256Hex } from "../helpers.ts";

const BPF_DIR = new URL("../../bpf/", import.meta.url);
const HASH_FILE = new URL("../../generated/process_exec.bpf.sha256", import.meta.url);

/** Recomputes the source hash the way scripts/build-bpf.sh does (sha256sum of the sorted list of `sha  name`). */
function sourceHash(): string {
  const names = [...Deno.readDirSync(BPF_DIR)]
    .filter((e) => e.isFile && /\.(c|h)$/.test(e.name))
    .map((e) => e.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const list = names.map((n) => {
    const h = createHash("sha256").update(Deno.readFileSync(new URL(n, BPF_DIR))).digest("hex");
    return `${h}  ${n}\n`;
  }).join("");
  return createHash("sha256").update(list).digest("hex");
}

Deno.test("object: generated/process_exec.bpf.sha256 matches bpf/*.c and bpf/*.h (run scripts/build-bpf.sh if not)", () => {
  const recorded = Deno.readTextFileSync(HASH_FILE).trim();
  assert.match(recorded, /^[0-9a-f]{64}$/);
  assert.equal(sourceHash(), recorded);
});

Deno.test("object: bundledObjectSha256 is the SHA-256 of the bundled file", async () => {
  const bytes = await readBundledObject();
  assert.equal(await bundledObjectSha256(), await webSha256Hex(bytes));
  assert.equal(await bundledObjectSha256(), createHash("sha256").update(bytes).digest("hex"));
  assert.ok(BUNDLED_OBJECT_URL.pathname.endsWith("/generated/process_exec.bpf.o"));
});

const libbpf = findLibbpf();

Deno.test(needs(["libbpf"], {
  name: "object: opens from memory with every expected program and a BTF-stripped size",
  fn: async () => {
    const bytes = await readBundledObject();
    assert.ok(bytes.length < 200_000, `object is ${bytes.length} bytes: was it stripped (llvm-strip -g)?`);
    using lib = Libbpf.open(libbpf!);
    using obj = lib.openMem(bytes, "process_exec");
    const names = obj.programs().map((p) => p.name).sort();
    assert.deepEqual(names, [...EXEC_PROGRAMS, ...CONNECT_PROGRAMS].sort());
    assert.equal(obj.program("exec_btf")?.section, "tp_btf/sched_process_exec");
  },
}));

Deno.test(needs(["libbpf", "root"], {
  name: "object: the BTF exec and connect programs load on this kernel",
  fn: async () => {
    using lib = Libbpf.open(libbpf!);
    using obj = lib.openMem(await readBundledObject(), "process_exec");
    for (const p of obj.programs()) p.setAutoload(p.name === "exec_btf" || p.name === "connect_btf");
    obj.load();
    assert.ok(obj.loaded);
    assert.ok(obj.mapFd("events") >= 0);
    assert.ok(obj.mapFd("stats") >= 0);
  },
}));
