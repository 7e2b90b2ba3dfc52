/**
 * Web shells: server-side files in the web roots (the usual ones and those the Apache and nginx configurations
 * name) that run request input as a command or as code, obfuscated eval, and .htaccess/.user.ini directives
 * that make other files run as code. A bounded walk (depth, files, bytes, time): what a bound left unread is a
 * `persistence.webshell.unexamined` finding, since the web server's own account can push a shell past one;
 * files a package installed (phpMyAdmin, default pages) stay quiet.
 */
import { walk, type WalkCutKind } from "../../../host/walker.ts";
import { entryDigest } from "../assess.ts";
import { type Collector, normalisePath } from "../collect.ts";
import { lineIndex } from "../../../host/line_index.ts";
import { apacheRoots, nginxRoots, type WebHit, webHits, webKind } from "./web_parse.ts";

/** Web roots looked at on every host. */
export const DEFAULT_WEB_ROOTS = [
  "/var/www",
  "/srv/www",
  "/srv/http",
  "/usr/share/nginx/html",
  // Tomcat's applications (Debian's tomcat9/10, RHEL's tomcat, upstream tarballs and images)
  "/var/lib/tomcat9/webapps",
  "/var/lib/tomcat10/webapps",
  "/var/lib/tomcat/webapps",
  "/opt/tomcat/webapps",
  "/usr/local/tomcat/webapps",
];
/** Apache and nginx configuration files and directories whose roots are added. */
const APACHE_CONFIGS = ["/etc/apache2/apache2.conf", "/etc/httpd/conf/httpd.conf"];
const APACHE_DIRS = ["/etc/apache2/sites-enabled", "/etc/apache2/conf-enabled", "/etc/httpd/conf.d"];
const NGINX_CONFIGS = ["/etc/nginx/nginx.conf"];
const NGINX_DIRS = ["/etc/nginx/sites-enabled", "/etc/nginx/conf.d"];
/** Trees never walked as web roots (a configuration naming them is not followed there). */
const NOT_ROOTS = [
  "/",
  "/proc",
  "/sys",
  "/dev",
  "/run",
  "/etc",
  "/usr",
  "/usr/share",
  "/var",
  "/home",
  "/root",
];

/** Limits of the web-root walk. */
export const WEB_LIMITS = {
  depth: 64,
  entries: 200_000,
  files: 20_000,
  fileBytes: 4 << 20,
  bytes: 256 << 20,
  millis: 8000,
} as const;
const PRUNE = /\/(?:\.git|node_modules|\.svn)(?:\/|$)/;

/** The roots to walk: the defaults and every root the web server configurations name, each once. */
export function webRoots(c: Collector): string[] {
  const found: string[] = [...DEFAULT_WEB_ROOTS];
  const files = (list: string[], dirs: string[]) => [
    ...list,
    ...dirs.flatMap((d) => c.list(d).map((n) => `${d}/${n}`)),
  ];
  for (const path of files(APACHE_CONFIGS, APACHE_DIRS)) {
    const f = c.read(path, 1 << 20);
    if (f) found.push(...apacheRoots(f.text));
  }
  for (const path of files(NGINX_CONFIGS, NGINX_DIRS)) {
    const f = c.read(path, 1 << 20);
    if (f) found.push(...nginxRoots(f.text));
  }
  const out: string[] = [];
  for (const raw of found) {
    const root = normalisePath(raw.replace(/\$\w+.*$/, ""));
    if (NOT_ROOTS.includes(root) || ["/proc/", "/sys/", "/dev/"].some((p) => root.startsWith(p))) continue;
    if (out.some((r) => root === r || root.startsWith(r + "/"))) continue;
    for (let i = out.length - 1; i >= 0; i--) if (out[i].startsWith(root + "/")) out.splice(i, 1);
    out.push(root);
  }
  return out.sort();
}

interface Hit {
  path: string;
  hits: (WebHit & { line: number })[];
}

/** Walks the web roots and judges every server-side file (package-installed ones stay quiet). */
export async function webShellSources(c: Collector): Promise<void> {
  const roots = webRoots(c).filter((r) => c.ctx.host.stat(r).ok);
  if (roots.length === 0) return;
  const hits: Hit[] = [];
  let files = 0;
  let bytes = 0;
  let capped: Unread | undefined;
  const unread: Unread[] = [];
  const walker = walk(c.ctx, {
    roots,
    maxDepth: WEB_LIMITS.depth,
    maxEntries: WEB_LIMITS.entries,
    maxMillis: WEB_LIMITS.millis,
    prune: (p) => PRUNE.test(p),
    onCut: (cut) => unread.push({ bound: cut.kind, path: cut.path, detail: cut.detail }),
  });
  for await (const e of walker) {
    if (e.kind !== "file" || capped !== undefined) continue;
    const kind = webKind(e.name, e.path.includes("/cgi-bin/"));
    if (kind === undefined) continue;
    if (++files > WEB_LIMITS.files) {
      capped = {
        bound: "file_count",
        path: e.path,
        detail:
          `more than ${WEB_LIMITS.files} server-side files in the web roots: ${e.path} and the rest not read`,
      };
      continue;
    }
    const r = c.ctx.host.readBytes(e.path, WEB_LIMITS.fileBytes);
    if (!r.ok) {
      if (r.reason !== "missing") c.ctx.warn("persistence_unreadable", `${e.path}: ${r.message}`);
      continue;
    }
    bytes += r.value.length;
    if (bytes > WEB_LIMITS.bytes) {
      capped = {
        bound: "total_bytes",
        path: e.path,
        detail: `more than ${
          WEB_LIMITS.bytes >> 20
        } MiB of server-side files: the files after ${e.path} not read`,
      };
    }
    if (r.truncated) {
      unread.push({
        bound: "file_size",
        path: e.path,
        detail: `${e.path}: only its first ${WEB_LIMITS.fileBytes >> 20} MiB were read`,
      });
    }
    // latin1: one character per byte, so binary junk around the code neither breaks nor hides a pattern.
    const text = new TextDecoder("latin1").decode(r.value);
    const found = webHits(text, kind);
    if (found.length > 0) {
      const lineAt = lineIndex(text);
      hits.push({ path: e.path, hits: found.map((x) => ({ ...x, line: lineAt(x.index) })) });
    }
  }
  if (capped !== undefined) unread.push(capped);
  unexamined(c, unread);
  // A packaged file that matches is spared; without answers (no database) every match is reported.
  c.owners.ask(hits.map((h) => h.path), (o) => {
    for (const h of hits) {
      const pkg = o.ownerOf(h.path);
      if (pkg !== undefined) continue;
      for (const check of new Set(h.hits.map((x) => x.check))) {
        const mine = h.hits.filter((x) => x.check === check);
        c.finding({
          check_id: check,
          subject: `${h.path}:${entryDigest(mine.map((x) => x.match).join("\n"))}`,
          description: `${h.path}:${mine[0].line}: ${mine.map((x) => x.name).join(", ")}: ${
            mine[0].match.replace(/\s+/g, " ").slice(0, 200)
          }`,
          metadata: {
            path: h.path,
            line: mine[0].line,
            patterns: mine.map((x) => x.name),
            match: mine[0].match.slice(0, 500),
            package_db: o.tool ?? null,
          },
          location: { path: h.path },
        });
      }
    }
  }, "clear");
}

/** A part of the web roots a bound left unread: the walk's own cuts, or the files', bytes' and one file's caps. */
interface Unread {
  bound: WalkCutKind | "file_count" | "total_bytes" | "file_size";
  path: string;
  detail: string;
}

/** Findings shown for parts of the web roots left unread; the rest are counted in a warning. */
const UNEXAMINED_SHOWN = 20;

/** `persistence.webshell.unexamined` for each part of the web roots a bound left unread. */
function unexamined(c: Collector, unread: readonly Unread[]): void {
  for (const u of unread.slice(0, UNEXAMINED_SHOWN)) {
    c.finding({
      check_id: "persistence.webshell.unexamined",
      subject: `${u.bound}:${u.path}`,
      description: `Web-root walk: ${u.detail}; a web shell there would not have been seen.`,
      metadata: { bound: u.bound, path: u.path, detail: u.detail },
      location: { path: u.path },
    });
  }
  if (unread.length > UNEXAMINED_SHOWN) {
    c.ctx.warn("truncated", `${unread.length - UNEXAMINED_SHOWN} more parts of the web roots left unread`);
  }
}
