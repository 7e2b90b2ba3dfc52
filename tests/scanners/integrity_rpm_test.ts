/**
 * `--integrity-pkg-verify` against a real rpm database in a `--root` image: the package's %verifyscript (which
 * rpm would run as root, chrooted into the image, with the image's own /bin/sh) never runs, and the database of
 * the image (not the scanning machine's default) is the one verified.
 */
import assert from "node:assert/strict";
import { integrity } from "../../src/scanners/integrity/scanner.ts";
import { makeTree, runOne, sh } from "../helpers.ts";
import { needs } from "../host_caps.ts";

const SPEC = `Name: planted
Version: 1
Release: 1
Summary: a package whose verify scriptlet must never run
License: none
BuildArch: noarch
%description
test fixture
%install
mkdir -p %{buildroot}/usr/share/planted
echo original > %{buildroot}/usr/share/planted/data
%files
/usr/share/planted/data
%verifyscript
echo ran
`;

/** A static program that, run as the image's /bin/sh, leaves a marker at the image's root. */
const MARKER_SH = `#include <fcntl.h>
#include <unistd.h>
int main(void) { int fd = open("/SCRIPTLET_RAN", O_CREAT | O_WRONLY, 0644); if (fd >= 0) close(fd); return 0; }
`;

Deno.test(needs(["root", "rpm"], {
  name: "integrity: rpm -V never runs an image's %verifyscript, and reads the image's own database",
  fn: async () => {
    using work = makeTree({ "SPECS/planted.spec": SPEC, "sh.c": MARKER_SH });
    using root = makeTree({ "bin/.keep": "" });
    sh("/usr/bin/rpmbuild", "--define", `_topdir ${work.path}`, "-bb", `${work.path}/SPECS/planted.spec`);
    const rpm = `${work.path}/RPMS/noarch/planted-1-1.noarch.rpm`;
    sh("/usr/bin/rpm", "--root", root.path, "--dbpath", "/var/lib/rpm", "--nodeps", "--noscripts", "-i", rpm);
    sh("/usr/bin/cc", "-static", "-O2", "-o", `${root.path}/bin/sh`, `${work.path}/sh.c`);
    Deno.writeTextFileSync(`${root.path}/usr/share/planted/data`, "tampered\n");

    const r = await runOne(integrity, root.path, { integrity: true, integrityPkgVerify: true });
    assert.equal(r.status, "ok", r.reason);
    assert.throws(() => Deno.statSync(`${root.path}/SCRIPTLET_RAN`), "the image's scriptlet did not run");
    assert.ok(
      r.findings.some((f) => f.location?.path === "/usr/share/planted/data"),
      `the tampered file of the image's database is found: ${JSON.stringify(r.findings.map((f) => f.id))}`,
    );
  },
}));
