// RFC 5531 message and auth codecs: hex fixtures field by field, mirrors, malformed inputs, and a fuzz test.
import fc from 'fast-check';
import t from 'tap';
import {
  AcceptStat,
  AUTH_NONE_CRED,
  AuthFlavor,
  authSys,
  decodeAuth,
  decodeCall,
  decodeMessage,
  decodeReply,
  encodeAuthSys,
  encodeCall,
  encodeReply,
  encodeRpcGssCredential,
  RpcError,
  type RpcReplyInput,
} from '../../src/rpc/index.js';
import { XdrError, XdrReader, XdrWriter } from '../../src/xdr/index.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+|#[^\n]*/g, ''), 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

// The NULL call rpcinfo -u 127.0.0.1 portmapper 2 sends (xid differs per run).
const nullCall = hex(`
  6a1b2c3d   # xid
  00000000   # msg_type CALL
  00000002   # rpcvers 2
  000186a0   # prog 100000
  00000002   # vers 2
  00000000   # proc 0 (NULL)
  00000000 00000000   # cred AUTH_NONE, empty body
  00000000 00000000   # verf AUTH_NONE, empty body
`);

t.test('NULL call: decode, encode, mirror', async (t) => {
  const call = decodeCall(new XdrReader(nullCall));
  t.same(
    { ...call, cred: call.cred.flavor, verifier: call.verifier.flavor, args: call.args.length },
    { xid: 0x6a1b2c3d, rpcvers: 2, program: 100000, version: 2, procedure: 0, cred: 0, verifier: 0, args: 0 },
  );
  const w = new XdrWriter();
  encodeCall(w, { ...call, args: call.args });
  t.equal(toHex(w.finish()), toHex(nullCall));
});

// A GETPORT call with AUTH_SYS (machine name "host", uid 1000, gid 100, gids [100, 4]).
const getportSys = hex(`
  00000001 00000000 00000002 000186a0 00000002 00000003   # xid 1, CALL, rpcvers 2, portmap v2, GETPORT
  00000001 00000020                    # cred AUTH_SYS, 32 bytes
    5f5e1000                           #   stamp
    00000004 686f7374                  #   machinename "host"
    000003e8 00000064                  #   uid 1000, gid 100
    00000002 00000064 00000004         #   gids <2> 100, 4
  00000000 00000000                    # verf AUTH_NONE
  000186a3 00000003 00000011 00000000  # args: mapping { 100003, 3, udp(17), 0 }
`);

t.test('AUTH_SYS call: fixture, args view aliases the input, decodeAuth', async (t) => {
  const cred = authSys({ stamp: 0x5f5e1000, machineName: 'host', uid: 1000, gid: 100, gids: [100, 4] });
  const args = hex('000186a3 00000003 00000011 00000000');
  const w = new XdrWriter();
  encodeCall(w, { xid: 1, program: 100000, version: 2, procedure: 3, cred, verifier: AUTH_NONE_CRED, args });
  t.equal(toHex(w.finish()), toHex(getportSys));
  const call = decodeCall(new XdrReader(getportSys));
  t.equal(call.args.buffer, getportSys.buffer, 'args is a view, not a copy');
  t.equal(call.args.byteOffset, getportSys.byteOffset + getportSys.length - 16);
  const auth = decodeAuth(call.cred);
  t.equal(auth.kind, 'AUTH_SYS');
  if (auth.kind === 'AUTH_SYS')
    t.same(auth.sys, { stamp: 0x5f5e1000, machineName: 'host', uid: 1000, gid: 100, gids: [100, 4] });
  // args written by a callback give the same bytes
  const w2 = new XdrWriter();
  encodeCall(w2, {
    xid: 1,
    program: 100000,
    version: 2,
    procedure: 3,
    cred,
    verifier: AUTH_NONE_CRED,
    args: (a) => {
      for (const v of [100003, 3, 17, 0]) a.writeUnsignedInt(v);
    },
  });
  t.equal(toHex(w2.finish()), toHex(getportSys));
});

t.test('AUTH_SYS validation', async (t) => {
  t.throws(() => authSys({ machineName: 'x'.repeat(256), uid: 0, gid: 0 }), { code: 'BAD_AUTH' });
  t.ok(authSys({ machineName: 'x'.repeat(255), uid: 0, gid: 0 }));
  t.throws(() => authSys({ machineName: 'h', uid: 0, gid: 0, gids: new Array(17).fill(1) }), { code: 'BAD_AUTH' });
  t.ok(authSys({ machineName: 'h', uid: 0, gid: 0, gids: new Array(16).fill(1) }));
  t.throws(() => authSys({ machineName: 'h', uid: -1, gid: 0 }), { code: 'BAD_AUTH' });
  t.throws(() => authSys({ machineName: 'h', uid: 0, gid: 2 ** 32 }), { code: 'BAD_AUTH' });
  // decoding: 17 gids, a 256-byte name, trailing bytes
  const gids17 = hex('00000000 00000001 68000000 00000000 00000000 00000011');
  t.throws(() => decodeAuth({ flavor: 1, body: gids17 }), { code: 'LIMIT_EXCEEDED' });
  const longName = hex('00000000 00000100');
  t.throws(() => decodeAuth({ flavor: 1, body: longName }), { code: 'LIMIT_EXCEEDED' });
  const trailing = hex('00000000 00000001 68000000 00000000 00000000 00000000 00000000');
  t.throws(() => decodeAuth({ flavor: 1, body: trailing }), { code: 'BAD_AUTH' });
});

t.test('RPCSEC_GSS credential decoded structurally; AUTH_SHORT and unknown flavors pass through', async (t) => {
  const gss = hex(`
    00000001   # version RPCSEC_GSS_VERS_1
    00000000   # gss_proc RPCSEC_GSS_DATA
    0000002a   # seq_num 42
    00000002   # service integrity
    00000004 deadbeef   # handle
  `);
  const d = decodeAuth({ flavor: AuthFlavor.RPCSEC_GSS, body: gss });
  t.equal(d.kind, 'RPCSEC_GSS');
  if (d.kind === 'RPCSEC_GSS') {
    t.same(
      { ...d.gss, handle: toHex(d.gss.handle) },
      { version: 1, gssProc: 0, seqNum: 42, service: 2, handle: 'deadbeef' },
    );
  }
  t.throws(() => decodeAuth({ flavor: 6, body: hex('00000002') }), { code: 'BAD_DISCRIMINANT' });
  const short = decodeAuth({ flavor: 2, body: hex('01020304') });
  t.equal(short.kind, 'AUTH_SHORT');
  const other = decodeAuth({ flavor: 390003, body: hex('aabb') });
  t.equal(other.kind, 'OPAQUE');
  if (other.kind === 'OPAQUE') t.equal(toHex(other.body), 'aabb');
});

const replies: [string, RpcReplyInput, string][] = [
  [
    'SUCCESS with results',
    { xid: 7, replyStat: 0, verifier: AUTH_NONE_CRED, acceptStat: 0, results: hex('00000801') },
    '00000007 00000001 00000000 00000000 00000000 00000000 00000801',
  ],
  [
    'PROG_UNAVAIL',
    { xid: 7, replyStat: 0, verifier: AUTH_NONE_CRED, acceptStat: 1 },
    '00000007 00000001 00000000 00000000 00000000 00000001',
  ],
  [
    'PROG_MISMATCH low 2 high 4',
    { xid: 7, replyStat: 0, verifier: AUTH_NONE_CRED, acceptStat: 2, low: 2, high: 4 },
    '00000007 00000001 00000000 00000000 00000000 00000002 00000002 00000004',
  ],
  [
    'PROC_UNAVAIL',
    { xid: 7, replyStat: 0, verifier: AUTH_NONE_CRED, acceptStat: 3 },
    '00000007 00000001 00000000 00000000 00000000 00000003',
  ],
  [
    'GARBAGE_ARGS',
    { xid: 7, replyStat: 0, verifier: AUTH_NONE_CRED, acceptStat: 4 },
    '00000007 00000001 00000000 00000000 00000000 00000004',
  ],
  [
    'SYSTEM_ERR',
    { xid: 7, replyStat: 0, verifier: AUTH_NONE_CRED, acceptStat: 5 },
    '00000007 00000001 00000000 00000000 00000000 00000005',
  ],
  [
    'RPC_MISMATCH low 2 high 2',
    { xid: 7, replyStat: 1, rejectStat: 0, low: 2, high: 2 },
    '00000007 00000001 00000001 00000000 00000002 00000002',
  ],
  [
    'AUTH_ERROR TOOWEAK',
    { xid: 7, replyStat: 1, rejectStat: 1, authStat: 5 },
    '00000007 00000001 00000001 00000001 00000005',
  ],
];

t.test('every reply status: encode to the fixture, decode back, mirror', async (t) => {
  for (const [name, reply, fixture] of replies) {
    const w = new XdrWriter();
    encodeReply(w, reply);
    const bytes = w.finish();
    t.equal(toHex(bytes), toHex(hex(fixture)), `${name}: encode`);
    const decoded = decodeReply(new XdrReader(bytes));
    const normalized = 'results' in decoded ? { ...decoded, results: toHex(decoded.results) } : decoded;
    const expected =
      'results' in reply && reply.results instanceof Uint8Array ? { ...reply, results: toHex(reply.results) } : reply;
    t.same(normalized, expected, `${name}: decode`);
    const w2 = new XdrWriter();
    encodeReply(w2, decoded as RpcReplyInput);
    t.equal(toHex(w2.finish()), toHex(bytes), `${name}: mirror`);
  }
  t.equal(AcceptStat.PROG_MISMATCH, 2);
});

t.test('malformed messages raise XdrError with a code', async (t) => {
  const cases: [string, string, string][] = [
    ['empty', '', 'SHORT_BUFFER'],
    ['msg_type 2', '00000001 00000002', 'BAD_DISCRIMINANT'],
    ['reply_stat 2', '00000001 00000001 00000002', 'BAD_DISCRIMINANT'],
    ['accept_stat 6', '00000001 00000001 00000000 00000000 00000000 00000006', 'BAD_DISCRIMINANT'],
    ['reject_stat 2', '00000001 00000001 00000001 00000002', 'BAD_DISCRIMINANT'],
    ['PROG_MISMATCH without high', '00000001 00000001 00000000 00000000 00000000 00000002 00000002', 'SHORT_BUFFER'],
    ['verifier over 400 bytes', '00000001 00000001 00000000 00000000 00000191', 'LIMIT_EXCEEDED'],
    [
      'cred body cut short',
      '00000001 00000000 00000002 00000001 00000001 00000000 00000001 00000008 0000',
      'SHORT_BUFFER',
    ],
  ];
  for (const [name, bytes, code] of cases) {
    t.throws(() => decodeMessage(new XdrReader(hex(bytes))), { code }, name);
  }
  t.throws(
    () => decodeCall(new XdrReader(hex(replies[0]![2]))),
    { code: 'BAD_DISCRIMINANT' },
    'reply given to decodeCall',
  );
  t.throws(() => decodeReply(new XdrReader(nullCall)), { code: 'BAD_DISCRIMINANT' }, 'call given to decodeReply');
});

t.test('fuzz: random bytes raise only XdrError; decode(encode(decode(x))) equals decode(x)', async (t) => {
  let decoded = 0;
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ maxLength: 64 }),
        // bias towards plausible headers
        fc
          .tuple(
            fc.constantFrom(...replies.map((r) => hex(r[2])), nullCall, getportSys),
            fc.nat(80),
            fc.uint8Array({ maxLength: 8 }),
          )
          .map(([base, cut, extra]) => Uint8Array.from([...base.subarray(0, cut), ...extra])),
      ),
      (bytes) => {
        let message: ReturnType<typeof decodeMessage>;
        try {
          message = decodeMessage(new XdrReader(bytes));
        } catch (error) {
          if (!(error instanceof XdrError)) throw error;
          return;
        }
        decoded++;
        const w = new XdrWriter();
        if (message.type === 0) encodeCall(w, message);
        else encodeReply(w, message as RpcReplyInput);
        const again = decodeMessage(new XdrReader(w.finish()));
        const plain = (m: object) => JSON.parse(JSON.stringify(m, (_k, v) => (v instanceof Uint8Array ? toHex(v) : v)));
        t.same(plain(again), plain(message));
      },
    ),
    { numRuns: 2000 },
  );
  t.ok(decoded > 0, 'some inputs decoded');
});

t.test('RpcError carries code, low/high, authStat', async (t) => {
  const e = new RpcError('PROG_MISMATCH', 'x', { low: 2, high: 4 });
  t.same([e.code, e.low, e.high, e.authStat], ['PROG_MISMATCH', 2, 4, undefined]);
  t.equal(new RpcError('SYSTEM_ERR').code, 'SYSTEM_ERR');
});

t.test(
  'fuzz: decodeAuth on random bodies raises only XdrError or RpcError BAD_AUTH; bodies re-encode to the same',
  async (t) => {
    const word = fc.oneof(fc.constantFrom(0, 1, 3, 16, 17), fc.nat()).map((n) => {
      const b = new Uint8Array(4);
      new DataView(b.buffer).setUint32(0, n);
      return b;
    });
    const body = fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      fc.array(fc.oneof(word, fc.uint8Array({ maxLength: 7 })), { maxLength: 24 }).map((p) => Buffer.concat(p)),
    );
    let decoded = 0;
    fc.assert(
      fc.property(fc.constantFrom(0, 1, 2, 6, 99), body, (flavor, bytes) => {
        let auth: ReturnType<typeof decodeAuth>;
        try {
          auth = decodeAuth({ flavor, body: bytes });
        } catch (error) {
          if (error instanceof RpcError && error.code === 'BAD_AUTH') return;
          if (!(error instanceof XdrError)) throw error;
          return;
        }
        decoded++;
        if (auth.kind !== 'AUTH_SYS' && auth.kind !== 'RPCSEC_GSS') {
          t.equal(toHex(auth.body), toHex(bytes), `flavor ${flavor} passes through`);
          return;
        }
        const w = new XdrWriter();
        if (auth.kind === 'AUTH_SYS') encodeAuthSys(w, auth.sys);
        else encodeRpcGssCredential(w, auth.gss);
        t.same(decodeAuth({ flavor, body: w.finish() }), auth, `flavor ${flavor}`);
      }),
      { numRuns: 3000 },
    );
    t.ok(decoded > 100, `some inputs decoded (${decoded})`);
  },
);
