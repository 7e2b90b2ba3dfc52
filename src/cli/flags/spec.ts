/**
 * The shape of one flag-table entry: how a setting is spelled on the command line (name, kind, help,
 * placeholder). What the setting is — its type, default and bounds — is `src/core/config.ts`'s schema, found
 * by the entry's key; the table is the single source of parsing, help and docs.
 */
import type { ConfigKey } from "../../core/config.ts";

/** How a flag's value is read from argv. */
export type FlagKind = "boolean" | "string" | "int" | "csv" | "optional-int";

/** One flag. */
export interface FlagSpec {
  /** The flag name without the leading `--`; also the key in a `--config` file. */
  readonly name: string;
  readonly kind: FlagKind;
  /** One-line help. */
  readonly help: string;
  /** Placeholder for the value in help (FILE, N, SEV…). */
  readonly value?: string;
  /** For `optional-int`: the value used when the flag is given without one. */
  readonly implicit?: number;
  /**
   * False while the feature behind the flag is not built yet: using it is a usage error that says so,
   * so no flag is ever parsed and then ignored.
   */
  readonly available?: boolean;
}

/** A named group of flags, keyed by the Config setting they set. */
export interface FlagGroup {
  readonly title: string;
  readonly flags: Readonly<Partial<Record<ConfigKey, FlagSpec>>>;
}

/** Declares a flag. */
export function flag(spec: FlagSpec): FlagSpec {
  return spec;
}

/** Boolean switch. */
export function bool(name: string, help: string, available = true): FlagSpec {
  return { name, kind: "boolean", help, available };
}

/** Whole number. */
export function int(name: string, help: string, value = "N", available = true): FlagSpec {
  return { name, kind: "int", help, value, available };
}

/** Comma-separated list (items trimmed, empties dropped; repeated flags add up). */
export function csv(name: string, help: string, value = "LIST", available = true): FlagSpec {
  return { name, kind: "csv", help, value, available };
}

/** Text value. */
export function str(name: string, help: string, value = "VALUE", available = true): FlagSpec {
  return { name, kind: "string", help, value, available };
}
