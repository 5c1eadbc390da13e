/**
 * Remembering the answers of a pure function of one string (a date, an amount, a units value): scrubbing asks
 * the same few values again for every line of every claim. The memory is bounded: when it holds `limit`
 * answers it is cleared and starts over, so a long-running engine does not grow it without end. The function
 * must be pure and its answers immutable (they are handed out again); a call that throws remembers nothing.
 */

/** `compute`, answering repeated keys from memory. */
export function remembered<V>(compute: (key: string) => V, limit = 4096): (key: string) => V {
  const answers = new Map<string, V>();
  return (key) => {
    const known = answers.get(key);
    if (known !== undefined || answers.has(key)) return known as V;
    const answer = compute(key);
    if (answers.size >= limit) answers.clear();
    answers.set(key, answer);
    return answer;
  };
}
