/**
 * The import graph follows docs/ARCHITECTURE.md: every import of every .ts file under main.ts, src/ and ffi/
 * (static imports and re-exports, `import("...")`, and worker modules `new URL("x.ts", import.meta.url)`)
 * either stays in its room, goes to a room the "Rooms" table allows, or is listed under "Exceptions" with
 * its reason. The tables are read from the document, so the document and the code cannot drift apart.
 */
import assert from "node:assert/strict";
import { SCAN_STAGES } from "../src/cli/scan.ts";
import { repoPath } from "./helpers.ts";
import { type ImportRef, type Imports, importsOf } from "./import_graph.ts";

const REPO = repoPath("").replace(/\/$/, "");
const DOC = `${REPO}/docs/ARCHITECTURE.md`;

// ---------------------------------------------------------------------------------------------------------
// Files and rooms

function walk(dir: string, out: string[]): void {
  for (const e of Deno.readDirSync(`${REPO}/${dir}`)) {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory) walk(rel, out);
    else if (e.isFile && e.name.endsWith(".ts")) out.push(rel);
  }
}

/** Every TypeScript file of the program, relative to the repository. */
function programFiles(): string[] {
  const out = ["main.ts"];
  walk("src", out);
  walk("ffi", out);
  return out.sort();
}

/** The room of a repository-relative path: `main.ts`, `ffi`, or `src/<folder>` (a file directly in src/ is its own). */
export function roomOf(path: string): string {
  const parts = path.split("/");
  if (parts[0] === "src") return parts.length > 2 ? `src/${parts[1]}` : path;
  return parts[0];
}

/** Resolves a relative specifier from a repository-relative file; undefined for packages (npm:, node:, bare). */
function resolve(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith("./") && !specifier.startsWith("../")) return undefined;
  const parts = from.split("/").slice(0, -1);
  for (const p of specifier.split("/")) {
    if (p === "..") parts.pop();
    else if (p !== ".") parts.push(p);
  }
  return parts.join("/");
}

// ---------------------------------------------------------------------------------------------------------
// The document's tables

/** The rows of the Markdown table in the section under `heading` (cells trimmed; header and rule rows dropped). */
function tableAfter(md: string, heading: string): string[][] {
  const start = md.indexOf(`\n${heading}\n`);
  assert.ok(start >= 0, `docs/ARCHITECTURE.md has a "${heading}" section`);
  const body = md.slice(start + heading.length + 2);
  const end = body.search(/^#{1,3} /m);
  const lines = (end < 0 ? body : body.slice(0, end)).split("\n");
  const first = lines.findIndex((l) => l.startsWith("|"));
  assert.ok(first >= 0, `the "${heading}" section has a table`);
  const rows: string[][] = [];
  for (const line of lines.slice(first)) {
    if (!line.startsWith("|")) break;
    rows.push(line.slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim()));
  }
  return rows.slice(2);
}

/** The backticked names in a cell, without a trailing slash. */
function names(cell: string): string[] {
  return [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1].replace(/\/$/, ""));
}

/** Room → the rooms it may import, from the "Rooms" table. */
export function readRooms(md: string): Map<string, Set<string>> {
  const rooms = new Map<string, Set<string>>();
  for (const [room, , mayImport] of tableAfter(md, "## Rooms")) {
    const [name] = names(room);
    assert.ok(name, `a room row names its room in backticks: ${room}`);
    assert.ok(!rooms.has(name), `room ${name} is listed once`);
    rooms.set(name, new Set(mayImport === "nothing" ? [] : names(mayImport)));
  }
  return rooms;
}

/** An accepted import the Rooms table does not allow. */
interface Exception {
  file: string;
  target: string;
  why: string;
}

/** The "Exceptions" table: file, imported file, reason. */
export function readExceptions(md: string): Exception[] {
  return tableAfter(md, "### Exceptions").map(([file, target, why]) => ({
    file: names(file)[0],
    target: names(target)[0],
    why,
  }));
}

/**
 * Files allowed an `import()` of a module named at run time (the table under "### Modules named at run time"):
 * such an import cannot be checked against the Rooms table, so each needs its reason.
 */
export function readRuntimeImports(md: string): Map<string, string> {
  return new Map(tableAfter(md, "### Modules named at run time").map(([file, why]) => [names(file)[0], why]));
}

/** An import between rooms that neither the Rooms table nor an exception allows. */
interface Edge {
  file: string;
  target: string;
  kind: ImportRef["kind"];
}

/** The imports of `files` that break the rules, and the exceptions none of them needed. */
export function check(
  files: Map<string, ImportRef[]>,
  rooms: Map<string, Set<string>>,
  exceptions: readonly Exception[],
): { violations: Edge[]; unused: Exception[]; unknownRooms: string[] } {
  const violations: Edge[] = [];
  const used = new Set<Exception>();
  const unknownRooms = new Set<string>();
  for (const [file, refs] of files) {
    const from = roomOf(file);
    if (!rooms.has(from)) unknownRooms.add(from);
    for (const ref of refs) {
      const target = resolve(file, ref.specifier);
      if (target === undefined) continue;
      const to = roomOf(target);
      if (to === from || rooms.get(from)?.has(to)) continue;
      const ok = exceptions.find((e) => e.file === file && e.target === target);
      if (ok) used.add(ok);
      else violations.push({ file, target, kind: ref.kind });
    }
  }
  return { violations, unused: exceptions.filter((e) => !used.has(e)), unknownRooms: [...unknownRooms] };
}

function readProgram(): Map<string, Imports> {
  return new Map(programFiles().map((f) => [f, importsOf(Deno.readTextFileSync(`${REPO}/${f}`))]));
}

const DOC_TEXT = Deno.readTextFileSync(DOC);

// ---------------------------------------------------------------------------------------------------------
// The program follows the document

Deno.test("architecture: every import between rooms is allowed by docs/ARCHITECTURE.md", () => {
  const program = readProgram();
  const { violations, unused, unknownRooms } = check(
    new Map([...program].map(([f, i]) => [f, i.refs])),
    readRooms(DOC_TEXT),
    readExceptions(DOC_TEXT),
  );
  assert.deepEqual(unknownRooms, [], "every file belongs to a room of the table");
  assert.deepEqual(
    violations.map((v) => `${v.file} → ${v.target} (${roomOf(v.file)} may not import ${roomOf(v.target)})`),
    [],
    "imports the Rooms table does not allow (fix the import, or list it with its reason under Exceptions)",
  );
  assert.deepEqual(unused.map((e) => `${e.file} → ${e.target}`), [], "exceptions no import needs any more");
});

Deno.test("architecture: every import names a file that exists, and every import() a literal module", () => {
  const missing: string[] = [];
  const unreadable: string[] = [];
  const runtime = readRuntimeImports(DOC_TEXT);
  const runtimeUsed = new Set<string>();
  for (const [file, imports] of readProgram()) {
    for (const u of imports.unreadable) {
      if (runtime.has(file)) runtimeUsed.add(file);
      else unreadable.push(`${file}: ${u}`);
    }
    for (const ref of imports.refs) {
      const target = resolve(file, ref.specifier);
      if (target === undefined) continue;
      try {
        Deno.statSync(`${REPO}/${target}`);
      } catch {
        missing.push(`${file} → ${ref.specifier}`);
      }
    }
  }
  assert.deepEqual(missing, []);
  assert.deepEqual(
    unreadable,
    [],
    "an import() whose module is not a literal cannot be checked (list the file under Modules named at run time)",
  );
  assert.deepEqual(
    [...runtime.keys()].filter((f) => !runtimeUsed.has(f)),
    [],
    "rows no import needs any more",
  );
});

Deno.test("architecture: the Rooms table is layered (no room can reach itself through others)", () => {
  const rooms = readRooms(DOC_TEXT);
  for (const [room, allowed] of rooms) {
    for (const target of allowed) {
      assert.ok(rooms.has(target), `${room} may import ${target}, which is a room`);
    }
  }
  const reaches = (from: string, seen = new Set<string>()): Set<string> => {
    for (const next of rooms.get(from) ?? []) {
      if (!seen.has(next)) {
        seen.add(next);
        reaches(next, seen);
      }
    }
    return seen;
  };
  for (const room of rooms.keys()) assert.ok(!reaches(room).has(room), `${room} can reach itself`);
  assert.deepEqual([...rooms.get("ffi")!], [], "ffi/ imports nothing of the program");
  assert.deepEqual([...rooms.get("src/host")!], ["ffi"], "src/host imports only ffi/");
});

Deno.test("architecture: the document lists the scan's stages in the order the code runs them", () => {
  const section = DOC_TEXT.slice(DOC_TEXT.indexOf("\n## The stages of a scan\n"));
  const listed = [...section.matchAll(/^\d+\. \*\*(\w+)\*\*/gm)].map((m) => m[1]);
  assert.deepEqual(listed, ["prepare", ...SCAN_STAGES.map(([name]) => name)]);
});

// ---------------------------------------------------------------------------------------------------------
// The checker itself can fail

Deno.test("architecture check: an upward or sideways import is reported, an exception allows exactly its edge", () => {
  const rooms = readRooms(DOC_TEXT);
  const files = new Map<string, ImportRef[]>([
    ["src/host/x.ts", [{ specifier: "../core/result.ts", kind: "static" }]],
    ["src/output/y.ts", [{ specifier: "../security/redact.ts", kind: "dynamic" }]],
    ["src/core/z.ts", [{ specifier: "../host/host.ts", kind: "static" }, {
      specifier: "zod",
      kind: "static",
    }]],
    ["src/scanners/w.ts", [{ specifier: "../cli/args.ts", kind: "worker" }]],
  ]);
  const found = check(files, rooms, []);
  assert.deepEqual(found.violations, [
    { file: "src/host/x.ts", target: "src/core/result.ts", kind: "static" },
    { file: "src/output/y.ts", target: "src/security/redact.ts", kind: "dynamic" },
    { file: "src/scanners/w.ts", target: "src/cli/args.ts", kind: "worker" },
  ]);
  const allowed = check(files, rooms, [
    { file: "src/host/x.ts", target: "src/core/result.ts", why: "test" },
    { file: "src/host/x.ts", target: "src/core/other.ts", why: "test" },
  ]);
  assert.equal(allowed.violations.length, 2);
  assert.deepEqual(allowed.unused.map((e) => e.target), ["src/core/other.ts"]);
  assert.deepEqual(check(new Map([["lib/q.ts", []]]), rooms, []).unknownRooms, ["lib"]);
});

Deno.test("architecture check: imports are read from code, not from comments, strings or regexes", () => {
  const src = [
    `import assert from "node:assert/strict";`,
    `import {`,
    `  type A,`,
    `  b as c,`,
    `} from "../core/a.ts";`,
    `import type { D } from '../host/d.ts';`,
    `import * as e from "./e.ts";`,
    `import "./side_effect.ts";`,
    `import data from "./data.json" with { type: "json" };`,
    `export { f } from "../output/f.ts";`,
    `export * from "./g.ts";`,
    `export type { H } from "./h.ts";`,
    `// import { no } from "../cli/comment.ts";`,
    `/* import("../cli/block.ts") */`,
    `/** A doc comment: \`import x from "../cli/doc.ts"\` and import("../cli/doc2.ts"). */`,
    `const s = "import { no } from '../cli/string.ts'";`,
    'const t = `import("../cli/template.ts") ${x}`;',
    `const r = /import\\("['"]..\\/cli\\/regex.ts/;`,
    `const q = a / b / c; const u = "../cli/after_division.ts";`,
    `export const from = 1; export function g() { return "../cli/return.ts"; }`,
    `const m = await import("./lazy.ts");`,
    "const n = await import(`./lazy_template.ts`);",
    `const w = new Worker(new URL("./worker.ts", import.meta.url).href);`,
    `const o = new URL("../../generated/object.bpf.o", import.meta.url);`,
    `const dyn = await import(name);`,
  ].join("\n");
  const { refs, unreadable } = importsOf(src);
  assert.deepEqual(refs.map((r) => `${r.kind} ${r.specifier}`), [
    "static node:assert/strict",
    "static ../core/a.ts",
    "static ../host/d.ts",
    "static ./e.ts",
    "static ./side_effect.ts",
    "static ./data.json",
    "static ../output/f.ts",
    "static ./g.ts",
    "static ./h.ts",
    "dynamic ./lazy.ts",
    "dynamic ./lazy_template.ts",
    "worker ./worker.ts",
  ]);
  assert.deepEqual(unreadable, ["import(name);"]);
});
