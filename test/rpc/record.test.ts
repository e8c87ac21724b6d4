// RFC 5531 section 11 record marking: split at every byte, many small fragments, caps, and fuzz.
import fc from 'fast-check';
import t from 'tap';
import { encodeRecord, RecordDecoder, RpcError } from '../../src/rpc/index.js';

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

t.test('a single-fragment record inside one chunk is a zero-copy view', async (t) => {
  const chunk = encodeRecord(hex('aabbccdd'));
  const [record] = new RecordDecoder().push(chunk);
  t.equal(record!.buffer, chunk.buffer);
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
