/**
 * Where a process's peak memory goes: its resident pages sampled from /proc/<pid>/smaps while it runs, split into
 * the pages of its own executable (for `deno run`, the deno binary: the code of V8, the runtime and the CLI that
 * a run touches), anonymous memory (the isolates' heaps, their code and everything malloc'd), shared libraries,
 * and the rest. The sample with the largest total is kept. A measurement for `scripts/bench.ts --ratios`, to show
 * what part of a peak RSS the program can change.
 */

/** Peak resident memory of one run, in MiB, by what maps it. */
export interface MemorySplit {
  /** Resident pages in total at the sample with the most (close to GNU time's maxrss). */
  peak: number;
  /** Pages of the program's own executable file. */
  executable: number;
  /** Anonymous pages: heaps, stacks, malloc arenas, JIT code. */
  anonymous: number;
  /** Pages of shared libraries (`*.so*`). */
  libraries: number;
  /** Everything else (other mapped files: caches, data files). */
  other: number;
  /** Samples taken. */
  samples: number;
}

const MIB = 1024;

/** Sums the Rss of an smaps text by the kind of mapping (KiB). `exe` is the path of the executable. */
export function splitSmaps(text: string, exe: string): Omit<MemorySplit, "samples"> {
  let name = "";
  const kib = { peak: 0, executable: 0, anonymous: 0, libraries: 0, other: 0 };
  for (const line of text.split("\n")) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      name = head[1];
      continue;
    }
    if (!line.startsWith("Rss:")) continue;
    const v = Number(line.split(/\s+/)[1]) || 0;
    kib.peak += v;
    if (name === exe) kib.executable += v;
    else if (name === "" || name.startsWith("[")) kib.anonymous += v;
    else if (/\.so(\.\d+)*$/.test(name)) kib.libraries += v;
    else kib.other += v;
  }
  const mib = (n: number) => Math.round((n / MIB) * 10) / 10;
  return {
    peak: mib(kib.peak),
    executable: mib(kib.executable),
    anonymous: mib(kib.anonymous),
    libraries: mib(kib.libraries),
    other: mib(kib.other),
  };
}

/** Runs `argv` (output discarded) and samples its memory every `intervalMs` until it exits. */
export async function memorySplit(argv: string[], intervalMs = 10): Promise<MemorySplit> {
  const child = new Deno.Command(argv[0], { args: argv.slice(1), stdout: "null", stderr: "null" }).spawn();
  let best: Omit<MemorySplit, "samples"> = { peak: 0, executable: 0, anonymous: 0, libraries: 0, other: 0 };
  let samples = 0;
  let done = false;
  const status = child.status.then((s) => {
    done = true;
    return s;
  });
  while (!done) {
    try {
      // Read every time: the first samples may see the process before its exec.
      const exe = Deno.readLinkSync(`/proc/${child.pid}/exe`);
      const split = splitSmaps(Deno.readTextFileSync(`/proc/${child.pid}/smaps`), exe);
      samples++;
      if (split.peak > best.peak) best = split;
    } catch {
      // exited between two samples
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  await status;
  return { ...best, samples };
}
