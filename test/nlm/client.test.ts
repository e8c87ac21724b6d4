// NlmClient and NlmCallbackServer against a scripted NLM server of ours (RpcServer on loopback; no root): a blocking
// LOCK answered LCK_BLOCKED and then GRANTED on our callback server, a grant that never comes (CANCEL sent, NOT_GRANTED),
// GRANTED for a lock nobody waits for (LCK_DENIED), GRANTED_MSG answered with GRANTED_RES, cookies checked, replies
// that do not decode, version 1/3 range limits, and every procedure's codec on the wire.
import t, { type Test } from 'tap';
import {
  LCK_BLOCKED,
  LCK_DENIED,
  LCK_GRANTED,
  NLM_PROGRAM,
  NLMPROC_CANCEL,
  NLMPROC_FREE_ALL,
  NLMPROC_GRANTED_MSG,
  NLMPROC_GRANTED_RES,
  NLMPROC_LOCK,
  NLMPROC_NM_LOCK,
  NLMPROC_SHARE,
  NLMPROC_TEST,
  NLMPROC_UNLOCK,
  NLMPROC_UNSHARE,
  NlmCallbackServer,
  NlmClient,
  NlmError,
  type NlmGrant,
  type NlmVersion,
  nlm4,
  nlmProcedureFor,
} from '../../src/nlm/index.js';
import { RpcClient, RpcServer } from '../../src/rpc/index.js';
import type { XdrReader, XdrWriter } from '../../src/xdr/index.js';

const text = (s: string) => new TextEncoder().encode(s);
const fh = text('file-handle-0001');

interface Seen {
  procedure: number;
  args: Record<string, unknown>;
}

/** A scripted lock manager: `answer(procedure, args)` returns the result value to encode (or raw bytes). */
async function fakeServer(
  t: Test,
  version: NlmVersion,
  answer: (procedure: number, args: Record<string, unknown>) => unknown,
): Promise<{ port: number; seen: Seen[] }> {
  const server = new RpcServer();
  const seen: Seen[] = [];
  const handlers: Record<number, (r: XdrReader) => (w: XdrWriter) => void> = {};
  for (const number of [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 20, 21, 22, 23]) {
    const p = nlmProcedureFor(version, number);
    if (p === undefined) continue;
    if (number === 0) {
      handlers[number] = () => () => {};
      continue;
    }
    handlers[number] = (r) => {
      const args = p.args.decode(r) as Record<string, unknown>;
      seen.push({ procedure: number, args });
      const value = answer(number, args);
      return (w) => (value instanceof Uint8Array ? w.writeRaw(value) : p.result.encode(w, value));
    };
  }
  server.addProgram(NLM_PROGRAM, version, handlers);
  const { udpPort } = await server.listen({ transports: ['udp'] });
  t.teardown(() => server.close());
  return { port: udpPort!, seen };
}

async function client(t: Test, port: number, version: NlmVersion = 4): Promise<NlmClient> {
  const c = await NlmClient.connect({
    host: '127.0.0.1',
    port,
    version,
    timeoutMs: 3000,
    callerName: 'canary',
    oh: text('owner-1'),
    svid: 77,
  });
  t.teardown(() => c.close());
  return c;
}

async function callbacks(t: Test): Promise<{ server: NlmCallbackServer; port: number }> {
  const server = new NlmCallbackServer();
  const { udpPort } = await server.listen();
  t.teardown(() => server.close());
  return { server, port: udpPort! };
}

async function rejectsCode(t: Test, promise: Promise<unknown>, code: string, what: string): Promise<void> {
  try {
    await promise;
    t.fail(`${what}: expected NlmError ${code}`);
  } catch (error) {
    t.ok(error instanceof NlmError, `${what}: NlmError`);
    t.equal((error as NlmError).code, code, `${what}: ${code}`);
  }
}

t.test('blocking lock: LCK_BLOCKED, then the server calls GRANTED on our callback server', async (t) => {
  const cb = await callbacks(t);
  let lockArgs: Record<string, unknown> | undefined;
  let grantedReply: Promise<number> | undefined;
  const fake = await fakeServer(t, 4, (procedure, args) => {
    if (procedure === NLMPROC_LOCK) {
      lockArgs = args;
      // Like a real server: answer BLOCKED, then (later) call the client's lock manager with GRANTED.
      grantedReply = (async () => {
        await new Promise((r) => setImmediate(r));
        const back = new NlmClient(
          new RpcClient({ host: '127.0.0.1', port: cb.port, transport: 'udp', timeoutMs: 3000 }),
        );
        const alock = args.alock as {
          callerName: string;
          oh: Uint8Array;
          svid: number;
          offset: bigint;
          length: bigint;
        };
        const r = await back.granted(
          {
            fh,
            callerName: alock.callerName,
            oh: alock.oh,
            svid: alock.svid,
            offset: alock.offset,
            length: alock.length,
          },
          args.cookie as Uint8Array,
        );
        await back.close();
        return r.stat;
      })();
      return { cookie: args.cookie, stat: LCK_BLOCKED };
    }
    return { cookie: args.cookie, stat: LCK_GRANTED };
  });
  const grants: NlmGrant[] = [];
  cb.server.on('grant', (g) => grants.push(g));
  const c = await client(t, fake.port);
  const r = await c.lockBlocking({ fh, offset: 10, length: 5 }, cb.server, { waitMs: 10_000 });
  t.same([r.statName, r.viaCallback], ['LCK_GRANTED', true], 'granted through the callback');
  t.equal(lockArgs?.block, true, 'LOCK was sent with block=true');
  t.equal(grants.length, 1);
  t.same(
    { ...grants[0]!, oh: Buffer.from(grants[0]!.oh).toString(), fh: undefined, cookie: undefined, from: undefined },
    {
      procedure: 'NLMPROC_GRANTED',
      version: 4,
      from: undefined,
      cookie: undefined,
      exclusive: true,
      callerName: 'canary',
      fh: undefined,
      oh: 'owner-1',
      svid: 77,
      offset: 10n,
      length: 5n,
      matched: true,
    },
  );
  t.equal(await grantedReply, LCK_GRANTED, 'our callback server answered LCK_GRANTED');
});

t.test('blocking lock: no GRANTED arrives — CANCEL is sent and NOT_GRANTED thrown', async (t) => {
  const cb = await callbacks(t);
  const fake = await fakeServer(t, 4, (procedure, args) => ({
    cookie: args.cookie,
    stat: procedure === NLMPROC_LOCK ? LCK_BLOCKED : LCK_GRANTED,
  }));
  const c = await client(t, fake.port);
  await rejectsCode(t, c.lockBlocking({ fh }, cb.server, { waitMs: 100 }), 'NOT_GRANTED', 'no callback');
  t.same(
    fake.seen.map((s) => s.procedure),
    [NLMPROC_LOCK, NLMPROC_CANCEL],
    'LOCK, then CANCEL of the same request',
  );
  t.equal((fake.seen[1]!.args.alock as { svid: number }).svid, 77);
});

t.test('blocking lock answered right away is returned as is', async (t) => {
  const cb = await callbacks(t);
  const fake = await fakeServer(t, 4, (_p, args) => ({ cookie: args.cookie, stat: LCK_DENIED }));
  const c = await client(t, fake.port);
  const r = await c.lockBlocking({ fh }, cb.server, { waitMs: 10_000 });
  t.same([r.statName, r.viaCallback], ['LCK_DENIED', false]);
});

t.test('callback server: GRANTED nobody waits for is LCK_DENIED; GRANTED_MSG', async (t) => {
  const cb = await callbacks(t);
  const back = new NlmClient(new RpcClient({ host: '127.0.0.1', port: cb.port, transport: 'udp', timeoutMs: 3000 }));
  t.teardown(() => back.close());
  t.equal((await back.granted({ fh, oh: text('x'), svid: 1 })).stat, LCK_DENIED, 'no waiter: LCK_DENIED');
  const wait = cb.server.expectGrant({ fh, oh: text('x'), svid: 1 }, 10_000);
  // GRANTED_MSG: no reply body; the grant still resolves the waiter.
  const p = nlmProcedureFor(4, NLMPROC_GRANTED_MSG)!;
  await back.rpc.call(NLM_PROGRAM, 4, NLMPROC_GRANTED_MSG, (w) =>
    p.args.encode(w, { cookie: text('c'), exclusive: false, alock: back.alock({ fh, oh: text('x'), svid: 1 }) }),
  );
  const grant = await wait.granted;
  t.same([grant.procedure, grant.exclusive, grant.matched], ['NLMPROC_GRANTED_MSG', false, true]);
  // An asynchronous result is reported as an event.
  const results: string[] = [];
  cb.server.on('result', (r) => results.push(`${r.procedure}:${r.stat}`));
  const res = nlmProcedureFor(4, NLMPROC_GRANTED_RES)!;
  await back.rpc.call(NLM_PROGRAM, 4, NLMPROC_GRANTED_RES, (w) => res.args.encode(w, { cookie: text('c'), stat: 0 }));
  t.same(results, ['NLMPROC_GRANTED_RES:0']);
});

t.test('every procedure on the wire, and the holder from TEST', async (t) => {
  const fake = await fakeServer(t, 4, (procedure, args) => {
    if (procedure === NLMPROC_TEST) {
      return {
        cookie: args.cookie,
        testStat: { tag: LCK_DENIED, value: { exclusive: true, svid: 9, oh: text('them'), offset: 1n, length: 2n } },
      };
    }
    if (procedure === NLMPROC_SHARE || procedure === NLMPROC_UNSHARE) {
      return { cookie: args.cookie, stat: LCK_GRANTED, sequence: 5 };
    }
    if (procedure === NLMPROC_FREE_ALL) return undefined;
    return { cookie: args.cookie, stat: LCK_GRANTED };
  });
  const c = await client(t, fake.port);
  await c.ping();
  const tested = await c.test({ fh, offset: 0, length: 0 });
  t.same(tested.holder && { ...tested.holder, oh: Buffer.from(tested.holder.oh).toString() }, {
    exclusive: true,
    svid: 9,
    oh: 'them',
    offset: 1n,
    length: 2n,
  });
  t.equal((await c.lock({ fh }, { reclaim: true })).statName, 'LCK_GRANTED');
  t.equal((await c.nmLock({ fh })).statName, 'LCK_GRANTED');
  t.equal((await c.cancel({ fh })).statName, 'LCK_GRANTED');
  t.equal((await c.unlock({ fh, offset: 2n ** 63n })).statName, 'LCK_GRANTED');
  t.equal((await c.share({ fh })).sequence, 5);
  t.equal((await c.unshare({ fh })).sequence, 5);
  await c.freeAll('canary', 3);
  t.same(
    fake.seen.map((s) => s.procedure),
    [
      NLMPROC_TEST,
      NLMPROC_LOCK,
      NLMPROC_NM_LOCK,
      NLMPROC_CANCEL,
      NLMPROC_UNLOCK,
      NLMPROC_SHARE,
      NLMPROC_UNSHARE,
      NLMPROC_FREE_ALL,
    ],
  );
  const lock = fake.seen[1]!.args as { reclaim: boolean; alock: { callerName: string; svid: number; oh: Uint8Array } };
  t.same(
    [lock.reclaim, lock.alock.callerName, lock.alock.svid, Buffer.from(lock.alock.oh).toString()],
    [true, 'canary', 77, 'owner-1'],
    'reclaim flag, caller name, svid and oh as given',
  );
  t.equal((fake.seen[4]!.args.alock as { offset: bigint }).offset, 2n ** 63n, '64-bit offset');
});

t.test('replies checked: cookie, decoding; versions 1 and 3', async (t) => {
  const wrongCookie = await fakeServer(t, 4, () => ({ cookie: text('other'), stat: LCK_GRANTED }));
  await rejectsCode(t, (await client(t, wrongCookie.port)).lock({ fh }), 'BAD_COOKIE', 'a reply for another cookie');
  const garbage = await fakeServer(t, 4, () => new Uint8Array([0, 0, 0, 0, 0, 0, 0, 42]));
  await rejectsCode(t, (await client(t, garbage.port)).lock({ fh }), 'BAD_REPLY', 'stat 42');
  const short = await fakeServer(t, 4, () => new Uint8Array([0, 0, 0, 8]));
  await rejectsCode(t, (await client(t, short.port)).unlock({ fh }), 'BAD_REPLY', 'a truncated reply');

  const v3 = await fakeServer(t, 3, (_p, args) => ({ cookie: args.cookie, stat: LCK_GRANTED }));
  const c3 = await client(t, v3.port, 3);
  t.equal((await c3.lock({ fh, offset: 0xffffffff, length: 1 })).statName, 'LCK_GRANTED');
  t.equal((v3.seen[0]!.args.alock as { offset: number }).offset, 0xffffffff, '32-bit offset on the wire');
  await rejectsCode(t, c3.lock({ fh, offset: 2 ** 32 }), 'BAD_ARGUMENT', 'v3 offset over 32 bits');
  const c1 = await client(t, v3.port, 1);
  await rejectsCode(t, c1.share({ fh }), 'BAD_ARGUMENT', 'version 1 has no SHARE');
  const c4 = await client(t, v3.port);
  await rejectsCode(t, c4.lock({ fh, offset: -1 }), 'BAD_ARGUMENT', 'negative offset');
  await rejectsCode(t, c4.lock({ fh, length: 2n ** 64n }), 'BAD_ARGUMENT', 'length over 64 bits');
  await c4.close();
  await rejectsCode(t, c4.lock({ fh }), 'CLOSED', 'after close');
  t.equal(nlm4.res.name, 'nlm4_res');
});

t.test('closing the callback server ends every wait with CLOSED', async (t) => {
  const server = new NlmCallbackServer();
  await server.listen();
  const wait = server.expectGrant({ fh, oh: text('x'), svid: 1 }, 60_000);
  await server.close();
  await rejectsCode(t, wait.granted, 'CLOSED', 'a wait in progress');
  await rejectsCode(t, server.expectGrant({ fh, oh: text('x'), svid: 1 }, 60_000).granted, 'CLOSED', 'a new wait');
});
