import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { integrity } from "../../src/scanners/integrity/scanner.ts";
import type { Config } from "../../src/core/config.ts";
import type { Finding } from "../../src/core/finding.ts";
import { fixtureRoot, makeTree, runOne, type TreeEntry } from "../helpers.ts";
import { dpkgEntries, type PkgSpec } from "./integrity_fixture.ts";
import { needs } from "../host_caps.ts";

const ON: Partial<Config> = { integrity: true };

function byPath(findings: Finding[]): Map<string, Finding> {
  return new Map(findings.flatMap((f) => typeof f.metadata.path === "string" ? [[f.metadata.path, f]] : []));
}

function summary(r: Awaited<ReturnType<typeof runOne>>) {
  const s = r.findings.find((f) => f.check_id === "integrity.summary");
  assert.ok(s, "a summary finding is always emitted");
  return s.metadata;
}

const CLEAN: PkgSpec[] = [
  {
    name: "coreutils",
    files: {
      "/usr/bin/ls": { shipped: "ls v1\n", mode: 0o755 },
      "/usr/share/doc/coreutils/README": { shipped: "readme\n" },
    },
  },
  {
    name: "adduser",
    arch: "all",
    conffiles: { "/etc/adduser.conf": { shipped: "DSHELL=/bin/bash\n" } },
    files: { "/usr/sbin/adduser": { shipped: "#!/usr/bin/perl\n", mode: 0o755 } },
  },
];

Deno.test("integrity: an unchanged dpkg host gives only the summary, with counts", async () => {
  using root = makeTree(dpkgEntries(CLEAN));
  const r = await runOne(integrity, root.path, ON);
  assert.equal(r.status, "ok");
  assert.deepEqual(r.findings.map((f) => f.id), ["integrity.summary"]);
  const m = summary(r);
  assert.equal(m.method, "native");
  assert.equal(m.pkg_tool, "dpkg");
  assert.equal(m.scan_mode, "full");
  assert.equal(m.packages_verified, 2);
  assert.equal(m.files_checked, 4);
  assert.equal(m.mismatch_count, 0);
  assert.equal(m.complete, true);
  assert.deepEqual(r.warnings, []);
});

Deno.test("integrity: modified, missing and replaced files are rated by what they are", async () => {
  using root = makeTree(dpkgEntries([
    {
      name: "coreutils",
      files: {
        "/usr/bin/ls": { shipped: "ls v1\n", disk: "evil ls\n", mode: 0o755 },
        "/usr/bin/cat": { shipped: "cat\n", disk: null, mode: 0o755 },
        "/usr/share/doc/coreutils/README": { shipped: "readme\n", disk: "edited\n" },
      },
    },
    {
      name: "cowsay",
      arch: "all",
      files: {
        "/usr/games/cowsay": { shipped: "cow\n", disk: "moo\n", mode: 0o755 },
        "/usr/share/cowsay/cows/default.cow": { shipped: "cow\n", disk: "bull\n" },
        "/usr/share/cowsay/cows/gone.cow": { shipped: "gone\n", disk: null },
      },
    },
  ]));
  const r = await runOne(integrity, root.path, ON);
  const f = byPath(r.findings);
  const ls = f.get("/usr/bin/ls")!;
  assert.equal(ls.id, "integrity.pkg_file.modified:/usr/bin/ls");
  assert.equal(ls.severity, "critical", "a changed binary of a critical package");
  assert.equal(ls.metadata.package, "coreutils");
  assert.equal(ls.metadata.expected_md5, createHash("md5").update("ls v1\n").digest("hex"));
  assert.equal(ls.metadata.actual_md5, createHash("md5").update("evil ls\n").digest("hex"));
  assert.equal(ls.metadata.mode, "0755");
  assert.equal(ls.metadata.kind, "executable");
  assert.equal(ls.location?.path, "/usr/bin/ls");
  assert.equal(f.get("/usr/games/cowsay")!.severity, "high", "an executable of another package");
  assert.equal(f.get("/usr/share/cowsay/cows/default.cow")!.severity, "medium");
  assert.equal(f.get("/usr/share/doc/coreutils/README")!.severity, "low");
  assert.equal(f.get("/usr/bin/cat")!.check_id, "integrity.pkg_file.missing");
  assert.equal(f.get("/usr/bin/cat")!.severity, "medium");
  assert.equal(f.get("/usr/share/cowsay/cows/gone.cow")!.severity, "low");
  assert.deepEqual(r.findings.map((x) => x.severity), [
    "critical",
    "high",
    "medium",
    "medium",
    "low",
    "low",
    "info",
  ]);
  const m = summary(r);
  assert.equal(m.files_modified, 4);
  assert.equal(m.files_missing, 2);
  assert.deepEqual(m.mismatches_by_package, ["coreutils=3", "cowsay=3"]);
});

Deno.test("integrity: a binary replaced by a symlink or a directory is reported; an equal symlink target is fine", async () => {
  const entries: Record<string, TreeEntry> = {
    ...dpkgEntries([{
      name: "sudo",
      files: {
        "/usr/bin/sudo": { shipped: "sudo\n", disk: null, mode: 0o4755 },
        "/usr/bin/sudoedit": { shipped: "sudoedit\n", disk: null },
        "/usr/bin/sudoreplay": { shipped: "replay\n", disk: null },
        "/usr/bin/cvtsudoers": { shipped: "cvt\n", disk: null },
      },
    }]),
    "tmp/evil": "backdoor\n",
    "usr/bin/sudo": { symlink: "/tmp/evil" },
    "usr/bin/sudoedit": { dir: true },
    "usr/lib/sudo/replay": "replay\n",
    "usr/bin/sudoreplay": { symlink: "../lib/sudo/replay" },
    "usr/bin/cvtsudoers": { symlink: "/nonexistent" },
  };
  using root = makeTree(entries);
  const r = await runOne(integrity, root.path, ON);
  const f = byPath(r.findings);
  assert.equal(f.get("/usr/bin/sudo")!.metadata.symlink_target, "/tmp/evil");
  assert.equal(f.get("/usr/bin/sudo")!.severity, "critical");
  assert.equal(f.get("/usr/bin/sudoedit")!.severity, "high");
  assert.match(String(f.get("/usr/bin/sudoedit")!.metadata.detail), /not a regular file/);
  assert.match(String(f.get("/usr/bin/cvtsudoers")!.metadata.detail), /dangling symlink/);
  assert.ok(!f.has("/usr/bin/sudoreplay"), "same content through a symlink inside the root is not a change");
});

Deno.test("integrity: conffiles are checked against the status hashes and rated as admin work", async () => {
  using root = makeTree(dpkgEntries([
    {
      name: "libpam-runtime",
      arch: "all",
      conffiles: {
        "/etc/pam.d/common-auth": {
          shipped: "auth required pam_unix.so\n",
          disk: "auth sufficient pam_permit.so\n",
        },
        "/etc/pam.d/other": { shipped: "other\n", disk: null },
      },
    },
    {
      name: "adduser",
      arch: "all",
      conffiles: {
        "/etc/adduser.conf": { shipped: "DSHELL=/bin/sh\n", disk: "DSHELL=/bin/bash\n" },
        "/etc/deluser.conf": { shipped: "x\n", disk: "y\n", obsolete: true },
        "/etc/new.conf": { shipped: "x\n", disk: "y\n", newconffile: true },
      },
    },
  ]));
  const r = await runOne(integrity, root.path, ON);
  const f = byPath(r.findings);
  assert.equal(f.get("/etc/pam.d/common-auth")!.check_id, "integrity.conffile.modified");
  assert.equal(f.get("/etc/pam.d/common-auth")!.severity, "low");
  assert.equal(f.get("/etc/adduser.conf")!.severity, "info");
  assert.equal(f.get("/etc/pam.d/other")!.check_id, "integrity.conffile.missing");
  assert.ok(!f.has("/etc/deluser.conf"), "obsolete conffiles are not checked");
  assert.ok(!f.has("/etc/new.conf"), "conffiles without a hash yet are not checked");
  const m = summary(r);
  assert.equal(m.conffiles_modified, 2);
  assert.equal(m.conffiles_missing, 1);
  assert.equal(m.conffiles_not_verifiable, 2);
  assert.equal(m.files_modified, 0);
});

Deno.test("integrity: path-exclude'd files, diversions, multi-arch info names and removed packages", async () => {
  using root = makeTree({
    ...dpkgEntries(
      [
        {
          name: "libc6",
          qualified: true,
          files: {
            "/usr/lib/x86_64-linux-gnu/libc.so.6": { shipped: "libc\n" },
            "/usr/share/doc/libc6/changelog.gz": { shipped: "log\n", filtered: true },
          },
        },
        { name: "dash", files: { "/usr/bin/dash": { shipped: "dash\n", mode: 0o755 } } },
        { name: "vim-tiny", files: { "/usr/share/vim/help.txt": { shipped: "tiny help\n", disk: null } } },
        { name: "gone", state: "config-files", files: { "/usr/bin/gone": { shipped: "x\n", disk: null } } },
      ],
      "/usr/share/vim/help.txt\n/usr/share/vim/help.txt.vim-tiny\nvim-runtime\n",
    ),
    "usr/share/vim/help.txt.vim-tiny": "tiny help\n",
  });
  const r = await runOne(integrity, root.path, ON);
  assert.deepEqual(r.findings.map((f) => f.id), ["integrity.summary"]);
  const m = summary(r);
  assert.equal(m.files_filtered, 1);
  assert.equal(m.packages_selected, 3, "a package in config-files state has nothing on disk to verify");
  assert.equal(m.files_checked, 3);
});

Deno.test("integrity: --integrity-critical-only verifies the critical packages only", async () => {
  using root = makeTree(dpkgEntries([
    { name: "bash", files: { "/usr/bin/bash": { shipped: "bash\n", disk: "evil\n", mode: 0o755 } } },
    { name: "cowsay", files: { "/usr/games/cowsay": { shipped: "cow\n", disk: "moo\n", mode: 0o755 } } },
  ]));
  const r = await runOne(integrity, root.path, {
    ...ON,
    integrityCriticalOnly: true,
    integritySamplePct: 50,
  });
  assert.deepEqual(r.findings.map((f) => f.id), [
    "integrity.pkg_file.modified:/usr/bin/bash",
    "integrity.summary",
  ]);
  assert.equal(summary(r).scan_mode, "critical_only");
  assert.equal(summary(r).packages_selected, 1);
});

Deno.test("integrity: critical packages are verified first (a cut-short run has still checked them)", async () => {
  using root = makeTree(dpkgEntries([
    { name: "aaa-tool", files: { "/usr/bin/aaa": { shipped: "a\n", disk: "b\n", mode: 0o755 } } },
    { name: "sudo", files: { "/usr/bin/sudo": { shipped: "a\n", disk: "b\n", mode: 0o755 } } },
  ]));
  const r = await runOne(integrity, root.path, { ...ON, integrityMaxMismatches: 1 });
  assert.deepEqual(r.findings.map((f) => f.id), [
    "integrity.pkg_file.modified:/usr/bin/sudo",
    "integrity.summary",
  ]);
});

Deno.test("integrity: --integrity-sample-pct is deterministic for a host and seeded by its machine-id", async () => {
  const pkgs: PkgSpec[] = Array.from({ length: 40 }, (_, i) => ({
    name: `pkg${i}`,
    files: { [`/usr/share/pkg${i}/data`]: { shipped: "a\n", disk: "b\n" } },
  }));
  const run = async (machineId: string) => {
    using root = makeTree({ ...dpkgEntries(pkgs), "etc/machine-id": machineId + "\n" });
    const r = await runOne(integrity, root.path, { ...ON, integritySamplePct: 25 });
    return { ids: r.findings.map((f) => f.id), meta: summary(r) };
  };
  const a1 = await run("0123456789abcdef0123456789abcdef");
  const a2 = await run("0123456789abcdef0123456789abcdef");
  const b = await run("fedcba9876543210fedcba9876543210");
  assert.deepEqual(a1.ids, a2.ids);
  assert.equal(a1.ids.length, 11, "10 of 40 packages, plus the summary");
  assert.notDeepEqual(a1.ids, b.ids);
  assert.equal(a1.meta.scan_mode, "sample_25pct");
  assert.equal(a1.meta.sample_seed_source, "machine-id");
});

Deno.test("integrity: --integrity-max-mismatches stops after exactly N, --integrity-pkg-limit keeps the most severe", async () => {
  const files: PkgSpec["files"] = {};
  for (let i = 0; i < 10; i++) files[`/usr/share/demo/f${i}`] = { shipped: "a\n", disk: "b\n" };
  files["/usr/bin/demo"] = { shipped: "a\n", disk: "b\n", mode: 0o755 };
  using root = makeTree(dpkgEntries([{ name: "demo", files }]));
  const capped = await runOne(integrity, root.path, { ...ON, integrityMaxMismatches: 3 });
  assert.equal(capped.findings.filter((f) => f.check_id !== "integrity.summary").length, 3);
  assert.equal(summary(capped).mismatch_count, 3);
  assert.equal(summary(capped).early_exit, true);
  assert.equal(summary(capped).early_exit_threshold, 3);
  assert.ok(capped.warnings.some((w) => w.code === "truncated" && /max-mismatches/.test(w.detail ?? "")));

  const limited = await runOne(integrity, root.path, { ...ON, integrityPkgLimit: 2 });
  assert.deepEqual(limited.findings.map((f) => f.metadata.path ?? f.check_id), [
    "/usr/bin/demo",
    "/usr/share/demo/f0",
    "integrity.summary",
  ]);
  assert.equal(summary(limited).mismatch_count, 11);
  assert.equal(summary(limited).findings_listed, 2);
  assert.ok(limited.warnings.some((w) => w.code === "truncated" && /pkg-limit/.test(w.detail ?? "")));

  const all = await runOne(integrity, root.path, { ...ON, integrityPkgLimit: 0 });
  assert.equal(all.findings.length, 12);
});

Deno.test("integrity: --integrity-pkg-rehash adds the SHA-256 of changed files, up to the limit", async () => {
  using root = makeTree(dpkgEntries([{
    name: "demo",
    files: {
      "/usr/bin/a": { shipped: "a\n", disk: "A\n", mode: 0o755 },
      "/usr/bin/b": { shipped: "b\n", disk: "B\n", mode: 0o755 },
      "/usr/bin/c": { shipped: "c\n", disk: null, mode: 0o755 },
    },
  }]));
  const r = await runOne(integrity, root.path, {
    ...ON,
    integrityPkgRehash: true,
    integrityPkgRehashLimit: 1,
  });
  const f = byPath(r.findings);
  assert.equal(f.get("/usr/bin/a")!.metadata.sha256, createHash("sha256").update("A\n").digest("hex"));
  assert.equal(f.get("/usr/bin/b")!.metadata.sha256, undefined, "over the rehash limit");
  const plain = await runOne(integrity, root.path, ON);
  assert.equal(byPath(plain.findings).get("/usr/bin/a")!.metadata.sha256, undefined);
});

Deno.test("integrity: files over --integrity-max-file-size are not hashed and say so", async () => {
  const big = "x".repeat((1 << 20) + 10);
  using root = makeTree(dpkgEntries([{ name: "demo", files: { "/usr/share/demo/big": { shipped: big } } }]));
  const r = await runOne(integrity, root.path, { ...ON, integrityMaxFileSize: 1 });
  assert.deepEqual(r.findings.map((f) => f.id), ["integrity.summary"]);
  assert.equal(summary(r).files_too_large, 1);
  assert.equal(summary(r).complete, false, "a file not hashed leaves the verification incomplete");
  assert.ok(r.warnings.some((w) => w.code === "truncated" && /\/usr\/share\/demo\/big/.test(w.detail ?? "")));
  const full = await runOne(integrity, root.path, { ...ON, integrityMaxFileSize: 2 });
  assert.equal(summary(full).files_too_large, 0);
  assert.equal(summary(full).complete, true);
});

Deno.test("integrity: hostile file names stay data; a broken database is a warning, not an error", async () => {
  const weird = "/usr/share/demo/new\x1b[31mline\u00e9 \\x";
  using root = makeTree({
    ...dpkgEntries([{ name: "demo", files: { [weird]: { shipped: "a\n", disk: "b\n" } } }]),
    "var/lib/dpkg/info/broken.md5sums": "garbage\n",
    "var/lib/dpkg/diversions": "/only/one/line\n",
  });
  const status = Deno.readTextFileSync(`${root.path}/var/lib/dpkg/status`);
  Deno.writeTextFileSync(
    `${root.path}/var/lib/dpkg/status`,
    status + "\nPackage: broken\nStatus: install ok installed\nArchitecture: amd64\n\nNot: a package\n",
  );
  const r = await runOne(integrity, root.path, ON);
  assert.equal(r.status, "ok");
  assert.ok(byPath(r.findings).has(weird));
  const codes = r.warnings.map((w) => w.code).sort();
  assert.deepEqual(codes, ["dpkg_diversions_malformed", "dpkg_md5sums_malformed", "dpkg_status_malformed"]);
});

Deno.test("integrity: a packaged name that is not valid UTF-8 is a warning, never a false 'missing'", async () => {
  using root = makeTree(dpkgEntries([{ name: "demo", files: { "/usr/share/demo/ok": { shipped: "a\n" } } }]));
  const latin1 = new Uint8Array([0x2f, 0x75, 0x73, 0x72, 0x2f, 0x63, 0x61, 0x66, 0xe9]); // "/usr/caf\xe9"
  const md5sums = `${root.path}/var/lib/dpkg/info/demo.md5sums`;
  const line = new Uint8Array([
    ...new TextEncoder().encode(`${createHash("md5").update("a").digest("hex")}  `),
    ...latin1.subarray(1),
    0x0a,
  ]);
  Deno.writeFileSync(md5sums, new Uint8Array([...Deno.readFileSync(md5sums), ...line]));
  const r = await runOne(integrity, root.path, ON);
  assert.deepEqual(r.findings.map((f) => f.id), ["integrity.summary"]);
  assert.equal(summary(r).files_name_not_utf8, 1);
  assert.deepEqual(r.warnings.map((w) => w.code), ["name_not_utf8"]);
});

Deno.test("integrity: no package database is a skip with a reason; IMA alone still reports", async () => {
  using root = makeTree({ "etc/hostname": "x\n" });
  const r = await runOne(integrity, root.path, ON);
  assert.equal(r.status, "skipped");
  assert.match(r.reason ?? "", /no package database/);

  const zero = "0".repeat(40);
  using ima = makeTree({
    "sys/kernel/security/ima/ascii_runtime_measurements":
      `10 ${"a".repeat(40)} ima-ng sha256:${"b".repeat(64)} boot_aggregate\n` +
      `10 ${zero} ima-ng sha256:${"0".repeat(64)} /var/log/app.log\n`,
  });
  const i = await runOne(integrity, ima.path, { ...ON, integrityIma: true });
  assert.equal(i.status, "ok");
  const v = i.findings.find((f) => f.check_id === "integrity.ima.violations")!;
  assert.equal(v.metadata.violations, 1);
  assert.deepEqual(v.metadata.files, ["/var/log/app.log"]);
  assert.equal(summary(i).ima_entries, 2);
  assert.ok(i.warnings.some((w) => w.code === "not_verified"));
});

Deno.test("integrity: IMA without violations passes; IMA absent is recorded, not an error", async () => {
  using root = makeTree({
    ...dpkgEntries(CLEAN),
    "sys/kernel/security/ima/ascii_runtime_measurements": `10 ${"a".repeat(40)} ima-ng sha256:${
      "b".repeat(64)
    } boot_aggregate\n`,
  });
  const r = await runOne(integrity, root.path, { ...ON, integrityIma: true });
  assert.deepEqual(r.findings.map((f) => f.check_id), ["integrity.summary"]);
  assert.ok(r.passed.includes("integrity.ima.violations"));
  using bare = makeTree(dpkgEntries(CLEAN));
  const b = await runOne(integrity, bare.path, { ...ON, integrityIma: true });
  assert.equal(summary(b).ima_enabled, false);
  assert.deepEqual(b.warnings, []);
});

Deno.test("integrity: committed fixture host (coreutils tampered, PAM edited, doc filtered, doc directories gone)", async () => {
  const r = await runOne(integrity, fixtureRoot("integrity-debian"), ON);
  assert.equal(r.status, "ok");
  assert.deepEqual(r.findings.map((f) => [f.id, f.severity]), [
    ["integrity.pkg_file.modified:/usr/bin/ls", "critical"],
    ["integrity.conffile.modified:/etc/pam.d/common-auth", "low"],
    // Directories of coreutils.list that are gone: dpkg --verify reports them too (it lstats every listed path).
    ["integrity.pkg_file.missing:/usr/share", "low"],
    ["integrity.pkg_file.missing:/usr/share/doc", "low"],
    ["integrity.pkg_file.missing:/usr/share/doc/coreutils", "info"],
    ["integrity.pkg_file.missing:/usr/share/doc/coreutils/THANKS", "info"],
    ["integrity.summary", "info"],
  ]);
  assert.equal(summary(r).files_filtered, 1);
});

Deno.test(needs(["dpkg"], {
  name: "integrity: --integrity-pkg-verify runs dpkg --root --verify and agrees with the native reader",
  fn: async () => {
    const root = fixtureRoot("integrity-debian");
    const viaDpkg = await runOne(integrity, root, { ...ON, integrityPkgVerify: true });
    const native = await runOne(integrity, root, ON);
    assert.equal(viaDpkg.status, "ok");
    assert.equal(summary(viaDpkg).method, "dpkg --verify");
    assert.equal(summary(viaDpkg).lines_reported, 6);
    const ls = viaDpkg.findings.find((f) => f.id === "integrity.pkg_file.modified:/usr/bin/ls")!;
    assert.equal(ls.metadata.package, "coreutils", "the owner comes from the dpkg database");
    assert.equal(ls.severity, "critical", "coreutils is a critical package even in a full run");
    assert.deepEqual(summary(viaDpkg).mismatches_by_package, ["coreutils=5", "libpam-runtime=1"]);
    const ids = (r: typeof native) => r.findings.map((f) => f.id).filter((id) => id !== "integrity.summary");
    assert.deepEqual(ids(viaDpkg), ids(native));
    const crit = await runOne(integrity, root, {
      ...ON,
      integrityPkgVerify: true,
      integrityCriticalOnly: true,
    });
    assert.deepEqual(ids(crit), [
      "integrity.pkg_file.modified:/usr/bin/ls",
      "integrity.conffile.modified:/etc/pam.d/common-auth",
      "integrity.pkg_file.missing:/usr/share",
      "integrity.pkg_file.missing:/usr/share/doc",
      "integrity.pkg_file.missing:/usr/share/doc/coreutils",
      "integrity.pkg_file.missing:/usr/share/doc/coreutils/THANKS",
    ]);
    assert.deepEqual(crit.findings[0].severity, "critical");
  },
}));

Deno.test(needs(["dpkg"], {
  name: "integrity: the live host's critical packages verify without errors or findings",
  fn: async () => {
    const r = await runOne(integrity, "/", { ...ON, integrityCriticalOnly: true, integrityIma: true });
    assert.equal(r.status, "ok");
    assert.deepEqual(r.findings.filter((f) => f.severity !== "info").map((f) => f.id), []);
  },
}));
