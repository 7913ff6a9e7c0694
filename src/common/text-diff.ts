// Marking a predicted text against the expected one, for sequence tasks (dashboard and tests). Neutral.

/**
 * Positions where two texts differ (by code point), for marking a predicted sequence against the expected
 * one; positions past the shorter text count as different.
 */
export function differingPositions(expected: string, predicted: string): boolean[] {
  const a = Array.from(expected);
  const b = Array.from(predicted);
  return b.map((ch, i) => a[i] !== ch);
}
