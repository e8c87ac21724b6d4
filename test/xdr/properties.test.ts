// RFC 4506 (XDR) property tests: random values round-trip through every type; random bytes only ever raise
// XdrError; decode(encode(decode(x))) equals decode(x); huge counts never reach an element decoder.
import fc from 'fast-check';
import t, { type Test } from 'tap';
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
  opaque,
  optional,
  quadruple,
  setXdrCompilation,
  string,
  stringBytes,
  struct,
  uhyper,
  uint,
  union,
  XdrError,
  XdrReader,
  type XdrType,
  xdrVoid,
} from '../../src/xdr/index.js';
import { type Asserts, checkCodec, decode, encode } from '../helpers/codec.js';

const runs = { numRuns: 300 };

/** Collects failures instead of emitting one tap assertion per generated case. */
function collector(): Asserts & { failures: string[] } {
  const failures: string[] = [];
  return {
    failures,
    same(found, wanted, message) {
      const ok = JSON.stringify(found, big) === JSON.stringify(wanted, big);
      if (!ok) failures.push(message);
      return ok;
    },
    equal(found, wanted, message) {
      const ok = Object.is(found, wanted);
      if (!ok) failures.push(`${message}: ${String(found)} !== ${String(wanted)}`);
      return ok;
    },
  };
}

function big(_key: string, v: unknown): unknown {
  if (typeof v === 'bigint') return `${v}n`;
  if (v instanceof Uint8Array) return `bytes:${Buffer.from(v).toString('hex')}`;
  if (typeof v === 'number' && Number.isNaN(v)) return 'NaN';
  if (Object.is(v, -0)) return '-0';
  return v;
}

function roundTrips<T>(t: Test, codec: XdrType<T>, values: fc.Arbitrary<T>): void {
  const c = collector();
  fc.assert(
    fc.property(values, (v) => {
      checkCodec(c, codec, v);
      return c.failures.length === 0;
    }),
    runs,
  );
  t.same(c.failures, [], `${codec.name}: random values round-trip`);
}

function wellFormed(s: string): boolean {
  try {
    encodeURIComponent(s); // throws URIError on a lone surrogate
    return true;
  } catch {
    return false;
  }
}

const fixedBytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const float32 = fc.float({ noDefaultInfinity: false }).filter((f) => !Number.isNaN(f));

t.test('random values round-trip for every type', (t) => {
  roundTrips(t, int, fc.integer({ min: -0x80000000, max: 0x7fffffff }));
  roundTrips(t, uint, fc.integer({ min: 0, max: 0xffffffff }));
  roundTrips(t, bool, fc.boolean());
  roundTrips(t, hyper, fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }));
  roundTrips(t, uhyper, fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }));
  roundTrips(t, float, float32);
  roundTrips(t, double, fc.double({ noNaN: true }));
  roundTrips(t, quadruple, fixedBytes(16));
  roundTrips(t, fixedOpaque(7), fixedBytes(7));
  roundTrips(t, opaque(64), fc.uint8Array({ maxLength: 64 }));
  roundTrips(t, string(), fc.string({ unit: 'grapheme', maxLength: 40 }));
  roundTrips(t, string(), fc.string({ unit: 'binary', maxLength: 80 }).filter(wellFormed));
  roundTrips(t, stringBytes(32), fc.uint8Array({ maxLength: 32 }));
  roundTrips(t, optional(uint), fc.option(fc.nat(), { nil: undefined }));
  roundTrips(t, fixedArray(int, 3), fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 3, maxLength: 3 }));
  roundTrips(t, array(uhyper, 5), fc.array(fc.bigInt({ min: 0n, max: 1n << 40n }), { maxLength: 5 }));
  roundTrips(
    t,
    linkedList(string(8), 10),
    fc.array(fc.string({ maxLength: 8, unit: 'grapheme-ascii' }), { maxLength: 10 }),
  );
  roundTrips(t, xdrVoid, fc.constant(undefined));
  t.end();
});

for (const compiled of [true, false]) {
  setXdrCompilation(compiled);
  const kind = enumeration('kind', { A: 0, B: 1, C: 5 });
  const leaf = struct('leaf', [
    ['k', kind],
    ['flag', bool],
    ['name', string(12, true)], // strict: lenient decoding turns bad bytes into U+FFFD, which need not re-encode
    ['size', uhyper],
  ]);
  const node = union('node', int, { 0: leaf, 1: array(leaf, 3), 2: xdrVoid, 3: optional(leaf) }, opaque(16));
  const schema = struct('root', [
    ['id', uint],
    ['nodes', array(node, 4)],
    ['list', linkedList(fixedOpaque(3), 5)],
    ['tail', optional(hyper)],
  ]);
  setXdrCompilation(true);

  const leafValue = fc.record({
    k: fc.constantFrom(0, 1, 5),
    flag: fc.boolean(),
    name: fc.string({ maxLength: 12, unit: 'grapheme-ascii' }),
    size: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  });
  const nodeValue = fc.oneof(
    fc.record({ tag: fc.constant(0), value: leafValue }),
    fc.record({ tag: fc.constant(1), value: fc.array(leafValue, { maxLength: 3 }) }),
    fc.record({ tag: fc.constant(2), value: fc.constant(undefined) }),
    fc.record({ tag: fc.constant(3), value: fc.option(leafValue, { nil: undefined }) }),
    fc.record({ tag: fc.integer({ min: 4, max: 1000 }), value: fc.uint8Array({ maxLength: 16 }) }),
  );
  const rootValue = fc.record({
    id: fc.nat(),
    nodes: fc.array(nodeValue, { maxLength: 4 }),
    list: fc.array(fixedBytes(3), { maxLength: 5 }),
    tail: fc.option(fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }), { nil: undefined }),
  });
  const mode = compiled ? 'generated' : 'interpreted';

  t.test(`${mode}: random nested values round-trip`, (t) => {
    roundTrips(t, schema, rootValue as fc.Arbitrary<never>);
    t.end();
  });

  t.test(`${mode}: random bytes only ever throw XdrError, and decode(encode(decode(x))) equals decode(x)`, (t) => {
    let decoded = 0;
    const other: string[] = [];
    const mirror: string[] = [];
    const check = (bytes: Uint8Array) => {
      for (const strictPadding of [false, true]) {
        let value: unknown;
        try {
          value = schema.decode(new XdrReader(bytes, 0, bytes.length, { strictPadding }));
        } catch (error) {
          if (!(error instanceof XdrError)) other.push(String(error));
          continue;
        }
        decoded++;
        const again = decode(schema, encode(schema, value as never));
        if (JSON.stringify(again, big) !== JSON.stringify(value, big)) mirror.push(Buffer.from(bytes).toString('hex'));
      }
    };
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => check(bytes)),
      { numRuns: 2000 },
    );
    // Mostly-valid inputs reach deeper: encode a random value, then corrupt or cut it.
    fc.assert(
      fc.property(rootValue, fc.nat(), fc.integer({ min: 0, max: 255 }), fc.boolean(), (v, at, byte, cut) => {
        const bytes = new Uint8Array(encode(schema, v as never));
        if (bytes.length === 0) return;
        if (cut) check(bytes.subarray(0, at % bytes.length));
        else {
          bytes[at % bytes.length] = byte;
          check(bytes);
        }
      }),
      { numRuns: 2000 },
    );
    t.same(other, [], 'nothing but XdrError escaped');
    t.same(mirror, [], 'decode(encode(decode(x))) equals decode(x)');
    t.ok(decoded > 100, `some inputs decoded (${decoded})`);
    t.end();
  });
}

t.test('huge counts never reach the element decoder', (t) => {
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
  const list = array(counting);
  const codes = new Set<string>();
  fc.assert(
    fc.property(fc.integer({ min: 0x100, max: 0xffffffff }), fc.nat({ max: 64 }), (count, extra) => {
      const bytes = new Uint8Array(4 + extra * 4);
      new DataView(bytes.buffer).setUint32(0, count);
      try {
        list.decode(new XdrReader(bytes));
      } catch (error) {
        if (error instanceof XdrError) codes.add(error.code);
        else throw error;
      }
    }),
    { numRuns: 500 },
  );
  t.equal(calls, 0, 'a count larger than the bytes left is refused before the loop');
  t.same([...codes], ['SHORT_BUFFER']);
  t.end();
});
