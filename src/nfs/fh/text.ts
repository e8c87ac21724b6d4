// Filehandles as people paste them: hex with optional 0x prefixes, spaces and colons, or the `%08x` word dumps
// that kernel debug messages print (SVCFH_fmt: "28: 01000001 00fd0000 ...").
import { MAX_FILE_HANDLE_LENGTH } from './detect.js';
import { FileHandleError } from './errors.js';
import type { ByteOrder } from './types.js';

const HEX = /^[0-9a-fA-F]*$/;

function checkLength(bytes: Uint8Array, text: string): Uint8Array {
  if (bytes.length === 0) throw new FileHandleError('EMPTY', `'${text}' holds no hex digits`);
  if (bytes.length > MAX_FILE_HANDLE_LENGTH) {
    throw new FileHandleError(
      'TOO_LONG',
      `'${abbreviate(text)}' is ${bytes.length} bytes; NFS handles are at most ${MAX_FILE_HANDLE_LENGTH}`,
    );
  }
  return bytes;
}

function abbreviate(text: string): string {
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/**
 * Hex text to bytes: `0100...`, `0x0100...`, `01 00 00 ...`, `01:00:00`, `0x01 0x00`. Throws FileHandleError
 * BAD_HEX, ODD_LENGTH, EMPTY or TOO_LONG.
 */
export function parseFileHandleHex(text: string): Uint8Array {
  const tokens = text.trim().split(/[\s:]+/);
  let digits = '';
  for (const token of tokens) digits += token.startsWith('0x') || token.startsWith('0X') ? token.slice(2) : token;
  if (!HEX.test(digits)) {
    throw new FileHandleError('BAD_HEX', `'${abbreviate(text.trim())}' is not hexadecimal (use 0-9 and a-f)`);
  }
  if (digits.length % 2 !== 0) {
    throw new FileHandleError('ODD_LENGTH', `'${abbreviate(text.trim())}' has an odd number of hex digits`);
  }
  return checkLength(Uint8Array.from(Buffer.from(digits, 'hex')), text.trim());
}

/**
 * Kernel word dumps to bytes: whitespace-separated `%08x` words, optionally preceded by the handle length and a
 * colon (`28: 01000001 ...`). Each word is a u32 the server printed in its own byte order, so for a little-endian
 * server (the default) the four bytes of every word are reversed; for `be` they are kept. A length prefix shorter
 * than the words cuts the tail (SVCFH_fmt always prints six words). Returns the bytes and the declared length.
 */
export function parseFileHandleWords(
  text: string,
  order: ByteOrder = 'le',
): { bytes: Uint8Array; declaredLength: number | undefined } {
  let rest = text.trim();
  let declaredLength: number | undefined;
  const prefix = /^(\d+):\s*/.exec(rest);
  if (prefix !== null) {
    declaredLength = Number(prefix[1]);
    rest = rest.slice(prefix[0].length);
  }
  const words = rest === '' ? [] : rest.split(/\s+/);
  const bytes = new Uint8Array(words.length * 4);
  words.forEach((word, i) => {
    const digits = word.startsWith('0x') || word.startsWith('0X') ? word.slice(2) : word;
    if (!/^[0-9a-fA-F]{1,8}$/.test(digits)) {
      throw new FileHandleError('BAD_HEX', `word '${abbreviate(word)}' is not a 32-bit hex word (%08x)`);
    }
    const value = Number.parseInt(digits, 16);
    for (let k = 0; k < 4; k++) {
      const shift = order === 'le' ? 8 * k : 24 - 8 * k;
      bytes[i * 4 + k] = (value >>> shift) & 0xff;
    }
  });
  const cut = declaredLength !== undefined && declaredLength < bytes.length ? bytes.subarray(0, declaredLength) : bytes;
  return { bytes: checkLength(cut, text.trim()), declaredLength };
}
