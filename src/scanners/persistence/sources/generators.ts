/**
 * systemd generators: programs the system manager runs as root at boot and at every daemon-reload, before any
 * unit starts (and the user manager for each user's session), from every generator directory. A script is judged
 * line by line; any generator is judged by where it lives and whether a package installed it.
 */
import { type Account, ANY_USER, ROOT_ACCOUNT } from "../accounts.ts";
import type { Collector } from "../collect.ts";
import { unlessOwned } from "./ownership.ts";
import { firstOfEachName, programPoint } from "./shared.ts";

/** Generator directories by kind, highest precedence first (a name in an earlier directory hides later ones). */
export const GENERATOR_DIRS: readonly { kind: string; dirs: readonly string[]; runAs: Account }[] = [
  "system-generators",
  "user-generators",
  "system-environment-generators",
  "user-environment-generators",
].map((kind) => ({
  kind,
  dirs: ["/etc/systemd", "/run/systemd", "/usr/local/lib/systemd", "/usr/lib/systemd", "/lib/systemd"]
    .map((base) => `${base}/${kind}`),
  runAs: kind.startsWith("user") ? ANY_USER : ROOT_ACCOUNT,
}));

/** Every generator that would run: the first of each name, unless masked (a link to /dev/null or empty). */
export function generatorSources(c: Collector): void {
  for (const { kind, dirs, runAs } of GENERATOR_DIRS) {
    for (const path of firstOfEachName(c, dirs)) {
      const point = programPoint(c, "systemd_generator", path, runAs, { generator_kind: kind });
      if (!point || point.inert) continue;
      const when = runAs === ROOT_ACCOUNT
        ? "as root at every boot and daemon-reload"
        : "in every user's session manager";
      unlessOwned(c, path, {
        check_id: "persistence.systemd_generator.unowned",
        subject: path,
        description: `${path}: a systemd ${
          kind.replace(/s$/, "")
        } that no installed package provides; it runs ${when}.`,
        metadata: { path, generator_kind: kind },
        location: { path },
      });
    }
  }
}
