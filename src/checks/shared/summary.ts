/** Text helpers for the checks' one-line summaries (CheckDefinition.summary). */

/** "a, b, c +2": at most `max` items, then the count of the rest. */
export function listOf(xs: readonly string[], max = 3): string {
  return xs.length > max ? `${xs.slice(0, max).join(', ')} +${xs.length - max}` : xs.join(', ');
}

/** The text cut to `max` characters with an ellipsis. */
export function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 3)}…` : text;
}
