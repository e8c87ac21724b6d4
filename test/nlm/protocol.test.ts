// NLM codecs (program 100021 v1/v3/v4): hand-commented fixtures, round trip at non-zero offsets, every procedure's
// codecs, status names both ways, malformed inputs with their XdrError codes, fast-check fuzzing.
import { deepStrictEqual } from 'node:assert';
import fc from 'fast-check';
import t from 'tap';
import {
  FSH_ACCESS,
  FSH_MODE,
  LCK_DENIED,
  LCK_DENIED_GRACE_PERIOD,
  LCK_FAILED,
  LCK_GRANTED,
  LM_MAXSTRLEN,
  NLM_PROCEDURES,
  NLM4_STATS,
  nlm,
  nlm4,
  nlm4Procedures,
  nlmProcedureFor,
  nlmProcedureName,
  nlmStatName,
  nlmStatValue,
} from '../../src/nlm/protocol.js';
import { XdrError, XdrReader, XdrWriter } from '../../src/xdr/index.js';
import { checkCodec, decode, encode, fromHex, hex } from '../helpers/codec.js';

const text = (s: string) => new TextEncoder().encode(s);
const fh = fromHex('0011223344556677');
const lock4 = { callerName: 'client', fh, oh: text('owner'), svid: 1111, offset: 100n, length: 10n };
const LOCK4_HEX = `
  00000006 636c6965 6e740000   # caller_name: 6 bytes "client" + 2 padding
  00000008 00112233 44556677   # fh: netobj of 8 bytes
  00000005 6f776e65 72000000   # oh: netobj of 5 bytes "owner" + 3 padding
  00000457                     # svid 1111
  00000000 00000064            # l_offset (uint64) 100
  00000000 0000000a            # l_len (uint64) 10
`;

t.test('nlm4_lockargs (LOCK) — every field', async (t) => {
  checkCodec(
    t,
    nlm4.lockargs,
    { cookie: fromHex('01020304'), block: false, exclusive: true, alock: lock4, reclaim: true, state: 3 },
    `
      00000004 01020304    # cookie: netobj of 4 bytes
      00000000             # block FALSE
      00000001             # exclusive TRUE
      ${LOCK4_HEX}
      00000001             # reclaim TRUE
      00000003             # state 3 (our NSM state)
    `,
  );
});

t.test('nlm4_testargs, nlm4_cancargs, nlm4_unlockargs', async (t) => {
  checkCodec(
    t,
    nlm4.testargs,
    { cookie: new Uint8Array(0), exclusive: false, alock: lock4 },
    `
    00000000                   # cookie: empty netobj
    00000000                   # exclusive FALSE (a shared lock)
    ${LOCK4_HEX}`,
  );
  checkCodec(
    t,
    nlm4.cancargs,
    { cookie: fromHex('aa'), block: true, exclusive: true, alock: lock4 },
    `
    00000001 aa000000          # cookie: 1 byte + 3 padding
    00000001 00000001          # block, exclusive
    ${LOCK4_HEX}`,
  );
  checkCodec(t, nlm4.unlockargs, { cookie: fromHex('aa'), alock: lock4 }, `00000001 aa000000 ${LOCK4_HEX}`);
});

t.test('nlm4_testres: granted (void arm) and denied (the holder)', async (t) => {
  checkCodec(
    t,
    nlm4.testres,
    { cookie: fromHex('01020304'), testStat: { tag: LCK_GRANTED, value: undefined } },
    `
    00000004 01020304   # cookie
    00000000            # stat LCK_GRANTED, no holder
  `,
  );
  checkCodec(
    t,
    nlm4.testres,
    {
      cookie: fromHex('01020304'),
      testStat: {
        tag: LCK_DENIED,
        value: { exclusive: true, svid: 42, oh: text('owner'), offset: 0n, length: 0xffffffffffffffffn },
      },
    },
    `
      00000004 01020304            # cookie
      00000001                     # stat LCK_DENIED: an nlm4_holder follows
      00000001                     # exclusive TRUE
      0000002a                     # svid 42
      00000005 6f776e65 72000000   # oh "owner"
      00000000 00000000            # l_offset 0
      ffffffff ffffffff            # l_len 2^64-1
    `,
  );
});

t.test('nlm4_res, nlm4_shareargs/res, nlm4_notify', async (t) => {
  checkCodec(
    t,
    nlm4.res,
    { cookie: fromHex('01'), stat: LCK_DENIED_GRACE_PERIOD },
    `
    00000001 01000000   # cookie
    00000004            # LCK_DENIED_GRACE_PERIOD`,
  );
  checkCodec(
    t,
    nlm4.shareargs,
    {
      cookie: new Uint8Array(0),
      share: { callerName: 'c', fh, oh: text('o'), mode: FSH_MODE.fsm_DW, access: FSH_ACCESS.fsa_RW },
      reclaim: false,
    },
    `
      00000000                     # cookie
      00000001 63000000            # caller_name "c"
      00000008 00112233 44556677   # fh
      00000001 6f000000            # oh "o"
      00000002                     # mode fsm_DW
      00000003                     # access fsa_RW
      00000000                     # reclaim FALSE
    `,
  );
  checkCodec(
    t,
    nlm4.shareres,
    { cookie: new Uint8Array(0), stat: LCK_GRANTED, sequence: -1 },
    `
    00000000 00000000 ffffffff   # cookie, LCK_GRANTED, sequence -1`,
  );
  checkCodec(t, nlm4.notify, { name: 'host', state: 7 }, '00000004 686f7374 00000007  # name "host", state 7');
});

t.test('versions 1 and 3: 32-bit offset and length', async (t) => {
  const lock = { ...lock4, offset: 100, length: 10 };
  checkCodec(
    t,
    nlm.lock,
    lock,
    `
    00000006 636c6965 6e740000 00000008 00112233 44556677 00000005 6f776e65 72000000 00000457
    00000064   # l_offset (unsigned int) 100
    0000000a   # l_len (unsigned int) 10
  `,
  );
  checkCodec(
    t,
    nlm.testres,
    {
      cookie: new Uint8Array(0),
      testStat: {
        tag: LCK_DENIED,
        value: { exclusive: false, svid: 1, oh: new Uint8Array(0), offset: 0xffffffff, length: 0 },
      },
    },
    '00000000 00000001 00000000 00000001 00000000 ffffffff 00000000',
  );
  t.throws(() => encode(nlm.lock, { ...lock, offset: 2 ** 32 }), { code: 'OUT_OF_RANGE' }, 'no 64-bit offset in v3');
  t.throws(() => decode(nlm.res, fromHex('00000000 00000006')), { code: 'BAD_ENUM' }, 'LCK_ROFS is version 4 only');
  t.same(decode(nlm4.res, fromHex('00000000 00000006')).stat, 6, 'LCK_ROFS in version 4');
});

t.test('nlm4_stats by name, both ways', async (t) => {
  const names = [
    'LCK_GRANTED',
    'LCK_DENIED',
    'LCK_DENIED_NOLOCKS',
    'LCK_BLOCKED',
    'LCK_DENIED_GRACE_PERIOD',
    'LCK_DEADLCK',
    'LCK_ROFS',
    'LCK_STALE_FH',
    'LCK_FBIG',
    'LCK_FAILED',
  ];
  names.forEach((name, value) => {
    t.equal(nlmStatName(value), name, `${value} -> ${name}`);
    t.equal(nlmStatValue(name), value, `${name} -> ${value}`);
    t.equal(NLM4_STATS[name as keyof typeof NLM4_STATS], value);
  });
  t.equal(nlmStatValue('NLM4_DENIED_GRACE_PERIOD'), LCK_DENIED_GRACE_PERIOD, 'RFC 1813 spelling');
  t.equal(nlmStatName(10), undefined);
  t.equal(nlmStatValue('toString'), undefined, 'no prototype names');
  t.equal(LCK_FAILED, 9);
});

t.test('procedure tables', async (t) => {
  t.equal(Object.keys(NLM_PROCEDURES).length, 20);
  t.same(
    Object.values(NLM_PROCEDURES),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 20, 21, 22, 23],
    'numbers as in XNFS',
  );
  t.equal(nlmProcedureName(22), 'NLMPROC_NM_LOCK');
  t.equal(nlm4Procedures[2].args, nlm4.lockargs);
  t.equal(nlm4Procedures[1].result, nlm4.testres);
  t.equal(nlm4Procedures[11].args, nlm4.testres, 'TEST_RES carries the TEST result as arguments');
  t.equal(nlm4Procedures[23].args, nlm4.notify);
  t.equal(nlmProcedureFor(1, 20), undefined, 'version 1 has no SHARE');
  t.equal(nlmProcedureFor(3, 20)?.args, nlm.shareargs);
  t.equal(nlmProcedureFor(4, 16), undefined, 'no procedure 16 in the protocol tables');
  for (const number of Object.values(NLM_PROCEDURES)) {
    t.equal(nlmProcedureFor(4, number)?.number, number, `v4 ${nlmProcedureName(number)}`);
  }
});

t.test('limits: caller_name and netobj', async (t) => {
  const longest = 'x'.repeat(LM_MAXSTRLEN);
  t.equal(encode(nlm4.lock, { ...lock4, callerName: longest }).length, 4 + 1024 + 12 + 12 + 4 + 16);
  t.throws(() => encode(nlm4.lock, { ...lock4, callerName: `${longest}x` }), { code: 'LIMIT_EXCEEDED' });
  t.throws(() => encode(nlm4.lock, { ...lock4, fh: new Uint8Array(1025) }), { code: 'LIMIT_EXCEEDED' });
  const w = new XdrWriter();
  w.writeUnsignedInt(1025);
  w.writeFixedOpaque(new Uint8Array(1028));
  t.throws(() => decode(nlm4.res, w.finish()), { code: 'LIMIT_EXCEEDED' }, 'a 1025-byte cookie');
});

t.test('malformed inputs raise XdrError with a code', async (t) => {
  const cases: [string, Uint8Array, string][] = [
    ['empty', fromHex(''), 'SHORT_BUFFER'],
    ['cookie without stat', fromHex('00000000'), 'SHORT_BUFFER'],
    ['stat 10', fromHex('00000000 0000000a'), 'BAD_ENUM'],
    ['negative stat', fromHex('00000000 ffffffff'), 'BAD_ENUM'],
    ['cookie longer than the buffer', fromHex('00000010 0000'), 'SHORT_BUFFER'],
    ['cookie over MAXNETOBJ_SZ', fromHex('ffffffff 00000000'), 'LIMIT_EXCEEDED'],
  ];
  for (const [what, bytes, code] of cases) t.throws(() => decode(nlm4.res, bytes), { code }, `nlm4_res: ${what}`);
  t.throws(() => decode(nlm4.testres, fromHex('00000000 00000001 00000001')), { code: 'SHORT_BUFFER' }, 'holder cut');
  t.throws(
    () =>
      decode(nlm4.testres, fromHex('00000000 00000001 00000002 00000001 00000000 0000000000000000 0000000000000000')),
    { code: 'BAD_BOOL' },
    'exclusive 2',
  );
  t.throws(
    () => decode(nlm4.shareargs, fromHex('00000000 00000000 00000000 00000000 00000004 00000000 00000000')),
    { code: 'BAD_ENUM' },
    'fsh_mode 4',
  );
  const bytes = encode(nlm4.lockargs, {
    cookie: fh,
    block: false,
    exclusive: true,
    alock: lock4,
    reclaim: false,
    state: 1,
  });
  for (let cut = 0; cut < bytes.length; cut += 4) {
    t.throws(() => decode(nlm4.lockargs, bytes.subarray(0, cut)), { code: 'SHORT_BUFFER' }, `lockargs cut at ${cut}`);
  }
});

t.test('fuzz: random bytes only raise XdrError; decode(encode(decode(x))) = decode(x)', async (t) => {
  const codecs = [
    nlm4.lockargs,
    nlm4.testargs,
    nlm4.cancargs,
    nlm4.unlockargs,
    nlm4.res,
    nlm4.testres,
    nlm4.shareargs,
    nlm4.shareres,
    nlm4.notify,
    nlm.lockargs,
    nlm.testres,
  ];
  for (const codec of codecs) {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 128 }), (bytes) => {
        let value: unknown;
        try {
          value = codec.decode(new XdrReader(bytes));
        } catch (error) {
          if (!(error instanceof XdrError)) throw error;
          return;
        }
        // biome-ignore lint/suspicious/noExplicitAny: any codec
        const again = (codec as any).decode(new XdrReader(encode(codec as any, value)));
        deepStrictEqual(again, value);
      }),
      { numRuns: 300 },
    );
  }
  // Structured values too: random locks round-trip exactly.
  fc.assert(
    fc.property(
      fc.record({
        callerName: fc.string({ maxLength: 40 }),
        fh: fc.uint8Array({ maxLength: 64 }),
        oh: fc.uint8Array({ maxLength: 32 }),
        svid: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
        offset: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        length: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
      }),
      (lock) => {
        const bytes = encode(nlm4.lock, lock);
        deepStrictEqual(hex(encode(nlm4.lock, decode(nlm4.lock, bytes))), hex(bytes));
      },
    ),
    { numRuns: 300 },
  );
  t.pass('fuzzed every type');
});

t.test('nlm4_testres captured from nfs-ganesha 4.3 (TEST of a range another owner holds)', async (t) => {
  // RPC reply body of frame 92 of the ganesha interop test's capture (the reply header is not shown).
  const captured = fromHex(`
    00000008 4caa0449 1381c792    # cookie: the 8 random bytes our TEST sent, echoed
    00000001                      # stat LCK_DENIED: nlm4_holder follows
    00000001                      # exclusive TRUE
    00000065                      # svid 101
    0000000b 6f776e65 722d612d 75647000   # oh: 11 bytes "owner-a-udp" + 1 padding
    00000000 00000064             # l_offset 100
    00000000 0000000a             # l_len 10
  `);
  const value = decode(nlm4.testres, captured);
  t.same(value, {
    cookie: fromHex('4caa04491381c792'),
    testStat: {
      tag: LCK_DENIED,
      value: { exclusive: true, svid: 101, oh: text('owner-a-udp'), offset: 100n, length: 10n },
    },
  });
  t.equal(hex(encode(nlm4.testres, value)), hex(captured), 'generate gives the captured bytes back');
  checkCodec(t, nlm4.testres, value);
});
