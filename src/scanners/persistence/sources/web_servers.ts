/**
 * The web servers' own hooks (the web roots they serve are web_shells.ts's): what Apache httpd and nginx run or
 * load as root because their configuration says so. Apache's root parent process starts piped-log programs
 * (`CustomLog "|…"`, `ErrorLog "|$…"`…, restarted whenever they exit), `RewriteMap … prg:` programs and the
 * `exec:` helpers of mod_ssl, mod_authnz_ldap and mod_session_crypto, and loads every `LoadModule`/`LoadFile`
 * shared object into itself; Debian's apache2ctl sources /etc/apache2/envvars as root before each start; the
 * nginx master (root) loads every `load_module` object. The configuration is followed as the servers read it:
 * Include/IncludeOptional (globs in any component, directories read recursively, relative to ServerRoot),
 * Define and `${VAR}`, nginx's `include` globs; `<IfModule>`/`<IfDefine>` sections are not evaluated (their
 * content counts as active, and the metadata says so). Programs are entries judged by the shared command checks;
 * a loaded object no package installed is `persistence.web_server.unpackaged_module`, and an object in a module
 * directory that nothing loads and no package installed is `persistence.hook.unpackaged`.
 */
import { expandGlob } from "../../ssh/sshd_config.ts";
import { type Account, ROOT_ACCOUNT } from "../accounts.ts";
import { pathRisk } from "../assess.ts";
import { type Collector, type Entry, LIMITS, normalisePath } from "../collect.ts";
import { parseEnvFile } from "../env_files.ts";
import { distinctDirs, judgeUnpackaged } from "./hook_files.ts";
import { unlessOwned } from "./ownership.ts";
import { account, scriptPoint, walkIncludes } from "./shared.ts";
import {
  type ApacheDirective,
  apacheDirectives,
  apacheModules,
  type ApacheProgram,
  apacheProgram,
  apacheSpelling,
  nginxDirectives,
} from "./web_server_parse.ts";

const TECHNIQUE = "T1505";
/**
 * Bounds of one server's configuration walk: files read (shared hosts have thousands of vhosts), include nesting
 * and the directory recursion of an Include (httpd's own AP_MAX_INCLUDE_DEPTH and AP_MAX_FNMATCH_DIR_DEPTH, past
 * which it refuses to start), metadata lines per point.
 */
export const WEB_SERVER_LIMITS = { files: 10_000, depth: 128, dirDepth: 128, metaLines: 50 } as const;
/** Who runs what a web server's configuration starts and loads, for the metadata. */
const RUN_BY = {
  apache: "Apache's parent process, which runs as root: it starts the piped-log, prg: and exec: programs " +
    "(unless the line names another account) and loads every module into itself",
  nginx: "nginx's master process, which runs as root and loads every module into itself",
} as const;
/** Apache's parent process, for a program's line in the metadata. */
const PARENT = "Apache's root parent process";

/** Where an Apache configuration starts, its ServerRoot, the envvars file its control script sources, its User. */
interface ApacheLayout {
  config: string;
  serverRoot: string;
  envvars?: string;
  user: string;
}

/** Debian's /etc/apache2 (and its /etc/apache2-NAME instances), RHEL's /etc/httpd, upstream's /usr/local/apache2. */
function apacheLayouts(c: Collector): ApacheLayout[] {
  const debian = (dir: string): ApacheLayout => ({
    config: `${dir}/apache2.conf`,
    serverRoot: dir,
    envvars: `${dir}/envvars`,
    user: "www-data",
  });
  const out: ApacheLayout[] = [debian("/etc/apache2")];
  const r = c.ctx.host.readDir("/etc", LIMITS.dirEntries);
  for (const e of r.ok ? r.value : []) if (/^apache2-./.test(e.name)) out.push(debian(`/etc/${e.name}`));
  out.push({ config: "/etc/httpd/conf/httpd.conf", serverRoot: "/etc/httpd", user: "apache" });
  out.push({
    config: "/usr/local/apache2/conf/httpd.conf",
    serverRoot: "/usr/local/apache2",
    envvars: "/usr/local/apache2/bin/envvars",
    user: "daemon",
  });
  return out.filter((l) => c.ctx.host.stat(l.config).ok);
}

/** nginx's configuration, its conf prefix (relative includes) and prefix (relative `load_module` paths). */
const NGINX_LAYOUTS = [
  { config: "/etc/nginx/nginx.conf", confPrefix: "/etc/nginx", prefix: "/usr/share/nginx" },
  {
    config: "/usr/local/nginx/conf/nginx.conf",
    confPrefix: "/usr/local/nginx/conf",
    prefix: "/usr/local/nginx",
  },
  {
    config: "/usr/local/openresty/nginx/conf/nginx.conf",
    confPrefix: "/usr/local/openresty/nginx/conf",
    prefix: "/usr/local/openresty/nginx",
  },
];
/** Directories of the servers' packaged modules: an object there that nothing loads is still judged. */
const MODULE_DIRS = [
  "/usr/lib/apache2/modules",
  "/usr/lib64/httpd/modules",
  "/usr/lib/httpd/modules",
  "/usr/lib/nginx/modules",
  "/usr/lib64/nginx/modules",
];

/** A shared object a configuration loads, where. */
interface LoadedModule {
  conf: string;
  line: number;
  directive: string;
  written: string;
  file: string;
  server: "apache" | "nginx";
  condition?: string;
}

/** What one configuration file holds: its entries and the metadata lines describing them. */
class FileHooks {
  readonly entries: Entry[] = [];
  readonly hooks: string[] = [];
  readonly modules: string[] = [];
  readonly conditional: string[] = [];

  /** Notes that line `line` sits in a conditional section the scan does not evaluate. */
  condition(line: number, condition: string | undefined): void {
    if (condition !== undefined) {
      this.conditional.push(`${line}: inside ${condition}, not evaluated: treated as active`);
    }
  }

  /** Records the file as a point when it runs or loads anything. */
  flush(c: Collector, path: string, server: "apache" | "nginx"): void {
    if (this.entries.length === 0 && this.hooks.length === 0 && this.modules.length === 0) return;
    const cap = (xs: string[]) => xs.slice(0, WEB_SERVER_LIMITS.metaLines);
    c.point({
      kind: "web_server_hook",
      path,
      entries: this.entries,
      meta: {
        technique: TECHNIQUE,
        server,
        run_by: RUN_BY[server],
        ...(this.hooks.length > 0 ? { hooks: cap(this.hooks) } : {}),
        ...(this.modules.length > 0 ? { modules: cap(this.modules) } : {}),
        ...(this.conditional.length > 0 ? { conditional: cap(this.conditional) } : {}),
      },
    });
  }
}

/** True when `path` (followed) is a regular file. */
function isFile(c: Collector, path: string): boolean {
  const st = c.ctx.host.stat(path);
  return st.ok && st.value.isFile;
}

/** `path` made absolute against `base` (ServerRoot, nginx's prefixes) when relative. */
function rooted(base: string, path: string): string {
  return normalisePath(path.startsWith("/") ? path : `${base}/${path}`);
}

/**
 * The files an Apache Include names, in httpd's order (ap_process_fnmatch_configs): a glob in any component
 * (a leading dot matched only by a dot), sorted; a directory, given or matched, is read whole and recursively,
 * hidden files included.
 */
function apacheIncludeFiles(c: Collector, pattern: string, problems: string[]): string[] {
  const out: string[] = [];
  const take = (path: string, depth: number) => {
    if (out.length >= WEB_SERVER_LIMITS.files) {
      problems.push(`an Include naming more than ${WEB_SERVER_LIMITS.files} files: the rest not read`);
      return;
    }
    const st = c.ctx.host.stat(path);
    if (!st.ok) return;
    if (!st.value.isDirectory) {
      out.push(path);
      return;
    }
    if (depth >= WEB_SERVER_LIMITS.dirDepth) {
      problems.push(`${path}: directories nested deeper than ${WEB_SERVER_LIMITS.dirDepth} not read`);
      return;
    }
    const r = c.ctx.host.readDir(path, LIMITS.dirEntries);
    if (!r.ok) return;
    if (r.truncated) problems.push(`${path}: more than ${LIMITS.dirEntries} entries`);
    for (const name of r.value.map((e) => e.name).sort()) {
      take(`${path === "/" ? "" : path}/${name}`, depth + 1);
    }
  };
  const matches = /[*?[]/.test(pattern) ? expandGlob(c.ctx.host, pattern, problems) : [pattern];
  for (const m of matches) take(m, 0);
  return out;
}

/** The variables an envvars file exports (its `$NAME`s written out from earlier ones), and the file as a point. */
function envvars(c: Collector, layout: ApacheLayout): Map<string, string> {
  const vars = new Map<string, string>([["APACHE_CONFDIR", layout.serverRoot]]);
  if (layout.envvars === undefined) return vars;
  const entries = scriptPoint(c, "web_server_hook", layout.envvars, ROOT_ACCOUNT, false, {
    technique: TECHNIQUE,
    server: "apache",
    runner: "apache2ctl/apachectl, which sources it as root before every start, stop and reload",
  });
  const f = entries && c.read(layout.envvars);
  for (const a of f ? parseEnvFile(f.text).assignments : []) {
    const value = a.value.replace(
      /\$(?:\{(\w+)\}|(\w+))/g,
      (_, x?: string, y?: string) => vars.get(x ?? y!) ?? "",
    );
    vars.set(a.name, value);
  }
  return vars;
}

/** How a program's runner reads in the metadata. */
function runnerText(p: ApacheProgram): string {
  if (p.runner === "named") return `started at start-up as ${p.user}`;
  if (p.runner === "child") return "run by a child process, as the server's User, when a request needs it";
  return p.role === "piped log"
    ? `started by ${PARENT} at start-up and restarted whenever it exits`
    : `started by ${PARENT} at start-up`;
}

/**
 * A program's command with a relative program made absolute against ServerRoot, as httpd resolves it (a shell
 * command is left to the shell).
 */
function programCommand(p: ApacheProgram, serverRoot: string): string {
  if (p.shell) return p.command;
  const m = /^(\S+)/.exec(p.command);
  if (!m || m[1].startsWith("/") || /["'$`]/.test(m[1])) return p.command;
  return `${rooted(serverRoot, m[1])}${p.command.slice(m[1].length)}`;
}

/** The loaded shared object at `written` (relative to `base`), recorded when it exists; risky places are entries. */
function loadModule(
  c: Collector,
  acc: FileHooks,
  loaded: LoadedModule[],
  at: { conf: string; line: number; directive: string; server: "apache" | "nginx"; condition?: string },
  base: string,
  written: string,
): void {
  const path = rooted(base, written);
  const file = c.ctx.host.canonical(path);
  if (!isFile(c, file)) {
    acc.modules.push(`${at.line}: ${at.directive} ${written}: no such file (the server would not start)`);
    return;
  }
  acc.modules.push(`${at.line}: ${at.directive} ${written}${file !== written ? ` (${file})` : ""}`);
  acc.condition(at.line, at.condition);
  loaded.push({ ...at, written, file });
  // Loaded into a root process: a module (or the link to it) where others can change it is root for them.
  for (const p of new Set([path, file])) {
    if (pathRisk(c.ctx.host, p, ROOT_ACCOUNT, c.accounts)) {
      acc.entries.push({ line: at.line, text: p, runAs: ROOT_ACCOUNT });
    }
  }
}

/** One Apache configuration, its includes followed; programs become entries, loaded objects are recorded. */
function apacheServer(c: Collector, layout: ApacheLayout, loaded: LoadedModule[]): void {
  const env = envvars(c, layout);
  const defines = new Map<string, string>();
  const resolve = (name: string) => defines.get(name) ?? env.get(name);
  let serverRoot = layout.serverRoot;
  let user = layout.user;
  const childEntries: Entry[] = [];
  walkIncludes(c, `Apache ${layout.config}`, layout.config, WEB_SERVER_LIMITS, (path, text, include) => {
    const acc = new FileHooks();
    for (const d of apacheDirectives(text, resolve)) {
      const [a0, a1] = d.args;
      if (d.name === "define" && a0 !== undefined && a1 !== undefined) defines.set(a0, a1);
      else if (d.name === "undefine" && a0 !== undefined) defines.delete(a0);
      else if (d.name === "serverroot" && a0?.startsWith("/")) serverRoot = normalisePath(a0);
      else if (d.name === "user" && a0) user = a0;
      else if ((d.name === "include" || d.name === "includeoptional") && a0) {
        include(d.line, (problems) => apacheIncludeFiles(c, rooted(serverRoot, a0), problems));
      } else apacheHooks(c, acc, d, { path, serverRoot, childEntries, loaded });
    }
    acc.flush(c, path, "apache");
  });
  const child: Account = account(c, user);
  for (const e of childEntries) e.runAs = child;
}

/** A directive's programs (entries) and loaded objects. */
function apacheHooks(
  c: Collector,
  acc: FileHooks,
  d: ApacheDirective,
  at: { path: string; serverRoot: string; childEntries: Entry[]; loaded: LoadedModule[] },
): void {
  const where = { conf: at.path, line: d.line, directive: apacheSpelling(d.name), server: "apache" as const };
  const conditional = d.condition ? { condition: d.condition } : {};
  for (const m of apacheModules(d)) {
    loadModule(c, acc, at.loaded, { ...where, ...conditional }, at.serverRoot, m);
  }
  const p = apacheProgram(d);
  if (!p) return;
  const runAs = p.runner === "named" ? account(c, p.user) : ROOT_ACCOUNT;
  const entry: Entry = { line: d.line, text: programCommand(p, at.serverRoot), runAs };
  if (p.runner === "child") at.childEntries.push(entry);
  acc.entries.push(entry);
  acc.hooks.push(
    `${d.line}: ${p.directive} ${p.role}${p.shell ? " (through /bin/sh -c)" : ""}, ${runnerText(p)}`,
  );
  acc.condition(d.line, d.condition);
}

/** One nginx configuration, its includes followed: `load_module` objects are recorded. */
function nginxServer(c: Collector, layout: typeof NGINX_LAYOUTS[number], loaded: LoadedModule[]): void {
  walkIncludes(c, `nginx ${layout.config}`, layout.config, WEB_SERVER_LIMITS, (path, text, include) => {
    const acc = new FileHooks();
    for (const d of nginxDirectives(text)) {
      const [name, arg] = d.args;
      if (name === "include" && arg !== undefined) {
        const pattern = rooted(layout.confPrefix, arg);
        // glob(3), as nginx calls it: sorted, dot files only for a dot; what is not a file makes nginx fail.
        include(
          d.line,
          (problems) =>
            (/[*?[]/.test(pattern) ? expandGlob(c.ctx.host, pattern, problems) : [pattern])
              .filter((inc) => isFile(c, inc)),
        );
      } else if (name === "load_module" && arg !== undefined) {
        const where = { conf: path, line: d.line, directive: name, server: "nginx" as const };
        loadModule(c, acc, loaded, where, layout.prefix, arg);
        if (d.depth > 0) acc.hooks.push(`${d.line}: load_module inside a block, where nginx refuses it`);
      }
    }
    acc.flush(c, path, "nginx");
  });
}

/** Every Apache and nginx configuration, the objects they load judged for their package, the module directories. */
export function webServerSources(c: Collector): void {
  const loaded: LoadedModule[] = [];
  for (const layout of apacheLayouts(c)) apacheServer(c, layout, loaded);
  for (const layout of NGINX_LAYOUTS) if (c.ctx.host.stat(layout.config).ok) nginxServer(c, layout, loaded);
  const files = new Set<string>();
  for (const m of loaded) {
    if (files.has(m.file)) continue;
    files.add(m.file);
    const server = m.server === "apache" ? "Apache's root parent process" : "nginx's root master process";
    unlessOwned(c, m.file, {
      check_id: "persistence.web_server.unpackaged_module",
      subject: m.file,
      description: `${m.conf}:${m.line} (${m.directive}) loads ${m.written}${
        m.file !== m.written ? ` (${m.file})` : ""
      } into ${server}; no installed package provides it.`,
      metadata: {
        path: m.conf,
        line: m.line,
        directive: m.directive,
        module: m.written,
        file: m.file,
        server: m.server,
        ...(m.condition ? { condition: `${m.condition}, not evaluated: treated as active` } : {}),
      },
      location: { path: m.conf },
    });
  }
  const unloaded = distinctDirs(c, MODULE_DIRS).flatMap((dir) =>
    c.list(dir).filter((n) => n.endsWith(".so")).map((n) => `${dir}/${n}`)
  ).filter((p) => !files.has(c.ctx.host.canonical(p)));
  judgeUnpackaged(c, unloaded, "web server module");
}
