// Nfs4Client's 4.1 session machinery and stateful helpers over a scripted server that checks slot sequence IDs the
// way RFC 8881 section 2.10.6.1 says a server must: sequence IDs advance per slot, a failed SEQUENCE leaves the slot
// alone, a lost reply is recovered, concurrent compounds use separate slots, a lost session is recovered, and the
// statuses a failover watcher classifies come out as NfsError codes. (Against real ganesha: ganesha-v41-state.test.ts.)
import t, { type Test } from 'tap';
import type { RpcCaller } from '../../src/nfs/caller.js';
import { NfsError } from '../../src/nfs/errors.js';
import {
  COMPOUND4args,
  COMPOUND4res,
  CREATEMODE4,
  EXCHGID4_FLAG,
  type Lock4Denied,
  NFSSTAT4,
  Nfs4Client,
  type Nfs4Op,
  type Nfs4OpResult,
  OPEN_CLAIM_TYPE4,
  type OpenArgs,
  SlotTable,
  STABLE_HOW4,
} from '../../src/nfs/nfs4/index.js';
import { XdrReader, XdrWriter } from '../../src/xdr/index.js';
import { encode, hex } from './codec-check.js';

const fh = hex('01020304');
const sid = { seqid: 1, other: hex('5e1f0000 01000000 02000000') };
const verf = hex('0123456789abcdef');

interface Seen {
  readonly slotId: number;
  readonly sequenceId: number;
  readonly highestSlotId: number;
  readonly ops: string[];
}

/**
 * A scripted 4.1 server. `handle` answers the non-SEQUENCE operations (default: NFS4_OK with a plausible result).
 * `sequenceStatus` can fail SEQUENCE; `dropRequest`/`dropReply` lose the next call before or after it is executed.
 */
class FakeServer implements RpcCaller {
  readonly seen: Seen[] = [];
  readonly exchanges: { ownerId: string; verifier: string }[] = [];
  readonly createSequences: number[] = [];
  slots = new Map<number, number>();
  sessionId = hex('00112233445566778899aabbccddeeff');
  confirmed = false;
  csaSequence = 0;
  sequenceStatus: number | undefined;
  createSessionStatus: number | undefined;
  dropRequest = false;
  dropReply = false;
  /** Resolves pending calls when the test says so (to hold compounds in flight). */
  hold: Promise<void> | undefined;
  handle: (op: Nfs4Op) => Nfs4OpResult | undefined = () => undefined;

  constructor(private readonly t: Test) {}

  async call(_program: number, _version: number, _procedure: number, args: Uint8Array | ((w: XdrWriter) => void)) {
    const w = new XdrWriter();
    if (typeof args === 'function') args(w);
    else w.writeRaw(args);
    const call = COMPOUND4args.decode(new XdrReader(w.finish()));
    if (this.hold !== undefined) await this.hold;
    if (this.dropRequest) {
      this.dropRequest = false;
      throw new Error('request lost');
    }
    const results: Nfs4OpResult[] = [];
    let status = 0;
    for (const op of call.ops) {
      const result = this.execute(op, call.ops);
      results.push(result);
      if (result.status !== 0) {
        status = result.status;
        break;
      }
    }
    if (this.dropReply) {
      this.dropReply = false;
      throw new Error('reply lost');
    }
    return { body: encode(COMPOUND4res, { status, tag: call.tag, results }) };
  }

  private execute(op: Nfs4Op, all: Nfs4Op[]): Nfs4OpResult {
    switch (op.op) {
      case 'EXCHANGE_ID':
        this.exchanges.push({
          ownerId: Buffer.from(op.args.ownerId).toString(),
          verifier: Buffer.from(op.args.verifier).toString('hex'),
        });
        return {
          op: 'EXCHANGE_ID',
          status: 0,
          result: {
            clientId: 77n,
            sequenceId: this.confirmed ? 99 : 5,
            flags: this.confirmed ? EXCHGID4_FLAG.CONFIRMED_R : 0,
            stateProtect: { how: 0 },
            serverOwner: { minorId: 0n, majorId: hex('6e6f6465') },
            serverScope: hex('73636f7065'),
          },
        };
      case 'CREATE_SESSION': {
        this.createSequences.push(op.args.sequence);
        if (this.createSessionStatus !== undefined) {
          const status = this.createSessionStatus;
          this.createSessionStatus = undefined;
          return { op: 'CREATE_SESSION', status };
        }
        const expected = this.confirmed ? this.csaSequence + 1 : 5;
        if (op.args.sequence !== expected) return { op: 'CREATE_SESSION', status: NFSSTAT4.NFS4ERR_SEQ_MISORDERED };
        this.confirmed = true;
        this.csaSequence = op.args.sequence;
        this.slots = new Map();
        return {
          op: 'CREATE_SESSION',
          status: 0,
          result: {
            sessionId: this.sessionId,
            sequence: op.args.sequence,
            flags: 0,
            foreChannel: { ...op.args.foreChannel, maxRequests: Math.min(op.args.foreChannel.maxRequests, 4) },
            backChannel: op.args.backChannel,
          },
        };
      }
      case 'SEQUENCE': {
        const a = op.args;
        this.seen.push({
          slotId: a.slotId,
          sequenceId: a.sequenceId,
          highestSlotId: a.highestSlotId,
          ops: all.slice(1).map((o) => o.op),
        });
        if (this.sequenceStatus !== undefined) {
          const status = this.sequenceStatus;
          this.sequenceStatus = undefined;
          return { op: 'SEQUENCE', status };
        }
        const last = this.slots.get(a.slotId) ?? 0;
        if (a.sequenceId !== last + 1) {
          this.t.comment(`slot ${a.slotId}: got ${a.sequenceId}, expected ${last + 1}`);
          return {
            op: 'SEQUENCE',
            status: a.sequenceId === last ? NFSSTAT4.NFS4ERR_RETRY_UNCACHED_REP : NFSSTAT4.NFS4ERR_SEQ_MISORDERED,
          };
        }
        this.slots.set(a.slotId, a.sequenceId);
        return {
          op: 'SEQUENCE',
          status: 0,
          result: {
            sessionId: a.sessionId,
            sequenceId: a.sequenceId,
            slotId: a.slotId,
            highestSlotId: a.highestSlotId,
            targetHighestSlotId: 3,
            statusFlags: 0,
          },
        };
      }
      default:
        return this.handle(op) ?? defaultResult(op);
    }
  }
}

function defaultResult(op: Nfs4Op): Nfs4OpResult {
  switch (op.op) {
    case 'OPEN':
      return {
        op: 'OPEN',
        status: 0,
        result: {
          stateid: sid,
          cinfo: { atomic: true, before: 1n, after: 2n },
          rflags: 4,
          attrset: [],
          delegation: { type: 0 },
        },
      };
    case 'GETFH':
      return { op: 'GETFH', status: 0, result: { fh: hex('0a0b0c0d') } };
    case 'GETATTR':
      return { op: 'GETATTR', status: 0, result: { attrmask: [10], values: { leaseTime: 90 } } };
    case 'WRITE':
      return {
        op: 'WRITE',
        status: 0,
        result: { count: op.args.data.length, committed: op.args.stable, verifier: verf },
      };
    case 'COMMIT':
      return { op: 'COMMIT', status: 0, result: { verifier: verf } };
    case 'READ':
      return { op: 'READ', status: 0, result: { eof: true, data: hex('6869') } };
    case 'LOCK':
      return { op: 'LOCK', status: 0, result: { lockStateid: sid } };
    case 'LOCKU':
      return { op: 'LOCKU', status: 0, result: { lockStateid: sid } };
    case 'CLOSE':
      return { op: 'CLOSE', status: 0, result: { openStateid: sid } };
    case 'REMOVE':
      return { op: 'REMOVE', status: 0, result: { cinfo: { atomic: true, before: 1n, after: 2n } } };
    case 'TEST_STATEID':
      return { op: 'TEST_STATEID', status: 0, result: { statusCodes: op.args.stateids.map(() => 0) } };
    default:
      return { op: op.op, status: 0 } as Nfs4OpResult;
  }
}

async function rejectsWith(
  t: Test,
  promise: Promise<unknown>,
  code: string,
  what: string,
): Promise<NfsError | undefined> {
  try {
    await promise;
    t.fail(`${what}: expected ${code}`);
    return undefined;
  } catch (error) {
    t.ok(error instanceof NfsError, `${what}: NfsError`);
    t.equal((error as NfsError).code, code, `${what}: ${code}`);
    return error as NfsError;
  }
}

async function withSession(t: Test, slots?: number): Promise<{ server: FakeServer; client: Nfs4Client }> {
  const server = new FakeServer(t);
  const client = new Nfs4Client(server, { minorVersion: 1 });
  await client.createSession('owner-1', slots === undefined ? {} : { slots });
  return { server, client };
}

t.test('sequence IDs advance per slot; a failed SEQUENCE does not advance the slot', async (t) => {
  const { server, client } = await withSession(t);
  t.equal(client.currentSession?.slots, 1);
  await client.leaseTime();
  await client.leaseTime();
  server.sequenceStatus = NFSSTAT4.NFS4ERR_DELAY;
  await rejectsWith(t, client.leaseTime(), 'NFS4ERR_DELAY', 'SEQUENCE refused');
  await client.leaseTime();
  t.same(
    server.seen.map((s) => s.sequenceId),
    [1, 2, 3, 3],
    'the refused sequence ID is used again',
  );
  t.equal(client.lastSequence?.targetHighestSlotId, 3, 'the last SEQUENCE result is kept');
});

t.test('a lost reply and a lost request on a slot are both recovered', async (t) => {
  const { server, client } = await withSession(t);
  await client.leaseTime(); // slot 0 at 1
  server.dropReply = true; // executed (slot at 2), reply lost
  await t.rejects(client.leaseTime());
  await client.leaseTime(); // 3: accepted at once
  server.dropRequest = true; // never reached the server (slot stays at 3)
  await t.rejects(client.leaseTime()); // sent 4
  await client.leaseTime(); // sends 5: MISORDERED; steps back and resends 4
  t.same(
    server.seen.map((s) => s.sequenceId),
    [1, 2, 3, 5, 4],
    'after a lost request the client retries once with the sequence ID the server expects',
  );
  await client.leaseTime();
  t.equal(server.seen.at(-1)?.sequenceId, 5);
});

t.test('concurrent compounds take separate slots; more than the slots wait', async (t) => {
  const { server, client } = await withSession(t, 8);
  t.equal(client.currentSession?.slots, 4, 'min(asked 8, granted 4)');
  let release!: () => void;
  server.hold = new Promise((r) => {
    release = r;
  });
  const calls = Array.from({ length: 6 }, () => client.leaseTime());
  await new Promise((r) => setImmediate(r));
  release();
  server.hold = undefined;
  t.same(await Promise.all(calls), [90, 90, 90, 90, 90, 90]);
  const bySlot = new Map<number, number[]>();
  for (const s of server.seen) bySlot.set(s.slotId, [...(bySlot.get(s.slotId) ?? []), s.sequenceId]);
  t.same([...bySlot.keys()].sort(), [0, 1, 2, 3], 'four slots used');
  t.same(bySlot.get(0), [1, 2]);
  t.same(bySlot.get(1), [1, 2]);
  t.ok(
    server.seen.every((s) => s.highestSlotId === 3),
    'sa_highest_slotid is the highest slot of the table',
  );
  // The slot table alone: FIFO waiters, lowest free slot first.
  const table = new SlotTable(2);
  const a = await table.acquire();
  const b = await table.acquire();
  const waiting = table.acquire();
  table.release(b);
  t.equal((await waiting).id, 1);
  table.release(a);
  t.equal((await table.acquire()).id, 0);
});

t.test('recoverSession: CREATE_SESSION on the same client ID, or a new EXCHANGE_ID after STALE_CLIENTID', async (t) => {
  const { server, client } = await withSession(t);
  server.sequenceStatus = NFSSTAT4.NFS4ERR_BADSESSION;
  await rejectsWith(t, client.leaseTime(), 'NFS4ERR_BADSESSION', 'session gone');
  const first = await client.recoverSession();
  t.equal(first.newClient, false);
  t.same(server.createSequences, [5, 6], 'csa_sequence advances for a confirmed client');
  await client.leaseTime();
  t.equal(server.seen.at(-1)?.sequenceId, 1, 'a new session starts its slots again');

  // The server restarted: the session and the client ID are gone.
  server.sequenceStatus = NFSSTAT4.NFS4ERR_DEADSESSION;
  await rejectsWith(t, client.leaseTime(), 'NFS4ERR_DEADSESSION', 'session dead');
  server.confirmed = false;
  server.createSessionStatus = NFSSTAT4.NFS4ERR_STALE_CLIENTID;
  const second = await client.recoverSession();
  t.equal(second.newClient, true, 'an unconfirmed record: reclaim');
  t.equal(server.exchanges.length, 2);
  t.same(server.exchanges[1], server.exchanges[0], 'the same owner and verifier are presented again');
  t.equal(server.exchanges[0]?.ownerId, 'owner-1');
  t.same(server.createSequences.slice(2), [7, 5], 'after EXCHANGE_ID: eir_sequenceid');
  t.same(second.session.exchangeId.serverScope, hex('73636f7065'), 'server_scope');
  t.same(second.session.exchangeId.serverOwner.majorId, hex('6e6f6465'), 'server_owner');

  // Another status from CREATE_SESSION is not retried.
  server.sequenceStatus = NFSSTAT4.NFS4ERR_BADSESSION;
  await rejectsWith(t, client.leaseTime(), 'NFS4ERR_BADSESSION', 'session gone again');
  server.createSessionStatus = NFSSTAT4.NFS4ERR_DELAY;
  await rejectsWith(t, client.recoverSession(), 'NFS4ERR_DELAY', 'CREATE_SESSION refused');
  t.equal(client.currentSession, undefined, 'no session meanwhile');
  t.equal((await client.recoverSession()).newClient, false, 'recoverSession can be retried');
  await client.destroySession();
  await rejectsWith(t, client.recoverSession(), 'NFS4ERR_BADSESSION', 'nothing to recover after destroySession');
});

t.test('stateful helpers: the COMPOUNDs they send and what they return', async (t) => {
  const { server, client } = await withSession(t);
  const sent: Nfs4Op[] = [];
  server.handle = (op) => {
    sent.push(op);
    return undefined;
  };
  const opened = await client.openFile(fh, 'probe', { create: true, mode: 0o600 });
  t.same(opened.fh, hex('0a0b0c0d'));
  t.same(server.seen.at(-1)?.ops, ['PUTFH', 'OPEN', 'GETFH']);
  const open = sent[1] as { op: 'OPEN'; args: OpenArgs };
  t.same(open.args.owner.clientId, 77n, 'the open owner carries the client ID');
  t.same(open.args.openhow, {
    opentype: 1,
    how: { mode: CREATEMODE4.UNCHECKED4, attrs: { attrmask: [33], values: { mode: 0o600 } } },
  });
  t.same(open.args.claim, { claim: OPEN_CLAIM_TYPE4.CLAIM_NULL, file: 'probe' });

  sent.length = 0;
  await client.openFile(fh, '', { claim: 'previous' });
  t.same((sent[1] as { args: OpenArgs }).args.claim, { claim: OPEN_CLAIM_TYPE4.CLAIM_PREVIOUS, delegateType: 0 });
  t.same((sent[1] as { args: OpenArgs }).args.openhow, { opentype: 0 });
  sent.length = 0;
  await client.openFile(fh, 'x', { create: 'exclusive', verifier: verf });
  t.equal((sent[1] as { args: OpenArgs }).args.openhow.opentype, 1);
  t.match((sent[1] as { args: OpenArgs }).args.openhow, { how: { mode: CREATEMODE4.EXCLUSIVE4_1 } });

  const w = await client.write(opened.fh, opened.stateid, 4096, hex('6869'), STABLE_HOW4.UNSTABLE4);
  t.same(w, { count: 2, committed: 0, verifier: verf });
  t.same(await client.commit(opened.fh), verf);
  t.same((await client.read(opened.fh, opened.stateid, 0, 10)).data, hex('6869'));
  t.same(await client.lock(opened.fh, { openStateid: opened.stateid, offset: 0, length: 100 }), sid);
  t.same(await client.locku(opened.fh, sid, { offset: 0, length: 100 }), sid);
  t.equal(await client.lockt(opened.fh, { offset: 0, length: 1 }), undefined, 'LOCKT OK: no conflict');
  t.same(await client.testStateid([sid]), [0]);
  await client.freeStateid(sid);
  await client.reclaimComplete();
  t.same(await client.close(opened.fh, opened.stateid), sid);
  t.same((await client.remove(fh, 'probe')).after, 2n);
  t.throws(() => client.build().write(sid, -1, hex('00')), RangeError, 'a negative offset');
  t.throws(() => client.build().read(sid, 2 ** 53, 1), RangeError, 'an unsafe number offset');
  t.end();
});

t.test('LOCK and LOCKT: NFS4ERR_DENIED carries the holder', async (t) => {
  const { server, client } = await withSession(t);
  const holder: Lock4Denied = { offset: 0n, length: 100n, locktype: 2, owner: { clientId: 5n, owner: hex('6f') } };
  server.handle = (op) =>
    op.op === 'LOCK' || op.op === 'LOCKT'
      ? ({ op: op.op, status: NFSSTAT4.NFS4ERR_DENIED, denied: holder } as Nfs4OpResult)
      : undefined;
  const error = await rejectsWith(t, client.lock(fh, { openStateid: sid }), 'NFS4ERR_DENIED', 'LOCK');
  t.same(error?.result, holder, 'NfsError.result is the LOCK4denied');
  t.equal(error?.procedure, 'COMPOUND[1] LOCK');
  t.same(await client.lockt(fh, { offset: 50, length: 10 }), holder);
  await t.rejects(client.lock(fh, {}), RangeError, 'a lock needs an open or a lock stateid');
});

t.test('statuses a failover watcher classifies surface as NfsError codes', async (t) => {
  const { server, client } = await withSession(t);
  const codes = [
    'NFS4ERR_GRACE',
    'NFS4ERR_NO_GRACE',
    'NFS4ERR_RECLAIM_BAD',
    'NFS4ERR_STALE',
    'NFS4ERR_FHEXPIRED',
    'NFS4ERR_STALE_CLIENTID',
    'NFS4ERR_EXPIRED',
    'NFS4ERR_BAD_STATEID',
  ] as const;
  for (const code of codes) {
    server.handle = (op) => (op.op === 'OPEN' ? ({ op: 'OPEN', status: NFSSTAT4[code] } as Nfs4OpResult) : undefined);
    const error = await rejectsWith(t, client.openFile(fh, 'f'), code, `OPEN ${code}`);
    t.equal(error?.status, NFSSTAT4[code]);
  }
  server.handle = () => undefined;
  for (const code of ['NFS4ERR_BADSESSION', 'NFS4ERR_DEADSESSION', 'NFS4ERR_SEQ_MISORDERED'] as const) {
    server.sequenceStatus = NFSSTAT4[code];
    const error = await rejectsWith(t, client.write(fh, sid, 0, hex('00')), code, `SEQUENCE ${code}`);
    t.equal(error?.procedure, 'COMPOUND[0] SEQUENCE');
  }
  const noSession = new Nfs4Client(new FakeServer(t), { minorVersion: 1 });
  await rejectsWith(t, noSession.openFile(fh, 'f'), 'NFS4ERR_OP_NOT_IN_SESSION', 'OPEN without a session');
  await rejectsWith(t, noSession.recoverSession(), 'NFS4ERR_BADSESSION', 'recover without a session');
});
