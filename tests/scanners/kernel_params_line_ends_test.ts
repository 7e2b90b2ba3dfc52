/**
 * kernel_params: sysctl files are read the way systemd-sysctl reads them (systemd 252, src/sysctl/sysctl.c
 * parse_file over read_line() of src/basic/fileio.c): a line ends at `\n`, `\r` or NUL, so a setting hidden
 * behind a carriage return in a comment line is applied at boot and must be judged as configuration.
 */
import assert from "node:assert/strict";
import { kernelParams, sysctlPath } from "../../src/scanners/kernel_params.ts";
import { parseSysctlConf } from "../../src/scanners/sysctl_files.ts";
import { readLines } from "../../src/scanners/systemd_units/read_line.ts";

const systemdLines = (text: string) => readLines(text).map((l) => l.text);
import { kernelDefault, SYSCTL_RULES } from "../../src/scanners/sysctl_table.ts";
import type { Finding } from "../../src/core/finding.ts";
import { makeTree, runOne, type TreeEntry } from "../helpers.ts";
import { dpkgEntries } from "./integrity_fixture.ts";

/** /proc/sys at the kernel defaults, with `live` overriding some. */
function procSys(live: Record<string, number>): Record<string, TreeEntry> {
  const out: Record<string, TreeEntry> = {};
  for (const r of SYSCTL_RULES) {
    out[sysctlPath(r.key).slice(1)] = `${live[r.key] ?? kernelDefault(r, undefined)}\n`;
  }
  return out;
}

const loud = (fs: Finding[]) => fs.map((f) => `${f.severity} ${f.id}`).sort();

Deno.test("systemd's read_line: \\n, \\r and NUL end a line; \\r\\n and \\n\\r are one end, \\r\\r two", () => {
  assert.deepEqual(systemdLines("a\rb\nc\r\nd\n\re\r\rf\0g"), ["a", "b", "c", "d", "e", "", "f", "g"]);
  assert.deepEqual(systemdLines("a\n"), ["a"]);
  assert.deepEqual(systemdLines("a\n\n"), ["a", ""]);
  assert.deepEqual(systemdLines("\0\n"), ["", ""], "nothing joins a NUL");
  assert.deepEqual(systemdLines(""), []);
});

Deno.test("sysctl files: a carriage return inside a comment starts a new line that sets a parameter", () => {
  const { lines } = parseSysctlConf(
    "# network tuning\rkernel.randomize_va_space = 0\n; x\r-fs.protected_fifos\n",
  );
  assert.deepEqual(lines, [
    { key: "kernel/randomize_va_space", glob: false, value: "0", line: 2 },
    { key: "fs/protected_fifos", glob: false, line: 4 },
  ]);
  // Windows line ends are one line end each: the numbering stays that of an editor.
  assert.deepEqual(parseSysctlConf("# a\r\nkernel.sysrq = 16\r\n").lines, [
    { key: "kernel/sysrq", glob: false, value: "16", line: 2 },
  ]);
});

Deno.test("kernel_params: a setting behind a \\r in a comment of an unowned file is a weakened configuration", async () => {
  const conf = "# network tuning\rkernel.randomize_va_space = 0\n";
  using t = makeTree({
    ...dpkgEntries([]),
    "etc/sysctl.d/60-tune.conf": conf,
    ...procSys({ "kernel.randomize_va_space": 0 }),
  });
  const r = await runOne(kernelParams, t.path);
  assert.deepEqual(loud(r.findings), ["high kernel.sysctl.weakened_config:kernel.randomize_va_space"]);
  assert.equal(r.findings[0].metadata.file, "/etc/sysctl.d/60-tune.conf");
  assert.equal(r.findings[0].metadata.line, 2);
  assert.doesNotMatch(r.findings[0].description, /run time/);
  // On an image (no /proc/sys) the configuration alone is still reported.
  using img = makeTree({ ...dpkgEntries([]), "etc/sysctl.d/60-tune.conf": conf });
  assert.deepEqual(loud((await runOne(kernelParams, img.path)).findings), [
    "high kernel.sysctl.weakened_config:kernel.randomize_va_space",
  ]);
});

Deno.test("kernel_params: a file with Windows line ends that keeps the defaults reports nothing", async () => {
  using t = makeTree({
    ...dpkgEntries([]),
    "etc/sysctl.d/60-tune.conf":
      "# network tuning\r\nkernel.randomize_va_space = 2\r\nvm.swappiness = 10\r\n",
    ...procSys({}),
  });
  const r = await runOne(kernelParams, t.path);
  assert.deepEqual(r.findings, []);
});
