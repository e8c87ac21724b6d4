// Round-trip checks shared by the nfs codec tests: encode, length, decode, and the same at a non-zero offset.
import type { Test } from 'tap';
import { XdrError, XdrReader, type XdrType, XdrWriter } from '../../src/xdr/index.js';

export function hex(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text.replace(/\s+|#[^\n]*/g, ''), 'hex'));
}

export function encode<T>(codec: XdrType<T>, value: T): Uint8Array {
  const w = new XdrWriter(64);
  codec.encode(w, value);
  return w.finish();
}

export function decode<T>(codec: XdrType<T>, bytes: Uint8Array): T {
  const r = new XdrReader(bytes);
  const value = codec.decode(r);
  if (!r.done) throw new Error(`${codec.name}: ${r.remaining} bytes left over`);
  return value;
}

/** value -> bytes -> value, length matches, and decoding at a non-zero offset of a larger buffer works too. */
export function roundTrip<T>(t: Test, codec: XdrType<T>, value: T, expected?: Uint8Array): Uint8Array {
  const bytes = encode(codec, value);
  if (expected !== undefined)
    t.same(Buffer.from(bytes).toString('hex'), Buffer.from(expected).toString('hex'), `${codec.name} bytes`);
  t.equal(codec.encodingLength(value), bytes.length, `${codec.name} encodingLength`);
  t.same(decode(codec, bytes), value, `${codec.name} decode(encode(x))`);
  const w = new XdrWriter(16);
  w.writeUnsignedInt(0xdeadbeef);
  codec.encode(w, value);
  const shifted = w.finish();
  const r = new XdrReader(shifted, 4);
  t.same(codec.decode(r), value, `${codec.name} at offset 4`);
  t.ok(r.done, `${codec.name} consumed exactly its bytes at offset 4`);
  return bytes;
}

/** Decoding must throw XdrError with `code`. */
export function rejects(t: Test, codec: XdrType<unknown>, bytes: Uint8Array, code: string, what: string): void {
  try {
    codec.decode(new XdrReader(bytes));
    t.fail(`${what}: decoded without error`);
  } catch (error) {
    t.ok(error instanceof XdrError, `${what}: XdrError`);
    t.equal((error as XdrError).code, code, `${what}: ${code}`);
  }
}

/** Every truncation of a valid encoding must raise XdrError SHORT_BUFFER (never another error, never a value). */
export function truncations(t: Test, codec: XdrType<unknown>, bytes: Uint8Array): void {
  let bad = 0;
  for (let n = 0; n < bytes.length; n++) {
    try {
      const r = new XdrReader(bytes.subarray(0, n));
      codec.decode(r);
      if (r.done) bad++; // a prefix that decodes completely would be an ambiguity in the codec
    } catch (error) {
      if (!(error instanceof XdrError)) bad++;
    }
  }
  t.equal(bad, 0, `${codec.name}: every truncation fails with XdrError`);
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v) =>
    typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v,
  );
}

/**
 * Property: for random bytes, each codec either throws XdrError or returns a value x with
 * decode(encode(x)) equal to x. Returns how many inputs decoded, so a test can check the property was exercised.
 */
export function fuzzProperty(codecs: readonly XdrType<unknown>[]): (bytes: Uint8Array) => boolean {
  return (bytes) => {
    for (const codec of codecs) {
      let value: unknown;
      try {
        value = codec.decode(new XdrReader(bytes));
      } catch (error) {
        if (error instanceof XdrError) continue;
        return false;
      }
      const again = codec.decode(new XdrReader(encode(codec, value)));
      if (canonical(again) !== canonical(value)) return false;
    }
    return true;
  };
}
