/**
 * One sshd configuration line as OpenSSH's process_server_config_line reads it (the same code reads the files
 * and each `-o` option of the command line): the keyword taken by strdelim(), the arguments by argv_split().
 *
 * strdelim() ends the keyword at a blank, a carriage return, `=` or a double quote. A double quote is removed
 * and the keyword runs to the next double quote (`"PermitRootLogin" yes` and `Permit"RootLogin" yes` are both
 * PermitRootLogin to sshd 9.2; a single quote is an ordinary character). One `=` may follow the keyword, with
 * blanks around it. An empty first word (leading blanks, a leading `=` or `""`) is skipped once; a keyword
 * whose quote is never closed makes sshd skip the line silently.
 */

/** Old keyword spellings sshd still accepts, mapped to the current name. */
const ALIASES: Record<string, string> = {
  challengeresponseauthentication: "kbdinteractiveauthentication",
  skeyauthentication: "kbdinteractiveauthentication",
  dsaauthentication: "pubkeyauthentication",
  pubkeyacceptedkeytypes: "pubkeyacceptedalgorithms",
  hostbasedacceptedkeytypes: "hostbasedacceptedalgorithms",
};

/** OpenSSH's WHITESPACE: the characters strdelim() skips after a word. */
const BLANKS = " \t\r\n";
/** What ends a word for strdelim() with `=` splitting on. */
const DELIMITERS = ' \t\r\n"=';

function skipBlanks(s: string, i: number): number {
  while (i < s.length && BLANKS.includes(s[i])) i++;
  return i;
}

/**
 * The word of `s` that starts at `from`, as strdelim() takes it, and where the rest starts (undefined when no
 * delimiter followed: the line ends with the word). undefined when the word opens a quote it never closes.
 * Each character is looked at once or twice: linear in the line.
 */
function strdelim(s: string, from: number): { word: string; next: number | undefined } | undefined {
  let j = from;
  while (j < s.length && !DELIMITERS.includes(s[j])) j++;
  if (j >= s.length) return { word: s.slice(from), next: undefined };
  if (s[j] === '"') {
    const close = s.indexOf('"', j + 1);
    if (close < 0) return undefined;
    return { word: s.slice(from, j) + s.slice(j + 1, close), next: skipBlanks(s, close + 1) };
  }
  let next = skipBlanks(s, j + 1);
  // One `=` is skipped after the blanks that end a word (`Keyword = value`), never a second one.
  if (s[j] !== "=" && s[next] === "=") next = skipBlanks(s, next + 1);
  return { word: s.slice(from, j), next };
}

/**
 * Splits the arguments of a line as OpenSSH's argv_split does: blanks separate words, single or double quotes
 * group them, a backslash escapes a quote, a blank or a backslash, and a word starting with `#` ends the line.
 * undefined when a quote is not closed (sshd refuses such a line).
 */
export function splitArgs(text: string): string[] | undefined {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && (text[i] === " " || text[i] === "\t")) i++;
    if (i >= text.length || text[i] === "#") break;
    let word = "";
    let quote = "";
    for (; i < text.length; i++) {
      const c = text[i];
      if (c === "\\" && i + 1 < text.length && `"'\\ \t`.includes(text[i + 1])) {
        word += text[++i];
      } else if (quote !== "") {
        if (c === quote) quote = "";
        else word += c;
      } else if (c === '"' || c === "'") {
        quote = c;
      } else if (c === " " || c === "\t") {
        break;
      } else {
        word += c;
      }
    }
    if (quote !== "") return undefined;
    out.push(word);
  }
  return out;
}

/** The line without what sshd drops at its end, and its keyword as strdelim() takes it (undefined: none). */
function keywordOf(raw: string): { line: string; kw: ReturnType<typeof strdelim> } {
  // The line is a C string to sshd and ssh: it ends at a NUL byte (ssh's readconf.c reads each physical line
  // with getline and parses it up to there; sshd's reader has already cut there, see `sshdFileLines`).
  const nul = raw.indexOf("\0");
  if (nul >= 0) raw = raw.slice(0, nul);
  // sshd drops trailing blanks, carriage returns and form feeds, down to the first character (a line of one form
  // feed is the keyword "\f" to it). No regex: with a `\r` inside, the old `.*$` retried the overlapping blank
  // runs in cubic time.
  let end = raw.length;
  while (end > 1 && " \t\r\n\f".includes(raw[end - 1])) end--;
  const line = raw.slice(0, end);
  if (line === "") return { line, kw: undefined };
  let kw = strdelim(line, 0);
  // An empty first word (the line began with a blank, `=` or `""`) is skipped once, as sshd skips it.
  if (kw !== undefined && kw.word === "") kw = kw.next === undefined ? undefined : strdelim(line, kw.next);
  if (kw === undefined || kw.word === "" || kw.word.startsWith("#")) return { line, kw: undefined };
  return { line, kw };
}

/**
 * Splits one line into its keyword (lower case, old spellings mapped to the current name) and arguments;
 * undefined for lines sshd skips (blank, comment, a keyword whose quote is not closed), an error message for a
 * line sshd would reject. Never throws; linear in the line.
 */
export function parseSshdLine(
  raw: string,
): { keyword: string; args: string[] } | { error: string } | undefined {
  const { line, kw } = keywordOf(raw);
  if (kw === undefined) return undefined;
  if (kw.next === undefined || kw.next >= line.length) {
    return { error: `no argument after keyword "${kw.word}"` };
  }
  const args = splitArgs(line.slice(kw.next));
  if (args === undefined) return { error: `unbalanced quotes after ${kw.word}` };
  if (args.length === 0) return { error: `no argument after keyword "${kw.word}"` };
  const keyword = kw.word.toLowerCase();
  return { keyword: ALIASES[keyword] ?? keyword, args };
}

/**
 * The text after a line's keyword as written, unsplit: ssh reads the value of ProxyCommand, LocalCommand,
 * KnownHostsCommand and RemoteCommand that way and hands it to the shell. undefined when the line has no keyword
 * or nothing after it.
 */
export function lineRest(raw: string): string | undefined {
  const { line, kw } = keywordOf(raw);
  if (kw === undefined || kw.next === undefined || kw.next >= line.length) return undefined;
  return line.slice(kw.next);
}

/** One line of an sshd configuration file as sshd parses it, with the physical line it starts on. */
export interface SshdFileLine {
  line: number;
  text: string;
}

/**
 * The lines of one sshd configuration file as OpenSSH 9.2 reads them (load_server_config, servconf.c, for the
 * main file and each Include): each physical line (getline, any length) loses its leading blanks, tabs and
 * CRs and is appended to one buffer as a C string — up to its first NUL byte, so a NUL drops the rest of the
 * line, its newline too, and the next physical line is glued on (`PermitRootLogin \0` then `yes` is
 * `PermitRootLogin yes`). The buffer is then split at newlines. `nulLines`: the physical lines with a NUL.
 */
export function sshdFileLines(text: string): { lines: SshdFileLine[]; nulLines: number[] } {
  const lines: SshdFileLine[] = [];
  const nulLines: number[] = [];
  let cur = "";
  let start = 1;
  let physical = 0;
  for (let pos = 0; pos < text.length;) {
    const nl = text.indexOf("\n", pos);
    const end = nl < 0 ? text.length : nl + 1;
    physical++;
    let s = pos;
    while (s < end && (text[s] === " " || text[s] === "\t" || text[s] === "\r")) s++;
    const piece = text.slice(s, end);
    pos = end;
    if (cur === "") start = physical;
    const z = piece.indexOf("\0");
    if (z >= 0) {
      nulLines.push(physical);
      cur += piece.slice(0, z);
    } else if (piece.endsWith("\n")) {
      lines.push({ line: start, text: cur + piece.slice(0, -1) });
      cur = "";
    } else cur += piece;
  }
  if (cur !== "") lines.push({ line: start, text: cur });
  return { lines, nulLines };
}
