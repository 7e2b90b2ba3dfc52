/**
 * Can a PAM auth stack succeed for someone who has no credentials? The stack is run the way libpam's dispatcher
 * runs it (impression and status, ok/done/bad/die/reset/jump, substacks whose done/die end only the substack)
 * with each module returning what it can return to such a caller: pam_permit succeeds, credential modules fail,
 * condition modules (pam_succeed_if, pam_listfile, pam_wheel trust…) may go either way. Every outcome of the
 * conditions is explored; a path that ends in success is a bypass, "always" when no condition was needed.
 */
import { moduleName, type PamAction, type PamRule, type StackItem } from "./pam_config.ts";

/** A module's return value, as PAM names them in controls. */
export type Ret = "success" | "auth_err" | "ignore" | "perm_denied";

/** Modules that set up the session or environment and return PAM_IGNORE from pam_authenticate. */
const SETUP = new Set([
  "pam_env",
  "pam_faildelay",
  "pam_warn",
  "pam_echo",
  "pam_motd",
  "pam_mail",
  "pam_lastlog",
  "pam_limits",
  "pam_keyinit",
  "pam_loginuid",
  "pam_selinux",
  "pam_namespace",
  "pam_umask",
  "pam_systemd",
  "pam_mkhomedir",
  "pam_xauth",
  "pam_group",
  "pam_issue",
  "pam_shells_log",
]);

/** Modules whose answer depends on who or where the caller is, not on a secret. */
const CONDITIONS = new Set([
  "pam_succeed_if",
  "pam_usertype",
  "pam_localuser",
  "pam_listfile",
  "pam_access",
  "pam_time",
  "pam_shells",
  "pam_nologin",
  "pam_securetty",
  "pam_faillock",
  "pam_tally2",
  "pam_exec",
  "pam_script",
  "pam_sepermit",
  "pam_cap",
  "pam_gnome_keyring",
  "pam_kwallet",
  "pam_kwallet5",
]);

/** What a module can return to a caller who has no credentials (and is not root). */
export function outcomes(
  rule: PamRule,
  groupHasMembers: (group: string) => boolean,
): { rets: Ret[]; conditional: boolean } {
  const name = moduleName(rule.module);
  if (name === "pam_permit") return { rets: ["success"], conditional: false };
  if (SETUP.has(name)) return { rets: ["ignore"], conditional: false };
  if (name === "pam_wheel") {
    return rule.args.includes("trust")
      ? { rets: ["success", "perm_denied"], conditional: true }
      : { rets: ["ignore", "perm_denied"], conditional: false };
  }
  if (name === "pam_succeed_if") {
    // Conditions are ANDed: one "user ingroup G" with G empty (or absent) can never hold.
    for (let i = 0; i + 2 < rule.args.length; i++) {
      if (rule.args[i] === "user" && rule.args[i + 1] === "ingroup" && !groupHasMembers(rule.args[i + 2])) {
        return { rets: ["auth_err"], conditional: false };
      }
    }
  }
  if (CONDITIONS.has(name)) return { rets: ["success", "auth_err"], conditional: true };
  // pam_unix, pam_sss, pam_rootok (the caller is not root), pam_deny, unknown modules: no success.
  return { rets: ["auth_err"], conditional: false };
}

/** The libpam dispatcher state. */
interface State {
  impression: "undef" | "good" | "bad";
  status: Ret | "must_fail";
}

/** A successful path: the rules that returned success on the way, and whether a condition was needed. */
export interface Bypass {
  granted: PamRule[];
  conditional: boolean;
}

const MAX_PATHS = 4096;

/** The outcome of evaluating a stack: bypass paths found, and whether the exploration hit its cap. */
export interface StackVerdict {
  bypasses: Bypass[];
  capped: boolean;
}

function actionFor(rule: PamRule, ret: Ret): PamAction {
  if (rule.control.kind !== "actions") return "ignore";
  return rule.control.actions.get(ret) ?? rule.control.actions.get("default") ?? "bad";
}

interface Path {
  state: State;
  granted: PamRule[];
  conditional: boolean;
}

/**
 * Applies one module result to a path: returns a jump count, -1 when done/die ends the (sub)stack, or 0.
 */
function apply(p: Path, rule: PamRule, ret: Ret): number {
  const action = actionFor(rule, ret);
  const s = p.state;
  if (action === "reset") {
    p.state = { impression: "undef", status: "must_fail" };
    return 0;
  }
  if (action === "ok" || action === "done") {
    if (s.impression === "undef" || (s.impression === "good" && s.status === "success")) {
      if (ret !== "ignore") p.state = { impression: "good", status: ret };
    }
    return action === "done" && p.state.impression !== "bad" ? -1 : 0;
  }
  if (action === "bad" || action === "die") {
    if (s.impression !== "bad") {
      p.state = { impression: "bad", status: ret === "success" ? "must_fail" : ret };
    }
    return action === "die" ? -1 : 0;
  }
  if (typeof action === "number") return action;
  return 0;
}

/**
 * Every way an auth stack can end in success for a caller without credentials. `groupHasMembers` tells whether
 * a group has members (pam_succeed_if `user ingroup` on an empty one never holds).
 */
export function authBypasses(
  items: readonly StackItem[],
  groupHasMembers: (group: string) => boolean,
): StackVerdict {
  const first: Path = {
    state: { impression: "undef", status: "must_fail" },
    granted: [],
    conditional: false,
  };
  let capped = false;
  const run = (list: readonly StackItem[], start: Path[], level: number): Path[] => {
    // Each path carries how many items it still skips (jumps) and whether it left this (sub)stack.
    let live = start.map((p) => ({ p, skip: 0, left: false }));
    const saved = start.map((p) => p.state);
    for (const item of list) {
      const next: typeof live = [];
      for (const l of live) {
        if (l.left) {
          next.push(l);
          continue;
        }
        if (l.skip > 0) {
          next.push({ ...l, skip: l.skip - 1 });
          continue;
        }
        if ("substack" in item) {
          // A substack counts as one module for jumps; done/die inside end only the substack.
          for (const p of run(item.substack, [clone(l.p)], level + 1)) next.push({ p, skip: 0, left: false });
          continue;
        }
        const { rets, conditional } = outcomes(item.rule, groupHasMembers);
        for (const ret of rets) {
          const p = clone(l.p);
          if (ret === "success") {
            p.granted.push(item.rule);
            p.conditional ||= conditional;
          }
          const jump = apply(p, item.rule, ret);
          if (actionFor(item.rule, ret) === "reset" && level > 0) p.state = { ...saved[0] };
          next.push({ p, skip: jump > 0 ? jump : 0, left: jump < 0 });
          if (next.length > MAX_PATHS) break;
        }
      }
      // Paths in the same state that would end the same way are one path: keep the first of each (per rule
      // that granted success last, so every distinct granting rule keeps a witness).
      const seen = new Set<string>();
      const merged = next.filter((l) => {
        const last = l.p.granted[l.p.granted.length - 1];
        const key = `${l.p.state.impression}|${l.p.state.status}|${l.skip}|${l.left}|${l.p.conditional}|${
          last ? `${last.path}:${last.line}` : ""
        }`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
      live = merged.slice(0, MAX_PATHS);
      if (merged.length > MAX_PATHS) capped = true;
    }
    return live.map((l) => l.p);
  };
  const bypasses = run(items, [first], 0)
    .filter((p) => p.state.impression === "good" && p.state.status === "success")
    .map((p) => ({ granted: p.granted, conditional: p.conditional }));
  return { bypasses, capped };
}

function clone(p: Path): Path {
  return { state: { ...p.state }, granted: [...p.granted], conditional: p.conditional };
}
