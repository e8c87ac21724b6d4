// RFC 4506 (XDR): every XdrError code, padding modes, huge length words, and the writer's reserve/patch/growth.
import t from 'tap';
import {
  array,
  bool,
  enumeration,
  fixedArray,
  fixedOpaque,
  hyper,
  int,
  opaque,
  string,
  stringBytes,
  struct,
  uhyper,
  uint,
  union,
  XdrError,
  type XdrErrorCode,
  XdrReader,
  type XdrType,
  XdrWriter,
} from '../../src/xdr/index.js';
import { decode, encode, fromHex, hex } from '../helpers/codec.js';

function codeOf(fn: () => unknown): XdrErrorCode | 'no error' {
  try {
    fn();
  } catch (error) {
    if (error instanceof XdrError) return error.code;
    throw error;
  }
  return 'no error';
}

const decodeCases: [string, () => unknown, XdrErrorCode][] = [
  ['int from 3 bytes', () => new XdrReader(fromHex('000000')).readInt(), 'SHORT_BUFFER'],
  ['hyper from 4 bytes', () => decode(hyper, fromHex('00000000')), 'SHORT_BUFFER'],
  ['double from nothing', () => new XdrReader(new Uint8Array(0)).readDouble(), 'SHORT_BUFFER'],
  ['quadruple from 12 bytes', () => new XdrReader(new Uint8Array(12)).readQuadruple(), 'SHORT_BUFFER'],
  ['opaque missing its padding', () => decode(opaque(), fromHex('00000001 aa')), 'SHORT_BUFFER'],
  ['fixed opaque short', () => decode(fixedOpaque(8), fromHex('00000000')), 'SHORT_BUFFER'],
  ['string length beyond the data', () => decode(string(), fromHex('00000010 61626364')), 'SHORT_BUFFER'],
  ['length word 0xFFFFFFFF, no max', () => decode(opaque(), fromHex('ffffffff')), 'SHORT_BUFFER'],
  ['length word 0xFFFFFFFF, max 16', () => decode(opaque(16), fromHex('ffffffff')), 'LIMIT_EXCEEDED'],
  ['string over its max', () => decode(string(3), fromHex('00000004 61626364')), 'LIMIT_EXCEEDED'],
  ['array count over its max', () => decode(array(uint, 1), fromHex('00000002 00000000 00000000')), 'LIMIT_EXCEEDED'],
  ['bool 2', () => decode(bool, fromHex('00000002')), 'BAD_BOOL'],
  ['bool 0xFFFFFFFF', () => decode(bool, fromHex('ffffffff')), 'BAD_BOOL'],
  ['undeclared enum', () => decode(enumeration('e', { A: 1 }), fromHex('00000002')), 'BAD_ENUM'],
  ['undeclared enum via readEnum', () => new XdrReader(fromHex('00000005')).readEnum(new Set([1])), 'BAD_ENUM'],
  ['union tag without arm', () => decode(union('u', int, { 1: uint }), fromHex('00000002')), 'BAD_DISCRIMINANT'],
  [
    'strict UTF-8',
    () => new XdrReader(fromHex('00000002 c328 0000')).readString(8, true), // c3 followed by a non-continuation byte
    'BAD_STRING',
  ],
  ['strict UTF-8 string type', () => decode(string(8, true), fromHex('00000001 ff000000')), 'BAD_STRING'],
  ['skip backwards', () => new XdrReader(new Uint8Array(8), 4).skip(-4), 'SHORT_BUFFER'],
  ['sub-reader past the end', () => new XdrReader(new Uint8Array(8)).subReader(12), 'SHORT_BUFFER'],
  ['reader window outside the buffer', () => new XdrReader(new Uint8Array(8), 4, 12), 'OUT_OF_RANGE'],
  ['reader offset after end', () => new XdrReader(new Uint8Array(8), 8, 4), 'OUT_OF_RANGE'],
  ['reader over a non-Uint8Array', () => new XdrReader([1, 2] as never), 'BAD_VALUE'],
  ['fixed opaque of a negative size', () => new XdrReader(new Uint8Array(8)).readFixedOpaque(-4), 'OUT_OF_RANGE'],
];

const encodeCases: [string, () => unknown, XdrErrorCode][] = [
  ['int 2^31', () => encode(int, 2 ** 31), 'OUT_OF_RANGE'],
  ['int 1.5', () => encode(int, 1.5), 'OUT_OF_RANGE'],
  ['int NaN', () => encode(int, Number.NaN), 'OUT_OF_RANGE'],
  ['int from a string', () => encode(int, '1' as never), 'BAD_VALUE'],
  ['int from a bigint', () => encode(int, 1n as never), 'BAD_VALUE'],
  ['unsigned int -1', () => encode(uint, -1), 'OUT_OF_RANGE'],
  ['unsigned int 2^32', () => encode(uint, 2 ** 32), 'OUT_OF_RANGE'],
  ['unsigned int undefined', () => encode(uint, undefined as never), 'BAD_VALUE'],
  ['hyper 2^63', () => encode(hyper, 1n << 63n), 'OUT_OF_RANGE'],
  ['hyper unsafe number', () => encode(hyper, (2 ** 53) as never), 'OUT_OF_RANGE'],
  ['hyper from a string', () => encode(hyper, '1' as never), 'BAD_VALUE'],
  ['unsigned hyper -1n', () => encode(uhyper, -1n), 'OUT_OF_RANGE'],
  ['unsigned hyper 2^64', () => encode(uhyper, 1n << 64n), 'OUT_OF_RANGE'],
  ['unsigned hyper -1 (number)', () => encode(uhyper, -1 as never), 'OUT_OF_RANGE'],
  ['bool from 1', () => encode(bool, 1 as never), 'BAD_VALUE'],
  ['float from a string', () => new XdrWriter().writeFloat('1' as never), 'BAD_VALUE'],
  ['double from a bigint', () => new XdrWriter().writeDouble(1n as never), 'BAD_VALUE'],
  ['quadruple of 8 bytes', () => new XdrWriter().writeQuadruple(new Uint8Array(8)), 'BAD_VALUE'],
  ['fixed opaque of the wrong size', () => encode(fixedOpaque(4), new Uint8Array(3)), 'BAD_VALUE'],
  ['opaque from a string', () => encode(opaque(), 'ab' as never), 'BAD_VALUE'],
  ['opaque over its max', () => encode(opaque(2), new Uint8Array(3)), 'LIMIT_EXCEEDED'],
  ['string over its max (ASCII)', () => encode(string(2), 'abc'), 'LIMIT_EXCEEDED'],
  ['string over its max (UTF-8 bytes)', () => encode(string(3), 'éé'), 'LIMIT_EXCEEDED'],
  ['string with a lone surrogate', () => encode(string(), 'a\ud800b'), 'BAD_STRING'],
  ['string with a lone low surrogate', () => encode(string(), '\udc00'), 'BAD_STRING'],
  ['string from a number', () => encode(string(), 5 as never), 'BAD_VALUE'],
  ['string bytes from undefined', () => encode(stringBytes(), undefined as never), 'BAD_VALUE'],
  ['array over its max', () => encode(array(uint, 1), [1, 2]), 'LIMIT_EXCEEDED'],
  ['fixed array of the wrong count', () => encode(fixedArray(uint, 2), [1]), 'BAD_VALUE'],
  ['undeclared enum', () => encode(enumeration('e', { A: 1 }), 2 as never), 'BAD_ENUM'],
  ['undeclared enum via writeEnum', () => new XdrWriter().writeEnum(2, new Set([1])), 'BAD_ENUM'],
  [
    'union tag without arm',
    () => encode(union('u', int, { 1: uint }), { tag: 2, value: 0 } as never),
    'BAD_DISCRIMINANT',
  ],
  ['raw bytes from an array', () => new XdrWriter().writeRaw([1] as never), 'BAD_VALUE'],
  ['reserve a negative size', () => new XdrWriter().reserve(-4), 'OUT_OF_RANGE'],
  ['patch outside the written bytes', () => new XdrWriter().patchUnsignedInt(0, 1), 'OUT_OF_RANGE'],
];

t.test('decode errors', (t) => {
  for (const [name, fn, code] of decodeCases) t.equal(codeOf(fn), code, name);
  t.end();
});

t.test('encode errors', (t) => {
  for (const [name, fn, code] of encodeCases) t.equal(codeOf(fn), code, name);
  t.end();
});

t.test('every error code is reachable', (t) => {
  const seen = new Set([...decodeCases, ...encodeCases].map((c) => c[2]));
  for (const code of [
    'SHORT_BUFFER',
    'LIMIT_EXCEEDED',
    'BAD_BOOL',
    'BAD_PADDING',
    'OUT_OF_RANGE',
    'BAD_DISCRIMINANT',
    'BAD_ENUM',
    'BAD_VALUE',
    'BAD_STRING',
  ] as const) {
    if (code === 'BAD_PADDING') continue; // covered by the padding test below
    t.ok(seen.has(code), code);
  }
  t.end();
});

t.test('padding: lenient by default, BAD_PADDING in strict mode', (t) => {
  const dirty = fromHex('00000001 aa000100'); // opaque<> of 1 byte, a non-zero padding byte
  t.equal(hex(decode(opaque(), dirty)), 'aa', 'lenient default skips padding unread');
  t.equal(
    codeOf(() => decode(opaque(), dirty, true)),
    'BAD_PADDING',
  );
  t.equal(
    codeOf(() => decode(string(), fromHex('00000001 61ff0000'), true)),
    'BAD_PADDING',
  );
  t.equal(
    codeOf(() => decode(fixedOpaque(2), fromHex('abcd0001'), true)),
    'BAD_PADDING',
  );
  t.equal(hex(decode(fixedOpaque(2), fromHex('abcd0000'), true)), 'abcd', 'zero padding passes strict mode');
  const strictReader = new XdrReader(fromHex('00000008 00000001 61000001'), 0, 12, { strictPadding: true });
  const sub = strictReader.subReader(12);
  sub.skip(4);
  t.equal(
    codeOf(() => sub.readString()),
    'BAD_PADDING',
    'sub-readers keep strict mode',
  );
  t.end();
});

t.test('a huge count or length word is refused before anything is read or allocated', (t) => {
  let calls = 0;
  const counting: XdrType<number> = {
    name: 'counting',
    encode: (w, v) => w.writeUnsignedInt(v),
    decode: (r) => {
      calls++;
      return r.readUnsignedInt();
    },
    encodingLength: () => 4,
  };
  for (const count of ['ffffffff', '80000000', '40000001', '00000003']) {
    const bytes = fromHex(`${count} 00000001 00000002`); // at most 2 elements are there
    t.equal(
      codeOf(() => decode(array(counting), bytes)),
      'SHORT_BUFFER',
      `count 0x${count}, no max`,
    );
    t.equal(
      codeOf(() => decode(array(counting, 100), bytes)),
      count === '00000003' ? 'SHORT_BUFFER' : 'LIMIT_EXCEEDED',
    );
    t.equal(
      codeOf(() => new XdrReader(bytes).readVariableArray(0xffffffff, counting.decode, 4)),
      'SHORT_BUFFER',
    );
  }
  t.equal(calls, 0, 'the element decoder never ran: the count was checked first');
  // Structs count their minimum size: 3 elements of a 12-byte struct do not fit in 24 bytes.
  const s = struct('s', [
    ['a', counting],
    ['b', hyper],
  ]);
  t.equal(
    codeOf(() => decode(array(s), fromHex(`00000003 ${'00'.repeat(24)}`))),
    'SHORT_BUFFER',
  );
  t.equal(calls, 0);

  // Opaque and string: no view or copy is made for a length the buffer cannot hold.
  const original = Uint8Array.prototype.subarray;
  let views = 0;
  Uint8Array.prototype.subarray = function (this: Uint8Array, ...args: [number?, number?]) {
    views++;
    return original.apply(this, args);
  } as typeof original;
  try {
    t.equal(
      codeOf(() => decode(opaque(), fromHex('ffffffff 00'))),
      'SHORT_BUFFER',
    );
    t.equal(
      codeOf(() => decode(string(), fromHex('fffffffd 00000000'))),
      'SHORT_BUFFER',
    );
    t.equal(
      codeOf(() => decode(stringBytes(), fromHex('ffffffff'))),
      'SHORT_BUFFER',
    );
  } finally {
    Uint8Array.prototype.subarray = original;
  }
  t.equal(views, 0, 'no subarray was taken');
  t.end();
});

t.test('writer: reserve a slot, patch it later', (t) => {
  const w = new XdrWriter(16);
  w.writeUnsignedInt(1);
  const slot = w.reserve(4);
  const mark = w.reserve(8);
  w.writeUnsignedInt(2);
  t.equal(slot, 4);
  w.patchUnsignedInt(slot, w.offset - slot - 4);
  w.patchBytes(mark, fromHex('0102030405060708'));
  t.equal(hex(w.finish()), '00000001 0000000c 0102030405060708 00000002'.replace(/ /g, ''));
  t.equal(
    codeOf(() => w.patchUnsignedInt(0, 1)),
    'OUT_OF_RANGE',
    'after finish, nothing is reserved',
  );
  w.writeUnsignedInt(9);
  t.equal(
    codeOf(() => w.patchUnsignedInt(1.5, 1)),
    'OUT_OF_RANGE',
  );
  t.equal(
    codeOf(() => w.patchUnsignedInt(0, -1)),
    'OUT_OF_RANGE',
  );
  t.equal(
    codeOf(() => w.patchBytes(0, new Uint8Array(8))),
    'OUT_OF_RANGE',
  );
  t.equal(
    codeOf(() => w.patchBytes(0, [1] as never)),
    'BAD_VALUE',
  );
  const zeroed = new XdrWriter(16);
  zeroed.writeRaw(fromHex('ffffffff'));
  zeroed.reset();
  zeroed.reserve(4);
  t.equal(hex(zeroed.peek()), '00000000', 'a reserved slot is zeroed even over old bytes');
  t.end();
});

t.test('writer: growth, finish() results stay intact, reset and peek', (t) => {
  for (const capacity of [0, 1, Number.NaN, -5, 16]) {
    const w = new XdrWriter(capacity);
    for (let i = 0; i < 1000; i++) w.writeUnsignedInt(i);
    const bytes = w.finish();
    t.equal(bytes.length, 4000, `capacity ${capacity}: grew to 4000 bytes`);
    t.equal(new XdrReader(bytes, 3996).readUnsignedInt(), 999);
  }
  const w = new XdrWriter(16);
  const results: Uint8Array[] = [];
  for (let i = 0; i < 3000; i++) {
    w.writeUnsignedInt(i);
    if (i % 7 === 0) w.writeString('x'.repeat(i % 50));
    results.push(w.finish());
  }
  let intact = true;
  for (let i = 0; i < results.length; i++) if (new XdrReader(results[i]!).readUnsignedInt() !== i) intact = false;
  t.ok(intact, 'earlier results are never overwritten by later messages');
  w.writeUnsignedInt(5);
  t.equal(hex(w.peek()), '00000005');
  w.reset();
  t.equal(w.offset, 0);
  t.equal(w.finish().length, 0);
  const big = new XdrWriter(16);
  big.writeRaw(new Uint8Array(100_000));
  t.equal(big.finish().length, 100_000);
  t.end();
});

t.test('error messages carry the path; codes are stable', (t) => {
  const s = struct('outer', [['n', uint]]);
  try {
    decode(s, new Uint8Array(0));
    t.fail('should throw');
  } catch (error) {
    t.ok(error instanceof XdrError);
    const e = error as XdrError;
    t.equal(e.code, 'SHORT_BUFFER');
    t.equal(e.path, 'outer.n');
    t.equal(e.name, 'XdrError');
    t.ok(e.message.startsWith('outer.n: SHORT_BUFFER'), 'one line, path first');
  }
  const e = new XdrError('BAD_VALUE', 'x').within('[2]').within('list').inType('T').within('f').inType('Top');
  t.equal(e.path, 'Top.f.list[2]', 'within/inType compose');
  t.end();
});
