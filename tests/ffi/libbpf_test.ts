import assert from "node:assert/strict";
import { findLibbpf } from "../../src/host/capabilities.ts";
import { ENOENT, Libbpf, LibbpfError, RingBuffer } from "../../ffi/libbpf.ts";
import { readBundledObject } from "../../src/trace/object.ts";
import { breakSection } from "./elf_patch.ts";
import { needs } from "../host_caps.ts";

const LIBBPF = findLibbpf();

function libbpfError(fn: () => unknown): LibbpfError {
  try {
    fn();
  } catch (e) {
    if (e instanceof LibbpfError) return e;
    throw e;
  }
  assert.fail("expected a LibbpfError");
}

Deno.test("libbpf: a missing library is a LibbpfError at the dlopen stage", () => {
  const e = libbpfError(() => Libbpf.open("/nonexistent/libbpf.so.1"));
  assert.equal(e.stage, "dlopen");
  assert.match(e.message, /cannot load \/nonexistent\/libbpf\.so\.1/);
});

Deno.test(needs(["libbpf"], {
  name: "libbpf: version, strerror of errno and of libbpf's own 4000+ codes",
  fn: () => {
    using lib = Libbpf.open(LIBBPF!);
    assert.ok(lib.version.major >= 1 || lib.version.minor >= 6);
    assert.equal(lib.strerror(2), "No such file or directory");
    assert.equal(lib.strerror(4001), "BPF object format invalid");
    assert.notEqual(lib.strerror(4003), "Unknown error 4003");
  },
}));

Deno.test(needs(["libbpf"], {
  name: "libbpf: open errors carry errno and libbpf's log lines (missing file, garbage, directory)",
  fn: () => {
    using lib = Libbpf.open(LIBBPF!);
    const missing = libbpfError(() => lib.openFile("/nonexistent/x.bpf.o"));
    assert.equal(missing.stage, "open");
    assert.equal(missing.code, ENOENT);
    assert.ok(
      missing.log.some((l) => /failed to open \/nonexistent\/x\.bpf\.o/.test(l.text)),
      JSON.stringify(missing.log),
    );
    const garbage = libbpfError(() => lib.openMem(new TextEncoder().encode("garbage"), "garbage"));
    assert.equal(garbage.code, 4001);
    assert.ok(garbage.log.some((l) => /not a proper ELF object/.test(l.text)));
    const dir = libbpfError(() => lib.openFile("/tmp"));
    assert.ok(dir.code >= 4000, `directory: ${dir.code}`);
  },
}));

Deno.test(needs(["libbpf"], {
  name: "libbpf: the log callback is unset before it is freed (later libbpf calls do not crash)",
  fn: async () => {
    const lib = Libbpf.open(LIBBPF!);
    lib[Symbol.dispose]();
    lib[Symbol.dispose]();
    // A second instance logs through its own callback; the first one's is gone and unregistered.
    using again = Libbpf.open(LIBBPF!);
    const e = libbpfError(() => again.openMem(new Uint8Array(8), "zeros"));
    assert.ok(e.log.length > 0);
    const bytes = await readBundledObject();
    using obj = again.openMem(bytes, "process_exec");
    assert.equal(obj.programs().length, 5);
  },
}));

Deno.test(needs(["libbpf", "root"], {
  name: "libbpf: a throwing sample handler is counted, not swallowed, and polling goes on",
  fn: async () => {
    using lib = Libbpf.open(LIBBPF!);
    using obj = lib.openMem(await readBundledObject(), "process_exec");
    for (const p of obj.programs()) p.setAutoload(p.name === "exec_btf");
    obj.load();
    using _link = obj.program("exec_btf")!.attach();
    let calls = 0;
    using rb = RingBuffer.create(lib, obj.mapFd("events"), () => {
      calls++;
      throw new Error("handler bug");
    });
    await new Deno.Command("/bin/true").output();
    await new Deno.Command("/bin/true").output();
    for (let i = 0; i < 10 && calls < 2; i++) rb.poll(100);
    assert.ok(calls >= 2);
    assert.equal(rb.callbackErrors, calls);
    assert.match(String(rb.firstCallbackError), /handler bug/);
  },
}));

Deno.test(needs(["libbpf", "root"], {
  name: "libbpf: a verifier rejection names the failing program and carries the verifier log",
  fn: async () => {
    using lib = Libbpf.open(LIBBPF!);
    const broken = breakSection(await readBundledObject(), "tp_btf/sched_process_exec");
    using obj = lib.openMem(broken, "broken");
    for (const p of obj.programs()) p.setAutoload(p.name === "exec_btf");
    const e = libbpfError(() => obj.load());
    assert.equal(e.stage, "load");
    assert.equal(e.code, 22);
    const text = e.log.map((l) => l.text).join("\n");
    assert.match(text, /prog 'exec_btf': BPF program load failed/);
    assert.match(text, /-- BEGIN PROG LOAD LOG --[\s\S]*last insn is not an exit or jmp/);
  },
}));
