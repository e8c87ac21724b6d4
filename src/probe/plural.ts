// Counted nouns in the text nfsprobe prints: "1 path", "3 paths". The one helper every message uses.

/** `count` and the noun, singular for exactly 1: `plural(1, 'path')` is "1 path"; irregular forms go in `many`. */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}
