// RFC 4506 sections 4.1-4.11 and 4.16: every primitive against hand-written fixtures, at non-zero offsets.
import t from 'tap';
import {
  bool,
  double,
  fixedOpaque,
  float,
  float32At,
  float64At,
  hyper,
  int,
  int32At,
  int64At,
  opaque,
  quadruple,
  string,
  stringBytes,
  uhyper,
  uint,
  uint32At,
  uint64At,
  XdrReader,
  XdrWriter,
  xdrVoid,
} from '../../src/xdr/index.js';
import { checkCodec, decode, fromHex, hex } from '../helpers/codec.js';

t.test('int (4.1): two-complement big-endian', (t) => {
  checkCodec(t, int, 0, '00000000');
  checkCodec(t, int, 1, '00000001');
  checkCodec(t, int, -1, 'ffffffff');
  checkCodec(t, int, 0x7fffffff, '7fffffff'); // largest
  checkCodec(t, int, -0x80000000, '80000000'); // smallest
  checkCodec(t, int, 0x01020304, '01020304'); // byte order: most significant first
  t.end();
});

t.test('unsigned int (4.2)', (t) => {
  checkCodec(t, uint, 0, '00000000');
  checkCodec(t, uint, 0xffffffff, 'ffffffff');
  checkCodec(t, uint, 0x80000000, '80000000');
  checkCodec(t, uint, 2049, '00000801');
  t.end();
});

t.test('bool (4.4): FALSE 0, TRUE 1', (t) => {
  checkCodec(t, bool, false, '00000000');
  checkCodec(t, bool, true, '00000001');
  t.end();
});

t.test('hyper and unsigned hyper (4.5): bigint, from bigint or a safe number', (t) => {
  checkCodec(t, hyper, 0n, '0000000000000000');
  checkCodec(t, hyper, -1n, 'ffffffffffffffff');
  checkCodec(t, hyper, (1n << 63n) - 1n, '7fffffffffffffff');
  checkCodec(t, hyper, -(1n << 63n), '8000000000000000');
  checkCodec(t, hyper, 0x0102030405060708n, '0102030405060708');
  checkCodec(t, uhyper, (1n << 64n) - 1n, 'ffffffffffffffff');
  checkCodec(t, uhyper, 0x0000000100000002n, '0000000100000002'); // high word, low word
  // Safe-integer numbers are accepted on encode and decode back as bigint.
  const w = new XdrWriter();
  w.writeHyper(-2);
  w.writeHyper(Number.MAX_SAFE_INTEGER);
  w.writeHyper(Number.MIN_SAFE_INTEGER);
  w.writeUnsignedHyper(2 ** 40 + 5);
  const bytes = w.finish();
  t.equal(
    hex(bytes),
    'fffffffffffffffe' + '001fffffffffffff' + 'ffe0000000000001' + '0000010000000005',
    'numbers split into two words',
  );
  const r = new XdrReader(bytes);
  t.same(
    [r.readHyper(), r.readHyper(), r.readHyper(), r.readUnsignedHyper()],
    [-2n, 2n ** 53n - 1n, -(2n ** 53n - 1n), 2n ** 40n + 5n],
  );
  t.equal(typeof decode(uhyper, fromHex('0000000000000001')), 'bigint', 'always bigint, even when small');
  t.end();
});

t.test('float and double (4.6, 4.7): IEEE 754 big-endian', (t) => {
  checkCodec(t, float, 1, '3f800000');
  checkCodec(t, float, -2.5, 'c0200000');
  checkCodec(t, float, Number.POSITIVE_INFINITY, '7f800000');
  checkCodec(t, double, 1, '3ff0000000000000');
  checkCodec(t, double, -0.1, 'bfb999999999999a');
  checkCodec(t, double, Number.NEGATIVE_INFINITY, 'fff0000000000000');
  t.ok(Number.isNaN(decode(double, fromHex('7ff8000000000000'))), 'NaN decodes');
  t.ok(Object.is(decode(double, fromHex('8000000000000000')), -0), '-0 keeps its sign');
  t.end();
});

t.test('quadruple (4.8): 16 raw bytes, aliasing the input', (t) => {
  const one = fromHex('3fff0000000000000000000000000000'); // 1.0 in binary128
  checkCodec(t, quadruple, one, '3fff0000000000000000000000000000');
  const decoded = new XdrReader(one).readQuadruple();
  t.equal(decoded.buffer, one.buffer, 'a view of the input, not a copy');
  t.end();
});

t.test('fixed-length opaque (4.9): bytes then zero padding', (t) => {
  checkCodec(t, fixedOpaque(0), new Uint8Array(0), '');
  checkCodec(t, fixedOpaque(3), fromHex('010203'), '01020300'); // 3 bytes + 1 pad
  checkCodec(t, fixedOpaque(4), fromHex('01020304'), '01020304'); // no pad
  checkCodec(t, fixedOpaque(5), fromHex('0102030405'), '0102030405000000'); // 5 bytes + 3 pad
  t.end();
});

t.test('variable-length opaque (4.10): length, bytes, padding; decoded bytes alias the input', (t) => {
  checkCodec(t, opaque(), new Uint8Array(0), '00000000');
  checkCodec(t, opaque(8), fromHex('aa'), '00000001 aa000000'); // length 1, 1 byte + 3 pad
  checkCodec(t, opaque(8), fromHex('aabbccddee'), '00000005 aabbccdd ee000000');
  checkCodec(t, opaque(8), fromHex('0102030405060708'), '00000008 01020304 05060708'); // exactly max
  const input = fromHex('00000002 abcd0000');
  const bytes = new XdrReader(input).readVariableOpaque(8);
  t.equal(bytes.buffer, input.buffer, 'same ArrayBuffer');
  t.equal(bytes.byteOffset, input.byteOffset + 4, 'a view at the data');
  t.end();
});

t.test('string (4.11): UTF-8 on the wire, max counts bytes', (t) => {
  checkCodec(t, string(), '', '00000000');
  checkCodec(t, string(16), 'sillyprog', '00000009 73696c6c 7970726f 67000000'); // RFC 4506 section 7: "sillyprog"
  checkCodec(t, string(4), 'abcd', '00000004 61626364');
  checkCodec(t, string(8), 'é', '00000002 c3a90000'); // 2 UTF-8 bytes
  checkCodec(t, string(8), '😀', '00000004 f09f9880'); // a surrogate pair is 4 bytes
  checkCodec(t, string(), '\ufeffbom', '00000006 efbbbf62 6f6d0000'); // a leading U+FEFF survives
  const long = 'ä'.repeat(100); // non-ASCII, longer than the ASCII fast path
  checkCodec(t, string(200), long);
  checkCodec(t, string(), 'x'.repeat(65)); // ASCII, longer than the fast path
  // Invalid UTF-8 decodes with U+FFFD by default (lossy: it re-encodes as 3 bytes, over a max of 2).
  t.equal(new XdrReader(fromHex('00000001 ff000000')).readString(), '\ufffd');
  t.equal(decode(string(2), fromHex('00000002 ffff0000')), '\ufffd\ufffd');
  checkCodec(t, string(8, true), 'ok', '00000002 6f6b0000');
  t.end();
});

t.test('string as raw bytes keeps every byte (NFS file names are bytes)', (t) => {
  checkCodec(t, stringBytes(255), fromHex('ff00fe'), '00000003 ff00fe00');
  checkCodec(t, stringBytes(), new Uint8Array(0), '00000000');
  t.equal(stringBytes().name, 'string<>');
  t.equal(stringBytes(255).name, 'string<255>');
  t.end();
});

t.test('void (4.16): no bytes at all', (t) => {
  checkCodec(t, xdrVoid, undefined, '');
  t.end();
});

t.test('enum (4.3) through readEnum/writeEnum without a declared set', (t) => {
  const w = new XdrWriter();
  w.writeEnum(-5);
  w.writeEnum(3, new Set([3]));
  const bytes = w.finish();
  t.equal(hex(bytes), 'fffffffb00000003');
  const r = new XdrReader(bytes);
  t.equal(r.readEnum(), -5);
  t.equal(r.readEnum(new Set([3])), 3);
  t.end();
});

t.test('claim and the unchecked readers at an index (for hand-written decoders)', (t) => {
  const bytes = fromHex('ffffffff 80000000 ffffffff fffffffe 00000001 00000002 3fc00000 bff8000000000000');
  const r = new XdrReader(bytes, 4);
  t.equal(r.claim(4, 'word'), 4, 'claim returns the index in bytes');
  t.equal(r.offset, 8, 'and moves the cursor');
  t.equal(uint32At(bytes, 0), 0xffffffff);
  t.equal(uint32At(bytes, 4), 0x80000000);
  t.equal(int32At(bytes, 0), -1);
  t.equal(int32At(bytes, 4), -0x80000000);
  t.equal(uint64At(bytes, 8), 0xfffffffffffffffen);
  t.equal(int64At(bytes, 8), -2n);
  t.equal(uint64At(bytes, 16), 0x0000000100000002n);
  t.equal(float32At(bytes, 24), 1.5);
  t.equal(float64At(bytes, 28), -1.5);
  const short = new XdrReader(bytes, 32);
  t.throws(() => short.claim(8), { code: 'SHORT_BUFFER' }, 'claim past the end');
  t.equal(short.offset, 32, 'a refused claim leaves the cursor');
  t.throws(() => short.claim(-4), { code: 'SHORT_BUFFER' }, 'a negative claim');
  t.end();
});

t.test('reader helpers: skip, readRest, subReader, remaining, done', (t) => {
  const bytes = fromHex('00000001 00000002 00000003 00000004');
  const r = new XdrReader(bytes, 4, 16);
  t.equal(r.remaining, 12);
  r.skip(4);
  const sub = r.subReader(4);
  t.equal(sub.readUnsignedInt(), 3);
  t.ok(sub.done);
  t.equal(hex(r.readRest()), '00000004');
  t.ok(r.done);
  t.equal(r.view.getUint32(0), 1, 'view indexes from bytes[0]');
  const inner = new XdrReader(bytes.subarray(8));
  t.equal(inner.view.getUint32(0), 3, 'view of a sub-array indexes from its own start');
  t.equal(inner.readUnsignedInt(), 3);
  t.end();
});
