/**
 * The exposure score of a service, in the spirit of `systemd-analyze security`: a weighted table of sandboxing
 * directives; the score is the weighted share of protection that is missing, from 0.0 (fully confined) to
 * 10.0 (nothing set). Graded directives give partial credit (ProtectSystem=full is better than yes).
 */
import { isAssigned, lastValue, listValues, parseBoolean, type UnitSections } from "./unit_file.ts";

/** Credit a directive gives: 1 = full protection, 0 = none. */
type Credit = (s: UnitSections) => number;

/** One row of the table. */
export interface ExposureRule {
  directive: string;
  weight: number;
  /** What full credit requires, for the finding text. */
  wants: string;
  credit: Credit;
}

const svc = (s: UnitSections, k: string) => lastValue(s, "Service", k);
const yes = (k: string): Credit => (s) => parseBoolean(svc(s, k)) === true ? 1 : 0;

/** True when the service runs as a non-root user (User= other than root/0, or DynamicUser=yes). */
export function runsUnprivileged(s: UnitSections): boolean {
  if (parseBoolean(svc(s, "DynamicUser")) === true) return true;
  const user = svc(s, "User");
  return user !== undefined && user !== "root" && user !== "0";
}

/** Credit for CapabilityBoundingSet/AmbientCapabilities style lists: any restriction counts. */
function boundingSet(s: UnitSections): number {
  if (!isAssigned(s, "Service", "CapabilityBoundingSet")) return 0;
  const values = listValues(s, "Service", "CapabilityBoundingSet");
  const all = s.get("Service")?.get("CapabilityBoundingSet") ?? [];
  if (values.length === 0) return all[all.length - 1] === "" ? 1 : 0;
  if (values.every((v) => v.trim() === "~")) return 0;
  return 1;
}

/** The weighted directive table. */
export const EXPOSURE_TABLE: readonly ExposureRule[] = [
  {
    directive: "User",
    weight: 2.0,
    wants: "a non-root User= or DynamicUser=yes",
    credit: (s) => runsUnprivileged(s) ? 1 : 0,
  },
  { directive: "NoNewPrivileges", weight: 1.0, wants: "yes", credit: yes("NoNewPrivileges") },
  {
    directive: "ProtectSystem",
    weight: 1.0,
    wants: "strict (full and yes give partial credit)",
    credit: (s) => {
      const v = svc(s, "ProtectSystem")?.toLowerCase();
      if (v === "strict") return 1;
      if (v === "full") return 0.7;
      return v !== undefined && parseBoolean(v) === true ? 0.4 : 0;
    },
  },
  {
    directive: "ProtectHome",
    weight: 0.6,
    wants: "yes, read-only or tmpfs",
    credit: (s) => {
      const v = svc(s, "ProtectHome")?.toLowerCase();
      return v === "read-only" || v === "tmpfs" || parseBoolean(v) === true ? 1 : 0;
    },
  },
  {
    directive: "CapabilityBoundingSet",
    weight: 1.0,
    wants: "a restricted capability set",
    credit: boundingSet,
  },
  {
    directive: "SystemCallFilter",
    weight: 0.8,
    wants: "an allow-list such as @system-service",
    credit: (s) => listValues(s, "Service", "SystemCallFilter").length > 0 ? 1 : 0,
  },
  { directive: "PrivateTmp", weight: 0.5, wants: "yes", credit: yes("PrivateTmp") },
  { directive: "PrivateDevices", weight: 0.5, wants: "yes", credit: yes("PrivateDevices") },
  {
    directive: "RestrictNamespaces",
    weight: 0.5,
    wants: "yes or a list of allowed namespace types",
    credit: (s) => {
      const v = svc(s, "RestrictNamespaces");
      if (v === undefined) return 0;
      const b = parseBoolean(v);
      return b === undefined ? (v.trim().startsWith("~") ? 0.5 : 1) : b ? 1 : 0;
    },
  },
  {
    directive: "RestrictAddressFamilies",
    weight: 0.5,
    wants: "only the address families the service uses",
    credit: (s) => listValues(s, "Service", "RestrictAddressFamilies").length > 0 ? 1 : 0,
  },
  { directive: "ProtectKernelModules", weight: 0.5, wants: "yes", credit: yes("ProtectKernelModules") },
  { directive: "ProtectKernelTunables", weight: 0.5, wants: "yes", credit: yes("ProtectKernelTunables") },
  { directive: "ProtectKernelLogs", weight: 0.2, wants: "yes", credit: yes("ProtectKernelLogs") },
  { directive: "ProtectControlGroups", weight: 0.3, wants: "yes", credit: yes("ProtectControlGroups") },
  { directive: "ProtectClock", weight: 0.2, wants: "yes", credit: yes("ProtectClock") },
  { directive: "RestrictSUIDSGID", weight: 0.3, wants: "yes", credit: yes("RestrictSUIDSGID") },
  { directive: "MemoryDenyWriteExecute", weight: 0.3, wants: "yes", credit: yes("MemoryDenyWriteExecute") },
  { directive: "RestrictRealtime", weight: 0.2, wants: "yes", credit: yes("RestrictRealtime") },
  { directive: "LockPersonality", weight: 0.2, wants: "yes", credit: yes("LockPersonality") },
  {
    directive: "SystemCallArchitectures",
    weight: 0.2,
    wants: "native",
    credit: (s) =>
      listValues(s, "Service", "SystemCallArchitectures").some((v) => v.split(/\s+/).includes("native"))
        ? 1
        : 0,
  },
];

const TOTAL = EXPOSURE_TABLE.reduce((a, r) => a + r.weight, 0);

/** A unit's score and the directives that are missing or only partly set. */
export interface Exposure {
  /** 0.0 … 10.0, one decimal. */
  score: number;
  missing: string[];
  partial: string[];
}

/** Scores a service's merged sections. */
export function exposureOf(s: UnitSections): Exposure {
  let lost = 0;
  const missing: string[] = [];
  const partial: string[] = [];
  for (const r of EXPOSURE_TABLE) {
    const c = Math.max(0, Math.min(1, r.credit(s)));
    lost += r.weight * (1 - c);
    if (c === 0) missing.push(r.directive);
    else if (c < 1) partial.push(r.directive);
  }
  return { score: Math.round((lost / TOTAL) * 100) / 10, missing, partial };
}
