/** The per-interface network rules of the sysctl table (IPv4 and IPv6 `all` and `default`). */
import { everyInterface, HIGHER, LOWER, type Scale, type SysctlEnv, type SysctlRule } from "./sysctl_rule.ts";

const ipv4 = (scope: string, key: string) => `net.ipv4.conf.${scope}.${key}`;
const ipv6 = (scope: string, key: string) => `net.ipv6.conf.${scope}.${key}`;
/** rp_filter: off, loose (2), strict (1). */
const RP_FILTER: Scale = { kind: "order", weakToStrict: [0, 2, 1] };

/** The redirect, source-routing and reverse-path rules of both scopes. */
export function netConfRules(): SysctlRule[] {
  const out: SysctlRule[] = [];
  for (const scope of ["all", "default"] as const) {
    const other = scope === "all" ? "default" : "all";
    const acceptOff = (env: SysctlEnv) =>
      env.value(ipv4("all", "accept_redirects")) === 0 &&
      env.value(ipv4("default", "accept_redirects")) === 0;
    out.push(
      {
        key: ipv4(scope, "accept_redirects"),
        name: `ipv4_${scope}_accept_redirects`,
        scale: LOWER,
        recommended: 0,
        kernelDefault: 1,
        severity: "low",
        weakened: "medium",
        rationale:
          "An ICMP redirect rewrites the host's route to a destination; accepting them (1) lets anyone on the " +
          "local network send this host's traffic through a machine of their choice. A host that is not a " +
          "router takes redirects when either the all or the interface value is 1, so both must be 0.",
        mitre: ["T1557"],
      },
      {
        key: ipv4(scope, "secure_redirects"),
        name: `ipv4_${scope}_secure_redirects`,
        scale: HIGHER,
        recommended: 1,
        describe: "1",
        kernelDefault: 1,
        severity: "low",
        weakened: "medium",
        rationale: "With redirects accepted, 1 only follows those that name one of the current default " +
          "gateways, 0 follows any router on the link. The key has no effect once accept_redirects is 0 " +
          "for both all and default, so that passes as well (it is how hardening guides that ask for 0 " +
          "reach their goal).",
        mitre: ["T1557"],
        moot: (env) =>
          acceptOff(env) ? "accept_redirects is 0 (all and default): no redirect is taken" : undefined,
      },
      {
        key: ipv4(scope, "send_redirects"),
        name: `ipv4_${scope}_send_redirects`,
        scale: LOWER,
        recommended: 0,
        kernelDefault: 1,
        severity: "low",
        weakened: "medium",
        rationale:
          "A host sends ICMP redirects only for packets it forwards, telling senders to use another " +
          "gateway; a host that forwards but is not meant to route should not advertise routes (0). The key " +
          "has no effect while net.ipv4.ip_forward is 0.",
        moot: (env) =>
          env.value("net.ipv4.ip_forward") === 0
            ? "net.ipv4.ip_forward is 0: nothing is forwarded"
            : undefined,
      },
      {
        key: ipv4(scope, "accept_source_route"),
        name: `ipv4_${scope}_accept_source_route`,
        scale: LOWER,
        recommended: 0,
        kernelDefault: scope === "all" ? 0 : 1,
        severity: "low",
        weakened: "medium",
        rationale:
          "Source-routed packets carry the path they want to take, letting a sender reach networks " +
          "that filtering would keep them out of. The kernel honours source routing only where both the " +
          "all value and the interface's value are 1, so all = 0 (the kernel default) is enough.",
        mitre: ["T1599"],
        moot: (env) => {
          if (scope === "default") {
            return env.value(ipv4("all", "accept_source_route")) === 0
              ? "net.ipv4.conf.all.accept_source_route is 0: no interface takes source routes"
              : undefined;
          }
          return env.value(ipv4("default", "accept_source_route")) === 0 &&
              everyInterface(env, "accept_source_route", (v) => v === 0)
            ? "the default value and every interface's are 0: no interface takes source routes"
            : undefined;
        },
      },
      {
        key: ipv4(scope, "rp_filter"),
        name: `ipv4_${scope}_rp_filter`,
        scale: RP_FILTER,
        recommended: 2,
        describe: "1 or 2",
        kernelDefault: 0,
        severity: "low",
        weakened: "medium",
        rationale:
          "Reverse-path filtering drops packets whose source address could not be answered through " +
          "the interface they came in on, i.e. spoofed sources. Strict (1) and loose (2, what systemd and " +
          "Ubuntu ship, safe on multi-homed hosts) both pass. The kernel uses the higher of the all value " +
          "and the interface's, so all passes when every interface filters, and default when all does.",
        mitre: ["T1599"],
        moot: (env) => {
          const on = (v: number | undefined) => v === 1 || v === 2;
          if (scope === "default") {
            return on(env.value(ipv4("all", "rp_filter")))
              ? "net.ipv4.conf.all.rp_filter filters every interface"
              : undefined;
          }
          return everyInterface(env, "rp_filter", (v) => on(v))
            ? `every interface filters (rp_filter 1 or 2), whatever the ${other}/all value`
            : undefined;
        },
      },
      {
        key: ipv6(scope, "accept_redirects"),
        name: `ipv6_${scope}_accept_redirects`,
        scale: LOWER,
        recommended: 0,
        kernelDefault: 1,
        severity: "low",
        weakened: "medium",
        rationale: "An IPv6 redirect rewrites the host's route to a destination; accepting them (1) lets " +
          "anyone on the local network divert this host's traffic through a machine of their choice.",
        mitre: ["T1557"],
      },
      {
        key: ipv6(scope, "accept_source_route"),
        name: `ipv6_${scope}_accept_source_route`,
        scale: LOWER,
        recommended: 0,
        describe: "<= 0",
        kernelDefault: 0,
        severity: "low",
        weakened: "medium",
        rationale: "0 accepts only the type 2 routing header of Mobile IPv6 and a negative value none; a " +
          "positive value also accepts routing headers that let a sender choose the path through filters.",
        mitre: ["T1599"],
      },
    );
  }
  return out;
}
