// Cross-check of our NLM codecs with an independent decoder, Wireshark's: a call and a reply of every procedure of
// versions 4, 3 and 1 (TEST with a holder, LOCK, CANCEL, UNLOCK, GRANTED, the _MSG and _RES variants, SHARE, UNSHARE,
// NM_LOCK, FREE_ALL) as UDP datagrams in a pcap (linktype 101, raw IPv4); tshark must find no malformed packet and
// must show the fields we encoded. Needs tshark (not root); skipped when it is missing, except in CI.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import {
  FSH_ACCESS,
  FSH_MODE,
  LCK_DENIED,
  LCK_DENIED_GRACE_PERIOD,
  LCK_GRANTED,
  NLM_PROCEDURES,
  NLM_PROGRAM,
  type NlmVersion,
  nlmProcedureFor,
} from '../../src/nlm/protocol.js';
import { AUTH_NONE_CRED, AUTH_NONE_VERIFIER } from '../../src/rpc/auth.js';
import { encodeCall, encodeReply } from '../../src/rpc/message.js';
import { XdrWriter } from '../../src/xdr/index.js';
import { ipv4, pcap, u16 } from '../helpers/pcap.js';
import { have, parseTsharkExpert, run, TSHARK_RPC_BY_CONTENT } from '../lab/namespace.js';

/** One IPv4/UDP datagram between 127.0.0.1:40000 (client) and 127.0.0.2:4045 (lock manager); UDP checksum 0. */
function datagram(fromClient: boolean, payload: Uint8Array, id: number): Uint8Array {
  const [sport, dport] = fromClient ? [40000, 4045] : [4045, 40000];
  return ipv4(17, fromClient, id, [...u16(sport), ...u16(dport), ...u16(8 + payload.length), 0, 0], payload);
}

const text = (s: string) => new TextEncoder().encode(s);
const cookie = text('cook');
const fh = Uint8Array.from({ length: 32 }, (_, i) => i);

function values(version: NlmVersion, procedure: number): { args: unknown; result: unknown } {
  const wide = version === 4;
  const range = (n: number) => (wide ? BigInt(n) : n);
  const alock = {
    callerName: 'canary',
    fh,
    oh: text('12@canary'),
    svid: 4242,
    offset: range(4096),
    length: range(512),
  };
  const holder = { exclusive: true, svid: 7, oh: text('7@other'), offset: range(0), length: range(0) };
  const testargs = { cookie, exclusive: true, alock };
  const lockargs = { cookie, block: true, exclusive: true, alock, reclaim: false, state: 3 };
  const cancargs = { cookie, block: true, exclusive: true, alock };
  const unlockargs = { cookie, alock };
  const res = { cookie, stat: LCK_GRANTED };
  const testres = { cookie, testStat: { tag: LCK_DENIED, value: holder } };
  const share = { callerName: 'canary', fh, oh: text('12@canary'), mode: FSH_MODE.fsm_DW, access: FSH_ACCESS.fsa_RW };
  const shareargs = { cookie, share, reclaim: false };
  const shareres = { cookie, stat: LCK_DENIED_GRACE_PERIOD, sequence: 1 };
  const table: Record<number, { args: unknown; result: unknown }> = {
    0: { args: undefined, result: undefined },
    1: { args: testargs, result: testres },
    2: { args: lockargs, result: res },
    3: { args: cancargs, result: res },
    4: { args: unlockargs, result: res },
    5: { args: testargs, result: res },
    6: { args: testargs, result: undefined },
    7: { args: lockargs, result: undefined },
    8: { args: cancargs, result: undefined },
    9: { args: unlockargs, result: undefined },
    10: { args: testargs, result: undefined },
    11: { args: testres, result: undefined },
    12: { args: res, result: undefined },
    13: { args: res, result: undefined },
    14: { args: res, result: undefined },
    15: { args: res, result: undefined },
    20: { args: shareargs, result: shareres },
    21: { args: shareargs, result: shareres },
    22: { args: lockargs, result: res },
    23: { args: { name: 'canary', state: 5 }, result: undefined },
  };
  return table[procedure]!;
}

const packets: Uint8Array[] = [];
let xid = 0x4e4c0000;
let calls = 0;
for (const version of [4, 3, 1] as const) {
  for (const procedure of Object.values(NLM_PROCEDURES)) {
    const p = nlmProcedureFor(version, procedure);
    if (p === undefined) continue;
    const v = values(version, procedure);
    const call = new XdrWriter();
    encodeCall(call, {
      xid: ++xid,
      program: NLM_PROGRAM,
      version,
      procedure,
      cred: AUTH_NONE_CRED,
      verifier: AUTH_NONE_VERIFIER,
      args: (w) => p.args.encode(w, v.args),
    });
    const reply = new XdrWriter();
    encodeReply(reply, {
      xid,
      replyStat: 0,
      verifier: AUTH_NONE_VERIFIER,
      acceptStat: 0,
      results: (w) => p.result.encode(w, v.result),
    });
    packets.push(
      datagram(true, call.finish(), packets.length + 1),
      datagram(false, reply.finish(), packets.length + 2),
    );
    calls++;
  }
}

if (!have('tshark')) {
  if (process.env.CI === 'true') t.fail('tshark is missing — .ci/run must install it');
  else t.skip('tshark is not installed', () => {});
} else {
  const dir = mkdtempSync(join(tmpdir(), 'nfsprobe-nlm-tshark-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'nlm.pcap');
  writeFileSync(file, pcap(packets));
  const fields = (filter: string, ...names: string[]) =>
    run('tshark', [
      '-r',
      file,
      ...TSHARK_RPC_BY_CONTENT,
      '-Y',
      filter,
      '-T',
      'fields',
      ...names.flatMap((n) => ['-e', n]),
    ])
      .split('\n')
      .filter((l) => l !== '');

  t.test('tshark finds no malformed packet and no protocol warning', async (t) => {
    const problems = parseTsharkExpert(
      run('tshark', ['-r', file, ...TSHARK_RPC_BY_CONTENT, '-q', '-z', 'expert,note']),
    );
    t.same(problems, []);
    t.equal(calls, 20 + 20 + 16, 'every procedure of v4 and v3, 0..15 of v1');
  });

  t.test('tshark decodes every call and reply as NLM', async (t) => {
    t.equal(fields('nlm && rpc.msgtyp == 0', 'frame.number').length, calls, 'every call is NLM');
    t.equal(fields('nlm && rpc.msgtyp == 1', 'frame.number').length, calls, 'every reply is matched and NLM');
    t.same(
      fields('nlm.procedure_v4 && rpc.msgtyp == 0', 'nlm.procedure_v4').map(Number),
      Object.values(NLM_PROCEDURES),
      'v4 procedure numbers',
    );
  });

  t.test('tshark shows the fields we encoded', async (t) => {
    const lock = fields(
      'nlm.procedure_v4 == 2 && rpc.msgtyp == 0',
      'nlm.lock.caller_name',
      'nlm.lock.svid',
      'nlm.lock.l_offset64',
      'nlm.lock.l_len64',
      'nlm.block',
      'nlm.state',
    );
    t.same(lock, ['canary\t4242\t4096\t512\t1\t3']);
    const lock3 = fields('nlm.procedure_v3 == 2 && rpc.msgtyp == 0', 'nlm.lock.l_offset', 'nlm.lock.l_len');
    t.same(lock3, ['4096\t512'], 'version 3: 32-bit range');
    const holder = fields('nlm.procedure_v4 == 1 && rpc.msgtyp == 1', 'nlm.test_stat.stat', 'nlm.lock.svid');
    t.same(holder, ['1\t7'], 'TEST reply: LCK_DENIED with the holder svid');
    t.same(fields('nlm.procedure_v4 == 20 && rpc.msgtyp == 1', 'nlm.stat', 'nlm.sequence'), ['4\t1'], 'SHARE reply');
    t.same(fields('nlm.procedure_v4 == 20 && rpc.msgtyp == 0', 'nlm.share.mode', 'nlm.share.access'), ['2\t3']);
    t.same(fields('nlm.procedure_v4 == 23', 'nlm.share.name', 'nlm.state').slice(0, 1), ['canary\t5'], 'FREE_ALL');
  });
}
