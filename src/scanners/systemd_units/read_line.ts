/**
 * Lines as systemd reads them (src/basic/fileio.c read_line_full, systemd 252) and its WHITESPACE: the one reader
 * of unit files and drop-ins (./unit_file.ts) and of sysctl.d files (../sysctl_files.ts). `# note\rkernel.x = 0`
 * is a comment and then a setting to systemd, as `# note\rExecStartPre=/x` is a comment and a command.
 */

const lossy = new TextDecoder("utf-8", { ignoreBOM: true });
const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** systemd's WHITESPACE (" \t\n\r"), not JavaScript's trim(), which also takes NBSP, \v, \f and BOMs. */
export function strip(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && (s[a] === " " || s[a] === "\t" || s[a] === "\n" || s[a] === "\r")) a++;
  while (b > a && (s[b - 1] === " " || s[b - 1] === "\t" || s[b - 1] === "\n" || s[b - 1] === "\r")) b--;
  return s.slice(a, b);
}

/**
 * The lines of a file as systemd's read_line() (src/basic/fileio.c read_line_full) ends them: at `\n`, `\r` or
 * `\0`, where one end is a run of such bytes with no marker twice and nothing after a `\0` (`\r\n`, `\n\r`,
 * `\r\n\0` are one end; `\n\n` is two). The text of each line and whether it is valid UTF-8 (decidable only from
 * bytes: text given as a string counts as valid).
 */
export function readLines(input: string | Uint8Array): { text: string; utf8: boolean }[] {
  const bytes = typeof input !== "string";
  const n = input.length;
  const code = bytes ? (i: number) => input[i] : (i: number) => input.charCodeAt(i);
  const eol = (c: number) => c === 10 ? 2 : c === 13 ? 4 : c === 0 ? 1 : 0;
  const out: { text: string; utf8: boolean }[] = [];
  let i = 0;
  while (i < n) {
    const start = i;
    while (i < n && eol(code(i)) === 0) i++;
    const end = i;
    let seen = 0;
    while (i < n) {
      const m = eol(code(i));
      if (m === 0 || (seen & 1) !== 0 || (seen & m) !== 0) break;
      seen |= m;
      i++;
    }
    if (!bytes) out.push({ text: input.slice(start, end), utf8: true });
    else {
      const text = lossy.decode(input.subarray(start, end));
      let utf8 = true;
      if (text.includes("\uFFFD")) {
        try {
          strict.decode(input.subarray(start, end));
        } catch {
          utf8 = false;
        }
      }
      out.push({ text, utf8 });
    }
  }
  return out;
}
