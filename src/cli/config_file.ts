/** `--config FILE`: a JSONC object whose keys are flag names, validated with zod; errors name file, line and key. */
import type { Node, ParseError } from "jsonc-parser";
import { z } from "zod";
import { loadJsonc, nodeValue, positionAt } from "../core/jsonc.ts";
import { ExitCode, fail, ok, type Result } from "../core/result.ts";
import { readTrustedInput } from "../host/trusted_files.ts";
import { FLAGS } from "./flags/index.ts";
import type { FlagSpec } from "./flags/spec.ts";

/** Values read from a config file, keyed by Config property. */
export type FileValues = Record<string, unknown>;

function lineOf(text: string, offset: number): number {
  return positionAt(text, offset).line;
}

function inputSchema(spec: FlagSpec): z.ZodType {
  switch (spec.kind) {
    case "boolean":
      return z.boolean();
    case "int":
    case "optional-int":
      return z.number().int();
    case "csv":
      return z.union([z.array(z.string()), z.string()]).transform((v) =>
        (Array.isArray(v) ? v : v.split(",")).map((s) => s.trim()).filter((s) => s !== "")
      );
    case "string":
      return z.string();
  }
}

/** Parses config file text (already read) into Config-keyed values. */
export async function parseConfigText(text: string, file: string): Promise<Result<FileValues>> {
  const jsonc = await loadJsonc();
  const errors: ParseError[] = [];
  const tree = jsonc.parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length > 0) {
    const e = errors[0];
    return fail(
      ExitCode.Usage,
      `${file}:${lineOf(text, e.offset)}: invalid JSONC (${
        jsonc.printParseErrorCode(e.error)
      }); fix the syntax or remove --config`,
    );
  }
  if (!tree || tree.type !== "object") {
    return fail(ExitCode.Usage, `${file}:1: the config file must hold one JSON object`);
  }
  const out: FileValues = {};
  for (const prop of tree.children ?? []) {
    const keyNode = prop.children?.[0] as Node;
    const name = String(keyNode.value);
    const line = lineOf(text, keyNode.offset);
    if (name === "$schema") continue;
    const entry = Object.entries(FLAGS).find(([, spec]) => (spec as FlagSpec).name === name);
    if (!entry || name === "config") {
      return fail(
        ExitCode.Usage,
        `${file}:${line}: unknown key "${name}"; keys are flag names without "--" (see --help)`,
      );
    }
    const [key, spec] = entry as [string, FlagSpec];
    if (COMMAND_LINE_ONLY.has(key)) {
      return fail(
        ExitCode.Usage,
        `${file}:${line}: "${name}" cannot be set in a config file (it weakens what sys-scan trusts); give --${name} ` +
          "on the command line",
      );
    }
    const valueNode = jsonc.findNodeAtLocation(tree, [name]);
    const parsed = inputSchema(spec).safeParse(valueNode ? nodeValue(valueNode) : undefined);
    if (!parsed.success) {
      return fail(
        ExitCode.Usage,
        `${file}:${line}: key "${name}": ${
          parsed.error.issues[0]?.message ?? "invalid value"
        } (expected a ${spec.kind} value)`,
      );
    }
    out[key] = parsed.data;
  }
  return ok(out);
}

/**
 * Reads and parses a settings file from the filesystem of the machine running sys-scan. It must be trusted (owned
 * by root or the user running sys-scan, in directories only they can write: `readTrustedInput`), since it decides
 * what the scan does; a refusal is exit 2 saying how to fix the ownership.
 */
export async function loadConfigFile(file: string): Promise<Result<FileValues>> {
  const read = readTrustedInput("--config", file, 1 << 20);
  if (!read.ok) return fail(ExitCode.Usage, read.message);
  return await parseConfigText(read.text, file);
}

/**
 * Settings a config file may not give: they weaken what sys-scan trusts (accept rule and plugin files anyone
 * can write; run programs from a directory). They must be typed on the command line, where they are seen.
 */
const COMMAND_LINE_ONLY: ReadonlySet<string> = new Set(["rulesInsecureOk", "pluginDir"]);
