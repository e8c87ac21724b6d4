// Output helpers: JSON documents, aligned tables, colour only on a TTY and never with NO_COLOR.
import type { Writable } from 'node:stream';

export interface Output {
  json: boolean;
  debug: boolean;
  timeoutMs: number;
  out: Writable & { isTTY?: boolean };
  err: Writable & { isTTY?: boolean };
}

/** Colour on a TTY unless NO_COLOR is set to a non-empty value (no-color.org: `NO_COLOR=` keeps colour) or TERM=dumb. */
export function colorEnabled(stream: { isTTY?: boolean }): boolean {
  const noColor = process.env.NO_COLOR;
  return stream.isTTY === true && (noColor === undefined || noColor === '') && process.env.TERM !== 'dumb';
}

const codes = { red: 31, green: 32, yellow: 33, bold: 1, dim: 2 } as const;

export function paint(stream: { isTTY?: boolean }, color: keyof typeof codes, text: string): string {
  return colorEnabled(stream) ? `\u001b[${codes[color]}m${text}\u001b[0m` : text;
}

/** One JSON document; bigints become decimal strings (64-bit quantities, per the CLI contract). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? v.toString() : v), 2);
}

export function printJson(output: Output, value: unknown): void {
  output.out.write(`${toJson(value)}\n`);
}

/** One JSON object per line, for streaming commands (watch, listen). */
export function printJsonLine(output: Output, value: unknown): void {
  output.out.write(`${JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? v.toString() : v))}\n`);
}

/** Left-aligned columns separated by two spaces. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return rows
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

// C0 controls, DEL, C1 controls, and the Unicode line/paragraph separators and bidirectional overrides/isolates
// (which reorder what a terminal shows), plus the backslash itself so that an escape in the output is unambiguous.
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\\]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\\': '\\\\' };

/**
 * A peer-controlled string made safe for human-text output: control characters are shown as escapes (`\n`, `\r`,
 * `\t`, `\x1b`, `\x7f`, `\u009b`, `\u202e`) and a backslash as `\\`, so a name can neither forge a log line nor
 * send ANSI/OSC sequences to a terminal. JSON output needs none of this (JSON.stringify escapes C0 already).
 */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (c) => {
    const named = NAMED[c];
    if (named !== undefined) return named;
    const code = c.charCodeAt(0);
    return code < 0x80 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}
