/** Parsers of the package-manager families: apt.conf syntax, dpkg options files, APT lists, Debian versions, LZ4. */
import assert from "node:assert/strict";
import { AptConfig, aptReadsName, parseAptConf } from "../../src/scanners/persistence/apt_conf.ts";
import {
  compareDebVersions,
  isPackagesList,
  ListedVersions,
  listedVersions,
} from "../../src/scanners/persistence/apt_lists.ts";
import { dpkgReadsName, parseDpkgCfg } from "../../src/scanners/persistence/dpkg_cfg.ts";
import { decodeLz4Frames, isLz4Frame } from "../../src/scanners/modules/lz4.ts";
import { needs } from "../host_caps.ts";

function tree(...files: [string, string][]): AptConfig {
  const t = new AptConfig();
  for (const [name, text] of files) for (const s of parseAptConf(text).statements) t.apply(s, name);
  return t;
}

const values = (t: AptConfig, key: string) => t.items(key).map((i) => i.value);

Deno.test("apt.conf: scopes, nested blocks, list items and comments as apt reads them", () => {
  const t = tree([
    "a",
    [
      '// comment with DPkg::Post-Invoke {"no";};',
      '# hash comment DPkg::Post-Invoke {"no";};',
      'DPkg::Pre-Install-Pkgs {"/usr/sbin/dpkg-preconfigure --apt || true";};',
      "APT",
      "{",
      "  Update",
      "  {",
      '    Post-Invoke-Success { "one"; "two // not a comment"; bare; };',
      "  };",
      "};",
      "/* block comment",
      '   DPkg::Post-Invoke {"hidden";}; */',
      'dpkg::post-invoke:: "appended";',
      'DPKG::POST-INVOKE::named "named item";',
      'Dir::Cache::pkgcache "";',
    ].join("\n"),
  ]);
  assert.deepEqual(values(t, "DPkg::Pre-Install-Pkgs"), ["/usr/sbin/dpkg-preconfigure --apt || true"]);
  assert.deepEqual(values(t, "APT::Update::Post-Invoke-Success"), ["one", "two // not a comment", "bare"]);
  assert.deepEqual(values(t, "DPkg::Post-Invoke"), ["appended", "named item"]);
  assert.deepEqual(t.items("DPkg::Post-Invoke").map((i) => i.origin.line), [13, 14]);
  assert.equal(t.node("dir::cache::PKGCACHE")?.value, "");
});

Deno.test("apt.conf: statements span lines, quoted strings concatenate, #clear and #include are directives", () => {
  const parsed = parseAptConf(
    'APT::Update::Pre-Invoke\n{\n  "curl http://x/y"\n  ;\n};\n#clear APT::Update::Pre-Invoke;\n#include "/etc/apt/more.conf";\nAcquire::http::Proxy-Auto-Detect "/usr/bin/a" "b";\n',
  );
  assert.equal(parsed.bad, 0);
  assert.deepEqual(parsed.statements.map((s) => s.kind), ["set", "clear", "include", "set"]);
  const t = tree(["a", 'APT::Update::Pre-Invoke {"first";};'], ["b", "#clear APT::Update::Pre-Invoke;"], [
    "c",
    'APT::Update::Pre-Invoke:: "after clear";',
  ]);
  assert.deepEqual(values(t, "APT::Update::Pre-Invoke"), ["after clear"]);
  assert.equal(tree(["x", 'A::B "/usr/bin/a" "b";']).node("A::B")?.value, "/usr/bin/a b");
});

Deno.test("apt.conf: malformed input is counted, never thrown", () => {
  for (const bad of ['{ "x"; };', 'A "x" junk;', 'A "unterminated;', "A::B\n", 'A { #include "/x"; };']) {
    assert.ok(parseAptConf(bad).bad > 0, bad);
  }
  for (const garbage of ["", "}}}};;;", "\u0000\u00ff/*", "/* never closed", '"""";', "A {{{{ B;"]) {
    const r = parseAptConf(garbage);
    assert.ok(Array.isArray(r.statements));
  }
  assert.deepEqual(parseAptConf("").statements, []);
});

Deno.test("apt reads only run-parts names with no extension or .conf; dpkg only [A-Za-z0-9_-]", () => {
  assert.deepEqual(
    [
      "20listchanges",
      "99x.conf",
      "docker-clean",
      "50x.ucf-dist",
      "x.disabled",
      "y~",
      ".hidden",
      "a.txt",
      "b c",
    ]
      .filter(aptReadsName),
    ["20listchanges", "99x.conf", "docker-clean"],
  );
  assert.deepEqual(["needrestart", "excludes", "x.cfg", "a b"].filter(dpkgReadsName), [
    "needrestart",
    "excludes",
  ]);
});

Deno.test("dpkg.cfg: name, one separator, trimmed value, one pair of quotes removed", () => {
  const r = parseDpkgCfg(
    [
      "# comment",
      "force-unsafe-io",
      "status-logger=(test -x /usr/lib/needrestart/dpkg-status && /usr/lib/needrestart/dpkg-status || cat > /dev/null)",
      'post-invoke   "/usr/local/bin/x --y"',
      "pre-invoke='a b'",
      "  = no name",
    ].join("\n"),
  );
  assert.equal(r.bad, 1);
  assert.deepEqual(r.options.map((o) => [o.line, o.name, o.value]), [
    [2, "force-unsafe-io", ""],
    [
      3,
      "status-logger",
      "(test -x /usr/lib/needrestart/dpkg-status && /usr/lib/needrestart/dpkg-status || cat > /dev/null)",
    ],
    [4, "post-invoke", "/usr/local/bin/x --y"],
    [5, "pre-invoke", "a b"],
  ]);
  assert.deepEqual(parseDpkgCfg("\u0000\n\n===\n").bad, 2);
});

Deno.test("APT lists: versions of the wanted packages only, stanza by stanza", () => {
  const text = [
    "Package: curl",
    "Version: 7.88.1-10+deb12u5",
    "Description: x",
    "",
    "Package: other",
    "Version: 1",
    "",
    "Package: curl",
    "Architecture: i386",
    "Version: 7.88.1-10+deb12u14",
    "",
    "Version: 9 (no package: ignored)",
  ].join("\n");
  const r = listedVersions(new TextEncoder().encode(text), new Set(["curl", "missing"]));
  assert.deepEqual([...r], [["curl", new Set(["7.88.1-10+deb12u5", "7.88.1-10+deb12u14"])]]);
  assert.deepEqual([...listedVersions(new Uint8Array([0, 255, 10, 10]), new Set(["x"]))], []);
  // Fed in pieces of every size, as a decompressor hands them over: lines cut anywhere read the same.
  const bytes = new TextEncoder().encode(text);
  for (const size of [1, 2, 3, 7, 64]) {
    const streamed = new ListedVersions(new Set(["curl", "missing"]));
    for (let at = 0; at < bytes.length; at += size) streamed.feed(bytes.subarray(at, at + size));
    assert.deepEqual([...streamed.end()], [...r], `pieces of ${size}`);
  }
  // A line longer than the cap is dropped rather than gathered.
  const long = new ListedVersions(new Set(["curl"]), 16);
  long.feed(new TextEncoder().encode(`Package: curl\nDescription: ${"x".repeat(40)}`));
  long.feed(new TextEncoder().encode("Version: 2 (the tail of the long line, not a field)\nVersion: 1\n"));
  assert.deepEqual([...long.end()], [["curl", new Set(["1"])]]);
  assert.ok(isPackagesList("deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4"));
  assert.ok(!isPackagesList("deb.debian.org_debian_dists_bookworm_InRelease"));
});

Deno.test("Debian versions compare as dpkg --compare-versions does", () => {
  const ordered = [
    "1.0~rc1",
    "1.0",
    "1.0-1",
    "1.0-1+deb12u1",
    "1.0-1+deb12u10",
    "1.0a",
    "1.00.1",
    "1:0.1",
  ];
  for (let i = 0; i + 1 < ordered.length; i++) {
    assert.equal(compareDebVersions(ordered[i], ordered[i + 1]), -1, `${ordered[i]} < ${ordered[i + 1]}`);
    assert.equal(compareDebVersions(ordered[i + 1], ordered[i]), 1);
  }
  assert.equal(compareDebVersions("1:2.66-4+deb12u2+b2", "1:2.66-4+deb12u2+b2"), 0);
  assert.equal(compareDebVersions("20.20.2-1nodesource1", "18.20.4+dfsg-1~deb12u3"), 1);
  assert.equal(compareDebVersions("01.0", "1.0"), 0);
  assert.equal(typeof compareDebVersions("::--~~", "\u0000"), "number");
});

/** Compresses `data` with the system's lz4 and the given options. */
async function lz4(data: Uint8Array, args: string[]): Promise<Uint8Array> {
  const p = new Deno.Command("/usr/bin/lz4", {
    args: [...args, "-c"],
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const output = p.output(); // read while writing, or a full pipe blocks both sides
  const w = p.stdin.getWriter();
  await w.write(data);
  await w.close();
  const out = await output;
  assert.ok(out.success, `lz4 ${args.join(" ")} failed`);
  return out.stdout;
}

Deno.test(needs(["lz4"], {
  name:
    "lz4: frames made by the lz4 tool decode to the original (block checksums, content size, many blocks)",
  fn: async () => {
    const text = new TextEncoder().encode(
      Array.from({ length: 20_000 }, (_, i) => `Package: p${i % 97}\nVersion: ${i}\n\n`).join(""),
    );
    for (const args of [[], ["-9", "--content-size", "-BD"], ["-B4", "--no-frame-crc", "-BX"]]) {
      const packed = await lz4(text, args);
      assert.ok(isLz4Frame(packed));
      const r = decodeLz4Frames(packed, 64 << 20);
      assert.ok(
        r.ok && r.data.length === text.length && r.data.every((b, i) => b === text[i]),
        args.join(" "),
      );
      const capped = decodeLz4Frames(packed, 1000);
      assert.deepEqual([capped.ok, !capped.ok && capped.reason], [false, "cap"]);
    }
  },
}));

Deno.test("lz4: truncated, corrupt and foreign input is an error value", () => {
  const frame = new Uint8Array([
    0x04,
    0x22,
    0x4d,
    0x18,
    0x64,
    0x40,
    0xa7,
    5,
    0,
    0,
    0,
    0x50,
    0x61,
    0x62,
    0x63,
    0x64,
  ]);
  for (const bad of [new Uint8Array(0), frame, frame.subarray(0, 6), new Uint8Array([1, 2, 3, 4, 5])]) {
    const r = decodeLz4Frames(bad, 1 << 20);
    assert.equal(r.ok, false);
  }
  const bogusOffset = new Uint8Array([
    0x04,
    0x22,
    0x4d,
    0x18,
    0x64,
    0x40,
    0xa7,
    3,
    0,
    0,
    0,
    0x0f,
    0xff,
    0xff,
    0,
    0,
    0,
    0,
  ]);
  assert.deepEqual(decodeLz4Frames(bogusOffset, 1 << 20).ok, false);
});
