/**
 * Evenly spaced cut positions from 0 to `length` (about `count` of them, both ends included): a fixed
 * sweep for tests that count how many cuts of a file keep something, where fast-check's draw of
 * positions favours small numbers and would make the count a matter of luck.
 */
export function evenCuts(length: number, count: number): number[] {
  const step = Math.max(1, Math.ceil(length / count));
  const cuts: number[] = [];
  for (let cut = 0; cut < length; cut += step) cuts.push(cut);
  cuts.push(length);
  return cuts;
}
