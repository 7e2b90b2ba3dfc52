/**
 * The scan configuration: every setting's key, type, default and bounds, as one zod schema, and the frozen
 * `Config` type derived from it. The CLI decides how each setting is spelled on the command line (its flag
 * table refers to these keys); everything below the CLI reads a `Config` and never the CLI.
 */
import { z } from "zod";
import { SOCKET_STATES } from "../host/proc_net.ts";
import { ExitCode, fail, ok, type Result } from "./result.ts";
import { SeveritySchema } from "./schemas.ts";

/** Report formats (`--format`). */
export const REPORT_FORMATS = ["json", "ndjson", "sarif", "html", "factpack"] as const;

/** Keys of the compliance standards sys-scan evaluates (`--compliance-standards`), in report order. */
export const STANDARD_IDS = ["pci_dss_4_0", "hipaa_security", "nist_csf_2_0", "cis_linux"] as const;

/** One standard key. */
export type StandardId = typeof STANDARD_IDS[number];

/** Asset criticality levels (`--asset-criticality`), lowest first. */
export const CRITICALITY_LEVELS = ["low", "medium", "high", "critical"] as const;

/** An asset criticality level. */
export type Criticality = typeof CRITICALITY_LEVELS[number];

/** An on/off setting, off unless asked for. */
function toggle() {
  return z.boolean().default(false);
}

/** A whole number with bounds and a default. */
function count(def: number, min = 0, max = Number.MAX_SAFE_INTEGER) {
  return z.number().int().min(min).max(max).default(def);
}

/** A list of names or paths, empty by default. */
function list() {
  return z.array(z.string()).default([]);
}

/** An optional, non-empty text value (a path, a key id…). */
function text() {
  return z.string().min(1).optional();
}

/** Zod schema of the validated, frozen scan configuration. Key order is `meta.effective_config`'s order. */
export const ConfigSchema = z.object({
  // Scanner selection and run control.
  enable: list(),
  disable: list(),
  fastScan: toggle(),
  hardening: toggle(),
  containers: toggle(),
  includePassed: toggle(),
  minSeverity: SeveritySchema.optional(),
  failOn: SeveritySchema.optional(),
  failOnCount: z.number().int().min(0).optional(),
  parallel: toggle(),
  parallelThreads: count(0, 0, 64),
  scannerTimeout: z.number().int().min(1).max(3600).optional(),
  maxDuration: count(0, 0, 86400),
  timings: toggle(),
  root: z.string().min(1).default("/"),
  config: text(),
  verbose: toggle(),
  // Output.
  output: text(),
  format: z.enum(REPORT_FORMATS).optional(),
  pretty: toggle(),
  compact: toggle(),
  canonical: toggle(),
  ndjson: toggle(),
  sarif: toggle(),
  html: text(),
  // Processes.
  allProcesses: toggle(),
  processInventory: toggle(),
  processHash: toggle(),
  maxProcesses: count(0),
  containerId: z.string().regex(/^[0-9a-fA-F]{12,64}$/, "a container id is 12 to 64 hex characters")
    .optional(),
  // Network.
  maxSockets: count(0),
  networkListenOnly: toggle(),
  networkProto: z.enum(["tcp", "udp"]).optional(),
  networkStates: z.array(
    z.string().transform((s) => s.toUpperCase()).pipe(
      z.enum(SOCKET_STATES, { message: `a state is one of ${SOCKET_STATES.join(", ")}` }),
    ),
  ).default([]),
  networkAdvanced: toggle(),
  networkFanout: count(100, 1),
  networkFanoutUnique: count(50, 1),
  networkDebug: toggle(),
  // Kernel modules.
  modulesSummary: toggle(),
  modulesAnomaliesOnly: toggle(),
  modulesHash: toggle(),
  // Filesystem.
  remoteFs: toggle(),
  fsHygiene: toggle(),
  fsWorldWritableLimit: count(0),
  worldWritableDirs: list(),
  worldWritableExclude: list(),
  suidDirs: list(),
  suidExpected: list(),
  suidExpectedFile: text(),
  // IOC and exec trace.
  iocAllow: list(),
  iocAllowFile: text(),
  iocEnvTrust: toggle(),
  iocExecTrace: z.number().int().min(1).max(3600).optional(),
  traceMaxEvents: count(100_000, 1),
  traceHash: toggle(),
  // Persistence.
  persistenceInventory: toggle(),
  persistenceRecentDays: count(7, 0, 3650),
  accountsInventory: toggle(),
  // Integrity and YARA.
  integrity: toggle(),
  integrityIma: toggle(),
  integrityPkgVerify: toggle(),
  integrityPkgLimit: count(200),
  integrityPkgRehash: toggle(),
  integrityPkgRehashLimit: count(50),
  integrityCriticalOnly: toggle(),
  integritySamplePct: count(0, 0, 100),
  integrityMaxMismatches: count(0),
  integrityMaxFileSize: count(512, 1, 65536),
  yaraRoots: list(),
  yaraMaxFileSize: count(32, 1, 4096),
  yaraMaxFiles: count(50_000, 1),
  // Compliance.
  compliance: toggle(),
  complianceStandards: z.array(z.enum(STANDARD_IDS)).default([]),
  complianceGaps: toggle(),
  // Rules, risk and plugins.
  rulesEnable: toggle(),
  rulesDir: text(),
  rulesAllowLegacy: toggle(),
  rulesInsecureOk: toggle(),
  noBuiltinRules: toggle(),
  showSuppressed: toggle(),
  riskWeights: text(),
  assetCriticality: z.enum(CRITICALITY_LEVELS).default("medium"),
  yaraRules: text(),
  pluginDir: text(),
  pluginTimeout: count(20, 1, 3600),
  // Baseline.
  baseline: toggle(),
  baselineUpdate: toggle(),
  baselineDb: text(),
  // Privacy, provenance and self-protection.
  noUserMeta: toggle(),
  noCmdlineMeta: toggle(),
  noHostnameMeta: toggle(),
  redact: toggle(),
  sign: text(),
  signGpg: text(),
  slsaLevel: text(),
  writeEnv: text(),
  dropPriv: toggle(),
  keepCapDac: toggle(),
  seccomp: toggle(),
  seccompStrict: toggle(),
}).strict();

/** The scan configuration every scanner receives. */
export type Config = z.infer<typeof ConfigSchema>;

/** One setting's key. */
export type ConfigKey = keyof Config;

/** Every setting's key, in schema order. */
export const CONFIG_KEYS = Object.keys(ConfigSchema.shape) as ConfigKey[];

/** The schema of one setting (its type, default and bounds). */
export function settingSchema(key: ConfigKey): z.ZodType {
  return ConfigSchema.shape[key];
}

/**
 * A frozen Config from setting values (defaults for the rest), for callers that build one without a command
 * line (the self-test). A bad value is a usage error naming the setting.
 */
export function configFrom(values: Partial<z.input<typeof ConfigSchema>>): Result<Config> {
  const parsed = ConfigSchema.safeParse(values);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return fail(ExitCode.Usage, `setting ${String(issue.path[0] ?? "")}: ${issue.message}`);
  }
  return ok(Object.freeze(parsed.data));
}
