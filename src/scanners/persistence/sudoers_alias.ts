/**
 * sudoers aliases (User_Alias, Runas_Alias, Host_Alias, Cmnd_Alias) resolved without blowing up: every alias is
 * resolved once per question and remembered, without recursion (a chain of any depth cannot overflow the stack),
 * and loops resolve to nothing. Ten lines of sixteen references each (`U0 = U1, U1, …`) name one user 16^9 times
 * to a naive expansion — sudo 1.9.13 itself spins on such a file — and here cost 160 steps. Expansions (for
 * listing names) keep at most `EXPANSION_LIMIT` names; questions (`some`, `verdict`) see every member.
 */

/**
 * Most names one expansion keeps (the rest dropped and `truncated` set): every alias remembers at most this many,
 * so an alias costs its own members plus this many copies per alias it names — linear in the file.
 */
export const EXPANSION_LIMIT = 100;

/** A list item's alias reference: the name without its `!` operators, and whether they negate it (odd count). */
export function aliasRef(item: string): { name: string; negated: boolean } {
  let i = 0;
  let negated = false;
  while (i < item.length && (item[i] === "!" || item[i] === " " || item[i] === "\t")) {
    if (item[i] === "!") negated = !negated;
    i++;
  }
  return { name: item.slice(i), negated };
}

/** The aliases of one kind, asked about item lists that may name them. Never throws. */
export class AliasTable {
  readonly #defs: ReadonlyMap<string, readonly string[]>;
  /** Expansions, by question and alias; null while one is being resolved (a loop). */
  readonly #lists = new Map<string, Map<string, string[] | null>>();
  /** Answers of `some` and `verdict`, by question and alias; null while being resolved. */
  readonly #answers = new Map<string, Map<string, boolean | undefined | null>>();
  /** True once an expansion was cut at `EXPANSION_LIMIT`. */
  truncated = false;

  /** A table over `defs` (alias name → members, as written); no definitions is an empty table. */
  constructor(defs?: ReadonlyMap<string, readonly string[]>) {
    this.#defs = defs ?? new Map();
  }

  /** True when `name` is an alias of this table. */
  has(name: string): boolean {
    return this.#defs.has(name);
  }

  /**
   * Resolves `name` and every alias it reaches, children first, with an explicit stack: `compute` sees the
   * members of an alias once the aliases they name are in `memo` (null there: a loop, which counts as empty).
   */
  #resolve<T>(memo: Map<string, T | null>, name: string, compute: (members: readonly string[]) => T): void {
    if (memo.has(name) || !this.#defs.has(name)) return;
    memo.set(name, null);
    const stack: { name: string; i: number }[] = [{ name, i: 0 }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const members = this.#defs.get(top.name) ?? [];
      if (top.i < members.length) {
        const child = aliasRef(members[top.i++]).name;
        if (this.#defs.has(child) && !memo.has(child)) {
          memo.set(child, null);
          stack.push({ name: child, i: 0 });
        }
        continue;
      }
      stack.pop();
      memo.set(top.name, compute(members));
    }
  }

  /**
   * Adds `items` to `out`: positive alias references replaced by their remembered members, other items kept
   * when `keep` says so (a negated name as `!name`), up to `EXPANSION_LIMIT`.
   */
  #add(
    out: Set<string>,
    items: readonly string[],
    memo: Map<string, string[] | null>,
    keep: (i: string) => boolean,
  ) {
    for (const item of items) {
      if (out.size >= EXPANSION_LIMIT) {
        this.truncated = true;
        return;
      }
      const { name, negated } = aliasRef(item);
      if (!negated && this.#defs.has(name)) {
        this.#resolve(memo, name, (members) => {
          const set = new Set<string>();
          this.#add(set, members, memo, keep);
          return [...set];
        });
        // An alias met again while it is being expanded (a loop, which sudo rejects) stands for itself.
        for (const m of memo.get(name) ?? [name]) {
          if (out.size >= EXPANSION_LIMIT) {
            this.truncated = true;
            return;
          }
          out.add(m);
        }
      } else if (keep(negated ? `!${name}` : name)) out.add(negated ? `!${name}` : name);
    }
  }

  /**
   * `items` with every alias named without negation replaced by its members (recursively), duplicates dropped,
   * only the names `keep` accepts (each question with its own test), at most `EXPANSION_LIMIT` of them.
   * Negated names (`!OPS`) are kept as they are, if `keep` accepts them.
   */
  expand(items: readonly string[], question = "", keep: (item: string) => boolean = () => true): string[] {
    let memo = this.#lists.get(question);
    if (!memo) this.#lists.set(question, memo = new Map());
    const out = new Set<string>();
    this.#add(out, items, memo, keep);
    return [...out];
  }

  #memo(question: string): Map<string, boolean | undefined | null> {
    let m = this.#answers.get(question);
    if (!m) this.#answers.set(question, m = new Map());
    return m;
  }

  /**
   * True when an item reached without negation (directly or through aliases) satisfies `test`. Each alias is
   * judged once per `question` (the same question must always come with the same test), so the cost over every
   * rule of a file is linear in the definitions.
   */
  some(items: readonly string[], question: string, test: (item: string) => boolean): boolean {
    const memo = this.#memo(`some:${question}`);
    const any = (list: readonly string[]): boolean =>
      list.some((item) => {
        const { name, negated } = aliasRef(item);
        if (negated) return false;
        if (!this.#defs.has(name)) return test(name);
        this.#resolve(memo, name, any);
        return memo.get(name) === true;
      });
    return any(items);
  }

  /**
   * sudo's verdict on a list (User_List, Runas_List, Host_List): the last item `test` matches decides, an alias
   * by its own members' verdict; an odd number of `!` reverses it. True (allowed), false (denied) or undefined
   * (nothing matched). Remembered per alias and `question` like `some`.
   */
  verdict(items: readonly string[], question: string, test: (item: string) => boolean): boolean | undefined {
    const memo = this.#memo(`verdict:${question}`);
    const last = (list: readonly string[]): boolean | undefined => {
      for (let i = list.length - 1; i >= 0; i--) {
        const { name, negated } = aliasRef(list[i]);
        let v: boolean | undefined;
        if (this.#defs.has(name)) {
          this.#resolve(memo, name, last);
          v = memo.get(name) ?? undefined;
        } else v = test(name) ? true : undefined;
        if (v !== undefined) return negated ? !v : v;
      }
      return undefined;
    };
    return last(items);
  }
}

/**
 * Expands alias names in a list with the aliases of one kind: members of aliases named without negation,
 * recursively, duplicates dropped, bounded (see `AliasTable.expand`).
 */
export function expandAliases(
  items: string[],
  aliases: ReadonlyMap<string, readonly string[]> | undefined,
): string[] {
  return new AliasTable(aliases).expand(items);
}
