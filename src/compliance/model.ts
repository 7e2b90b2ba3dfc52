/** Compliance controls as data (zod): standards, controls and the checks that decide them. */
import { z } from "zod";
import { SeveritySchema } from "../core/schemas.ts";
import { STANDARD_IDS } from "../core/config.ts";

/**
 * A check a control depends on: a check id or a glob (`kernel.sysctl.*`). By default a check the scanner ran
 * without reporting it either way is not applicable (e.g. no /var/tmp mount). With `absent: "pass"` a clean
 * run counts as a pass: for checks whose scanner only reports problems (no unexpected SUID file found).
 */
export const CheckRefSchema = z.union([
  z.string(),
  z.object({ check: z.string(), absent: z.enum(["pass", "not_applicable"]) }).strict(),
]);

/** A check reference. */
export type CheckRef = z.infer<typeof CheckRefSchema>;

/** One control. */
export const ControlSchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9_.()-]{1,64}$/),
  title: z.string().min(1),
  /** The requirement, in our own words (not the standard's text). */
  requirement: z.string().min(1),
  remediation: z.string().min(1),
  /** Severity of a failed control (a passed, not applicable or not checked control is info). */
  severity: SeveritySchema.exclude(["error"]),
  checks: z.array(CheckRefSchema).min(1),
}).strict();

/** One control. */
export type Control = z.infer<typeof ControlSchema>;

/** One standard. */
export const StandardSchema = z.object({
  id: z.enum(STANDARD_IDS),
  name: z.string().min(1),
  version: z.string().min(1),
  /** Taxonomy name used in SARIF (`PCI`, `HIPAA`, `NIST`, `CIS`). */
  taxonomy: z.string().min(1),
  note: z.string().optional(),
  controls: z.array(ControlSchema).min(1),
}).strict().superRefine((s, ctx) => {
  const seen = new Set<string>();
  s.controls.forEach((c, i) => {
    if (seen.has(c.id)) {
      ctx.addIssue({ code: "custom", message: `duplicate control id ${c.id}`, path: ["controls", i, "id"] });
    }
    seen.add(c.id);
  });
});

/** One standard. */
export type Standard = z.infer<typeof StandardSchema>;

/** The check id or glob of a reference, and what a clean run means for it. */
export function refParts(ref: CheckRef): { pattern: string; absent: "pass" | "not_applicable" } {
  return typeof ref === "string"
    ? { pattern: ref, absent: "not_applicable" }
    : { pattern: ref.check, absent: ref.absent };
}
