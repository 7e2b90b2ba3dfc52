/** The README sections generated from code (flag table, check catalogue), between `<!-- gen:NAME -->` markers. */
import { flagsMarkdown } from "../src/cli/help.ts";
import { checksMarkdown } from "../src/cli/commands/checks.ts";
import { fullCatalogue } from "../src/cli/scan.ts";
import { SCANNERS } from "../src/scanners/index.ts";

/** Section name → generated Markdown. */
export function generatedSections(): Record<string, string> {
  return { flags: flagsMarkdown(), checks: checksMarkdown(fullCatalogue(), SCANNERS) };
}

/** Replaces the text between `<!-- gen:NAME:start -->` and `<!-- gen:NAME:end -->`. */
export function replaceSection(text: string, name: string, body: string): string {
  const start = `<!-- gen:${name}:start -->`;
  const end = `<!-- gen:${name}:end -->`;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i < 0 || j < i) throw new Error(`README.md has no ${start} … ${end} section`);
  return text.slice(0, i + start.length) + "\n" + body.trimEnd() + "\n" + text.slice(j);
}

/** The text currently between the markers, or undefined. */
export function currentSection(text: string, name: string): string | undefined {
  const start = `<!-- gen:${name}:start -->`;
  const end = `<!-- gen:${name}:end -->`;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  return i < 0 || j < i ? undefined : text.slice(i + start.length + 1, j);
}
