/** Who is in a group: /etc/group members plus the users whose primary group it is (/etc/passwd). */

/** A group and the users in it. */
export interface GroupMembers {
  name: string;
  gid: number;
  /** Sorted, without duplicates. */
  members: string[];
}

/** Members of the group with this gid, or undefined when /etc/group has no such group. Bad lines are skipped. */
export function groupMembers(groupText: string, passwdText: string, gid: number): GroupMembers | undefined {
  let found: GroupMembers | undefined;
  for (const line of groupText.split("\n")) {
    const f = line.split(":");
    if (f.length < 4 || !/^\d+$/.test(f[2]) || Number(f[2]) !== gid) continue;
    found = { name: f[0], gid, members: f[3].split(",").map((m) => m.trim()).filter((m) => m !== "") };
    break;
  }
  if (!found) return undefined;
  for (const line of passwdText.split("\n")) {
    const f = line.split(":");
    if (f.length >= 4 && f[3] === String(gid) && f[0] !== "") found.members.push(f[0]);
  }
  found.members = [...new Set(found.members)].sort();
  return found;
}
