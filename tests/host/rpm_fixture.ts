/** Test fixture: rpm header blobs and an rpmdb.sqlite built from them. */
import { DatabaseSync } from "node:sqlite";

export type Tag = { tag: number; type: number; count: number; data: Uint8Array };

export const str = (s: string) => new TextEncoder().encode(s + "\0");
const strs = (list: string[]) => new Uint8Array(list.flatMap((s) => [...str(s)]));
function int32s(list: number[]): Uint8Array {
  const b = new Uint8Array(list.length * 4);
  list.forEach((v, i) => new DataView(b.buffer).setUint32(i * 4, v));
  return b;
}

/** Builds an rpm header blob (big-endian index + data store) as rpmdb.sqlite stores it. */
export function header(tags: Tag[]): Uint8Array {
  const chunks: Uint8Array[] = [];
  const index: number[] = [];
  let dl = 0;
  for (const t of tags) {
    const align = t.type === 4 ? 4 : t.type === 3 ? 2 : 1;
    while (dl % align !== 0) (chunks.push(new Uint8Array(1)), dl++);
    index.push(t.tag, t.type, dl, t.count);
    chunks.push(t.data);
    dl += t.data.length;
  }
  const out = new Uint8Array(8 + index.length * 4 + dl);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, tags.length);
  dv.setUint32(4, dl);
  index.forEach((v, i) => dv.setUint32(8 + i * 4, v));
  let p = 8 + index.length * 4;
  for (const c of chunks) (out.set(c, p), p += c.length);
  return out;
}

export function pkg(
  name: string,
  dirs: string[],
  files: [number, string][],
  digests?: { algo: number; hex: string[] },
): Uint8Array {
  const extra: Tag[] = digests === undefined ? [] : [
    { tag: 1035, type: 8, count: digests.hex.length, data: strs(digests.hex) },
    { tag: 5011, type: 4, count: 1, data: int32s([digests.algo]) },
  ];
  return header([
    { tag: 1000, type: 6, count: 1, data: str(name) },
    { tag: 1117, type: 8, count: files.length, data: strs(files.map((f) => f[1])) },
    { tag: 1118, type: 8, count: dirs.length, data: strs(dirs) },
    { tag: 1116, type: 4, count: files.length, data: int32s(files.map((f) => f[0])) },
    ...extra,
  ]);
}

/** Writes an rpmdb.sqlite with one Packages row per blob (in WAL mode, as rpm does). */
export function writeRpmDb(path: string, blobs: Uint8Array[]): void {
  const db = new DatabaseSync(path);
  db.exec("PRAGMA journal_mode=WAL");
  db.exec("CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)");
  const ins = db.prepare("INSERT INTO Packages (blob) VALUES (?)");
  for (const b of blobs) ins.run(b);
  db.close();
}
