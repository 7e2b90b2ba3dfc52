/**
 * Set-id interpreters: a set-id ELF file that is one of the host's interpreters (same inode or same content) or
 * is named like one, and set-id scripts whose shebang names an interpreter.
 */
import type { ScanContext } from "../../core/context.ts";
import type { FindingDraft } from "../../core/finding.ts";
import type { Severity } from "../../core/severity.ts";
import { readEntryHead, sha256Entry } from "../../host/entry_io.ts";
import type { WalkEntry } from "../../host/walker.ts";
import type { Host } from "../../host/host.ts";
import { entryTimes, octalMode } from "../fs_common.ts";
import { INTERPRETERS, isInterpreterName, programNames } from "../suid_expected.ts";

/** Looks set-id programs up against the host's interpreters by (dev, inode) and by content. */
export class InterpreterIndex {
  readonly #byIno = new Map<string, string>();
  readonly #bySize = new Map<number, { path: string; entry: WalkEntry }[]>();
  readonly host: Host;

  constructor(ctx: ScanContext) {
    this.host = ctx.host;
    for (const dir of ["/usr/bin", "/usr/local/bin", "/bin"]) {
      const list = ctx.host.readDir(dir, 20_000);
      if (!list.ok) continue;
      for (const d of list.value) {
        if (!isInterpreterName(d.name) || /-config$/.test(d.name)) continue;
        const path = `${dir}/${d.name}`;
        const st = ctx.host.stat(path);
        if (!st.ok || !st.value.isFile) continue;
        const key = `${st.value.dev}:${st.value.ino}`;
        if (this.#byIno.has(key)) continue;
        this.#byIno.set(key, path);
        const entry: WalkEntry = {
          path,
          realPath: ctx.host.resolve(path),
          name: d.name,
          depth: 0,
          kind: "file",
          mode: (st.value.mode ?? 0) & 0o7777,
          uid: st.value.uid ?? -1,
          gid: st.value.gid ?? -1,
          dev: st.value.dev ?? 0,
          ino: st.value.ino ?? 0,
          size: st.value.size,
          nlink: st.value.nlink ?? 1,
          mtime: null,
          ctime: null,
        };
        const same = this.#bySize.get(st.value.size) ?? [];
        same.push({ path, entry });
        this.#bySize.set(st.value.size, same);
      }
    }
  }

  /** The interpreter this file is (same inode or same content), or undefined. */
  identify(e: WalkEntry): string | undefined {
    const ino = this.#byIno.get(`${e.dev}:${e.ino}`);
    if (ino !== undefined) return ino;
    const candidates = this.#bySize.get(e.size);
    if (!candidates) return undefined;
    const mine = sha256Entry(this.host, e, 256 << 20);
    if (!mine.ok) return undefined;
    for (const c of candidates) {
      const theirs = sha256Entry(this.host, c.entry, 256 << 20);
      if (theirs.ok && theirs.value === mine.value) return c.path;
    }
    return undefined;
  }
}

const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46];

/** The interpreter program named by a shebang line (`#!/usr/bin/env python3` → `python3`), or undefined. */
export function shebangProgram(head: Uint8Array): string | undefined {
  if (head[0] !== 0x23 || head[1] !== 0x21) return undefined;
  const nl = head.indexOf(0x0a);
  const line = new TextDecoder().decode(head.subarray(2, nl < 0 ? head.length : nl)).trim();
  const words = line.split(/\s+/).filter((w) => w !== "");
  if (words.length === 0) return undefined;
  let prog = words[0].slice(words[0].lastIndexOf("/") + 1);
  if (prog === "env") {
    const next = words.slice(1).find((w) => !w.startsWith("-") && !w.includes("="));
    if (next === undefined) return undefined;
    prog = next.slice(next.lastIndexOf("/") + 1);
  }
  return prog;
}

/** The fs.setid.interpreter finding for a set-id regular file, or undefined when it is no interpreter. */
export function setidInterpreter(
  e: WalkEntry,
  interpreters: InterpreterIndex,
  ctx: ScanContext,
): FindingDraft | undefined {
  const head = readEntryHead(ctx.host, e, 256);
  if (!head.ok) {
    ctx.warn("file_unreadable", head.message);
    return undefined;
  }
  const isElf = ELF_MAGIC.every((b, i) => head.value[i] === b);
  let reason: string | undefined;
  let severity: Severity | undefined;
  let interpreter: string | undefined;
  if (isElf) {
    const same = interpreters.identify(e);
    if (same !== undefined) {
      interpreter = same;
      reason = same === e.path ? "set-id interpreter" : `identical to the interpreter ${same}`;
    } else if (isInterpreterName(e.name)) {
      interpreter = e.name;
      reason = "set-id program named like an interpreter";
    }
  } else {
    const prog = shebangProgram(head.value);
    if (prog !== undefined && programNames(prog).some((n) => INTERPRETERS.has(n))) {
      interpreter = prog;
      severity = "high";
      reason =
        `set-id script run by ${prog} (Linux ignores set-id on scripts, but wrappers and sudo rules do not)`;
    }
  }
  if (reason === undefined) return undefined;
  return {
    check_id: "fs.setid.interpreter",
    subject: e.path,
    severity,
    description: `${e.path} (mode ${octalMode(e.mode)}, uid ${e.uid}): ${reason}.`,
    metadata: {
      path: e.path,
      mode: octalMode(e.mode),
      uid: e.uid,
      gid: e.gid,
      setuid: (e.mode & 0o4000) !== 0,
      setgid: (e.mode & 0o2000) !== 0,
      interpreter: interpreter ?? null,
      elf: isElf,
      reason,
      ...entryTimes(e),
    },
    location: { path: e.path },
  };
}
