/**
 * Compiled YARA rules and a scanner over them (see ffi/libyara.ts, which compiles): the rule table read once
 * into plain data, one reusable yr_scanner, scans of memory with a timeout, and the matches of each scan
 * delivered through a callback and read from the scan context.
 */
import { type Layout, type Lib, LibyaraError, SCAN_FN, yaraErrorName, YR } from "./libyara_abi.ts";

/** Upper bound on metas or strings walked in one rule (a wrong layout must not loop through memory). */
const MAX_WALK = 100_000;

/** One `meta:` entry; integers and booleans as their text ("42", "true"). */
export interface MetaEntry {
  key: string;
  value: string;
}

/** A compiled rule, read once from the rule table. */
export interface RuleInfo {
  name: string;
  tags: string[];
  meta: MetaEntry[];
  private: boolean;
  global: boolean;
  /** The rule's strings: identifier, index in the scan context's match table, private flag. */
  strings: { identifier: string; idx: number; private: boolean }[];
}

/** One matched string occurrence. */
export interface StringMatch {
  identifier: string;
  offset: number;
  length: number;
}

/** A rule that matched one scan, with up to `maxStrings` string occurrences (in rule order, then offset). */
export interface RuleMatch {
  rule: RuleInfo;
  strings: StringMatch[];
}

/** The outcome of one scan: matches, or libyara's error code and its name. */
export type ScanResult =
  | { ok: true; matches: RuleMatch[]; tooManyMatches: boolean }
  | { ok: false; code: number; error: string; matches: RuleMatch[] };

const enc = new TextEncoder();

/** The C string at `p` ("" for NULL). */
export function readCString(p: Deno.PointerValue): string {
  return p === null ? "" : Deno.UnsafePointerView.getCString(p);
}

/** A one-pointer out-parameter. */
export function out(): BigUint64Array<ArrayBuffer> {
  return new BigUint64Array(1);
}

/** The pointer an out-parameter received. */
export function outPointer(o: BigUint64Array): Deno.PointerObject | null {
  return Deno.UnsafePointer.create(o[0]);
}

function ptrAt(p: Deno.PointerObject, offset: number): Deno.PointerValue {
  return new Deno.UnsafePointerView(p).getPointer(offset);
}

function addr(p: Deno.PointerValue): bigint {
  return BigInt(Deno.UnsafePointer.value(p));
}

/** Reads the rule table of compiled rules with a layout. */
function readRuleTable(rules: Deno.PointerObject, layout: Layout): { base: bigint; infos: RuleInfo[] } {
  const view = new Deno.UnsafePointerView(rules);
  const count = view.getUint32(layout.rules.numRules);
  const table = view.getPointer(layout.rules.rulesTable);
  if (table === null) throw new Error("the rule table is missing");
  const infos: RuleInfo[] = [];
  for (let i = 0; i < count; i++) {
    const rule = Deno.UnsafePointer.offset(table, i * layout.rule.size)!;
    const rv = new Deno.UnsafePointerView(rule);
    const flags = rv.getInt32(layout.rule.flags);
    if (flags & YR.RULE_FLAGS_NULL) throw new Error(`rule ${i} of ${count} is the end marker`);
    infos.push({
      name: readCString(rv.getPointer(layout.rule.identifier)),
      tags: readTags(rv.getPointer(layout.rule.tags)),
      meta: readMetas(rv.getPointer(layout.rule.metas), layout),
      private: (flags & YR.RULE_FLAGS_PRIVATE) !== 0,
      global: (flags & YR.RULE_FLAGS_GLOBAL) !== 0,
      strings: readStrings(rv.getPointer(layout.rule.strings), layout),
    });
  }
  const end = Deno.UnsafePointer.offset(table, count * layout.rule.size)!;
  if (!(new Deno.UnsafePointerView(end).getInt32(layout.rule.flags) & YR.RULE_FLAGS_NULL)) {
    throw new Error("the rule table does not end after the counted rules");
  }
  return { base: addr(table), infos };
}

function readTags(p: Deno.PointerValue): string[] {
  const tags: string[] = [];
  let off = 0;
  while (p !== null && tags.length < MAX_WALK) {
    const t = Deno.UnsafePointerView.getCString(p, off);
    if (t === "") break;
    tags.push(t);
    off += enc.encode(t).length + 1;
  }
  return tags;
}

function readMetas(p: Deno.PointerValue, layout: Layout): MetaEntry[] {
  const metas: MetaEntry[] = [];
  const m = layout.meta;
  for (let i = 0; p !== null && i < MAX_WALK; i++) {
    const v = new Deno.UnsafePointerView(Deno.UnsafePointer.offset(p, i * m.size)!);
    const type = v.getInt32(m.type);
    const value = type === YR.META_TYPE_INTEGER
      ? String(v.getBigInt64(m.integer))
      : type === YR.META_TYPE_BOOLEAN
      ? String(v.getBigInt64(m.integer) !== 0n)
      : readCString(v.getPointer(m.string));
    metas.push({ key: readCString(v.getPointer(m.identifier)), value });
    if (v.getInt32(m.flags) & YR.META_FLAGS_LAST_IN_RULE) break;
  }
  return metas;
}

function readStrings(p: Deno.PointerValue, layout: Layout): RuleInfo["strings"] {
  const strings: RuleInfo["strings"] = [];
  const s = layout.string;
  for (let i = 0; p !== null && i < MAX_WALK; i++) {
    const v = new Deno.UnsafePointerView(Deno.UnsafePointer.offset(p, i * s.size)!);
    const flags = v.getUint32(s.flags);
    strings.push({
      identifier: readCString(v.getPointer(s.identifier)),
      idx: v.getUint32(s.idx),
      private: (flags & YR.STRING_FLAGS_PRIVATE) !== 0,
    });
    if (flags & YR.STRING_FLAGS_LAST_IN_RULE) break;
  }
  return strings;
}

/**
 * Compiled rules and their rule table. Create scanners from it; dispose it after them. Rules compiled on one
 * thread can be scanned with on others at once, each with its own scanner (`address`, `AttachedLibyara.rules`):
 * the compiling thread keeps them until every other thread is done, or `abandon`s them when one may not be.
 */
export class YaraRules implements Disposable {
  #ptr: Deno.PointerValue;
  readonly #base: bigint;
  readonly #owned: boolean;
  /** Every rule, in the order of the sources (private and global ones included). */
  readonly rules: readonly RuleInfo[];

  /**
   * Use Libyara.compile or AttachedLibyara.rules. Reads the rule table of `ptr` with `layout`; `owned`: disposing
   * destroys the rules (false for another thread's).
   */
  constructor(readonly lib: Lib, readonly layout: Layout, ptr: Deno.PointerObject, owned = true) {
    const t = readRuleTable(ptr, layout);
    this.#ptr = ptr;
    this.#base = t.base;
    this.#owned = owned;
    this.rules = t.infos;
  }

  /** The YR_RULES address, for another thread of this process to attach to (AttachedLibyara.rules). */
  get address(): bigint {
    return addr(this.pointer);
  }

  /**
   * Forgets the rules without destroying them: for when another thread that scans with them was ended and may
   * still be inside libyara (they are then kept until the process exits).
   */
  abandon(): void {
    this.#ptr = null;
  }

  /** The rule a YR_RULE pointer designates, or undefined when it is not in this table. */
  ruleAt(p: Deno.PointerObject): RuleInfo | undefined {
    const delta = addr(p) - this.#base;
    const size = BigInt(this.layout.rule.size);
    if (delta < 0n || delta % size !== 0n) return undefined;
    return this.rules[Number(delta / size)];
  }

  /** The YR_RULES pointer, for YaraScanner. */
  get pointer(): Deno.PointerObject {
    if (this.#ptr === null) throw new Error("the YARA rules are destroyed");
    return this.#ptr;
  }

  /** A scanner over these rules keeping at most `maxStrings` string occurrences per matching rule. */
  scanner(maxStrings = 20): YaraScanner {
    return YaraScanner.create(this, maxStrings);
  }

  /** yr_rules_destroy (for owned rules). Idempotent. */
  [Symbol.dispose](): void {
    if (this.#ptr === null) return;
    if (this.#owned) this.lib.symbols.yr_rules_destroy(this.#ptr);
    this.#ptr = null;
  }
}

/**
 * One yr_scanner, reused for every scan: it reports matching rules only (private ones never), through a
 * callback that runs on the calling thread during `scan`. An exception in it is counted in `callbackErrors`
 * (the first kept in `firstCallbackError`) and the scan goes on.
 */
export class YaraScanner implements Disposable {
  #ptr: Deno.PointerValue = null;
  readonly #cb: Deno.UnsafeCallback<typeof SCAN_FN>;
  #found: RuleMatch[] = [];
  #tooMany = false;
  /** Exceptions thrown while reading a match. */
  callbackErrors = 0;
  /** The first such exception. */
  firstCallbackError: unknown = undefined;

  private constructor(readonly rules: YaraRules, readonly maxStrings: number) {
    const layout = rules.layout;
    this.#cb = new Deno.UnsafeCallback(SCAN_FN, (ctx, message, data) => {
      try {
        if (message === YR.CALLBACK_MSG_RULE_MATCHING && data !== null && ctx !== null) {
          const rule = rules.ruleAt(data);
          if (rule === undefined) throw new Error("libyara reported a rule that is not in the rule table");
          this.#found.push({ rule, strings: readMatches(ctx, rule, layout, maxStrings) });
        } else if (message === YR.CALLBACK_MSG_TOO_MANY_MATCHES) this.#tooMany = true;
      } catch (e) {
        this.callbackErrors++;
        if (this.firstCallbackError === undefined) this.firstCallbackError = e;
      }
      return YR.CALLBACK_CONTINUE;
    });
  }

  /** Creates the yr_scanner. Throws LibyaraError (stage "scanner"); frees the callback then. */
  static create(rules: YaraRules, maxStrings: number): YaraScanner {
    const sc = new YaraScanner(rules, maxStrings);
    const s = rules.lib.symbols;
    const o = out();
    const rc = s.yr_scanner_create(rules.pointer, o);
    if (rc !== 0) {
      sc.#cb.close();
      throw new LibyaraError("scanner", rc, `yr_scanner_create: ${yaraErrorName(rc)}`);
    }
    sc.#ptr = outPointer(o);
    s.yr_scanner_set_callback(sc.#ptr, sc.#cb.pointer, null);
    s.yr_scanner_set_flags(sc.#ptr, YR.SCAN_FLAGS_REPORT_RULES_MATCHING);
    return sc;
  }

  /**
   * Scans `data` with a timeout: whole seconds, rounded down and at least 1, so that a scan given the time left
   * before a deadline ends before it (rounded up, 2.2 s left gave libyara 3). On an error (the timeout
   * included) the result names libyara's code and keeps the matches reported before it.
   */
  scan(data: Uint8Array, timeoutSeconds: number): ScanResult {
    if (this.#ptr === null) throw new Error("the YARA scanner is closed");
    this.rules.pointer; // throws when the rules were destroyed under the scanner
    const s = this.rules.lib.symbols;
    this.#found = [];
    this.#tooMany = false;
    s.yr_scanner_set_timeout(this.#ptr, Math.max(1, Math.min(0x7fffffff, Math.floor(timeoutSeconds))));
    const at = data.length === 0 ? null : Deno.UnsafePointer.of(data);
    const rc = s.yr_scanner_scan_mem(this.#ptr, at, BigInt(data.length));
    const matches = this.#found;
    this.#found = [];
    if (rc !== 0) return { ok: false, code: rc, error: yaraErrorName(rc), matches };
    return { ok: true, matches, tooManyMatches: this.#tooMany };
  }

  /** yr_scanner_destroy, then frees the callback. Idempotent. */
  [Symbol.dispose](): void {
    if (this.#ptr === null) return;
    this.rules.lib.symbols.yr_scanner_destroy(this.#ptr);
    this.#ptr = null;
    this.#cb.close();
  }
}

/** The occurrences of a matching rule's strings, from the scan context's match lists (private ones skipped). */
function readMatches(ctx: Deno.PointerObject, rule: RuleInfo, layout: Layout, max: number): StringMatch[] {
  const found: StringMatch[] = [];
  const table = ptrAt(ctx, layout.context.matches);
  if (table === null) return found;
  const { matches: ms, match: m } = layout;
  for (const s of rule.strings) {
    if (s.private) continue;
    let p = ptrAt(Deno.UnsafePointer.offset(table, s.idx * ms.size)!, ms.head);
    for (let walked = 0; p !== null && found.length < max && walked < MAX_WALK; walked++) {
      const v = new Deno.UnsafePointerView(p);
      if (v.getUint8(m.isPrivate) === 0) {
        found.push({
          identifier: s.identifier,
          offset: Number(v.getBigInt64(m.base) + v.getBigInt64(m.offset)),
          length: v.getInt32(m.matchLength),
        });
      }
      p = v.getPointer(m.next);
    }
    if (found.length >= max) break;
  }
  return found;
}
