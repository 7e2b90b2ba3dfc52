import assert from "node:assert/strict";
import { memorySplit, splitSmaps } from "../../scripts/bench_memory.ts";

const SMAPS = `55d0c0000000-55d0c1000000 r-xp 00000000 08:01 123 /opt/deno/deno
Rss:                2048 kB
7f0000000000-7f0000100000 rw-p 00000000 00:00 0 
Rss:                1024 kB
7f0000100000-7f0000200000 rw-p 00000000 00:00 0                          [heap]
Rss:                 512 kB
7f0000200000-7f0000300000 r-xp 00000000 08:01 77 /usr/lib/x86_64-linux-gnu/libc.so.6
Rss:                 256 kB
7f0000300000-7f0000400000 r--p 00000000 08:01 78 /root/.cache/deno/v8_code_cache_v2
Rss:                 128 kB
`;

Deno.test("splitSmaps: resident pages by executable, anonymous, libraries and other files", () => {
  assert.deepEqual(splitSmaps(SMAPS, "/opt/deno/deno"), {
    peak: 3.9,
    executable: 2,
    anonymous: 1.5,
    libraries: 0.3,
    other: 0.1,
  });
  assert.deepEqual(splitSmaps("garbage\nRss: x kB\n", "/x"), {
    peak: 0,
    executable: 0,
    anonymous: 0,
    libraries: 0,
    other: 0,
  });
});

Deno.test("memorySplit: samples a live process until it exits; deno's own pages are its executable's", async () => {
  const m = await memorySplit([Deno.execPath(), "eval", "await new Promise((r) => setTimeout(r, 300))"]);
  assert.ok(m.samples >= 3, `${m.samples} samples`);
  assert.ok(m.executable > 5 && m.executable < m.peak, JSON.stringify(m));
});
