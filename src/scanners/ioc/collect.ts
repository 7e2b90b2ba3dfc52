/**
 * Collects ioc drafts: applies the allowlist and merges the same (check, subject) seen in several processes
 * into one finding (the worst severity wins, pids and listed values add up).
 */
import { type FindingDraft, findingId, type Metadata } from "../../core/finding.ts";
import { type Severity, severityRank } from "../../core/severity.ts";
import type { ProcessInfo } from "../../host/proc_types.ts";
import { allowReason } from "./allow.ts";
import { IOC_CHECKS } from "./checks.ts";

/** Metadata keys holding lists that are united when findings merge. */
const UNION_KEYS = ["values", "entries"];

function catalogueSeverity(checkId: string): Severity {
  return IOC_CHECKS.find((c) => c.id === checkId)?.severity ?? "info";
}

function severityOf(d: FindingDraft): Severity {
  return d.severity ?? catalogueSeverity(d.check_id);
}

interface Entry {
  draft: FindingDraft;
  pids: string[];
  allAllowed: boolean;
}

/** The merged findings of one ioc run. */
export class Findings {
  readonly #byId = new Map<string, Entry>();

  constructor(readonly patterns: readonly string[]) {}

  /**
   * Adds a draft for process `p` (undefined for host-wide findings). An allowlist pattern found in the
   * subject, exe, cmdline, comm or `extraFields` downgrades it to info and says why in metadata.
   */
  add(draft: FindingDraft, p: ProcessInfo | undefined, extraFields: Record<string, string> = {}): void {
    const reason = allowReason(this.patterns, {
      subject: draft.subject,
      exe: p?.exe ?? null,
      cmdline: p ? p.cmdline.join(" ") : null,
      comm: p?.comm ?? null,
      ...extraFields,
    });
    const d: FindingDraft = reason === undefined ? draft : {
      ...draft,
      severity: "info",
      metadata: {
        ...draft.metadata,
        allowlisted: true,
        allowlist_reason: reason,
        severity_before_allowlist: severityOf(draft),
      },
    };
    const id = findingId(d.check_id, d.subject);
    const seen = this.#byId.get(id);
    const pids = p ? [String(p.pid)] : [];
    if (!seen) {
      this.#byId.set(id, { draft: d, pids, allAllowed: reason !== undefined });
      return;
    }
    const union: Metadata = {};
    for (const key of UNION_KEYS) {
      const a = seen.draft.metadata?.[key];
      const b = d.metadata?.[key];
      if (Array.isArray(a) && Array.isArray(b)) union[key] = [...new Set([...a, ...b])];
    }
    if (severityRank(severityOf(d)) > severityRank(severityOf(seen.draft))) seen.draft = d;
    seen.draft = { ...seen.draft, metadata: { ...seen.draft.metadata, ...union } };
    seen.pids.push(...pids);
    seen.allAllowed &&= reason !== undefined;
  }

  /** The merged drafts, in the order first seen. */
  *drafts(): Generator<FindingDraft> {
    for (const { draft, pids, allAllowed } of this.#byId.values()) {
      const metadata: Metadata = { ...draft.metadata };
      if (pids.length > 0) {
        metadata.pids = pids;
        metadata.process_count = pids.length;
      }
      if (!allAllowed) {
        delete metadata.allowlisted;
        delete metadata.allowlist_reason;
        delete metadata.severity_before_allowlist;
      }
      yield { ...draft, metadata };
    }
  }
}
