// Shared codec checks for every XdrType (RFC 4506): round trip, encodingLength against the bytes written, and
// encoding/decoding at a non-zero offset. Reuse it for every codec you write.
import { XdrReader, type XdrType, XdrWriter } from '../../src/xdr/index.js';

/** The subset of a tap Test these helpers use. */
export interface Asserts {
  same(found: unknown, wanted: unknown, ...message: [string]): boolean;
  equal(found: unknown, wanted: unknown, ...message: [string]): boolean;
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Hex fixture to bytes; whitespace and `# comments` to the end of a line are ignored. */
export function fromHex(text: string): Uint8Array {
  const clean = text.replace(/#[^\n]*/g, '').replace(/\s+/g, '');
  if (!/^([0-9a-f]{2})*$/i.test(clean)) throw new Error(`bad hex fixture: ${clean}`);
  return new Uint8Array(Buffer.from(clean, 'hex'));
}

export function encode<T>(codec: XdrType<T>, value: T): Uint8Array {
  const writer = new XdrWriter(16);
  codec.encode(writer, value);
  return writer.finish();
}

export function decode<T>(codec: XdrType<T>, bytes: Uint8Array, strictPadding = false): T {
  const reader = new XdrReader(bytes, 0, bytes.length, { strictPadding });
  const value = codec.decode(reader);
  if (!reader.done) throw new Error(`${reader.remaining} bytes left after decoding ${codec.name}`);
  return value;
}

/**
 * Check `codec` on `value`: encodes to `expectedHex` when given; `encodingLength` equals the bytes written;
 * decoding gives back `decoded` (default: `value`) and consumes every byte; the same holds at a non-zero offset in
 * both the writer (after 12 bytes of other data) and the reader (inside a larger buffer, with bytes after).
 * Returns the encoded bytes.
 */
export function checkCodec<T>(
  t: Asserts,
  codec: XdrType<T>,
  value: T,
  expectedHex?: string,
  decoded: unknown = value,
): Uint8Array {
  const bytes = encode(codec, value);
  if (expectedHex !== undefined) t.equal(hex(bytes), hex(fromHex(expectedHex)), `${codec.name}: exact bytes`);
  t.equal(codec.encodingLength(value), bytes.length, `${codec.name}: encodingLength is the bytes written`);
  t.equal(bytes.length % 4, 0, `${codec.name}: a multiple of four bytes`);
  t.same(decode(codec, bytes), decoded, `${codec.name}: round trip`);

  // Writer at a non-zero offset, and a writer that must grow mid-value.
  const writer = new XdrWriter(16);
  writer.writeUnsignedInt(0xaaaaaaaa);
  writer.writeHyper(-1n);
  const before = writer.offset;
  codec.encode(writer, value);
  t.equal(writer.offset - before, bytes.length, `${codec.name}: same length at offset ${before}`);
  const shifted = writer.finish();
  t.equal(hex(shifted.subarray(before)), hex(bytes), `${codec.name}: same bytes at offset ${before}`);

  // Reader at a non-zero offset inside a larger buffer (odd byteOffset too), with trailing bytes it must not read.
  const big = new Uint8Array(bytes.length + 13);
  big.fill(0xee);
  big.set(bytes, 5);
  const window = big.subarray(1);
  const reader = new XdrReader(window, 4, 4 + bytes.length + 4);
  t.same(codec.decode(reader), decoded, `${codec.name}: decodes at offset 4 of a sub-view`);
  t.equal(reader.offset, 4 + bytes.length, `${codec.name}: stops at the end of the item`);
  return bytes;
}
