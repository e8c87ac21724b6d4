// RFC 4506 sections 4.12-4.19 and 7: arrays, structs, unions, optional-data, linked lists and enums, each run
// twice: with generated struct/union code and with the interpreted fallback.
import t from 'tap';
import {
  array,
  bool,
  double,
  enumeration,
  fixedArray,
  fixedOpaque,
  float,
  hyper,
  int,
  linkedList,
  nameTable,
  opaque,
  optional,
  setXdrCompilation,
  string,
  struct,
  uhyper,
  uint,
  union,
  XdrError,
  XdrReader,
  XdrWriter,
  xdrVoid,
} from '../../src/xdr/index.js';
import { checkCodec, decode, encode, fromHex } from '../helpers/codec.js';

function codeOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    if (error instanceof XdrError) return { code: error.code, path: error.path };
    throw error;
  }
  return 'no error';
}

for (const compiled of [true, false]) {
  const previous = setXdrCompilation(compiled);
  // Declarations made now use this mode.

  // RFC 4506 section 7, "An Example of an XDR Data Description".
  const filekind = enumeration('filekind', { TEXT: 0, DATA: 1, EXEC: 2 });
  const filetype = union('filetype', filekind, { 0: xdrVoid, 1: string(255), 2: string(255) });
  const file = struct('file', [
    ['filename', string(255)],
    ['type', filetype],
    ['owner', string(255)],
    ['data', opaque(8192)],
  ]);
  const point = struct('point', [
    ['x', int],
    ['y', int],
  ]);
  const polygon = struct('polygon', [
    ['name', string(16)],
    ['points', array(point, 4)],
  ]);
  const shape = union('shape', uint, { 1: point, 2: polygon, 3: xdrVoid }, uhyper);
  const deep = struct('outer', [
    ['id', uint],
    ['field', array(struct('inner', [['x', bool]]), 8)],
  ]);

  t.test(`${compiled ? 'generated' : 'interpreted'} codecs`, async (t) => {
    t.test('RFC 4506 section 7: the file example, byte for byte', (t) => {
      const value = {
        filename: 'sillyprog',
        type: { tag: 2, value: 'john' },
        owner: 'john',
        data: fromHex('2871756974290a'), // "(quit)\n"
      } as const;
      checkCodec(
        t,
        file,
        value as never,
        `00000009 73696c6c 7970726f 67000000  # filename: length 9, "sillyprog", 3 bytes padding
         00000002                             # type discriminant: EXEC
         00000004 6a6f686e                    # interpretor: length 4, "john"
         00000004 6a6f686e                    # owner: length 4, "john"
         00000007 28717569 74290a00           # data: length 7, "(quit)\\n", 1 byte padding`,
      );
      t.end();
    });

    t.test('struct: fields in order, nested structs and arrays', (t) => {
      checkCodec(t, point, { x: 1, y: -1 }, '00000001 ffffffff');
      checkCodec(
        t,
        polygon,
        {
          name: 'tri',
          points: [
            { x: 0, y: 0 },
            { x: 4, y: 0 },
            { x: 0, y: 3 },
          ],
        },
        `00000003 74726900                       # name: "tri" + 1 pad
         00000003                                # points: count 3
         00000000 00000000 00000004 00000000 00000000 00000003`,
      );
      checkCodec(t, struct('empty', []), {}, '');
      const proto = struct('proto', [
        ['__proto__', uint],
        ['constructor', uint],
      ]);
      const value = JSON.parse('{"__proto__": 1, "constructor": 2}');
      const bytes = checkCodec(t, proto, value, '00000001 00000002');
      const decoded = decode(proto, bytes) as Record<string, unknown>;
      t.ok(Object.hasOwn(decoded, '__proto__'), '__proto__ is an own field, not the prototype');
      t.equal(Object.getPrototypeOf(decoded), Object.prototype);
      t.end();
    });

    t.test('union: arms, void arm, default arm', (t) => {
      checkCodec(t, shape, { tag: 1, value: { x: 2, y: 3 } } as never, '00000001 00000002 00000003');
      checkCodec(t, shape, { tag: 3, value: undefined } as never, '00000003');
      checkCodec(t, shape, { tag: 99, value: 7n } as never, '00000063 00000000 00000007'); // default arm: uhyper
      checkCodec(t, filetype, { tag: 0, value: undefined } as never, '00000000');
      t.equal(shape.minSize, 4, 'discriminant + the smallest arm (void)');
      t.end();
    });

    t.test('fixed and variable arrays (4.12, 4.13)', (t) => {
      checkCodec(t, fixedArray(uint, 3), [1, 2, 3], '00000001 00000002 00000003'); // no count word
      checkCodec(t, array(uint, 3), [], '00000000');
      checkCodec(t, array(uint), [7, 8], '00000002 00000007 00000008');
      checkCodec(t, array(hyper, 2), [-1n], '00000001 ffffffffffffffff');
      checkCodec(t, array(string(8), 2), ['a', 'bc'], '00000002 00000001 61000000 00000002 62630000');
      // A peer-sent count of empty elements still needs a byte each: no 2^32-iteration loop over nothing.
      t.same(
        codeOf(() => decode(array(xdrVoid, 4), fromHex('00000002'))),
        { code: 'SHORT_BUFFER', path: '' },
      );
      t.same(encode(array(xdrVoid, 4), [undefined, undefined]), fromHex('00000002'));
      checkCodec(t, fixedArray(xdrVoid, 2), [undefined, undefined], ''); // a declared count is trusted
      t.equal(fixedArray(hyper, 3).minSize, 24);
      t.end();
    });

    t.test('optional-data (4.19)', (t) => {
      const maybe = optional(uint);
      checkCodec(t, maybe, undefined, '00000000'); // FALSE
      checkCodec(t, maybe, 5, '00000001 00000005'); // TRUE, value
      t.same(encode(maybe, null as never), fromHex('00000000'), 'null encodes as absent');
      t.end();
    });

    t.test('linked list: an optional-data chain, decoded iteratively', (t) => {
      const entries = linkedList(
        struct('entry', [
          ['id', uint],
          ['name', string(8)],
        ]),
        1000,
      );
      checkCodec(
        t,
        entries,
        [
          { id: 1, name: 'a' },
          { id: 2, name: 'b' },
        ],
        `00000001 00000001 00000001 61000000   # TRUE, id 1, name "a"
         00000001 00000002 00000001 62000000   # TRUE, id 2, name "b"
         00000000                              # FALSE: end of list`,
      );
      checkCodec(t, entries, [], '00000000');
      // 100000 entries: no recursion, so no stack overflow.
      const many = linkedList(uint, 200_000);
      const value = Array.from({ length: 100_000 }, (_, i) => i);
      t.equal(decode(many, encode(many, value)).length, 100_000);
      t.end();
    });

    t.test('enumeration: two-way table, undeclared values refused', (t) => {
      checkCodec(t, filekind, 2, '00000002');
      t.equal(filekind.nameOf(1), 'DATA');
      t.equal(filekind.values.EXEC, 2);
      t.equal(filekind.nameOf(9), undefined);
      const wide = enumeration('wide', { NEG: -1, BIG: 100_000 }); // outside the small-table fast path
      checkCodec(t, wide, -1, 'ffffffff');
      checkCodec(t, wide, 100_000, '000186a0');
      t.same(
        codeOf(() => decode(wide, fromHex('00000000'))),
        { code: 'BAD_ENUM', path: 'wide' },
      );
      const status = nameTable({ NFS3_OK: 0, NFS3ERR_STALE: 70 });
      t.equal(status(70), 'NFS3ERR_STALE');
      t.equal(status(71), undefined);
      t.end();
    });

    t.test('error paths name the field, rooted at the outer type', (t) => {
      const bad = fromHex('00000007 00000004 00000000 00000001 00000000 00000002'); // id 7, 4 bools, the last is 2
      t.same(
        codeOf(() => decode(deep, bad)),
        { code: 'BAD_BOOL', path: 'outer.field[3].x' },
      );
      t.same(
        codeOf(() => encode(deep, { id: 1, field: [{ x: true }, { x: 1 as never }] })),
        {
          code: 'BAD_VALUE',
          path: 'outer.field[1].x',
        },
      );
      t.same(
        codeOf(() => decode(file, fromHex('00000001 61000000 00000009'))),
        {
          code: 'BAD_ENUM',
          path: 'file.type.filekind',
        },
      );
      t.same(
        codeOf(() => decode(polygon, fromHex('00000001 61000000 00000001 00000000'))),
        {
          code: 'SHORT_BUFFER',
          path: 'polygon.points',
        },
      );
      t.same(
        codeOf(() => decode(shape, fromHex('00000001 00000002'))),
        { code: 'SHORT_BUFFER', path: 'shape.point.y' },
      );
      t.same(
        codeOf(() => decode(point, fromHex(''))),
        { code: 'SHORT_BUFFER', path: 'point.x' },
      );
      t.end();
    });

    t.test('a fixed-size struct of every primitive; numbers for hypers', (t) => {
      const all = struct('all', [
        ['i', int],
        ['u', uint],
        ['b', bool],
        ['h', hyper],
        ['uh', uhyper],
        ['f', float],
        ['d', double],
        ['k', filekind],
        ['p', point],
        ['v', xdrVoid],
      ]);
      t.equal(all.minSize, 4 + 4 + 4 + 8 + 8 + 4 + 8 + 4 + 8);
      const value = { i: -2, u: 3, b: true, h: -5n, uh: 6n, f: 0.5, d: -0.25, k: 1, p: { x: 7, y: -8 }, v: undefined };
      checkCodec(
        t,
        all,
        value as never,
        `fffffffe 00000003 00000001           # int -2, unsigned int 3, bool TRUE
         fffffffffffffffb 0000000000000006    # hyper -5, unsigned hyper 6
         3f000000 bfd0000000000000            # float 0.5, double -0.25
         00000001 00000007 fffffff8           # filekind DATA, point {7, -8}`,
      );
      // Safe-integer numbers for hypers take the interpreted path and give the same bytes.
      t.same(encode(all, { ...value, h: -5, uh: 6 } as never), encode(all, value as never));
      t.same(
        codeOf(() => decode(all, fromHex(`00000000 00000000 00000002 ${'00'.repeat(40)}`))),
        {
          code: 'BAD_BOOL',
          path: 'all.b',
        },
      );
      t.same(
        codeOf(() => decode(all, fromHex('00000000'))),
        { code: 'SHORT_BUFFER', path: 'all.u' },
      );
      t.end();
    });

    t.test('writer rollback: a failed composite leaves nothing behind', (t) => {
      const w = new XdrWriter(16);
      w.writeUnsignedInt(0xdeadbeef);
      for (const attempt of [
        () =>
          polygon.encode(w, {
            name: 'p',
            points: [
              { x: 1, y: 2 },
              { x: 1, y: 2 ** 40 },
            ],
          }),
        () => shape.encode(w, { tag: 2, value: { name: 'q', points: [{ x: 1, y: 'z' as never }] } } as never),
        () => array(uint, 9).encode(w, [1, 2, -3]),
        () => fixedArray(uint, 2).encode(w, [1, Number.NaN]),
        () => optional(point).encode(w, { x: 1, y: undefined as never }),
        () => linkedList(uint, 5).encode(w, [1, 2, 1.5]),
        () =>
          w.encode((inner) => {
            inner.writeUnsignedInt(1);
            inner.writeString('\ud800');
          }),
      ]) {
        t.type(codeOf(attempt), 'object');
        t.equal(w.offset, 4, 'back at offset 4');
      }
      t.equal(Buffer.from(w.finish()).toString('hex'), 'deadbeef');
      t.end();
    });

    t.test('values of the wrong shape are BAD_VALUE, not TypeError', (t) => {
      t.same(
        codeOf(() => encode(point, undefined as never)),
        { code: 'BAD_VALUE', path: 'point' },
      );
      t.same(
        codeOf(() => encode(point, null as never)),
        { code: 'BAD_VALUE', path: 'point' },
      );
      t.same(
        codeOf(() => encode(shape, 5 as never)),
        { code: 'BAD_VALUE', path: 'shape' },
      );
      t.same(
        codeOf(() => encode(array(uint), 'abc' as never)),
        { code: 'BAD_VALUE', path: '' },
      );
      t.same(
        codeOf(() => encode(linkedList(uint, 3), {} as never)),
        { code: 'BAD_VALUE', path: '' },
      );
      t.end();
    });

    t.test('union discriminants: none, bad enum, default', (t) => {
      t.same(
        codeOf(() => decode(filetype, fromHex('00000003'))),
        { code: 'BAD_ENUM', path: 'filetype.filekind' },
      );
      const strict = union('strict', uint, { 0: uint });
      t.same(
        codeOf(() => decode(strict, fromHex('00000001 00000000'))),
        { code: 'BAD_DISCRIMINANT', path: 'strict' },
      );
      t.same(
        codeOf(() => encode(strict, { tag: 1, value: 0 } as never)),
        { code: 'BAD_DISCRIMINANT', path: 'strict' },
      );
      t.same(
        codeOf(() => strict.encodingLength({ tag: 1, value: 0 } as never)),
        {
          code: 'BAD_DISCRIMINANT',
          path: 'strict',
        },
      );
      t.end();
    });

    t.end();
  });
  setXdrCompilation(previous);
}

t.test('the two modes produce identical bytes and values', (t) => {
  const declare = () =>
    struct('s', [
      ['a', union('u', int, { 0: fixedOpaque(3), 1: array(optional(string(4)), 3) }, bool)],
      ['b', hyper],
    ]);
  setXdrCompilation(false);
  const interpreted = declare();
  setXdrCompilation(true);
  const generated = declare();
  for (const value of [
    { a: { tag: 0, value: fromHex('010203') }, b: 5n },
    { a: { tag: 1, value: ['ab', undefined, 'abcd'] }, b: -1n },
    { a: { tag: -7, value: true }, b: 0n },
  ]) {
    const bytes = encode(generated, value as never);
    t.same(encode(interpreted, value as never), bytes);
    t.same(decode(interpreted, bytes), decode(generated, bytes));
    t.equal(interpreted.encodingLength(value as never), generated.encodingLength(value as never));
  }
  t.end();
});

t.test('a reader decodes at a non-zero offset of a shared buffer', (t) => {
  const point = struct('p', [
    ['x', int],
    ['y', int],
  ]);
  const buffer = fromHex('ffffffff 00000001 00000002 eeeeeeee');
  const r = new XdrReader(buffer.subarray(4, 12));
  t.same(point.decode(r), { x: 1, y: 2 });
  t.end();
});
