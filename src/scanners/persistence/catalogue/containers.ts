/** Catalogue of the "containers as persistence" family: containers that restart by themselves with the host's keys. */
import type { CheckInput } from "../../../core/catalogue.ts";
import { FAMILY_BASE, PRESERVE_AND_REMOVE } from "./common.ts";

/** Checks of the containers family. */
export const CONTAINER_CHECKS: CheckInput[] = [
  {
    ...FAMILY_BASE,
    id: "persistence.container.host_access_autostart",
    title: "Container that restarts by itself with access to the host",
    severity: "high",
    rationale:
      "A container with the restart policy `always` or `unless-stopped` comes back whenever the runtime " +
      "starts — at every boot — without anyone running it. One that is privileged, mounts the host's root " +
      "filesystem, the container runtime's socket, or writable host directories such as /etc or /root owns the " +
      'host: the "malicious container" persistence technique, which leaves no unit, cron entry or start-up ' +
      "file behind." +
      " High: the container comes back at every boot with root's reach into the host.",
    remediation:
      "Identify who created the container (`docker inspect` / `podman inspect`: image, creation time, " +
      "command) and remove it (`docker rm -f NAME`), then the image. " + PRESERVE_AND_REMOVE,
    mitre: ["T1610", "T1611", "T1543"],
  },
];
