/**
 * persistence: every place that makes code run again later — cron, at jobs, systemd timers, local and user units,
 * rc.local, update-motd scripts, shell start-up files, udev RUN rules, authorized_keys, sudoers, ld.so.preload,
 * XDG autostart — with findings for entries that run from untrusted locations or carry reverse-shell,
 * download-and-execute or encoded payloads, and (with --persistence-inventory) an info inventory of every point.
 */
import type { CheckInput } from "../../core/catalogue.ts";
import type { ScanContext } from "../../core/context.ts";
import type { FindingDraft } from "../../core/finding.ts";
import type { Scanner } from "../../core/scanner.ts";
import { loadAccounts } from "./accounts.ts";
import { assessEntry, entryDigest } from "./assess.ts";
import { Collector, LIMITS, type Point, sha256Hex } from "./collect.ts";
import {
  autostartSources,
  cronSources,
  oneShotSources,
  preloadSources,
  rcLocalSources,
  shellSources,
  sshKeySources,
  sudoersSources,
  systemdSources,
  udevSources,
} from "./sources.ts";

const NAME = "persistence";

const base = { scanner: NAME, category: "ioc" as const };
const INSPECT =
  "Inspect the entry and the file it lives in; if nobody on the team put it there, preserve a copy for analysis, " +
  "remove it, and look for how it got there (authentication logs, the other persistence points of this report).";

const checks: CheckInput[] = [
  {
    ...base,
    id: "persistence.command.reverse_shell",
    title: "Persistence entry starts a reverse shell",
    severity: "critical",
    rationale:
      "The command connects a shell to a remote host (bash /dev/tcp, nc -e, socat exec, pty.spawn, a fifo " +
      "piped through netcat…): an attacker's way back into the host.",
    remediation: INSPECT,
    mitre: ["T1059.004", "T1053.003"],
    confidence: "heuristic",
  },
  {
    ...base,
    id: "persistence.command.download_exec",
    title: "Persistence entry downloads and runs code",
    severity: "high",
    rationale:
      "The command fetches code from the network and runs it (curl|sh, wget -O- | bash, python -c urllib…): " +
      "whoever controls the URL controls the host, every time the entry runs.",
    remediation: INSPECT,
    mitre: ["T1105", "T1059.004"],
    confidence: "heuristic",
  },
  {
    ...base,
    id: "persistence.command.encoded_payload",
    title: "Persistence entry decodes a payload and runs it",
    severity: "high",
    rationale:
      "The command decodes base64 (or hex) data and feeds it to a shell or interpreter, hiding what it runs.",
    remediation: INSPECT + " Decode the payload offline to see what it does.",
    mitre: ["T1027", "T1140"],
    confidence: "heuristic",
  },
  {
    ...base,
    id: "persistence.command.untrusted_path",
    title: "Persistence entry runs a program from an untrusted location",
    severity: "high",
    rationale:
      "The entry runs (or preloads) a program from a temporary directory, from another person's home, or " +
      "from a file or directory that accounts other than root and the entry's own user can change.",
    remediation: INSPECT + " Legitimate programs belong in a root-owned directory such as /usr/local/sbin.",
    mitre: ["T1053.003", "T1546.004", "T1574.006"],
    confidence: "heuristic",
  },
  {
    ...base,
    id: "persistence.rc_local.active",
    title: "rc.local runs commands at boot",
    severity: "low",
    rationale:
      "An executable rc.local runs as root at every boot; it is rarely used on purpose on systemd hosts and " +
      "is a classic place to hide persistence.",
    remediation: "Review every command in it; move wanted ones to a systemd unit and remove the execute bit.",
    mitre: ["T1037.004"],
  },
  {
    ...base,
    id: "persistence.ssh_key.forced_command",
    title: "SSH key with a forced command",
    severity: "low",
    rationale:
      "A command= option makes a key run a fixed program at every login: legitimate for backups and git " +
      "hosting, but also a way to run code whenever a key is used.",
    remediation: "Confirm the key and its command belong to a known service; remove the key otherwise.",
    mitre: ["T1098.004"],
  },
  {
    ...base,
    id: "persistence.ssh_key.unusual_location",
    title: "SSH keys in an unusual place",
    severity: "medium",
    rationale:
      "Keys in authorized_keys2, in the home of a service account without a login shell, or in a file owned " +
      "by another account are a common way to keep access while staying out of sight.",
    remediation:
      "Compare the fingerprints with the keys you issued; remove unknown keys and the file if unused.",
    mitre: ["T1098.004"],
  },
  {
    ...base,
    id: "persistence.ssh_key.recent",
    title: "authorized_keys changed recently",
    severity: "low",
    rationale:
      "A key file modified within the last days (see --persistence-recent-days) may hold a key an intruder " +
      "added; `appended_in_place` tells whether the file was appended to rather than replaced.",
    remediation: "Compare the listed fingerprints with the keys you issued and remove unknown ones.",
    mitre: ["T1098.004"],
  },
  {
    ...base,
    id: "persistence.sudoers.nopasswd_all",
    title: "Passwordless full root through sudo for a non-admin",
    severity: "high",
    rationale:
      "A user or group outside the admin groups (sudo, wheel, admin) may run anything as root without a " +
      "password — ALL, a shell, an interpreter or a program with a shell escape.",
    remediation: "Remove the rule or restrict it to the exact commands needed, and require a password.",
    mitre: ["T1548.003"],
    category: "privilege_escalation_surface",
  },
  {
    ...base,
    id: "persistence.sudoers.no_authenticate",
    title: "sudo authentication turned off",
    severity: "high",
    rationale: "`Defaults !authenticate` lets the affected users run their sudo rules without a password.",
    remediation: "Remove the Defaults entry.",
    mitre: ["T1548.003"],
    category: "privilege_escalation_surface",
  },
  {
    ...base,
    id: "persistence.sudoers.include_untrusted",
    title: "sudoers includes a file from an untrusted location",
    severity: "high",
    rationale: "Whoever can write the included file or directory can grant themselves root.",
    remediation: "Include only root-owned files under /etc (the default is #includedir /etc/sudoers.d).",
    mitre: ["T1548.003"],
    category: "privilege_escalation_surface",
  },
  {
    ...base,
    id: "persistence.inventory.point",
    title: "Persistence point",
    severity: "info",
    rationale: "An inventory entry (--persistence-inventory): a place that makes code run again later.",
    remediation: "Compare with a known-good host or a baseline.",
    mitre: [],
  },
];

function inventory(p: Point): FindingDraft {
  const runAs = [...new Set(p.entries.map((e) => e.runAs.name))].sort();
  return {
    check_id: "persistence.inventory.point",
    subject: `${p.kind}:${p.path}`,
    title: `Persistence point (${p.kind.replaceAll("_", " ")}): ${p.path}`,
    description: `${p.path}: ${p.entries.length} entr${p.entries.length === 1 ? "y" : "ies"}.`,
    metadata: {
      kind: p.kind,
      path: p.path,
      run_as: runAs,
      entry_count: p.entries.length,
      entries: p.entries.slice(0, LIMITS.inventoryEntries).map((e) => e.text.slice(0, 300)),
      ...p.meta,
    },
    location: { path: p.path },
  };
}

async function* run(ctx: ScanContext): AsyncGenerator<FindingDraft> {
  const c = new Collector(ctx, loadAccounts(ctx));
  const sources = [
    cronSources,
    oneShotSources,
    systemdSources,
    rcLocalSources,
    shellSources,
    udevSources,
    sshKeySources,
    sudoersSources,
    preloadSources,
    autostartSources,
  ];
  for (const source of sources) {
    source(c);
    await ctx.checkpoint();
  }
  const emitted = new Set<string>();
  for (const p of c.points) {
    await ctx.checkpoint();
    if (ctx.config.persistenceInventory) {
      const f = c.read(p.path);
      const inv = inventory(p);
      if (f) inv.metadata!.sha256 = sha256Hex(f.bytes);
      yield inv;
    }
    for (const e of p.inert ? [] : p.entries) {
      const a = assessEntry(ctx.host, e.text, e.runAs, c.accounts);
      if (!a) continue;
      const subject = `${p.path}:${entryDigest(e.text)}`;
      const checkId = `persistence.command.${a.worst}`;
      if (emitted.has(`${checkId}:${subject}`)) continue;
      emitted.add(`${checkId}:${subject}`);
      yield {
        check_id: checkId,
        subject,
        severity: a.severity,
        description: `${p.path}${e.line > 0 ? `:${e.line}` : ""} (${
          p.kind.replaceAll("_", " ")
        }, runs as ${e.runAs.name}): ${e.text.slice(0, 300)}`,
        metadata: {
          kind: p.kind,
          path: p.path,
          line: e.line,
          run_as: e.runAs.name,
          command: e.text.slice(0, 1000),
          indicators: a.indicators.map((i) => i.path ? `${i.name}:${i.path}` : i.name),
          ...p.meta,
        },
        location: { path: p.path },
      };
    }
  }
  yield* c.findings;
}

/** The persistence scanner. */
export const persistence: Scanner = {
  name: NAME,
  summary:
    "Cron, at, timers and local units, rc.local, motd scripts, shell start-up files, udev, SSH keys, " +
    "sudoers, ld.so.preload and autostart entries.",
  slow: false,
  enabledByDefault: () => true,
  checks,
  needs: ["root"],
  run,
};
