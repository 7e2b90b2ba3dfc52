/** AppArmor: the module parameter, the kernel's profile list and process labels. */

/** Parses /sys/module/apparmor/parameters/enabled: "Y" is enabled, "N" is not; undefined for anything else. */
export function parseEnabled(text: string): boolean | undefined {
  const t = text.trim();
  return t === "Y" ? true : t === "N" ? false : undefined;
}

/** Profile counts by mode, and the names in complain mode. */
export interface ProfileSummary {
  /** Mode → number of profiles (enforce, complain, kill, unconfined, prompt, …). */
  byMode: Record<string, number>;
  complain: string[];
  /** Every loaded profile name. */
  names: string[];
  /** Lines that are not `name (mode)`. */
  bad: number;
}

/** Parses /sys/kernel/security/apparmor/profiles (`name (mode)` per line; names may contain spaces). */
export function parseProfiles(text: string): ProfileSummary {
  const byMode: Record<string, number> = {};
  const complain: string[] = [];
  const names: string[] = [];
  let bad = 0;
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const m = /^(.+) \(([a-z_]+)\)$/.exec(line.trimEnd());
    if (!m) {
      bad++;
      continue;
    }
    byMode[m[2]] = (byMode[m[2]] ?? 0) + 1;
    names.push(m[1]);
    if (m[2] === "complain") complain.push(m[1]);
  }
  return { byMode, complain: complain.sort(), names: names.sort(), bad };
}

/** An AppArmor process label: its profile and mode ("unconfined" has neither). */
export interface AppArmorLabel {
  unconfined: boolean;
  profile?: string;
  mode?: string;
}

/** Parses /proc/<pid>/attr/current or attr/apparmor/current under AppArmor ("unconfined", "name (enforce)"). */
export function parseAppArmorLabel(text: string): AppArmorLabel {
  const t = text.replace(/\0/g, "").trim();
  if (t === "unconfined") return { unconfined: true };
  const m = /^(.+) \(([a-z_]+)\)$/.exec(t);
  if (!m) return { unconfined: false, profile: t };
  return { unconfined: m[2] === "unconfined", profile: m[1], mode: m[2] };
}

/** The conventional profile file for an executable: /usr/sbin/sshd → /etc/apparmor.d/usr.sbin.sshd. */
export function profileFileFor(exe: string): string {
  return "/etc/apparmor.d/" + exe.replace(/^\/+/, "").replaceAll("/", ".");
}

/** A profile a profile file declares at its top level: its name and flags. */
export interface DeclaredProfile {
  name: string;
  flags: string[];
}

function unquote(token: string): string {
  return token.startsWith('"') && token.endsWith('"') && token.length >= 2 ? token.slice(1, -1) : token;
}

/**
 * `line` without a comment that starts with whitespace and `#` (the whitespace dropped too), a carriage return
 * inside the comment included. Found by a scan: a `/\s#.*$/` retried every ` #` before a carriage return and
 * backtracked over the rest of the line each time (quadratic).
 */
function stripComment(line: string): string {
  for (let k = line.indexOf("#", 1); k >= 0; k = line.indexOf("#", k + 1)) {
    if (/\s/.test(line[k - 1])) return line.slice(0, k - 1);
  }
  return line;
}

/**
 * The `(…)` that ends a profile head (`[flags=](…)`, `head` trimmed), as `/(?:flags\s*=\s*)?\(([^)]*)\)\s*$/`
 * finds it: the first `(` after the `)` before the last one, with `flags=` in front of it when it is there.
 * Found by scanning (the regex tried every `(` of a run of them up to the end: quadratic). `start` is where
 * the match begins, `flags` the text between the parentheses.
 */
function trailingFlags(head: string): { start: number; flags: string } | undefined {
  if (!head.endsWith(")")) return undefined;
  const close = head.length - 1;
  const open = head.indexOf("(", head.lastIndexOf(")", close - 1) + 1);
  if (open < 0 || open >= close) return undefined;
  let start = open;
  let k = open;
  while (k > 0 && /\s/.test(head[k - 1])) k--;
  if (k > 0 && head[k - 1] === "=") {
    k--;
    while (k > 0 && /\s/.test(head[k - 1])) k--;
    if (k >= 5 && head.slice(k - 5, k) === "flags") start = k - 5;
  }
  return { start, flags: head.slice(open + 1, close) };
}

/**
 * The top-level profiles an AppArmor profile file declares (`profile NAME [ATTACH] [flags=](…) {`, or an
 * absolute path or quoted name then `{`); nested profiles and hats are skipped. Comments (`#` at the start of a
 * line or after a space) are ignored; malformed text yields nothing rather than an error.
 */
export function parseProfileHeaders(text: string): DeclaredProfile[] {
  const out: DeclaredProfile[] = [];
  let depth = 0;
  for (const raw of text.split("\n")) {
    const trimmed = raw.trim();
    if (trimmed.startsWith("#")) continue;
    const line = stripComment(trimmed);
    const open = line.indexOf("{");
    if (depth === 0 && open >= 0) {
      let head = line.slice(0, open).trim();
      let flags: string[] = [];
      const f = trailingFlags(head);
      if (f) {
        flags = f.flags.split(/[\s,]+/).filter((x) => x !== "");
        head = head.slice(0, f.start).trim();
      }
      const tokens = head.match(/"(?:[^"\\]|\\.)*"|\S+/g) ?? [];
      const name = tokens[0] === "profile" ? tokens[1] : tokens[0];
      if (name && (tokens[0] === "profile" || name.startsWith("/") || name.startsWith('"'))) {
        out.push({ name: unquote(name), flags });
      }
    }
    for (const c of line) {
      if (c === "{") depth++;
      else if (c === "}") depth = Math.max(0, depth - 1);
    }
  }
  return out;
}
