import assert from "node:assert/strict";
import { scanCommand } from "../../src/cli/scan.ts";
import { assertValid, validateFactPack, validateReport, validateSarif } from "../output/validate.ts";

/** Builds a hostile root: odd names, invalid UTF-8, symlink loops, FIFOs, a 100 MB sparse cmdline, unreadable dirs. */
function makeHostileHost(): string {
  const root = Deno.makeTempDirSync({ prefix: "sys-scan-hostile-" });
  const mk = (rel: string) => Deno.mkdirSync(`${root}/${rel}`, { recursive: true });
  for (
    const d of [
      "etc/cron.d",
      "etc/systemd/system",
      "usr/bin",
      "tmp",
      "proc/4242/fd",
      "proc/sys/kernel",
      "home/eve",
    ]
  ) mk(d);
  Deno.writeTextFileSync(
    `${root}/etc/passwd`,
    "root:x:0:0:root:/root:/bin/bash\neve:x:1000:1000::/home/eve:/bin/bash\n",
  );
  Deno.writeTextFileSync(`${root}/etc/hostname`, "hostile\n");
  Deno.writeTextFileSync(`${root}/usr/bin/evil\nname\t\x1b[31m`, "x");
  Deno.chmodSync(`${root}/usr/bin/evil\nname\t\x1b[31m`, 0o4755);
  // A name that is not valid UTF-8, created through a shell since Deno paths are strings.
  new Deno.Command("/bin/sh", {
    args: ["-c", `touch "$1/tmp/$(printf 'bad\\377\\376name')"; chmod 0777 "$1/tmp/"bad*`, "sh", root],
  })
    .outputSync();
  Deno.symlinkSync("loop-b", `${root}/etc/loop-a`);
  Deno.symlinkSync("loop-a", `${root}/etc/loop-b`);
  Deno.symlinkSync("/etc/systemd", `${root}/etc/systemd/system/self-loop`);
  new Deno.Command("/usr/bin/mkfifo", { args: [`${root}/etc/cron.d/fifo-job`, `${root}/etc/ld.so.preload`] })
    .outputSync();
  Deno.writeTextFileSync(
    `${root}/proc/4242/stat`,
    "4242 (a) b)\n) S 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 4242 0\n",
  );
  Deno.writeTextFileSync(`${root}/proc/4242/status`, "Name:\tx\nUid:\tnot-a-number\n");
  const big = Deno.openSync(`${root}/proc/4242/cmdline`, { write: true, create: true });
  big.truncateSync(100 * 1024 * 1024);
  big.close();
  new Deno.Command("/usr/bin/mkfifo", { args: [`${root}/proc/4242/environ`] }).outputSync();
  Deno.symlinkSync("/proc/4242/exe", `${root}/proc/4242/exe`);
  Deno.writeTextFileSync(`${root}/proc/sys/kernel/kptr_restrict`, "\xff\xfe garbage\n");
  mk("home/eve/locked/inner");
  Deno.writeTextFileSync(`${root}/home/eve/locked/inner/x`, "x");
  Deno.chmodSync(`${root}/home/eve/locked`, 0o000);
  if (Deno.uid() === 0) Deno.chownSync(`${root}/home/eve/locked`, 1000, 1000);
  return root;
}

const FORMATS: [string, string[]][] = [
  ["json", []],
  ["ndjson", ["--ndjson"]],
  ["sarif", ["--format", "sarif"]],
  ["factpack", ["--format", "factpack"]],
  ["html", ["--format", "html"]],
];

Deno.test("hostile fixture host: scanned end to end within budgets, every format valid, problems reported as warnings", async () => {
  const root = makeHostileHost();
  const dir = Deno.makeTempDirSync();
  try {
    for (const [name, args] of FORMATS) {
      const out = `${dir}/r.${name}`;
      const started = Date.now();
      const r = await scanCommand(
        ["--root", root, "--output", out, "--max-duration", "120", "--scanner-timeout", "60", ...args],
        { stderr: () => {}, security: { readPreloadFile: () => null } },
      );
      assert.ok(r.ok, r.ok ? "" : r.error.message);
      assert.ok(Date.now() - started < 120_000, `${name} finished within its budget`);
      const text = Deno.readTextFileSync(out);
      if (name === "ndjson") {
        const lines = text.trimEnd().split("\n").map((l) => JSON.parse(l));
        assert.equal(lines[0].type, "meta");
      } else if (name === "html") assert.match(text, /^<!DOCTYPE html>/i);
      else {
        const parsed = JSON.parse(text);
        if (name === "json") {
          assertValid(validateReport, parsed, "report");
          assert.deepEqual(parsed.scanner_errors, [], "no scanner crashed");
          assert.ok(parsed.results.every((x: { status: string }) => x.status !== "timeout"));
          const warnings = JSON.stringify(parsed.collection_warnings);
          assert.ok(parsed.collection_warnings.length > 0, "problems appear as warnings");
          assert.match(
            warnings,
            /4242|cmdline|truncated|not_file|not a regular file/i,
            "the oversized or odd /proc entry is reported",
          );
          assert.match(warnings, /param_unparsable/, "garbage in a /proc/sys file");
          assert.match(warnings, /name_not_utf8/, "a name that is not UTF-8");
          assert.match(warnings, /ld\.so\.preload is not a regular file/, "a FIFO where a file is expected");
          assert.ok(!text.includes("\x1b"), "no raw escape sequences in the report");
        }
        if (name === "sarif") assertValid(validateSarif, parsed, "sarif");
        if (name === "factpack") assertValid(validateFactPack, parsed, "factpack");
      }
    }
  } finally {
    Deno.chmodSync(`${root}/home/eve/locked`, 0o755);
    Deno.removeSync(root, { recursive: true });
    Deno.removeSync(dir, { recursive: true });
  }
});
