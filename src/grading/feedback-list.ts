/**
 * Every list in feedback is capped: a report of 120 lines helps no one. The first items are
 * shown and the rest counted.
 */

/** How many items a feedback list shows before counting the rest. */
export const FEEDBACK_LIST_MAX = 8;

/** `items` as shown: at most `max`, then one line counting the rest. */
export function capped(items: readonly string[], max = FEEDBACK_LIST_MAX, what = 'more'): string[] {
  if (items.length <= max) return [...items];
  return [...items.slice(0, max), `… and ${items.length - max} ${what}`];
}

/** `cells 5, 7, 9 and 24 more`: 1-based cell numbers, capped. */
export function cellList(indexes: readonly number[], max = FEEDBACK_LIST_MAX): string {
  const numbers = indexes.map((i) => String(i + 1));
  const noun = numbers.length === 1 ? 'cell' : 'cells';
  if (numbers.length <= max) {
    return numbers.length <= 1 ? `${noun} ${numbers.join('')}` : `${noun} ${numbers.slice(0, -1).join(', ')} and ${numbers.at(-1)}`;
  }
  return `${noun} ${numbers.slice(0, max).join(', ')} and ${numbers.length - max} more`;
}
