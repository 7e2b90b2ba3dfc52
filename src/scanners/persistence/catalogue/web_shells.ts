/** Catalogue of the web-shell family: server-side files in web roots that run what a request sends. */
import type { CheckInput } from "../../../core/catalogue.ts";
import { FAMILY_BASE, PRESERVE_AND_REMOVE } from "./common.ts";

const WEB_REMEDIATION =
  "Take the file out of the web root (keep a copy for analysis), read the web server's " +
  "access log for requests to it and for how it was uploaded, and check the application for the hole that " +
  "let it in. " + PRESERVE_AND_REMOVE;

/** Checks of the web-shell family. */
export const WEB_SHELL_CHECKS: CheckInput[] = [
  {
    ...FAMILY_BASE,
    id: "persistence.webshell.exec_request",
    title: "Web shell: server-side code runs what the request sends",
    severity: "critical",
    rationale: "A file in a web root hands request input (PHP $_GET/$_POST/$_REQUEST/$_COOKIE, JSP " +
      "request.getParameter, ASP Request, CGI parameters) to a command or code runner (system, exec, " +
      "passthru, shell_exec, popen, proc_open, eval, assert, include, backquotes, Runtime.exec, ProcessBuilder, " +
      "Process.Start, cmd /c): anyone who can reach the URL runs commands as the web server." +
      " Critical: anyone who can reach the web server runs commands on the host as its account.",
    remediation: WEB_REMEDIATION,
    mitre: ["T1505.003"],
    confidence: "heuristic",
  },
  {
    ...FAMILY_BASE,
    id: "persistence.webshell.obfuscated_eval",
    title: "Web file evaluates decoded or obfuscated code",
    severity: "high",
    rationale:
      "`eval(base64_decode(…))`, `eval(gzinflate(…))`, `assert(str_rot13(…))` or preg_replace with the /e " +
      "modifier run code that is hidden from anyone reading the file: the wrapping of most PHP web shells and " +
      "injected backdoors." +
      " High: hidden code runs in the web server at every request to the file.",
    remediation: WEB_REMEDIATION + " Decode the payload offline to see what it does.",
    mitre: ["T1505.003", "T1027"],
    confidence: "heuristic",
  },
  {
    ...FAMILY_BASE,
    id: "persistence.webshell.handler_override",
    title: "Web server configuration makes uploaded files run as code",
    severity: "high",
    rationale:
      "An .htaccess or .user.ini in a web root that maps images or text files to the PHP or CGI handler, or " +
      "prepends a file to every script (auto_prepend_file), turns any uploaded file into a web shell and keeps " +
      "a backdoor running in every page." +
      " High: any file an upload form accepts becomes code the web server runs.",
    remediation: "Remove the directive (the finding names the file). " + WEB_REMEDIATION,
    mitre: ["T1505.003"],
    confidence: "heuristic",
  },
  {
    ...FAMILY_BASE,
    id: "persistence.webshell.unexamined",
    title: "Part of a web root was not examined for web shells",
    severity: "medium",
    rationale: "The web-root walk is bounded so that a hostile tree cannot hang the scan: at most " +
      "20,000 server-side files and 256 MiB of them, 4 MiB of one file, 64 directories down, 200,000 entries " +
      "and 8 s. Whoever can write to a web root (the web server's own account, after an upload) can push a " +
      "shell past a bound: pad the file, bury it deep, or flood the root with files. What was not read is " +
      "named, not reported as clean.",
    remediation:
      "Look at the file or directory named (who wrote it, when, and what it holds: a server-side file of " +
      "megabytes or a directory tree that deep is rare in a web application).",
    mitre: ["T1505.003", "T1564"],
  },
];
