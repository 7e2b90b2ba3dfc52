/**
 * Trimming a run of one character from the end of text in linear time. A regular expression such as
 * `/\/+$/` is quadratic on a long run of the character followed by something else (the engine retries the
 * run from each of its positions), and the text it is applied to (a home directory, a watch path, a PATH
 * entry) is often the scanned host's.
 */

/** `text` without the run of `char` (one UTF-16 code unit, e.g. "/") at its end: `/\/+$/` without the backtracking. */
export function trimTrailing(text: string, char: string): string {
  let end = text.length;
  while (end > 0 && text[end - 1] === char) end--;
  return end === text.length ? text : text.slice(0, end);
}
