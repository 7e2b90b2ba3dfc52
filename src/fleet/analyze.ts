/**
 * The fleet analysis, done in SQL over the store so memory does not grow with the number of scans: each host's
 * latest scan, the risk statistics and outliers, stacking (least frequency of occurrence) per kind of item, and
 * what changed between the previous run and the latest run that brought scans.
 */
import { type Severity, severityForScore } from "../core/severity.ts";
import { type Kind, KIND_TITLES, KINDS } from "./extract.ts";
import { FLEET_FORMAT, type FleetHost, type FleetReport } from "./model.ts";
import type { FleetStore } from "./store.ts";

/** `--rare-threshold`: a host count (`3`) or a share of the fleet (`5%`). */
export type RareThreshold = { spec: string; count: number } | { spec: string; percent: number };

/** Parses `--rare-threshold`; undefined when it is neither `N` nor `P%`. */
export function parseRareThreshold(text: string): RareThreshold | undefined {
  const t = text.trim();
  const pct = /^(\d{1,3}(?:\.\d+)?)%$/.exec(t);
  if (pct && Number(pct[1]) > 0 && Number(pct[1]) <= 100) return { spec: t, percent: Number(pct[1]) };
  return /^\d{1,9}$/.test(t) && Number(t) >= 1 ? { spec: t, count: Number(t) } : undefined;
}

/** The rare threshold in hosts for a fleet of `hosts` (a share rounds down, never below 1). */
export function rareHosts(t: RareThreshold, hosts: number): number {
  return "count" in t ? t.count : Math.max(1, Math.floor((t.percent / 100) * hosts));
}

/** What the ingest step counted, carried into the report. */
export type IngestSummary = FleetReport["run"];

/** Options of the analysis. */
export interface AnalyzeOptions {
  rare: RareThreshold;
  /** Least number of hosts an item must appear on at once to be listed as a change. */
  spreadMin: number;
  /** Length of the outlier and risk-mover lists. */
  top: number;
  /** Items listed per kind (0: all). */
  maxItems: number;
  /** Host names listed per item. */
  hostsPerItem: number;
  now: Date;
  toolVersion: string;
  warnings: string[];
}

const RANGES: [number, number][] = [[0, 29], [30, 49], [50, 69], [70, 89], [90, 100]];

interface HostRowDb {
  name: string;
  risk: number;
  level: string;
  scanned_at: string;
  scanned_ts: number;
  finding_count: number;
  run_id: number;
  signer: string | null;
  prev_risk: number | null;
  prev_scan: number | null;
  scan_id: number;
}

const num = (v: unknown) => Number(v ?? 0);

function latestScans(store: FleetStore, table: string, where: string): void {
  store.db.exec(`DROP TABLE IF EXISTS temp.${table}`);
  store.db.exec(
    `CREATE TEMP TABLE ${table} AS SELECT host_id, scan_id, risk FROM (
       SELECT host_id, scan_id, risk, ROW_NUMBER() OVER (
         PARTITION BY host_id ORDER BY scanned_ts DESC, scan_id DESC) AS rn
       FROM scans ${where}) WHERE rn = 1`,
  );
  store.db.exec(`CREATE UNIQUE INDEX temp.${table}_scan ON ${table} (scan_id)`);
  store.db.exec(`CREATE UNIQUE INDEX temp.${table}_host ON ${table} (host_id)`);
}

function hostsOf(
  store: FleetStore,
  sql: string,
  params: (number | string)[],
  limit: number,
): { hosts: string[]; more: number; total: number } {
  const rows = store.prepare(sql).all(...params) as { name: string }[];
  return {
    hosts: rows.slice(0, limit).map((r) => r.name),
    more: Math.max(0, rows.length - limit),
    total: rows.length,
  };
}

function stacking(
  store: FleetStore,
  hostCount: number,
  rare: number,
  o: AnalyzeOptions,
): FleetReport["stacking"] {
  const out: FleetReport["stacking"] = [];
  for (const kind of KINDS) {
    const counts = store.prepare(
      `SELECT COUNT(*) AS distinct_items, COALESCE(SUM(n <= ? AND n < ?), 0) AS rare_items FROM (
         SELECT COUNT(*) AS n FROM cur JOIN scan_items si ON si.scan_id = cur.scan_id
         JOIN items i ON i.item_id = si.item_id WHERE i.kind = ? GROUP BY si.item_id)`,
    ).get(rare, hostCount, kind) as { distinct_items: number; rare_items: number };
    const rows = store.prepare(
      `SELECT i.item_id, i.value, COUNT(*) AS n FROM cur JOIN scan_items si ON si.scan_id = cur.scan_id
       JOIN items i ON i.item_id = si.item_id WHERE i.kind = ?
       GROUP BY si.item_id ORDER BY n ASC, i.value ASC ${o.maxItems > 0 ? "LIMIT ?" : ""}`,
    ).all(...(o.maxItems > 0 ? [kind, o.maxItems] : [kind])) as {
      item_id: number;
      value: string;
      n: number;
    }[];
    out.push({
      kind,
      title: KIND_TITLES[kind],
      distinct: num(counts.distinct_items),
      rare_count: num(counts.rare_items),
      items: rows.map((r) => {
        const n = num(r.n);
        const h = hostsOf(
          store,
          `SELECT h.name FROM scan_items si JOIN cur ON cur.scan_id = si.scan_id
           JOIN hosts h ON h.host_id = cur.host_id WHERE si.item_id = ? ORDER BY h.name LIMIT ?`,
          [num(r.item_id), o.hostsPerItem + 1],
          o.hostsPerItem,
        );
        return {
          value: r.value,
          host_count: n,
          share: hostCount ? n / hostCount : 0,
          rare: n <= rare && n < hostCount,
          hosts: h.hosts,
          more_hosts: Math.max(0, n - h.hosts.length),
        };
      }),
    });
  }
  return out;
}

/** Items present in one side's scan of a host and absent from the other's, counted over hosts. */
function moved(
  store: FleetStore,
  from: "cur" | "prev",
  o: AnalyzeOptions,
): FleetReport["changes"]["appeared"] {
  const other = from === "cur" ? "prev" : "cur";
  const pairs = "FROM cur JOIN prev ON prev.host_id = cur.host_id AND prev.scan_id <> cur.scan_id";
  const absent =
    `NOT EXISTS (SELECT 1 FROM scan_items x WHERE x.scan_id = ${other}.scan_id AND x.item_id = si.item_id)`;
  const rows = store.prepare(
    `SELECT c.item_id, i.kind, i.value, c.n FROM (
       SELECT si.item_id AS item_id, COUNT(*) AS n ${pairs}
       JOIN scan_items si ON si.scan_id = ${from}.scan_id WHERE ${absent}
       GROUP BY si.item_id HAVING n >= ?) c JOIN items i ON i.item_id = c.item_id
     ORDER BY c.n DESC, i.kind ASC, i.value ASC LIMIT ?`,
  ).all(o.spreadMin, o.maxItems > 0 ? o.maxItems : -1) as {
    item_id: number;
    kind: Kind;
    value: string;
    n: number;
  }[];
  const hostsSql = `SELECT h.name ${pairs}
    JOIN scan_items si ON si.scan_id = ${from}.scan_id AND si.item_id = ?
    JOIN hosts h ON h.host_id = cur.host_id WHERE ${absent} ORDER BY h.name LIMIT ?`;
  return rows.map((r) => {
    const h = hostsOf(store, hostsSql, [num(r.item_id), o.hostsPerItem], o.hostsPerItem);
    return {
      kind: r.kind,
      value: r.value,
      host_count: num(r.n),
      hosts: h.hosts,
      more_hosts: Math.max(0, num(r.n) - h.hosts.length),
    };
  });
}

/** Host-name checks: look-alikes (same after case and Unicode folding) and names with odd characters. */
export function hostNameWarnings(names: Iterable<string>): string[] {
  const folded = new Map<string, string[]>();
  const out: string[] = [];
  for (const n of names) {
    const key = n.normalize("NFKC").toLowerCase().replace(/\.+$/, "");
    const list = folded.get(key);
    if (list) list.push(n);
    else folded.set(key, [n]);
    // deno-lint-ignore no-control-regex
    if (/[\u0000-\u0020\u007f-\u00a0]|[^\u0000-\u007f]/.test(n)) {
      out.push(`host name ${JSON.stringify(n)} holds spaces, control or non-ASCII characters`);
    }
  }
  for (const list of folded.values()) {
    if (list.length > 1) {
      out.push(
        `host names ${
          list.map((n) => JSON.stringify(n)).join(", ")
        } differ only in case, Unicode form or a ` +
          "trailing dot: separate hosts here, but one may be posing as the other",
      );
    }
  }
  return out;
}

function runWarnings(store: FleetStore, run: number): string[] {
  const out: string[] = [];
  const twoPlaces = store.prepare(
    `SELECT h.name, MIN(s.source_dir) AS a, MAX(s.source_dir) AS b FROM scans s JOIN hosts h ON h.host_id = s.host_id
     WHERE s.run_id = ? GROUP BY s.host_id HAVING COUNT(DISTINCT s.source_dir) > 1 ORDER BY h.name LIMIT 100`,
  ).all(run) as { name: string; a: string; b: string }[];
  for (const r of twoPlaces) {
    out.push(
      `host ${JSON.stringify(r.name)} has reports in two places in one run (${JSON.stringify(r.a)}, ${
        JSON.stringify(r.b)
      }): two machines may share the name, or one claims to be the other`,
    );
  }
  const claims = store.prepare(
    `SELECT h.name, s.claimed_host, s.source FROM scans s JOIN hosts h ON h.host_id = s.host_id
     WHERE s.run_id = ? AND s.claimed_host <> h.name ORDER BY h.name LIMIT 100`,
  ).all(run) as { name: string; claimed_host: string; source: string }[];
  for (const r of claims) {
    out.push(
      `${JSON.stringify(r.source)} was collected for host ${JSON.stringify(r.name)} but claims to be ${
        JSON.stringify(r.claimed_host)
      }`,
    );
  }
  return out;
}

function stats(hosts: { risk: number }[]): { mean: number; std: number } {
  if (hosts.length === 0) return { mean: 0, std: 0 };
  const mean = hosts.reduce((s, h) => s + h.risk, 0) / hosts.length;
  const variance = hosts.reduce((s, h) => s + (h.risk - mean) ** 2, 0) / hosts.length;
  return { mean, std: Math.sqrt(variance) };
}

const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

/** Builds the fleet report from the store. */
export function analyze(store: FleetStore, ingest: IngestSummary, o: AnalyzeOptions): FleetReport {
  store.db.exec("BEGIN");
  try {
    const compared = num(
      (store.prepare("SELECT MAX(run_id) AS r FROM scans").get() as { r: number | null }).r,
    );
    const previous = (store.prepare("SELECT MAX(run_id) AS r FROM scans WHERE run_id < ?").get(compared) as {
      r: number | null;
    }).r;
    latestScans(store, "cur", "");
    latestScans(store, "prev", `WHERE run_id < ${compared}`);
    const rows = store.prepare(
      `SELECT h.name, s.risk, s.level, s.scanned_at, s.scanned_ts, s.finding_count, s.run_id, s.signer,
         s.scan_id, p.risk AS prev_risk, p.scan_id AS prev_scan
       FROM cur JOIN scans s ON s.scan_id = cur.scan_id JOIN hosts h ON h.host_id = cur.host_id
       LEFT JOIN prev p ON p.host_id = cur.host_id ORDER BY s.risk DESC, h.name ASC`,
    ).all() as unknown as HostRowDb[];
    const { mean, std } = stats(rows.map((r) => ({ risk: num(r.risk) })));
    const hosts: FleetHost[] = rows.map((r) => {
      const risk = num(r.risk);
      const changed = r.prev_scan !== null && num(r.prev_scan) !== num(r.scan_id);
      return {
        host: r.name,
        risk,
        level: r.level as Severity,
        z: std > 0 ? round((risk - mean) / std) : 0,
        scanned_at: r.scanned_at,
        ts: num(r.scanned_ts),
        findings: num(r.finding_count),
        previous_risk: r.prev_risk === null ? null : num(r.prev_risk),
        delta: changed ? risk - num(r.prev_risk) : r.prev_risk === null ? null : 0,
        reported_in_run: num(r.run_id) === compared,
        signer: r.signer,
      };
    });
    const rare = rareHosts(o.rare, hosts.length);
    const appeared = previous === null ? [] : moved(store, "cur", o);
    const disappeared = previous === null ? [] : moved(store, "prev", o);
    const newHosts = store.prepare("SELECT name FROM hosts WHERE first_run = ? ORDER BY name").all(
      compared,
    ) as {
      name: string;
    }[];
    const silent = hosts.filter((h) => !h.reported_in_run).map((h) => h.host).sort();
    const report: FleetReport = {
      generated_ts: Math.floor(o.now.getTime() / 1000),
      host_count: hosts.length,
      metric_mean: round(mean),
      metric_std: round(std),
      top_outlier_hosts: hosts.filter((h) => h.z > 0).sort((a, b) => b.z - a.z || (a.host < b.host ? -1 : 1))
        .slice(0, o.top).map((h) => ({ host_id: h.host, value: h.risk, z: h.z, ts: h.ts, level: h.level })),
      newly_common_modules: appeared.filter((a) => a.kind === "module").map((a) => ({
        module: a.value,
        host_count: a.host_count,
        hosts: a.hosts,
        total_host_count: num(
          (store.prepare(
            `SELECT COUNT(*) AS n FROM cur JOIN scan_items si ON si.scan_id = cur.scan_id
             JOIN items i ON i.item_id = si.item_id WHERE i.kind = 'module' AND i.value = ?`,
          ).get(a.value) as { n: number }).n,
        ),
      })),
      risk_distribution: RANGES.map(([lo, hi]) => ({
        range: `${lo}-${hi} (${severityForScore(lo)})`,
        count: hosts.filter((h) => h.risk >= lo && h.risk <= hi).length,
      })),
      fleet_format: FLEET_FORMAT,
      tool_version: o.toolVersion,
      generated_at: o.now.toISOString(),
      run: {
        ...ingest,
        compared_run_id: compared || null,
        previous_run_id: previous === null ? null : num(previous),
      },
      rare_threshold: { spec: o.rare.spec, hosts: rare },
      hosts,
      stacking: stacking(store, hosts.length, rare, o),
      changes: {
        previous_run_id: previous === null ? null : num(previous),
        compared_hosts: hosts.filter((h) => h.previous_risk !== null && h.reported_in_run).length,
        new_hosts: newHosts.slice(0, 100).map((r) => r.name),
        new_host_count: newHosts.length,
        silent_hosts: silent.slice(0, 100),
        silent_host_count: silent.length,
        appeared,
        disappeared,
        risk_movers: hosts.filter((h) => h.delta !== null && h.delta !== 0)
          .sort((a, b) => Math.abs(b.delta!) - Math.abs(a.delta!) || (a.host < b.host ? -1 : 1))
          .slice(0, o.top)
          .map((h) => ({ host: h.host, from: h.previous_risk!, to: h.risk, delta: h.delta! })),
      },
      warnings: [
        ...o.warnings,
        ...hostNameWarnings(hosts.map((h) => h.host)),
        ...runWarnings(store, compared),
      ],
    };
    return report;
  } finally {
    store.db.exec("DROP TABLE IF EXISTS temp.cur");
    store.db.exec("DROP TABLE IF EXISTS temp.prev");
    store.db.exec("COMMIT");
  }
}
