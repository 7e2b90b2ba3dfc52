/** Line numbers of offsets into a text, for parsers that match over a whole file and report lines. */

/**
 * A function giving the 1-based line of an offset into `text`, by binary search over the line starts (found
 * once), so numbering every match of a large file stays O(n log n).
 */
export function lineIndex(text: string): (offset: number) => number {
  const starts = [0];
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
}
