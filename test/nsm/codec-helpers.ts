// Shared codec checks for the nsm tests: round trip, encodingLength = bytes written, encoding at a non-zero offset.
import type { Test } from 'tap';
import { XdrReader, type XdrType, XdrWriter } from '../../src/xdr/index.js';

export function hex(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text.replace(/#[^\n]*/g, '').replace(/\s+/g, ''), 'hex'));
}

export function encode<T>(codec: XdrType<T>, value: T): Uint8Array {
  const writer = new XdrWriter(16);
  codec.encode(writer, value);
  return writer.finish();
}

export function decode<T>(codec: XdrType<T>, bytes: Uint8Array): T {
  const reader = new XdrReader(bytes);
  const value = codec.decode(reader);
  if (!reader.done) throw new Error(`${reader.remaining} bytes left after ${codec.name}`);
  return value;
}

/** Fixture check: decode(bytes) equals value, encode(value) equals bytes, length and offset behave. */
export function checkFixture<T>(t: Test, codec: XdrType<T>, value: T, bytes: Uint8Array): void {
  t.same(decode(codec, bytes), value, `${codec.name}: decodes the fixture`);
  t.same(
    Buffer.from(encode(codec, value)).toString('hex'),
    Buffer.from(bytes).toString('hex'),
    `${codec.name}: encodes to the fixture`,
  );
  t.equal(codec.encodingLength(value), bytes.length, `${codec.name}: encodingLength`);
  const writer = new XdrWriter(4);
  writer.writeUnsignedInt(0xdeadbeef);
  codec.encode(writer, value);
  const out = writer.finish();
  t.same(
    Buffer.from(out.subarray(4)).toString('hex'),
    Buffer.from(bytes).toString('hex'),
    `${codec.name}: at offset 4`,
  );
  t.same(codec.decode(new XdrReader(out, 4)), value, `${codec.name}: decodes at offset 4`);
}
