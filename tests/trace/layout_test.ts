/**
 * Pins src/trace/layout.ts to bpf/events.h: the C compiler checks every offset, size and constant the decoder
 * uses (static assertions generated from layout.ts), so the two cannot drift apart silently.
 */
import assert from "node:assert/strict";
import {
  ARGS_LEN,
  COMM_LEN,
  CONNECT,
  ConnectFlag,
  EVENT_LAYOUT_VERSION,
  EventType,
  EXEC,
  ExecFlag,
  HEADER,
  HookId,
  PATH_LEN,
  Stat,
  STAT_MAX,
} from "../../src/trace/layout.ts";
import { needs } from "../host_caps.ts";
import { repoPath } from "../helpers.ts";

const BPF_DIR = repoPath("bpf/");

function snake(s: string): string {
  return s.replace(/[A-Z]/g, (c) => "_" + c.toLowerCase());
}

function clangPath(): string | null {
  for (const p of ["/usr/bin/clang", "/usr/local/bin/clang"]) {
    try {
      if (Deno.statSync(p).isFile) return p;
    } catch {
      // next
    }
  }
  return null;
}

/** The static assertions that layout.ts implies about events.h. */
export function layoutAssertions(): string[] {
  const out: string[] = [];
  const off = (struct: string, field: string, value: number) =>
    out.push(
      `_Static_assert(__builtin_offsetof(struct ${struct}, ${field}) == ${value}, "${struct}.${field}");`,
    );
  off("event_header", "version", HEADER.version);
  off("event_header", "type", HEADER.type);
  off("event_header", "size", HEADER.size);
  off("event_header", "ts_ns", HEADER.ts);
  out.push(`_Static_assert(sizeof(struct event_header) == ${HEADER.SIZE}, "header size");`);
  for (const [name, value] of Object.entries(EXEC)) {
    if (name === "SIZE") out.push(`_Static_assert(sizeof(struct exec_event) == ${value}, "exec size");`);
    else off("exec_event", snake(name), value);
  }
  for (const [name, value] of Object.entries(CONNECT)) {
    if (name === "SIZE") {
      out.push(`_Static_assert(sizeof(struct connect_event) == ${value}, "connect size");`);
    } else off("connect_event", snake(name), value);
  }
  const eq = (c: string, v: number) => out.push(`_Static_assert(${c} == ${v}, "${c}");`);
  eq("EVENT_LAYOUT_VERSION", EVENT_LAYOUT_VERSION);
  eq("EVENT_EXEC", EventType.exec);
  eq("EVENT_CONNECT", EventType.connect);
  eq("COMM_LEN", COMM_LEN);
  eq("PATH_LEN", PATH_LEN);
  eq("ARGS_LEN", ARGS_LEN);
  eq("EXEC_F_ARGS_TRUNCATED", ExecFlag.argsTruncated);
  eq("EXEC_F_FILENAME_TRUNCATED", ExecFlag.filenameTruncated);
  eq("EXEC_F_ARGS_UNREADABLE", ExecFlag.argsUnreadable);
  eq("CONNECT_F_RESULT_KNOWN", ConnectFlag.resultKnown);
  eq("STAT_RINGBUF_FULL", Stat.ringbufFull);
  eq("STAT_RATE_LIMITED_EXEC", Stat.rateLimitedExec);
  eq("STAT_RATE_LIMITED_CONNECT", Stat.rateLimitedConnect);
  eq("STAT_MAX", STAT_MAX);
  eq("HOOK_EXEC_TP_BTF", HookId.execTpBtf);
  eq("HOOK_EXEC_TRACEPOINT", HookId.execTracepoint);
  eq("HOOK_CONNECT_FEXIT", HookId.connectFexit);
  eq("HOOK_CONNECT_TP_BTF", HookId.connectTpBtf);
  eq("HOOK_CONNECT_TRACEPOINT", HookId.connectTracepoint);
  return out;
}

const PRELUDE = [
  "typedef unsigned char __u8;",
  "typedef unsigned short __u16;",
  "typedef unsigned int __u32;",
  "typedef int __s32;",
  "typedef unsigned long long __u64;",
  '#include "events.h"',
];

async function compile(lines: string[]): Promise<{ code: number; stderr: string }> {
  const child = new Deno.Command(clangPath()!, {
    args: ["-target", "bpf", "-fsyntax-only", "-I", BPF_DIR, "-x", "c", "-"],
    stdin: "piped",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode([...PRELUDE, ...lines].join("\n") + "\n"));
  await w.close();
  const out = await child.output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

Deno.test(needs(["clang"], {
  name: "layout: every offset, size and constant of layout.ts matches bpf/events.h (checked by clang)",
  fn: async () => {
    const r = await compile(layoutAssertions());
    assert.equal(r.stderr, "");
    assert.equal(r.code, 0);
  },
}));

Deno.test(needs(["clang"], {
  name: "layout: the check can fail (a wrong offset is caught)",
  fn: async () => {
    const r = await compile(['_Static_assert(__builtin_offsetof(struct exec_event, pid) == 20, "wrong");']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /wrong/);
  },
}));

Deno.test("layout: fixed sizes are 8-byte multiples (ring-buffer records stay aligned)", () => {
  assert.equal(EXEC.SIZE % 8, 0);
  assert.equal(CONNECT.SIZE % 8, 0);
  assert.equal(EXEC.args + ARGS_LEN, EXEC.SIZE);
});
