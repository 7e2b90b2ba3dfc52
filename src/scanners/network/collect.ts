/** Reads every socket table of every network namespace once per scan (shared by network and mac). */
import type { ScanContext } from "../../core/context.ts";
import { procSnapshot } from "../proc_snapshot.ts";
import {
  INET_TABLES,
  type InetSocket,
  type InetTable,
  OTHER_SOCKET_TABLES,
  type OtherSocketTable,
  type PacketSocket,
  parseInetTable,
  parsePacketTable,
  parseSocketInodes,
  procNetByteOrder,
} from "../../host/proc_net.ts";
import { type NetView, netViews } from "./views.ts";

/** Byte cap for one /proc/net table (about 200k sockets). */
export const MAX_TABLE_BYTES = 32 << 20;

/** A socket and the namespace view it was read in. */
export interface Seen<T> {
  view: NetView;
  socket: T;
}

/** Every socket of the scan. `anyTable` is false when no table could be read at all. */
export interface SocketTables {
  /** The namespace views the tables were read through. */
  views: NetView[];
  inet: Seen<InetSocket>[];
  packet: Seen<PacketSocket>[];
  anyTable: boolean;
}

const MEMBER_NET_DIR = /^\/proc\/(\d+)\/net$/;

/**
 * Reads a table of a view from the first directory that has it; undefined when none does. A member's
 * /proc/<pid>/net shows the namespace the process is in when it is read, so it counts only while the member's
 * namespace link is the view's before and after the read: a member that moved to another namespace (setns)
 * since the process snapshot would give that namespace's table in place of this one's, hiding every socket of
 * the namespace it left. The next member is read instead.
 */
export function readTable(ctx: ScanContext, view: NetView, file: string): string | undefined {
  for (const dir of view.dirs) {
    const pid = MEMBER_NET_DIR.exec(dir)?.[1];
    const inView = () => {
      if (pid === undefined || view.ns === null) return true;
      const link = ctx.host.readLink(`/proc/${pid}/ns/net`);
      return link.ok && link.value === view.ns;
    };
    if (!inView()) continue;
    const r = ctx.host.readText(`${dir}/${file}`, MAX_TABLE_BYTES);
    if (r.ok) {
      if (!inView()) continue;
      if (r.truncated) ctx.warn("truncated", `${dir}/${file} larger than ${MAX_TABLE_BYTES} bytes`);
      return r.value;
    }
    if (r.reason !== "missing") ctx.warn("net_file_unreadable", `${dir}/${file}: ${r.message}`);
  }
  return undefined;
}

function readAll(ctx: ScanContext): SocketTables {
  const views = netViews(ctx.host, procSnapshot(ctx).processes);
  const order = procNetByteOrder(ctx.host);
  const inet: Seen<InetSocket>[] = [];
  const packet: Seen<PacketSocket>[] = [];
  let anyTable = false;
  for (const view of views) {
    const where = view.label ? `@${view.label}` : "";
    for (const table of INET_TABLES) {
      const text = readTable(ctx, view, table);
      if (text === undefined) continue;
      anyTable = true;
      const parsed = parseInetTable(text, table, order);
      if (parsed.bad > 0) ctx.warn("net_malformed", `${table}${where}: ${parsed.bad} bad line(s)`);
      for (const socket of parsed.entries) inet.push({ view, socket });
    }
    const text = readTable(ctx, view, "packet");
    if (text === undefined) continue;
    anyTable = true;
    const parsed = parsePacketTable(text);
    if (parsed.bad > 0) ctx.warn("net_malformed", `packet${where}: ${parsed.bad} bad line(s)`);
    for (const socket of parsed.entries) packet.push({ view, socket });
  }
  return { views, inet, packet, anyTable };
}

/** The socket tables of this scan, read once (warnings go to the scanner that read them first). */
export function socketTables(ctx: ScanContext): SocketTables {
  return ctx.shared.memo("net-tables", () => readAll(ctx));
}

/**
 * Every socket inode a table of some namespace lists: the inet and packet sockets of `socketTables` and those of
 * OTHER_SOCKET_TABLES (unix, netlink, ICMP, UDP-Lite), read once per scan through the same views. A socket held
 * in the process snapshot (taken before this reading) that is still open and in none of them was made in a
 * namespace no process is in.
 */
export function listedSocketInodes(ctx: ScanContext): Set<number> {
  return ctx.shared.memo("net-listed-inodes", () => {
    const tables = socketTables(ctx);
    const listed = new Set<number>();
    for (const { socket } of tables.inet) if (socket.inode !== 0) listed.add(socket.inode);
    for (const { socket } of tables.packet) if (socket.inode !== 0) listed.add(socket.inode);
    for (const view of tables.views) {
      for (const table of Object.keys(OTHER_SOCKET_TABLES) as OtherSocketTable[]) {
        const text = readTable(ctx, view, table);
        if (text === undefined) continue;
        const parsed = parseSocketInodes(text, table);
        if (parsed.bad > 0) {
          ctx.warn(
            "net_malformed",
            `${table}${view.label ? `@${view.label}` : ""}: ${parsed.bad} bad line(s)`,
          );
        }
        for (const inode of parsed.entries) listed.add(inode);
      }
    }
    return listed;
  });
}

/**
 * The inet sockets of the tables in `tables`, read through /proc/<pid>/net of one process: for a process in no
 * view of `socketTables` (its namespace link could not be read), whose sockets may be in a namespace no view
 * covers.
 */
export function processInetSockets(
  ctx: ScanContext,
  pid: number,
  tables: readonly InetTable[] = INET_TABLES,
): InetSocket[] {
  const view: NetView = { label: `pid:${pid}`, ns: null, dirs: [`/proc/${pid}/net`] };
  const order = procNetByteOrder(ctx.host);
  const out: InetSocket[] = [];
  for (const table of tables) {
    const text = readTable(ctx, view, table);
    if (text !== undefined) out.push(...parseInetTable(text, table, order).entries);
  }
  return out;
}
