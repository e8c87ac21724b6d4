// NSM codecs (program 100024 v1 and the NLM status callback): exact hex fixtures, malformed inputs, fuzzing.
import { deepStrictEqual } from 'node:assert';
import fc from 'fast-check';
import t from 'tap';
import {
  mon,
  monId,
  myId,
  NLM_PROGRAM,
  NLMPROC_NSM_NOTIFY,
  nlmStatus,
  nsmProcedureName,
  procedures,
  SM_MAXSTRLEN,
  SM_MON,
  SM_NOTIFY,
  SM_NULL,
  SM_SIMU_CRASH,
  SM_STAT,
  SM_UNMON,
  SM_UNMON_ALL,
  smName,
  smStat,
  smStatRes,
  statChge,
} from '../../src/nsm/protocol.js';
import { XdrError, XdrReader, XdrWriter } from '../../src/xdr/index.js';
import { checkFixture, decode, encode, hex } from './codec-helpers.js';

const priv = hex('66a89ab53b650b00 804d729c00000000');

t.test('sm_name (SM_STAT argument)', async (t) => {
  checkFixture(
    t,
    smName,
    { monName: 'client1' },
    hex(`
      00000007 636c6965 6e743100   # mon_name: length 7, "client1", 1 byte padding
    `),
  );
});

t.test('mon (SM_MON argument) as the Linux kernel sends it', async (t) => {
  checkFixture(
    t,
    mon,
    {
      monId: { monName: '192.168.50.27', myId: { myName: 'synology', myProg: NLM_PROGRAM, myVers: 3, myProc: 16 } },
      priv,
    },
    hex(`
      0000000d 3139322e 3136382e 35302e32 37000000  # mon_name: 13 bytes "192.168.50.27" + 3 padding
      00000008 73796e6f 6c6f6779                    # my_name: 8 bytes "synology"
      000186b5                                      # my_prog 100021 (NLM)
      00000003                                      # my_vers 3
      00000010                                      # my_proc 16 (status callback)
      66a89ab5 3b650b00 804d729c 00000000           # priv[16]: 8 bytes ktime + 8 bytes pointer
    `),
  );
});

t.test('mon_id (SM_UNMON argument) and my_id (SM_UNMON_ALL argument)', async (t) => {
  const id = { myName: 'srv', myProg: 100021, myVers: 3, myProc: 16 };
  checkFixture(t, myId, id, hex('00000003 73727600  000186b5 00000003 00000010'));
  checkFixture(
    t,
    monId,
    { monName: 'a', myId: id },
    hex('00000001 61000000  00000003 73727600 000186b5 00000003 00000010'),
  );
});

t.test('stat_chge (SM_NOTIFY argument)', async (t) => {
  checkFixture(
    t,
    statChge,
    { monName: 'foo-ha', state: 7 },
    hex(`
      00000006 666f6f2d 68610000   # mon_name: 6 bytes "foo-ha" + 2 padding
      00000007                     # state 7 (odd: up)
    `),
  );
  checkFixture(t, statChge, { monName: '', state: -1 }, hex('00000000 ffffffff'));
});

t.test('sm_stat and sm_stat_res (results)', async (t) => {
  checkFixture(t, smStat, { state: 3 }, hex('00000003'));
  checkFixture(t, smStatRes, { resStat: 0, state: 5 }, hex('00000000 00000005  # stat_succ, state 5'));
  checkFixture(t, smStatRes, { resStat: 1, state: 5 }, hex('00000001 00000005  # stat_fail, state 5'));
  t.throws(() => decode(smStatRes, hex('00000002 00000005')), { code: 'BAD_ENUM' }, 'res outside stat_succ/stat_fail');
});

t.test('NLM status callback (100021 v3 proc 16)', async (t) => {
  t.equal(NLMPROC_NSM_NOTIFY, 16);
  checkFixture(
    t,
    nlmStatus,
    { monName: '10.0.0.2', state: 9, priv },
    hex(`
      00000008 31302e30 2e302e32          # mon_name "10.0.0.2"
      00000009                            # state 9
      66a89ab5 3b650b00 804d729c 00000000 # priv[16], handed back unchanged
    `),
  );
});

t.test('procedure table', async (t) => {
  t.same([SM_NULL, SM_STAT, SM_MON, SM_UNMON, SM_UNMON_ALL, SM_SIMU_CRASH, SM_NOTIFY], [0, 1, 2, 3, 4, 5, 6]);
  t.equal(nsmProcedureName(6), 'SM_NOTIFY');
  t.equal(nsmProcedureName(7), undefined);
  t.equal(procedures[SM_MON].args, mon);
  t.equal(procedures[SM_MON].result, smStatRes);
  t.equal(procedures[SM_STAT].args, smName);
  t.equal(procedures[SM_UNMON].result, smStat);
  t.equal(procedures[SM_NOTIFY].args, statChge);
  t.equal(encode(procedures[SM_NULL].args, undefined).length, 0);
});

t.test('limits: SM_MAXSTRLEN and priv[16]', async (t) => {
  const longest = 'x'.repeat(SM_MAXSTRLEN);
  t.equal(encode(smName, { monName: longest }).length, 4 + 1024);
  t.throws(() => encode(smName, { monName: `${longest}x` }), { code: 'LIMIT_EXCEEDED' }, 'encode refuses 1025 bytes');
  const tooLong = new XdrWriter();
  tooLong.writeUnsignedInt(1025);
  tooLong.writeFixedOpaque(new Uint8Array(1028));
  t.throws(() => decode(smName, tooLong.finish()), { code: 'LIMIT_EXCEEDED' }, 'decode refuses 1025 bytes');
  const multiByte = 'é'.repeat(513); // 1026 bytes of UTF-8 in 513 characters
  t.throws(() => encode(statChge, { monName: multiByte, state: 1 }), { code: 'LIMIT_EXCEEDED' }, 'limit counts bytes');
  const badPriv = {
    monId: { monName: 'a', myId: { myName: 'b', myProg: 1, myVers: 1, myProc: 1 } },
    priv: new Uint8Array(15),
  };
  t.throws(() => encode(mon, badPriv), { code: 'BAD_VALUE' }, 'priv must be 16 bytes');
});

t.test('malformed inputs raise XdrError with a code', async (t) => {
  const cases: [string, Uint8Array, string][] = [
    ['empty stat_chge', hex(''), 'SHORT_BUFFER'],
    ['stat_chge without state', hex('00000001 61000000'), 'SHORT_BUFFER'],
    ['string length past the end', hex('00000010 6161'), 'SHORT_BUFFER'],
    ['huge length word', hex('ffffffff 00000000'), 'LIMIT_EXCEEDED'],
  ];
  for (const [what, bytes, code] of cases) t.throws(() => decode(statChge, bytes), { code }, what);
  t.throws(
    () => decode(mon, hex('00000001 61000000 00000001 62000000 00000001 00000001 00000001 0000')),
    {
      code: 'SHORT_BUFFER',
    },
    'truncated priv',
  );
});

t.test('fuzz: random bytes only raise XdrError; decode(encode(decode(x))) = decode(x)', async (t) => {
  for (const codec of [smName, myId, monId, mon, statChge, smStat, smStatRes, nlmStatus]) {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 96 }), (bytes) => {
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
  t.pass('fuzzed every type');
});
