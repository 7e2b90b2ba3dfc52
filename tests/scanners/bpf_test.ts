/**
 * The bpf scanner: programs in the running kernel judged by the helpers they call (an eBPF rootkit's
 * bpf_probe_write_user, bpf_override_return, bpf_send_signal) and their class (tracing, packet), grouped by the
 * processes holding them; the cgroup programs systemd attaches everywhere stay quiet. The live test loads a
 * program that calls bpf_send_signal in a child process (raw bpf(2), never attached) and finds it, held by
 * that child; where bpftool is installed the listing is compared with its own.
 */
import assert from "node:assert/strict";
import { helperCalls, listPrograms, type ProgramInfo } from "../../src/host/bpf_progs.ts";
import { bpfScanner } from "../../src/scanners/bpf/index.ts";
import { bpfFindings, fdinfoProgId, helperOffsets, type Holder } from "../../src/scanners/bpf/analyze.ts";
import { makeTree, runOne } from "../helpers.ts";
import { needs } from "../host_caps.ts";

/** Translated instructions: `calls` helper immediates (and one call of a program's own function). */
function insns(...calls: number[]): Uint8Array {
  const out = new Uint8Array((calls.length + 2) * 8);
  const v = new DataView(out.buffer);
  calls.forEach((imm, i) => {
    out[i * 8] = 0x85;
    v.setInt32(i * 8 + 4, imm, true);
  });
  const pseudo = calls.length * 8;
  out[pseudo] = 0x85;
  out[pseudo + 1] = 0x10; // src_reg 1: a call of the program's own function, not a helper
  v.setInt32(pseudo + 4, -65312, true);
  out[pseudo + 8] = 0x95; // exit
  return out;
}

const KALLSYMS = [
  "ffffffff814cd8c0 T bpf_probe_read_kernel",
  "ffffffff814cee30 T bpf_send_signal",
  "ffffffff814d0d70 T bpf_probe_write_user",
  "ffffffff814ded50 T __bpf_call_base",
  "ffffffffc0a01000 t bpf_probe_write_user\t[evil]",
].join("\n") + "\n";
const WRITE_USER = 0x814d0d70 - 0x814ded50;
const SEND_SIGNAL = 0x814cee30 - 0x814ded50;
const READ_KERNEL = 0x814cd8c0 - 0x814ded50;

function prog(id: number, type: string, name: string, calls: number[] = []): ProgramInfo {
  return {
    id,
    type,
    name,
    tag: id.toString(16).padStart(16, "0"),
    loadTimeNs: 1n,
    uid: 0,
    insns: insns(...calls),
  };
}

Deno.test("bpf: helper offsets from kallsyms, helper calls from instructions, prog ids from fdinfo", () => {
  const offsets = helperOffsets(KALLSYMS)!;
  assert.deepEqual([...offsets].sort((a, b) => a[0] - b[0]), [
    [SEND_SIGNAL, "bpf_send_signal"],
    [WRITE_USER, "bpf_probe_write_user"],
  ]);
  assert.equal(helperOffsets(KALLSYMS.replaceAll(/^f+[0-9a-f]+/gm, "0000000000000000")), undefined);
  assert.equal(helperOffsets(""), undefined);
  assert.deepEqual(helperCalls(insns(READ_KERNEL, WRITE_USER)).map((c) => c.imm), [READ_KERNEL, WRITE_USER]);
  assert.deepEqual(helperCalls(new Uint8Array(7)), []);
  assert.equal(fdinfoProgId("pos:\t0\nflags:\t02000002\nprog_type:\t5\nprog_id:\t44562\n"), 44562);
  assert.equal(fdinfoProgId("link_type:\ttracing\nlink_id:\t3\nprog_tag:\tabc\nprog_id:\t17\n"), 17);
  assert.equal(fdinfoProgId("pos: 0\n"), undefined);
});

Deno.test("bpf: a rootkit helper fires per program; tracing and packet programs are grouped by holder; cgroup ones and the scan's own are quiet", () => {
  const agent: Holder[] = [{ pid: 700, comm: "falco", exe: "/usr/bin/falco" }];
  const programs = [
    prog(1, "tracing", "hide_getdents", [READ_KERNEL, WRITE_USER]),
    prog(2, "kprobe", "kill_scanner", [SEND_SIGNAL]),
    prog(3, "tracepoint", "sys_enter", [READ_KERNEL]),
    prog(4, "raw_tracepoint", "sys_exit", [READ_KERNEL]),
    prog(5, "xdp", "knock", []),
    prog(6, "cgroup_device", "sd_devices", []),
    prog(7, "cgroup_skb", "sd_fw_egress", []),
    prog(8, "tracing", "exec_btf", [WRITE_USER]), // the scan's own: left out
  ];
  const holders = new Map<number, Holder[]>([[3, agent], [4, agent], [8, [{
    pid: 1,
    comm: "x",
    exe: null,
  }]]]);
  const offsets = helperOffsets(KALLSYMS)!;
  const f = bpfFindings(programs, holders, new Set([8]), offsets);
  assert.deepEqual(f.map((x) => `${x.check_id} ${x.subject}`).sort(), [
    "bpf.program.network network:",
    "bpf.program.rootkit_helper hide_getdents:0000000000000001",
    "bpf.program.rootkit_helper kill_scanner:0000000000000002",
    "bpf.program.tracing tracing:",
    "bpf.program.tracing tracing:/usr/bin/falco",
  ]);
  const falco = f.find((x) => x.subject === "tracing:/usr/bin/falco")!;
  assert.equal(falco.metadata!.program_count, 2);
  assert.match(falco.description!, /held by \/usr\/bin\/falco \(pid 700\)/);
  const orphan = f.find((x) => x.subject === "network:")!;
  assert.match(orphan.description!, /no process/);
  // Without kallsyms addresses the classes are still judged, the helpers not.
  const blind = bpfFindings(programs, holders, new Set([8]), undefined);
  assert.equal(blind.filter((x) => x.check_id === "bpf.program.rootkit_helper").length, 0);
  assert.equal(blind.find((x) => x.subject === "tracing:")!.metadata!.helpers_resolved, false);
  // Only systemd's cgroup programs: nothing to report.
  assert.deepEqual(bpfFindings(programs.slice(5, 7), new Map(), new Set(), offsets), []);
});

Deno.test("bpf: an offline root is skipped with the reason", async () => {
  using root = makeTree({ "etc/hostname": "img\n" });
  const r = await runOne(bpfScanner, root.path);
  assert.equal(r.status, "skipped");
  assert.match(r.reason ?? "", /running kernel/);
});

Deno.test(needs(["root"], {
  name: "bpf live: a program calling bpf_send_signal, held by another process, is found with its holder",
  async fn() {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-ffi", new URL("../fixtures/bpf_holder.ts", import.meta.url).href],
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const writer = child.stdin.getWriter();
    try {
      const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
      const first = await reader.read();
      reader.releaseLock();
      assert.match(first.value ?? "", /^ready \d+/, `holder: ${first.value}`);
      const r = await runOne(bpfScanner, "/");
      assert.equal(r.status, "ok", r.reason);
      const rootkit = r.findings.filter((f) =>
        f.check_id === "bpf.program.rootkit_helper" && f.metadata.name === "sysscan_rk"
      );
      assert.equal(rootkit.length, 1, JSON.stringify(r.findings.map((f) => f.check_id)));
      assert.deepEqual(rootkit[0].metadata.helpers, ["bpf_send_signal"]);
      assert.ok(
        (rootkit[0].metadata.holders as string[]).some((h) => h.startsWith(`${child.pid}:`)),
        JSON.stringify(rootkit[0].metadata.holders),
      );
      const tracing = r.findings.find((f) =>
        f.check_id === "bpf.program.tracing" &&
        (f.metadata.holders as string[]).some((h) => h.startsWith(`${child.pid}:`))
      );
      assert.ok(tracing, "the holder's tracing program is listed");
      // The same programs bpftool lists, where it is installed.
      const bpftool = ["/usr/sbin/bpftool", "/usr/bin/bpftool"].find((p) => {
        try {
          return Deno.statSync(p).isFile;
        } catch {
          return false;
        }
      });
      if (bpftool) {
        const ids = () => {
          const l = listPrograms();
          assert.ok(l.ok);
          return l.programs.map((p) => p.id);
        };
        const before = ids();
        const out = new Deno.Command(bpftool, { args: ["prog", "show", "-j"] }).outputSync();
        const theirs = (JSON.parse(new TextDecoder().decode(out.stdout)) as { id: number }[]).map((p) =>
          p.id
        );
        const after = ids();
        // Programs of tests running in parallel come and go between listings: each id bpftool saw is in one
        // of ours, and each id both of ours saw, bpftool saw too.
        for (const id of theirs) assert.ok(before.includes(id) || after.includes(id), `bpftool's ${id}`);
        for (const id of before.filter((i) => after.includes(i))) assert.ok(theirs.includes(id), `our ${id}`);
        assert.ok(theirs.includes(rootkit[0].metadata.program_id as number));
      } else console.log("bpftool not installed: the listing was not compared with its own");
    } finally {
      await writer.close();
      await child.status;
    }
  },
}));
