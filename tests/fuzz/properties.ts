/**
 * Property-based fuzz targets: every parser of untrusted input must end in a value or a clear error, never an
 * uncaught exception. Shared by fuzz_test.ts (bounded runs in CI) and scripts/fuzz.ts (long campaigns).
 */
import fc from "fast-check";
import { isDeepStrictEqual } from "node:util";
import { parseExeLink } from "../../src/host/exe_link.ts";
import {
  environEntries,
  parseEnviron,
  parseStat,
  parseStatus,
  pipeInode,
  ptsIndex,
  socketInode,
  splitNul,
} from "../../src/host/proc_stat.ts";
import { parseMaps } from "../../src/host/proc_maps.ts";
import { parseMountinfo, parseMountsTable } from "../../src/host/mountinfo.ts";
import { decodeCapMask, kallsymsHasAddresses } from "../../src/host/capabilities.ts";
import { decodeFileCaps } from "../../src/host/xattr.ts";
import { parseConfigText } from "../../src/cli/config_file.ts";
import { buildConfig } from "../../src/cli/args.ts";
import { parseJsoncRules } from "../../src/rules/jsonc.ts";
import { parseLegacyRules } from "../../src/rules/legacy.ts";
import { elfAnomalies, parseElfSections } from "../../src/scanners/modules/elf.ts";
import { detectCompression, zstdMaxWindow } from "../../src/scanners/modules/decompress.ts";
import { inflateAll } from "../scanners/modules/elf_builder.ts";
import { parseModulesBuiltin, parseModulesDep } from "../../src/scanners/modules/modules_dep.ts";
import { parseProcModules } from "../../src/scanners/modules/proc_modules.ts";
import { moduleSignature, SIGNATURE_TAIL_BYTES } from "../../src/scanners/modules/signature.ts";
import { ModuleCapture } from "../../src/scanners/modules/capture.ts";
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
import { parseAppArmorLabel, parseEnabled, parseProfiles } from "../../src/scanners/mac/apparmor.ts";
import { parseEnforce, parseSelinuxConfig } from "../../src/scanners/mac/selinux.ts";
import { parseGroup, parsePasswd } from "../../src/scanners/persistence/accounts.ts";
import { parseUdevRules } from "../../src/scanners/persistence/udev.ts";
import { parseAnacrontab, parseCrontab } from "../../src/scanners/persistence/cron.ts";
import { parseSudoers } from "../../src/scanners/persistence/sudoers.ts";
import { parseAuthorizedKeys } from "../../src/scanners/ssh/authorized_keys.ts";
import { parseSshdLine } from "../../src/scanners/ssh/sshd_config.ts";
import {
  classifyPassword,
  parseGroupFile,
  parseGshadowFile,
  parsePasswdFile,
  parseShadowFile,
} from "../../src/host/account_files.ts";
import { parseLoginDefs } from "../../src/scanners/accounts/login_defs.ts";
import { parsePamText } from "../../src/scanners/auth/pam_config.ts";
import {
  broadAdminIdentities,
  judgeRule,
  ruleBodies,
  ruleScope,
  stripJsComments,
} from "../../src/scanners/auth/polkit.ts";
import { parseServiceFile, xmlTags } from "../../src/scanners/auth/dbus.ts";
import { parseIni } from "../../src/scanners/keyfile.ts";
import { remoteTerminals, rootAllowedEverywhere } from "../../src/scanners/auth/login_access.ts";
import { parseLastlogSlot, parseUtmp } from "../../src/scanners/logins/utmp.ts";
import { historyOffIn } from "../../src/scanners/logins/history.ts";
import { parseDesktopEntry } from "../../src/scanners/persistence/desktop.ts";
import { AptConfig, parseAptConf } from "../../src/scanners/persistence/apt_conf.ts";
import { compareDebVersions, listedVersions } from "../../src/scanners/persistence/apt_lists.ts";
import { parseDpkgCfg } from "../../src/scanners/persistence/dpkg_cfg.ts";
import {
  blsCmdlines,
  grubCfgCmdlines,
  grubDefaults,
  judgeCmdline,
} from "../../src/scanners/persistence/boot_config.ts";
import { parseEnvFile, parseLdSoConf, parsePamEnvConf } from "../../src/scanners/persistence/env_files.ts";
import { globMatcher } from "../../src/host/glob.ts";
import { parseModprobeConf, parseModulesLoad } from "../../src/scanners/persistence/modprobe.ts";
import { parseUpstartJob } from "../../src/scanners/persistence/upstart.ts";
import { decodeLz4Frames } from "../../src/scanners/modules/lz4.ts";
import { parseRpmScriptlets } from "../../src/host/rpm_db.ts";
import { unitAssignments } from "../../src/scanners/systemd_units/unit_file.ts";
import { parseCmdline, parseLockdown } from "../../src/scanners/kernel_hardening.ts";
import { parseSysctlInt } from "../../src/scanners/kernel_params.ts";
import { parseBootTime } from "../../src/scanners/processes.ts";
import { parseInetTable, parsePacketTable } from "../../src/host/proc_net.ts";
import { decodeIpv4Hex, decodeIpv6Hex } from "../../src/host/net_address.ts";
import { parsePathAssignments } from "../../src/scanners/world_writable/root_path.ts";
import { parseExecLine, parseUnitFile } from "../../src/scanners/systemd_units/unit_file.ts";
import { parseAuditRules } from "../../src/scanners/audit_rules.ts";
import { parseExpectedFile } from "../../src/scanners/suid_sgid.ts";
import { ldOccurrences } from "../../src/scanners/ioc/ld_env.ts";
import { parsePreloadFile } from "../../src/host/ld_so_preload.ts";
import { parseAllowFile } from "../../src/scanners/ioc/allow.ts";
import { parsePasswd as parseProcUsers } from "../../src/host/proc_users.ts";
import { parseRpmHeader } from "../../src/host/rpm_db.ts";
import { parseDiversions as parseDpkgDiversions, parseDpkgList } from "../../src/host/dpkg_db.ts";
import { parseOsRelease } from "../../src/host/identity.ts";
import { parseMountDevices } from "../../src/host/mountinfo.ts";
import { parsePluginOutput } from "../../src/plugins/protocol.ts";
import { parseSignature } from "../../src/security/sign.ts";
import { Redactor } from "../../src/security/redact.ts";
import { AUDIT_ARCH } from "../../src/security/syscall_table.ts";
import { buildFilter, evaluateFilter, RET_ALLOW, RET_EPERM } from "../../src/security/seccomp_filter.ts";
import { parseLogrotate } from "../../src/scanners/persistence/sources/logrotate_parse.ts";
import { parseGitConfig } from "../../src/scanners/persistence/sources/gitconfig_parse.ts";
import { parsePth, startupPrimitives } from "../../src/scanners/persistence/sources/python_parse.ts";
import {
  matchesHead,
  nativeHeads,
  parseBinfmtFile,
  parseLiveEntry,
} from "../../src/scanners/persistence/sources/binfmt_parse.ts";
import { parseShellDefinitions } from "../../src/scanners/persistence/sources/shell_defs_parse.ts";
import { judgeDefinition } from "../../src/scanners/persistence/sources/shell_defs.ts";
import { apacheRoots, nginxRoots, webHits } from "../../src/scanners/persistence/sources/web_parse.ts";
import { parseInterfaces } from "../../src/scanners/persistence/sources/interfaces_parse.ts";
import { parseAtJob } from "../../src/scanners/persistence/cron.ts";
import { parseStatoverride } from "../../src/scanners/persistence/sources/binaries.ts";

/** One fuzz target. */
export interface FuzzTarget {
  name: string;
  property: fc.IProperty<unknown> | fc.IAsyncProperty<unknown>;
}

/** Text that looks like the input (lines of separators, digits, words, control bytes and invalid surrogates). */
// fast-check keeps lengths "small" (about 10) unless told otherwise: both small and full-size inputs are drawn.
const texty = fc.oneof(
  fc.string({ maxLength: 400 }),
  fc.string({ maxLength: 4000, size: "max" }),
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
    { maxLength: 400, size: "large" },
  ).map((a) => a.join("")),
);
const bytes = fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 4096, size: "max" }));

/** A 64-bit little-endian ELF header whose section table lies inside a random body (reaches the section parser). */
const elfish = fc.record({
  body: fc.uint8Array({ minLength: 256, maxLength: 8192, size: "max" }),
  shnum: fc.integer({ min: 1, max: 12 }),
  shstrndx: fc.integer({ min: 0, max: 14 }),
  at: fc.double({ min: 0, max: 1, noNaN: true }),
}).map(({ body, shnum, shstrndx, at }) => {
  const b = new Uint8Array(Math.max(body.length, 64 + shnum * 64));
  b.set(body);
  b.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]);
  const v = new DataView(b.buffer);
  v.setUint16(16, 1, true);
  const shoff = 64 + Math.floor(at * (b.length - 64 - shnum * 64));
  v.setBigUint64(0x28, BigInt(shoff), true);
  v.setUint16(0x3a, 64, true);
  v.setUint16(0x3c, shnum, true);
  v.setUint16(0x3e, shstrndx, true);
  return b;
});

/** A ring-buffer record with a valid header (version, type, size) and a random body. */
const ringRecord = fc.constantFrom([1, 1104], [2, 88]).chain(([type, size]) =>
  fc.uint8Array({ minLength: size, maxLength: size }).map((b) => {
    const v = new DataView(b.buffer);
    v.setUint16(0, 1, true);
    v.setUint16(2, type, true);
    v.setUint32(4, size, true);
    return b;
  })
);
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
    name: "proc stat/status/environ/exe/socket/pipe/pts/maps",
    property: fc.property(texty, bytes, (t, b) =>
      noCrash(
        () => [
          parseStat(t),
          parseStatus(t),
          parseExeLink(t),
          socketInode(t),
          pipeInode(t),
          ptsIndex(t),
          splitNul(b),
          parseEnviron(b),
          ldOccurrences(environEntries(b)),
          parseMaps(t),
        ],
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
    name: "network tables and addresses",
    property: fc.property(
      texty,
      fc.constantFrom("tcp", "tcp6", "udp", "udp6", "raw", "raw6"),
      (t, table) =>
        noCrash(() => [parseInetTable(t, table), parsePacketTable(t), decodeIpv4Hex(t), decodeIpv6Hex(t)]),
    ),
  },
  {
    name: "MAC (AppArmor, SELinux) files",
    property: fc.property(
      texty,
      (t) =>
        noCrash(
          () => [
            parseEnabled(t),
            parseProfiles(t),
            parseAppArmorLabel(t),
            parseSelinuxConfig(t),
            parseEnforce(t),
          ],
        ),
    ),
  },
  {
    name: "persistence files (passwd, group, cron, anacron, sudoers, keys, udev, desktop)",
    property: fc.property(texty, fc.boolean(), (t, sys) =>
      noCrash(() => [
        parsePasswd(t),
        parseGroup(t),
        parseCrontab(t, sys),
        parseAnacrontab(t),
        parseSudoers(t),
        parseAuthorizedKeys(t),
        parseUdevRules(t),
        parseDesktopEntry(t),
      ])),
  },
  {
    name: "account files, login.defs, password fields",
    property: fc.property(texty, (t) =>
      noCrash(() => [
        parsePasswdFile(t),
        parseShadowFile(t),
        parseGroupFile(t),
        parseGshadowFile(t),
        parseLoginDefs(t),
        classifyPassword(t),
        classifyPassword(t, true),
      ])),
  },
  {
    name:
      "authentication files (sshd_config lines, PAM, polkit rules and pkla, D-Bus XML, securetty, access.conf)",
    property: fc.property(texty, fc.boolean(), (t, conf) =>
      noCrash(() => [
        t.split("\n").map(parseSshdLine),
        parsePamText(t, "/etc/pam.d/x", conf),
        ruleBodies(stripJsComments(t), "addRule").map((b) => judgeRule(b)),
        ruleBodies(stripJsComments(t), "addRule").map((b) =>
          judgeRule(b, ruleScope([stripJsComments(t), t]))
        ),
        ruleBodies(stripJsComments(t), "addAdminRule").map((b) => broadAdminIdentities(b, ruleScope([t]))),
        judgeRule(t),
        parseIni(t),
        xmlTags(t),
        parseServiceFile(t),
        remoteTerminals(t),
        rootAllowedEverywhere(t),
        historyOffIn(t),
      ])),
  },
  {
    name: "login records (utmp/wtmp/btmp in both layouts and byte orders, lastlog slots)",
    property: fc.property(
      fc.oneof(bytes, fc.uint8Array({ minLength: 380, maxLength: 12_000, size: "max" })),
      fc.nat(400),
      (b, leading) =>
        noCrash(() => {
          const p = parseUtmp(b, { leading });
          return [p, parseLastlogSlot(b, p.layout, p.little)];
        }),
    ),
  },
  {
    name: "kernel cmdline, lockdown, sysctl values, boot time",
    property: fc.property(
      texty,
      (t) => noCrash(() => [parseCmdline(t), parseLockdown(t), parseSysctlInt(t), parseBootTime(t)]),
    ),
  },
  {
    name: "systemd units, audit rules, PATH assignments",
    property: fc.property(
      texty,
      fc.boolean(),
      (t, del) =>
        noCrash(() => [parseUnitFile(t), parseExecLine(t), parseAuditRules(t, del), parsePathAssignments(t)]),
    ),
  },
  {
    name: "lists: expected SUID, preload, allow, passwd, dpkg lists, os-release, mount devices",
    property: fc.property(texty, (t) =>
      noCrash(() => [
        parseExpectedFile(t),
        parsePreloadFile(t),
        parseAllowFile(t),
        parseProcUsers(t),
        parseDpkgList(t),
        parseDpkgDiversions(t),
        parseOsRelease(t),
        parseMountDevices(t),
      ])),
  },
  {
    name: "rpm headers",
    property: fc.property(
      fc.oneof(bytes, withMagic([0, 0, 0, 4, 0, 0, 0, 16])),
      (b) => noCrash(() => parseRpmHeader(b)),
    ),
  },
  { name: "plugin output", property: fc.property(texty, (t) => noCrash(() => parsePluginOutput(t))) },
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
    property: fc.asyncProperty(
      fc.array(fc.oneof(fc.constantFrom(...FLAG_WORDS, ...SCANNER_NAMES), fc.string({ maxLength: 20 })), {
        maxLength: 12,
      }),
      async (argv) => {
        const r = await buildConfig(argv, SCANNER_NAMES);
        return r.ok || (r.error.message.length > 0 && r.error.exit === 2);
      },
    ),
  },
  {
    name: "ELF sections and module signatures",
    property: fc.property(
      fc.oneof(bytes, withMagic([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), elfish),
      (b) =>
        noCrash(() => {
          const p = parseElfSections(b);
          if ("sections" in p && Array.isArray(p.sections)) elfAnomalies(p.sections);
          return moduleSignature(b);
        }),
    ),
  },
  {
    name: "a module streamed past the capture parses as it does whole",
    property: fc.property(
      fc.oneof(bytes, withMagic([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), elfish),
      fc.integer({ min: 1, max: 97 }),
      (b, piece) => {
        const c = new ModuleCapture();
        for (let i = 0; i < b.length; i += piece) c.push(b.subarray(i, i + piece));
        c.end();
        return c.missing() === undefined && isDeepStrictEqual(c.elf, parseElfSections(b)) &&
          isDeepStrictEqual(moduleSignature(c.tail(SIGNATURE_TAIL_BYTES), c.total), moduleSignature(b));
      },
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
        const r = await inflateAll(b, kind, 1 << 20);
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
    property: fc.property(fc.oneof(bytes, ringRecord), (b) => noCrash(() => decodeEvent(b))),
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
  {
    name:
      "persistence boot, package and loader files (apt.conf, dpkg.cfg, grub, units, upstart, pam_env, ld.so.conf, modprobe)",
    property: fc.property(texty, texty, (t, u) =>
      noCrash(() => {
        const tree = new AptConfig();
        for (const st of parseAptConf(t).statements) tree.apply(st, "f");
        return [
          tree.items("DPkg::Post-Invoke"),
          parseDpkgCfg(t),
          grubDefaults(t, new Map()),
          grubCfgCmdlines(t),
          blsCmdlines(t, true),
          judgeCmdline(t),
          unitAssignments(t),
          parseUpstartJob(t),
          parseEnvFile(t),
          parsePamEnvConf(t),
          parseLdSoConf(t),
          globMatcher(t, { path: true })(u),
          globMatcher(t)(u),
          parseModprobeConf(t),
          parseModulesLoad(t),
          compareDebVersions(t, u),
        ];
      })),
  },
  {
    name: "APT package lists, LZ4 frames, rpm scriptlets",
    property: fc.property(
      fc.oneof(
        bytes,
        withMagic([0x04, 0x22, 0x4d, 0x18, 0x64, 0x40, 0xa7]),
        withMagic([0, 0, 0, 4, 0, 0, 0, 64]),
      ),
      (b) =>
        noCrash(() => [
          decodeLz4Frames(b, 1 << 16),
          listedVersions(b, new Set(["a", "curl"])),
          parseRpmScriptlets(b, 1024),
        ]),
    ),
  },
  {
    name:
      "persistence families: logrotate, gitconfig, .pth, binfmt, shell definitions, web files, interfaces, at",
    property: fc.property(
      fc.oneof(
        texty,
        fc.array(
          fc.oneof(
            texty,
            fc.constantFrom(
              "alias ",
              "function ",
              "() {",
              "}",
              "<<",
              "EOF\n",
              "'",
              "`",
              "$(",
              "trap ",
              "PROMPT_COMMAND=(",
              "postrotate\n",
              "endscript\n",
              "include ",
              "[core]\n",
              '[x "',
              "\\x7f",
              "import ",
              "$_GET[",
              "system(",
              "Request[",
              "eval(base64_decode(",
              ":M::",
              "sudo",
            ),
          ),
          { maxLength: 60 },
        ).map((a) => a.join("")),
      ),
      (t) =>
        noCrash(() => {
          const defs = parseShellDefinitions(t);
          for (const d of defs.definitions) judgeDefinition(d);
          const binfmt = parseBinfmtFile(t);
          for (const r of binfmt.registrations) {
            for (const h of nativeHeads(undefined)) matchesHead(r, h.head);
          }
          return [
            parseLogrotate(t),
            parseGitConfig(t),
            parsePth(t),
            startupPrimitives(t),
            parseLiveEntry("x", t),
            ...(["php", "jsp", "asp", "cgi", "config"] as const).map((k) => webHits(t, k)),
            apacheRoots(t),
            nginxRoots(t),
            parseInterfaces(t),
            parseAtJob(t),
            parseStatoverride(t),
          ];
        }),
    ),
  },
];
