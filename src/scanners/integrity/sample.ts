/**
 * Deterministic per-host package sampling for `--integrity-sample-pct`: packages are ordered by
 * SHA-256(seed NUL name) and the first ceil(N% of them) are taken. The same host always verifies the same
 * packages, different hosts verify different ones, and installing a package does not reshuffle the rest.
 */
import { sha256Hex } from "../../host/hash.ts";
import type { Host } from "../../host/host.ts";

/** The seed and where it came from (the value itself is not reported). */
export interface SampleSeed {
  value: string;
  source: "machine-id" | "hostname" | "none";
}

/** Reads the sampling seed: /etc/machine-id, then /var/lib/dbus/machine-id, then /etc/hostname. */
export function sampleSeed(host: Host): SampleSeed {
  for (const path of ["/etc/machine-id", "/var/lib/dbus/machine-id"]) {
    const r = host.readText(path, 256);
    if (r.ok && r.value.trim() !== "") return { value: r.value.trim(), source: "machine-id" };
  }
  const h = host.readText("/etc/hostname", 256);
  if (h.ok && h.value.trim() !== "") return { value: h.value.trim(), source: "hostname" };
  return { value: "", source: "none" };
}

/** The deterministic N% sample of `names` (sorted by name in the result). pct ≤ 0 or ≥ 100 keeps all. */
export function samplePackages(names: readonly string[], pct: number, seed: string): string[] {
  const unique = [...new Set(names)];
  if (pct <= 0 || pct >= 100) return unique.sort();
  const keyed = unique.map((name) => ({
    name,
    key: sha256Hex(`${seed}\0${name}`),
  }));
  keyed.sort((a, b) => a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
  const take = Math.ceil(unique.length * pct / 100);
  return keyed.slice(0, take).map((k) => k.name).sort();
}
