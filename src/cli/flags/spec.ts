/** The shape of one flag-table entry; the table is the single source of parsing, validation, help and docs. */
import { z } from "zod";

/** How a flag's value is read from argv. */
export type FlagKind = "boolean" | "string" | "int" | "csv" | "optional-int";

/** One flag. `schema` validates the converted value and carries the default. */
export interface FlagSpec<S extends z.ZodType = z.ZodType> {
  /** The flag name without the leading `--`; also the key in a `--config` file. */
  readonly name: string;
  readonly kind: FlagKind;
  readonly schema: S;
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

/** A named group of flags, keyed by the config property they set. */
export interface FlagGroup {
  readonly title: string;
  readonly flags: Readonly<Record<string, FlagSpec>>;
}

/** Declares a flag, keeping the schema's static type. */
export function flag<S extends z.ZodType>(spec: FlagSpec<S>): FlagSpec<S> {
  return spec;
}

/** Boolean switch, default false. */
export function bool(name: string, help: string, available = true): FlagSpec<z.ZodDefault<z.ZodBoolean>> {
  return { name, kind: "boolean", schema: z.boolean().default(false), help, available };
}

/** Whole number with bounds and a default. */
export function int(
  name: string,
  help: string,
  def: number,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
  value = "N",
  available = true,
): FlagSpec<z.ZodDefault<z.ZodNumber>> {
  return {
    name,
    kind: "int",
    schema: z.number().int().min(min).max(max).default(def),
    help,
    value,
    available,
  };
}

/** Comma-separated list (items trimmed, empties dropped; repeated flags add up). */
export function csv(name: string, help: string, value = "LIST", available = true) {
  return flag({ name, kind: "csv", schema: z.array(z.string()).default([]), help, value, available });
}

/** Optional string value. */
export function str(name: string, help: string, value = "VALUE", available = true) {
  return flag({ name, kind: "string", schema: z.string().min(1).optional(), help, value, available });
}
