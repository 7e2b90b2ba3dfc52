/** JSON Schema validators for tests: our generated schema, the upstream v2 schema, the official SARIF 2.1.0 schema. */
import Ajv2020Module from "ajv/dist/2020.js";
import AjvDraft04Module from "ajv-draft-04";
import { UPSTREAM_DATA } from "../host_caps.ts";
import sarifSchema from "@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json" with { type: "json" };

type Validator = ((data: unknown) => boolean) & { errors?: unknown };
type AjvLike = { compile(schema: unknown): Validator };
type AjvCtor = new (opts: Record<string, unknown>) => AjvLike;

const ctor = (m: unknown): AjvCtor => ((m as { default?: AjvCtor }).default ?? m) as AjvCtor;

/** Reads a JSON file relative to the repository root. */
export function repoJson(path: string): unknown {
  return JSON.parse(Deno.readTextFileSync(new URL(`../../${path}`, import.meta.url)));
}

/**
 * An upstream schema. They live outside the repository, in ../shared/upstream-data beside the clone (CI has
 * them); tests that use one declare `needs(["upstreamData"], ...)`.
 */
export function upstreamSchema(name: string): unknown {
  return JSON.parse(Deno.readTextFileSync(`${UPSTREAM_DATA}/${name}`));
}

function compile2020(schema: unknown): Validator {
  return new (ctor(Ajv2020Module))({ strict: false, allErrors: true }).compile(schema);
}

/** Validator for our own schema/report.schema.json. */
export const validateReport = compile2020(repoJson("schema/report.schema.json"));

/** Validator for the upstream v2 report schema (compiled on first use: the schema may be absent). */
export function validateUpstreamV2(data: unknown): boolean {
  upstreamV2 ??= compile2020(upstreamSchema("v2.json"));
  const ok = upstreamV2(data);
  validateUpstreamV2.errors = upstreamV2.errors;
  return ok;
}
validateUpstreamV2.errors = undefined as unknown;
let upstreamV2: Validator | undefined;

/** Validator for the official SARIF 2.1.0 schema (draft-04), shipped by the @microsoft/jest-sarif npm package. */
export const validateSarif = new (ctor(AjvDraft04Module))({
  strict: false,
  allErrors: true,
  validateFormats: false,
  unicodeRegExp: false,
})
  .compile(sarifSchema);

/** Asserts that a validator accepts data, showing its errors otherwise. */
export function assertValid(validate: Validator, data: unknown, what: string): void {
  if (!validate(data)) {
    throw new Error(`${what} does not validate: ${JSON.stringify(validate.errors).slice(0, 2000)}`);
  }
}

/** Validator for the FactPack v3 schema we wrote from the description (schema/factpack-v3.schema.json). */
export const validateFactPack = compile2020(repoJson("schema/factpack-v3.schema.json"));

/** Validator for the upstream FactPack v3 schema (compiled on first use: the schema may be absent). */
export function validateUpstreamV3(data: unknown): boolean {
  upstreamV3 ??= compile2020(upstreamSchema("v3.json"));
  const ok = upstreamV3(data);
  validateUpstreamV3.errors = upstreamV3.errors;
  return ok;
}
validateUpstreamV3.errors = undefined as unknown;
let upstreamV3: Validator | undefined;
