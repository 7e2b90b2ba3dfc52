/**
 * Web shells without YARA: server-side code (PHP, JSP, ASP/ASPX, CGI) that runs request input as a command or as
 * code, obfuscated eval, and server configuration that makes uploaded images or text files run as code; plus the
 * web roots the Apache and nginx configurations name.
 */

import { runnerCalls } from "./php_calls.ts";

/** What a web file does, as a check id with the matched text. */
export interface WebHit {
  check:
    | "persistence.webshell.exec_request"
    | "persistence.webshell.obfuscated_eval"
    | "persistence.webshell.handler_override";
  /** Short name of the pattern. */
  name: string;
  /** Offset of the match in the text. */
  index: number;
  /** The matched text (at most 200 characters). */
  match: string;
}

/** The language a web file is judged as, from its name (`webKind`). */
export type WebKind = "php" | "jsp" | "asp" | "cgi" | "config";

/** The language of a server-side file name, or undefined for files a web server sends as they are. */
export function webKind(name: string, inCgiBin: boolean): WebKind | undefined {
  if (name === ".htaccess" || name === ".user.ini") return "config";
  if (/\.(?:php\d?|phtml|pht|phar|inc)$/i.test(name)) return "php";
  if (/\.(?:jspx?|jspf)$/i.test(name)) return "jsp";
  if (/\.(?:aspx?|ashx|asmx|ascx|cshtml)$/i.test(name)) return "asp";
  if (/\.(?:cgi|pl|py|sh)$/i.test(name) || inCgiBin) return "cgi";
  return undefined;
}

const REQUEST_PHP = String
  .raw`\$_(?:GET|POST|REQUEST|COOKIE|FILES|SERVER\s*\[\s*['"]HTTP_)|\bgetallheaders\s*\(|php://input`;
/** Calls that run a command or code, or load a file, with their argument: request input must not reach them. */
const SINK_PHP = String
  .raw`\b(?:system|exec|passthru|shell_exec|popen|proc_open|pcntl_exec|assert|eval|create_function|call_user_func(?:_array)?|include|include_once|require|require_once|mb_ereg_replace|preg_replace_callback)\s*\(`;
/** The command and code runners alone (for request input passed through a variable, in small files). */
const RUNNER_PHP = String
  .raw`\b(?:system|exec|passthru|shell_exec|popen|proc_open|pcntl_exec|assert|eval|create_function)\s*\(`;
/** Files up to this size are also searched for request input that reaches a runner through a variable. */
export const SMALL_WEB_FILE = 16 << 10;

/**
 * Patterns over the whole text (decoded byte for byte, so binary junk neither breaks nor hides them), by
 * language. A pattern with several expressions needs all of them somewhere in the file (request input read
 * here, a command run there); the last one is reported. No expression looks ahead over the file, so matching
 * stays linear. Backquotes count only where PHP evaluates them (after `=`, `(`, `.`, echo…): documentation
 * comments quote `$_POST` in backquotes too.
 */
const PATTERNS: readonly {
  kinds: readonly WebKind[];
  check: WebHit["check"];
  name: string;
  all: readonly RegExp[];
}[] = [
  {
    kinds: ["php"],
    check: "persistence.webshell.exec_request",
    name: "php_sink_request",
    all: [new RegExp(`${SINK_PHP}[^;]{0,200}?(?:${REQUEST_PHP})`, "i")],
  },
  {
    kinds: ["php"],
    check: "persistence.webshell.exec_request",
    name: "php_backtick_request",
    all: [
      new RegExp(
        `(?:[=(.]|\\b(?:echo|print|return))\\s*\`[^\`\\n]{0,200}(?:${REQUEST_PHP})[^\`\\n]{0,200}\``,
        "i",
      ),
    ],
  },
  {
    kinds: ["php"],
    check: "persistence.webshell.exec_request",
    name: "php_request_as_function",
    all: [new RegExp(`(?:${REQUEST_PHP})\\w*\\s*\\[[^\\]]{0,80}\\]\\s*\\(`, "i")],
  },
  {
    kinds: ["jsp"],
    check: "persistence.webshell.exec_request",
    name: "jsp_exec_request",
    all: [
      /\brequest\s*\.\s*get(?:Parameter|Header|InputStream|Reader)\s*\(/,
      /(?:Runtime\s*\.\s*getRuntime\s*\(\s*\)\s*\.\s*exec|new\s+ProcessBuilder)\s*\(/,
    ],
  },
  {
    kinds: ["asp"],
    check: "persistence.webshell.exec_request",
    name: "asp_exec_request",
    all: [
      /\bRequest\s*(?:\.\s*(?:QueryString|Form|Params|Item|Cookies|Headers)\s*)?[[(]/i,
      /Process\s*\.\s*Start\s*\(|new\s+ProcessStartInfo\b|WScript\.Shell|\bcmd(?:\.exe)?["'\s]*\/c\b/i,
    ],
  },
  {
    kinds: ["asp"],
    check: "persistence.webshell.exec_request",
    name: "asp_eval_request",
    all: [/\b(?:eval|execute|executeglobal)\s*[( ]\s*Request\s*[.([]/i],
  },
  {
    kinds: ["cgi"],
    check: "persistence.webshell.exec_request",
    name: "cgi_exec_request",
    all: [
      /\bparam\s*\(|\$ENV\s*\{\s*['"]?QUERY_STRING|\bcgi\.FieldStorage\s*\(|\$QUERY_STRING\b/,
      /\bsystem\s*\(|\bexec\s*\(|\bqx\s*[({/]|\bos\.system\s*\(|\bsubprocess\.\w+\s*\(|\bpopen\s*\(|\beval\s+"?\$/,
    ],
  },
  {
    kinds: ["php"],
    check: "persistence.webshell.obfuscated_eval",
    name: "eval_decoded",
    all: [
      /\b(?:eval|assert)\s*\(\s*@?\s*(?:base64_decode|gzinflate|gzuncompress|gzdecode|str_rot13|strrev|hex2bin|convert_uudecode|rawurldecode|urldecode)\s*\(/i,
    ],
  },
  {
    kinds: ["php"],
    check: "persistence.webshell.obfuscated_eval",
    name: "preg_replace_e",
    all: [/\bpreg_replace\s*\(\s*(['"])([^\w\s\\])[^'"\n]{0,200}?\2[imsxuADSUXJ]*e[imsxuADSUXJ]*\1/],
  },
  {
    kinds: ["config"],
    check: "persistence.webshell.handler_override",
    name: "image_as_code",
    all: [
      /^[ \t]*(?:AddType|AddHandler)[ \t]+(?:application\/x-httpd-php\S*|\S*php\S*|cgi-script)[ \t]+(?:\S+[ \t]+)*\.?(?:jpe?g|png|gif|ico|bmp|txt|css|js|svg|webp|html?)\b/im,
    ],
  },
  {
    kinds: ["config"],
    check: "persistence.webshell.handler_override",
    name: "set_handler",
    all: [/^[ \t]*SetHandler[ \t]+(?:application\/x-httpd-php\S*|\S*php\S*|cgi-script)/im],
  },
  {
    kinds: ["config"],
    check: "persistence.webshell.handler_override",
    name: "auto_prepend",
    all: [/^[ \t]*(?:php_value[ \t]+)?auto_(?:prepend|append)_file[ \t]*=?[ \t]*\S/im],
  },
];

/** Every pattern of the file's language that matches, at most one hit per pattern. */
export function webHits(text: string, kind: WebKind): WebHit[] {
  const out: WebHit[] = [];
  for (const p of PATTERNS) {
    if (!p.kinds.includes(kind)) continue;
    const ms = p.all.map((re) => re.exec(text));
    const last = ms.at(-1);
    if (last && ms.every((m) => m !== null)) {
      out.push({ check: p.check, name: p.name, index: last.index, match: last[0].slice(-200) });
    }
  }
  if (kind === "php" && text.length <= SMALL_WEB_FILE) {
    // Two steps: request input in a variable, the variable given to a runner or called (`$c = $_GET['c'];
    // system($c);`, `$f = $_POST['f']; $f($x);`). Only in small files: applications route requests that way.
    const vars = new Set<string>();
    for (
      const m of text.matchAll(new RegExp(`\\$(\\w{1,64})\\s*=\\s*[^;]{0,200}?(?:${REQUEST_PHP})`, "gi"))
    ) {
      vars.add(m[1]);
      if (vars.size >= 50) break;
    }
    for (const v of vars) {
      const m = new RegExp(`${RUNNER_PHP}[^;]{0,200}?\\$${v}\\b|(?<![%\\w$])\\$${v}\\(`, "i").exec(text);
      if (m) {
        out.push({
          check: "persistence.webshell.exec_request",
          name: "php_sink_request_var",
          index: m.index,
          match: m[0].slice(-200),
        });
        break;
      }
    }
  }
  // At any size: padding a shell past SMALL_WEB_FILE must not hide it, and no real application calls a runner
  // by a built name (12,900 files of 18 Debian PHP packages, 1,500 of them larger: none).
  if (kind === "php") {
    const hit = hiddenRunnerCall(text);
    if (hit) out.push(hit);
  }
  return out;
}

/**
 * A runner called by a name built from constants, through a variable (`$f = 'sys'.'tem'; $f($_POST['x'])`,
 * `$f = 'sys'; $f .= 'tem'; $f(…)`) or as a callback (`array_map(strrev('metsys'), [$_GET['c']])`,
 * `call_user_func(implode('', ['sys', 'tem']), …)`): with request input in the call it is `exec_request`; a name
 * built (not a plain literal) and called is `obfuscated_eval` even without, since nothing but hiding needs it. A
 * plain literal (`$fn = 'exec'`) called without request input is what server-information pages do, and stays
 * quiet.
 */
function hiddenRunnerCall(text: string): WebHit | undefined {
  const request = new RegExp(REQUEST_PHP, "i");
  let hidden: WebHit | undefined;
  for (const c of runnerCalls(text, (c) => c.built || request.test(c.args))) {
    const hit = { index: c.index, match: c.match };
    if (request.test(c.args)) {
      const name = c.via === "variable" ? "php_runner_through_variable" : "php_runner_callback";
      return { check: "persistence.webshell.exec_request", name, ...hit };
    }
    if (c.built && !hidden) {
      hidden = { check: "persistence.webshell.obfuscated_eval", name: "php_hidden_runner_name", ...hit };
    }
  }
  return hidden;
}

/** Document roots an Apache configuration names: DocumentRoot, Alias and ScriptAlias targets. */
export function apacheRoots(text: string): string[] {
  const out: string[] = [];
  // `[^\n]*` and a trim rather than `(.+?)\s*$`, which backtracks over every blank of a long line (quadratic).
  for (const m of text.matchAll(/^[ \t]*(DocumentRoot|Alias|ScriptAlias)[ \t]+([^\n]*)/gim)) {
    const words = [...m[2].trim().matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((w) => w[1] ?? w[2] ?? w[3]);
    const target = m[1].toLowerCase() === "documentroot" ? words[0] : words[1];
    if (target?.startsWith("/")) out.push(target);
  }
  return out;
}

/** Document roots an nginx configuration names: `root` and `alias` directives. */
export function nginxRoots(text: string): string[] {
  const out: string[] = [];
  const noComments = text.replace(/#[^\n]*/g, "");
  for (const m of noComments.matchAll(/(?:^|[;{}\s])(?:root|alias)\s+("[^"]*"|'[^']*'|[^\s;]+)\s*;/g)) {
    const v = m[1].replace(/^(["'])(.*)\1$/, "$2");
    if (v.startsWith("/")) out.push(v);
  }
  return out;
}
