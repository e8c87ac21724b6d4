// RFC 5531 section 11 record marking: split at every byte, many small fragments, caps, and fuzz.
import fc from 'fast-check';
import t from 'tap';
import { encodeRecord, RECORD_HEAD_LENGTH, RecordDecoder, RpcError } from '../../src/rpc/index.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+|#[^\n]*/g, ''), 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

t.test('encodeRecord: one fragment and split fragments, field by field', async (t) => {
  t.equal(toHex(encodeRecord(hex('0102030405'))), '80000005' + '0102030405');
  t.equal(
    toHex(encodeRecord(hex('0102030405'), 2)),
    // 2 bytes (not last), 2 bytes (not last), 1 byte (last)
    '00000002' + '0102' + '00000002' + '0304' + '80000001' + '05',
  );
  t.equal(toHex(encodeRecord(new Uint8Array(0))), '80000000', 'an empty record is one empty last fragment');
  t.throws(() => encodeRecord(hex('01'), 0));
});

t.test('split at every byte: every cut of a two-record stream gives the same records', async (t) => {
  const a = Uint8Array.from({ length: 37 }, (_, i) => i);
  const b = Uint8Array.from({ length: 11 }, (_, i) => 200 + i);
  const stream = Buffer.concat([encodeRecord(a, 5), encodeRecord(b), encodeRecord(new Uint8Array(0))]);
  for (let cut = 0; cut <= stream.length; cut++) {
    for (let cut2 = cut; cut2 <= stream.length; cut2 += 3) {
      const decoder = new RecordDecoder();
      const got = [
        ...decoder.push(stream.subarray(0, cut)),
        ...decoder.push(stream.subarray(cut, cut2)),
        ...decoder.push(stream.subarray(cut2)),
      ];
      if (got.length !== 3 || toHex(got[0]!) !== toHex(a) || toHex(got[1]!) !== toHex(b) || got[2]!.length !== 0) {
        t.fail(`cut at ${cut}/${cut2}: ${got.map(toHex).join(',')}`);
        return;
      }
      t.ok(decoder.idle);
    }
  }
  // one byte at a time
  const decoder = new RecordDecoder();
  const got: Uint8Array[] = [];
  for (let i = 0; i < stream.length; i++) got.push(...decoder.push(stream.subarray(i, i + 1)));
  t.same(got.map(toHex), [toHex(a), toHex(b), '']);
});

t.test('held pieces are copied: the caller may reuse its chunk buffer', async (t) => {
  const record = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
  const stream = encodeRecord(record, 3);
  const decoder = new RecordDecoder();
  const scratch = new Uint8Array(4);
  const got: Uint8Array[] = [];
  for (let i = 0; i < stream.length; i += 4) {
    const n = Math.min(4, stream.length - i);
    scratch.set(stream.subarray(i, i + n));
    got.push(...decoder.push(scratch.subarray(0, n)).map((r) => r.slice()));
    scratch.fill(0xee);
  }
  t.same(got.map(toHex), [toHex(record)]);
});

t.test('held bytes are copied when the chunks are Buffers too (Buffer#slice does not copy)', async (t) => {
  const record = Uint8Array.from({ length: 40 }, (_, i) => i + 1);
  for (const fragmentSize of [3, 40]) {
    const stream = encodeRecord(record, fragmentSize);
    const decoder = new RecordDecoder();
    const scratch = Buffer.alloc(7); // one buffer reused for every read, as a pooled reader would
    const got: string[] = [];
    for (let i = 0; i < stream.length; i += 7) {
      const n = Math.min(7, stream.length - i);
      scratch.set(stream.subarray(i, i + n));
      got.push(...decoder.push(scratch.subarray(0, n)).map(toHex));
      scratch.fill(0xee);
    }
    t.same(got, [toHex(record)], `fragments of ${fragmentSize}`);
  }
});

t.test('zero-copy is explicit: only a one-fragment record wholly inside one chunk aliases the chunk', async (t) => {
  const chunk = Buffer.from(encodeRecord(hex('aabbccdd')));
  const [record] = new RecordDecoder().push(chunk);
  t.equal(record!.buffer, chunk.buffer, 'a view of the chunk');
  const split = encodeRecord(hex('aabbccdd'));
  const decoder = new RecordDecoder();
  t.same(decoder.push(split.subarray(0, 6)), []);
  const [copied] = decoder.push(split.subarray(6));
  t.not(copied!.buffer, split.buffer, 'a record across chunks is a copy');
  const multi = encodeRecord(hex('aabbccdd'), 2);
  const [merged] = new RecordDecoder().push(multi);
  t.not(merged!.buffer, multi.buffer, 'a multi-fragment record is a copy');
  t.equal(toHex(merged!), 'aabbccdd');
});

t.test(
  'fragments are merged as they arrive: memory held follows the bytes received, not the fragment count',
  async (t) => {
    const decoder = new RecordDecoder({ maxFragments: 100_000 });
    let received = 0;
    let worst = 0;
    for (let i = 0; i < 20_000; i++) {
      // each 1-byte fragment in its own 64 KiB read, as a socket would hand it over
      const read = Buffer.alloc(65536);
      read.set(hex('00000001'), 0);
      read[4] = i & 255;
      if (decoder.push(read.subarray(0, 5)).length !== 0) t.fail('no record before the last fragment');
      received++;
      worst = Math.max(worst, decoder.bufferedBytes / received);
    }
    t.ok(decoder.bufferedBytes <= 2 * received + 256, `held ${decoder.bufferedBytes} bytes for ${received} received`);
    t.ok(worst <= 256, 'never more than the first small buffer per byte');
    const [record] = decoder.push(hex('80000000'));
    t.equal(record!.length, 20_000);
    t.equal(record![19_999], 19_999 & 255);
    t.equal(decoder.bufferedBytes, 0);
    // a 1 MiB header followed by one byte holds a small buffer, not 1 MiB
    const lazy = new RecordDecoder();
    lazy.push(Uint8Array.of(0x80, 0x10, 0, 0, 7));
    t.ok(lazy.bufferedBytes <= 256, `held ${lazy.bufferedBytes}`);
  },
);

t.test('records completed before a header that breaks a cap in the same chunk are still returned', async (t) => {
  const a = hex('01020304');
  const b = hex('0506');
  const chunk = Buffer.concat([encodeRecord(a), encodeRecord(b, 1), hex('80100000'), hex('00')]);
  const decoder = new RecordDecoder({ maxRecordSize: 100 });
  t.same(decoder.push(chunk).map(toHex), [toHex(a), toHex(b)]);
  t.equal(decoder.error?.code, 'RECORD_TOO_LARGE');
  t.throws(() => decoder.push(encodeRecord(a)), { code: 'RECORD_TOO_LARGE' }, 'the decoder stays failed');
  const fragments = new RecordDecoder({ maxFragments: 2 });
  t.same(fragments.push(Buffer.concat([encodeRecord(a), encodeRecord(a, 1)])).map(toHex), [toHex(a)]);
  t.equal(fragments.error?.code, 'TOO_MANY_FRAGMENTS');
  const none = new RecordDecoder({ maxRecordSize: 100 });
  t.throws(() => none.push(hex('80100000')), { code: 'RECORD_TOO_LARGE' }, 'nothing completed: push throws');
});

/** A call head: xid, msg_type CALL, rpcvers 2, prog, vers (RECORD_HEAD_LENGTH bytes), then `rest` bytes. */
function callRecord(program: number, rest: number): Uint8Array {
  const out = new Uint8Array(RECORD_HEAD_LENGTH + rest);
  const view = new DataView(out.buffer);
  view.setUint32(0, 7);
  view.setUint32(8, 2);
  view.setUint32(12, program);
  view.setUint32(16, 1);
  return out;
}

t.test('maxRecordSizeFor: a per-record cap chosen from the head, enforced at every split', async (t) => {
  const heads: number[] = [];
  const options = {
    maxRecordSize: 1000,
    maxRecordSizeFor: (head: Uint8Array) => {
      t.equal(head.length, RECORD_HEAD_LENGTH);
      const program = new DataView(head.buffer, head.byteOffset).getUint32(12);
      heads.push(program);
      return program === 100024 ? 64 : 5000;
    },
  };
  const small = callRecord(100024, 44); // exactly 64
  const other = callRecord(100003, 500);
  const big = callRecord(100024, 45); // 65: over the cap of its program
  const good = Buffer.concat([encodeRecord(small), encodeRecord(other, 7), encodeRecord(small, 3)]);
  const stream = Buffer.concat([good, encodeRecord(big, 30)]);
  for (let cut = 0; cut <= stream.length; cut++) {
    const decoder = new RecordDecoder(options);
    const got: Uint8Array[] = [];
    for (const part of [stream.subarray(0, cut), stream.subarray(cut)]) {
      try {
        got.push(...decoder.push(part));
      } catch (error) {
        t.equal((error as RpcError).code, 'RECORD_TOO_LARGE');
      }
    }
    if (got.length !== 3 || decoder.error?.code !== 'RECORD_TOO_LARGE') {
      t.fail(`cut at ${cut}: ${got.length} records, ${decoder.error?.code}`);
      return;
    }
  }
  t.ok(heads.length > 0);
  // refused from the head, long before the declared body: 20 bytes of head for a 900-byte record
  const early = new RecordDecoder(options);
  t.throws(() => early.push(Buffer.concat([hex('80000384'), callRecord(100024, 0)])), { code: 'RECORD_TOO_LARGE' });
  // the callback cannot raise the cap past maxRecordSize
  const raised = new RecordDecoder({ maxRecordSize: 100, maxRecordSizeFor: () => 10_000 });
  t.throws(() => raised.push(encodeRecord(callRecord(1, 81), 50)), { code: 'RECORD_TOO_LARGE' });
});

t.test('many small fragments: 1-byte fragments up to the cap', async (t) => {
  const record = Uint8Array.from({ length: 1000 }, (_, i) => i & 255);
  const stream = encodeRecord(record, 1);
  const got = new RecordDecoder({ maxFragments: 1000 }).push(stream);
  t.same(got.map(toHex), [toHex(record)]);
  const capped = new RecordDecoder({ maxFragments: 999 });
  t.throws(() => capped.push(stream), { code: 'TOO_MANY_FRAGMENTS' });
  t.throws(() => capped.push(encodeRecord(hex('00'))), { code: 'TOO_MANY_FRAGMENTS' }, 'stays failed');
  // empty non-last fragments count too: an endless stream of them is stopped
  const empties = Buffer.concat(Array.from({ length: 20 }, () => hex('00000000')));
  t.throws(() => new RecordDecoder({ maxFragments: 10 }).push(empties), { code: 'TOO_MANY_FRAGMENTS' });
});

t.test('record size cap is checked from the header, before the bytes arrive', async (t) => {
  const decoder = new RecordDecoder({ maxRecordSize: 100 });
  t.same(decoder.push(encodeRecord(new Uint8Array(100))).length, 1, 'exactly the cap is fine');
  t.throws(() => decoder.push(hex('80000065')), { code: 'RECORD_TOO_LARGE' }, '101 bytes refused at the header');
  const multi = new RecordDecoder({ maxRecordSize: 100 });
  t.throws(() => multi.push(encodeRecord(new Uint8Array(101), 50)), { code: 'RECORD_TOO_LARGE' }, 'sum of fragments');
  const huge = new RecordDecoder();
  t.throws(() => huge.push(hex('ffffffff')), { code: 'RECORD_TOO_LARGE' }, '2 GiB claimed');
});

t.test('fuzz: random chunkings of random records round-trip; random bytes raise only RpcError', async (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 5 }),
      fc.integer({ min: 1, max: 17 }),
      fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 10 }),
      (records, fragmentSize, cuts) => {
        const stream = Buffer.concat(records.map((r) => encodeRecord(r, fragmentSize)));
        const decoder = new RecordDecoder();
        const got: string[] = [];
        let at = 0;
        for (let i = 0; at < stream.length; i++) {
          const n = cuts[i % cuts.length]!;
          got.push(...decoder.push(stream.subarray(at, at + n)).map(toHex));
          at += n;
        }
        t.same(got, records.map(toHex));
      },
    ),
    { numRuns: 300 },
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      try {
        new RecordDecoder({ maxRecordSize: 32, maxFragments: 4 }).push(bytes);
      } catch (error) {
        if (!(error instanceof RpcError)) throw error;
      }
    }),
    { numRuns: 1000 },
  );
});

/** Decode `bytes` cut into `cuts` through one reused Buffer: the records (hex) and the error code, if any. */
function decodeAll(
  bytes: Uint8Array,
  cuts: readonly number[],
  options: ConstructorParameters<typeof RecordDecoder>[0],
) {
  const decoder = new RecordDecoder(options);
  const scratch = Buffer.alloc(16);
  const records: string[] = [];
  let code: string | undefined;
  for (let at = 0, i = 0; at < bytes.length && code === undefined; i++) {
    const n = Math.min(cuts[i % cuts.length]!, bytes.length - at);
    scratch.set(bytes.subarray(at, at + n));
    try {
      records.push(...decoder.push(scratch.subarray(0, n)).map(toHex));
      code = decoder.error?.code;
    } catch (error) {
      if (!(error instanceof RpcError)) throw error;
      code = error.code;
    }
    scratch.fill(0xa5);
    at += n;
  }
  return { records, code, idle: decoder.idle };
}

t.test(
  'fuzz: random bytes in random cuts, with a per-record cap: RpcError only, same result at every chunking, and decode(encode(decode(x))) = decode(x)',
  async (t) => {
    const options = {
      maxRecordSize: 48,
      maxFragments: 6,
      maxRecordSizeFor: (head: Uint8Array) => 24 + (head[15]! & 31),
    };
    // headers are mostly small, so that records complete often
    const header = fc
      .tuple(fc.boolean(), fc.integer({ min: 0, max: 60 }))
      .map(([last, n]) => Uint8Array.of(last ? 0x80 : 0, 0, 0, n));
    const stream = fc
      .array(fc.oneof(header, fc.uint8Array({ maxLength: 30 })), { maxLength: 12 })
      .map((parts) => Buffer.concat(parts));
    fc.assert(
      fc.property(stream, fc.array(fc.integer({ min: 1, max: 16 }), { minLength: 1, maxLength: 8 }), (bytes, cuts) => {
        const whole = decodeAll(bytes, [16], options);
        const cut = decodeAll(bytes, cuts, options);
        t.same(cut.records, whole.records);
        t.equal(cut.code, whole.code);
        const again = decodeAll(Buffer.concat(whole.records.map((r) => encodeRecord(hex(r), 5))), cuts, {
          ...options,
          maxFragments: 100,
        });
        t.equal(again.code, undefined);
        t.same(again.records, whole.records);
      }),
      { numRuns: 2000 },
    );
  },
);
