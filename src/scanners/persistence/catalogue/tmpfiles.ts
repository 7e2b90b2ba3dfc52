/** Catalogue of the persistence scanner's tmpfiles.d family (data only). */
import type { CheckInput } from "../../../core/catalogue.ts";
import { PRESERVE_AND_REMOVE } from "./common.ts";

/** The checks of this file (the scanner name is added in checks.ts). */
export const TMPFILES_CHECKS: Omit<CheckInput, "scanner">[] = [{
  id: "persistence.tmpfiles.persistence_target",
  title: "tmpfiles.d line writes, links or copies a persistence file at every boot",
  severity: "high",
  category: "ioc",
  rationale:
    "systemd-tmpfiles applies tmpfiles.d at every boot, as root. A line that writes (f, F, w), links (L) or " +
    "copies (C) /etc/ld.so.preload, a crontab, a unit, a sudoers or PAM file, an account file or an " +
    "authorized_keys puts that persistence back after every clean-up; no package installed this file. The " +
    "written text and the link's source are judged by the persistence.command checks too." +
    " High: a boot-time root write into a persistence location that no package asked for.",
  remediation: "Remove the line (or the file) and the target it recreates. " + PRESERVE_AND_REMOVE,
  mitre: ["T1037", "T1574.006", "T1053"],
  confidence: "heuristic",
}];
