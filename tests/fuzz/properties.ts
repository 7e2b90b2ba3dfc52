/**
 * Property-based fuzz targets: every parser of untrusted input must end in a value or a clear error, never an
 * uncaught exception. Shared by fuzz_test.ts (bounded runs in CI) and scripts/fuzz.ts (long campaigns).
 */
import fc from "fast-check";
import {
  parseEnviron,
  parseExeLink,
  parseStat,
  parseStatus,
  socketInode,
  splitNul,
} from "../../src/host/proc_stat.ts";
import { parseMountinfo, parseMountsTable } from "../../src/host/mountinfo.ts";
import { decodeCapMask, kallsymsHasAddresses } from "../../src/host/capabilities.ts";
import { decodeFileCaps } from "../../src/host/xattr.ts";
import { parseConfigText } from "../../src/cli/config_file.ts";
import { buildConfig } from "../../src/cli/args.ts";
import { parseJsoncRules } from "../../src/rules/jsonc.ts";
import { parseLegacyRules } from "../../src/rules/legacy.ts";
import { elfAnomalies, parseElfSections } from "../../src/scanners/modules/elf.ts";
import { decompress, detectCompression, zstdMaxWindow } from "../../src/scanners/modules/decompress.ts";
import { parseModulesBuiltin, parseModulesDep } from "../../src/scanners/modules/modules_dep.ts";
import { parseProcModules } from "../../src/scanners/modules/proc_modules.ts";
import { moduleSignature } from "../../src/scanners/modules/signature.ts";
import { parseTaintLetters, parseTaintValue } from "../../src/scanners/modules/taint.ts";
import {
  parseDiversions,
  parseMd5sums,
  parseStatus as parseDpkgStatus,
} from "../../src/scanners/integrity/dpkg_md5sums.ts";
import { parseVerifyOutput } from "../../src/scanners/integrity/pkg_verify.ts";
import { parseImaMeasurements } from "../../src/scanners/integrity/ima.ts";
import { decodeEvent } from "../../src/trace/decode.ts";
import { SCANNERS } from "../../src/scanners/index.ts";
import { parseSignature } from "../../src/security/sign.ts";
import { Redactor } from "../../src/security/redact.ts";
import { AUDIT_ARCH } from "../../src/security/syscall_table.ts";
import { buildFilter, evaluateFilter, RET_ALLOW, RET_EPERM } from "../../src/security/seccomp_filter.ts";

/** One fuzz target. */
export interface FuzzTarget {
  name: string;
  property: fc.IProperty<unknown> | fc.IAsyncProperty<unknown>;
}

/** Text that looks like the input (lines of separators, digits, words, control bytes and invalid surrogates). */
const texty = fc.oneof(
  fc.string({ maxLength: 400 }),
  fc.array(
    fc.oneof(
      fc.constantFrom(
        " ",
        "\t",
        "\n",
        ":",
        "(",
        ")",
        "\0",
        "\\040",
        "-",
        "=",
        "#",
        "{",
        "}",
        "[",
        "]",
        ",",
        '"',
        "0x",
      ),
      fc.stringMatching(/^[0-9]{1,20}$/),
      fc.stringMatching(/^[A-Za-z_]{1,12}$/),
      fc.string({ unit: "binary", maxLength: 8 }),
    ),
    { maxLength: 120 },
  ).map((a) => a.join("")),
);
const bytes = fc.uint8Array({ maxLength: 2048 });
const withMagic = (magic: number[]) => bytes.map((b) => new Uint8Array([...magic, ...b]));

/** A clear error is a thrown Error with a message; anything else (TypeError from a bug, non-Error) fails. */
function noCrash(fn: () => unknown): boolean {
  fn();
  return true;
}

const SCANNER_NAMES = SCANNERS.map((s) => s.name);
const FLAG_WORDS = [
  "--output",
  "--root",
  "--enable",
  "--disable",
  "--min-severity",
  "--fail-on",
  "--format",
  "--max-duration",
  "--ndjson",
  "--sarif",
  "--pretty",
  "--canonical",
  "--redact",
  "--seccomp",
  "--seccomp-strict",
  "--drop-priv",
  "--sign",
  "--parallel-threads",
  "--config",
  "--",
  "-",
  "--=",
  "--fail-on-count",
];

/** Every fuzz target. */
export const TARGETS: FuzzTarget[] = [
  {
    name: "proc stat/status/environ/exe/socket",
    property: fc.property(texty, bytes, (t, b) =>
      noCrash(
        () => [parseStat(t), parseStatus(t), parseExeLink(t), socketInode(t), splitNul(b), parseEnviron(b)],
      )),
  },
  {
    name: "mountinfo and mounts tables",
    property: fc.property(texty, (t) => noCrash(() => [parseMountinfo(t), parseMountsTable(t)])),
  },
  {
    name: "capability masks, kallsyms, file capabilities",
    property: fc.property(
      texty,
      bytes,
      (t, b) => noCrash(() => [decodeCapMask(t), kallsymsHasAddresses(t), decodeFileCaps(b)]),
    ),
  },
  {
    name: "config file",
    property: fc.property(texty, (t) => noCrash(() => parseConfigText(t, "fuzz.conf"))),
  },
  {
    name: "JSONC and legacy rules",
    property: fc.property(texty, fc.boolean(), (t, allowLegacy) =>
      noCrash(
        () => [parseJsoncRules(t, "f.json", { allowLegacy }), parseLegacyRules(t, "f.rule", { allowLegacy })],
      )),
  },
  {
    name: "CLI argv",
    property: fc.property(
      fc.array(fc.oneof(fc.constantFrom(...FLAG_WORDS, ...SCANNER_NAMES), fc.string({ maxLength: 20 })), {
        maxLength: 12,
      }),
      (argv) => {
        const r = buildConfig(argv, SCANNER_NAMES);
        return r.ok || (r.error.message.length > 0 && r.error.exit === 2);
      },
    ),
  },
  {
    name: "ELF sections and module signatures",
    property: fc.property(
      fc.oneof(bytes, withMagic([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0])),
      (b) =>
        noCrash(() => {
          const p = parseElfSections(b);
          if ("sections" in p && Array.isArray(p.sections)) elfAnomalies(p.sections);
          return moduleSignature(b);
        }),
    ),
  },
  {
    name: "compressed modules (gzip, xz, zstd, garbage)",
    property: fc.asyncProperty(
      fc.oneof(
        bytes,
        withMagic([0x1f, 0x8b, 8, 0]),
        withMagic([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0]),
        withMagic([0x28, 0xb5, 0x2f, 0xfd]),
      ),
      async (b) => {
        const kind = detectCompression(b.subarray(0, 8));
        zstdMaxWindow(b);
        const r = await decompress(b, kind, 1 << 20);
        return typeof r.ok === "boolean";
      },
    ),
  },
  {
    name: "modules.dep, modules.builtin, /proc/modules, taint",
    property: fc.property(texty, (t) =>
      noCrash(
        () => [
          parseModulesDep(t),
          parseModulesBuiltin(t),
          parseProcModules(t),
          parseTaintValue(t),
          parseTaintLetters(t),
        ],
      )),
  },
  {
    name: "dpkg status, md5sums, diversions, dpkg/rpm --verify output, IMA",
    property: fc.property(texty, texty, (a, b) =>
      noCrash(
        () => [
          parseDpkgStatus(a),
          parseMd5sums(a),
          parseDiversions(a),
          parseVerifyOutput(a, b),
          parseImaMeasurements(a, 1000),
        ],
      )),
  },
  {
    name: "ring-buffer records",
    property: fc.property(fc.uint8Array({ maxLength: 1024 }), (b) => noCrash(() => decodeEvent(b))),
  },
  {
    name: "signature files",
    property: fc.property(texty, (t) => {
      const r = parseSignature("sys-scan-signature-v1\n" + t);
      return r.ok || r.error.message.length > 0;
    }),
  },
  {
    name: "redaction is idempotent and removes known names",
    property: fc.property(fc.jsonValue({ maxDepth: 3 }), fc.string(), (v, s) => {
      const r = new Redactor({ users: true, cmdline: true, hostname: true }, {
        key: "k",
        keySource: "fixed",
        users: [{ name: "alice", uid: 1000, home: "/home/alice" }],
        systemUsers: ["root"],
        hostnames: ["host.example"],
        commandValues: [],
      });
      const once = r.deep({ v, s: `${s}/home/alice${s}` });
      return JSON.stringify(r.deep(once)) === JSON.stringify(once) && !once.s.includes("alice");
    }),
  },
  {
    name: "seccomp filter: only listed calls and families are denied",
    property: fc.property(
      fc.integer({ min: 0, max: 0x3fffffff }),
      fc.integer({ min: 0, max: 0xffffffff }),
      (nr, arg0) => {
        const prog = buildFilter({ arch: "x86_64", allowBpf: false });
        const r = evaluateFilter(prog, { nr, arch: AUDIT_ARCH.x86_64, arg0 });
        return r === RET_ALLOW || r === RET_EPERM;
      },
    ),
  },
];
