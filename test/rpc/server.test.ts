// RpcServer <-> RpcClient in process on 127.0.0.1, over UDP and TCP; garbage, caps, and every reply status.
import { createSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import fc from 'fast-check';
import t, { type Test } from 'tap';
import {
  AUTH_NONE_CRED,
  authSys,
  decodeAuth,
  decodeReply,
  encodeCall,
  encodeRecord,
  RecordDecoder,
  RpcClient,
  RpcError,
  RpcServer,
  RpcUdpEndpoint,
} from '../../src/rpc/index.js';
import { XdrReader, XdrWriter } from '../../src/xdr/index.js';

const PROG = 0x20000099;

function makeServer(o: ConstructorParameters<typeof RpcServer>[0] = {}): RpcServer {
  const server = new RpcServer(o);
  const procedures = {
    // echo a string
    1: (args: XdrReader) => {
      const text = args.readString(1024);
      return (w: XdrWriter) => w.writeString(text.toUpperCase());
    },
    // async, answers after a delay given in the args
    2: async (args: XdrReader) => {
      const value = args.readUnsignedInt();
      await new Promise((r) => setTimeout(r, value % 7));
      const w = new XdrWriter(8);
      w.writeUnsignedInt(value);
      return w.finish();
    },
    3: () => {
      throw new Error('boom');
    },
    4: () => {
      throw new RpcError('AUTH_ERROR', 'no', { authStat: 5 });
    },
    5: () => {
      throw new RpcError('NO_REPLY');
    },
    // the caller's AUTH_SYS uid and the transport
    6: (_args: XdrReader, call: { cred: typeof AUTH_NONE_CRED; peer: { transport: string } }) => {
      const auth = decodeAuth(call.cred);
      return (w: XdrWriter) => {
        w.writeUnsignedInt(auth.kind === 'AUTH_SYS' ? auth.sys.uid : 0xffffffff);
        w.writeString(call.peer.transport);
      };
    },
    7: async () => {
      throw new RpcError('SYSTEM_ERR');
    },
  };
  server.addProgram(PROG, 2, procedures);
  server.addProgram(PROG, 4, procedures);
  return server;
}

for (const transport of ['udp', 'tcp'] as const) {
  t.test(`${transport}: our client against our server`, async (t) => {
    const server = makeServer();
    const ports = await server.listen({ transports: [transport] });
    t.teardown(() => server.close());
    const port = transport === 'udp' ? ports.udpPort! : ports.tcpPort!;
    const client = new RpcClient({ host: '127.0.0.1', port, transport, timeoutMs: 2000, retransmitMs: 200 });
    t.teardown(() => client.close());

    t.equal((await client.ping(PROG, 2)).body.length, 0, 'NULL is built in');
    const echo = await client.call(PROG, 4, 1, (w) => w.writeString('hello'));
    t.equal(new XdrReader(echo.body).readString(), 'HELLO');

    const results = await Promise.all(
      Array.from({ length: 300 }, (_, i) => client.call(PROG, 2, 2, (w) => w.writeUnsignedInt(i))),
    );
    t.same(
      results.map((r) => new XdrReader(r.body).readUnsignedInt()),
      Array.from({ length: 300 }, (_, i) => i),
      'many calls in flight, async handler, answers matched by xid',
    );

    await t.rejects(client.ping(PROG + 1, 1), { code: 'PROG_UNAVAIL' });
    await t.rejects(client.ping(PROG, 3), { code: 'PROG_MISMATCH', low: 2, high: 4 });
    await t.rejects(client.ping(PROG, 9), { code: 'PROG_MISMATCH', low: 2, high: 4 });
    await t.rejects(client.call(PROG, 2, 99, new Uint8Array(0)), { code: 'PROC_UNAVAIL' });
    await t.rejects(client.call(PROG, 2, 1, Uint8Array.of(0, 0, 0, 9)), { code: 'GARBAGE_ARGS' }, 'XdrError in args');
    await t.rejects(client.call(PROG, 2, 3, new Uint8Array(0)), { code: 'SYSTEM_ERR' }, 'handler threw');
    await t.rejects(client.call(PROG, 2, 7, new Uint8Array(0)), { code: 'SYSTEM_ERR' }, 'async handler rejected');
    await t.rejects(client.call(PROG, 2, 4, new Uint8Array(0)), { code: 'AUTH_ERROR', authStat: 5 });
    await t.rejects(client.call(PROG, 2, 5, new Uint8Array(0), { timeoutMs: 300 }), { code: 'TIMEOUT' }, 'NO_REPLY');
    t.equal(server.stats.handlerErrors, 1);

    const who = await client.call(PROG, 2, 6, new Uint8Array(0), {
      cred: authSys({ machineName: 'm', uid: 4242, gid: 1 }),
    });
    const r = new XdrReader(who.body);
    t.same([r.readUnsignedInt(), r.readString()], [4242, transport]);
    // a broken AUTH_SYS body is refused with AUTH_BADCRED
    await t.rejects(client.ping(PROG, 2, { cred: { flavor: 1, body: Uint8Array.of(0, 0, 0, 1) } }), {
      code: 'AUTH_ERROR',
      authStat: 1,
    });
  });
}

t.test('TCP: a client that splits every record into 1-byte fragments', async (t) => {
  const server = makeServer();
  const { tcpPort } = await server.listen({ transports: ['tcp'] });
  t.teardown(() => server.close());
  const client = new RpcClient({ host: '127.0.0.1', port: tcpPort!, transport: 'tcp', maxFragmentSize: 1 });
  t.teardown(() => client.close());
  const text = 'x'.repeat(300);
  const replies = await Promise.all(
    Array.from({ length: 10 }, () => client.call(PROG, 2, 1, (w) => w.writeString(text))),
  );
  for (const reply of replies) t.equal(new XdrReader(reply.body).readString(), text.toUpperCase());
});

function rawCall(
  xid: number,
  o: { rpcvers?: number; program?: number; version?: number; procedure?: number; args?: Uint8Array } = {},
): Uint8Array {
  const w = new XdrWriter();
  encodeCall(w, {
    xid,
    rpcvers: o.rpcvers ?? 2,
    program: o.program ?? PROG,
    version: o.version ?? 2,
    procedure: o.procedure ?? 0,
    cred: AUTH_NONE_CRED,
    verifier: AUTH_NONE_CRED,
    ...(o.args === undefined ? {} : { args: o.args }),
  });
  return w.finish();
}

t.test('UDP: garbage datagrams are counted and dropped; RPC_MISMATCH for rpcvers 3', async (t) => {
  const server = makeServer();
  const { udpPort } = await server.listen({ transports: ['udp'] });
  t.teardown(() => server.close());
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  t.teardown(() => socket.close());
  const replies: Uint8Array[] = [];
  socket.on('message', (m) => replies.push(m));
  const send = (b: Uint8Array) =>
    new Promise<void>((resolve) => socket.send(b, udpPort!, '127.0.0.1', () => resolve()));
  await send(Uint8Array.of(1, 2, 3));
  await send(rawCall(1).subarray(0, 30)); // cut inside the credential
  const asReply = rawCall(2);
  asReply[7] = 1; // msg_type REPLY
  await send(asReply);
  await send(new Uint8Array(200).fill(0xff));
  await send(rawCall(5, { rpcvers: 3 }));
  await send(rawCall(6));
  const deadline = Date.now() + 3000;
  while (replies.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  t.equal(server.stats.badDatagrams, 4);
  const decoded = replies.map((m) => decodeReply(new XdrReader(m)));
  t.same(
    decoded.map((d) => ({ ...d, verifier: undefined, results: undefined })),
    [
      { xid: 5, replyStat: 1, rejectStat: 0, low: 2, high: 2, verifier: undefined, results: undefined },
      { xid: 6, replyStat: 0, acceptStat: 0, verifier: undefined, results: undefined },
    ],
  );
});

async function rawTcp(
  port: number,
  localAddress = '127.0.0.1',
): Promise<{ socket: Socket; replies: Uint8Array[]; closed: Promise<void> }> {
  const socket = connect({ host: '127.0.0.1', port, localAddress });
  await new Promise((resolve) => socket.once('connect', resolve));
  const decoder = new RecordDecoder();
  const replies: Uint8Array[] = [];
  socket.on('data', (d) => replies.push(...decoder.push(d)));
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return { socket, replies, closed };
}

t.test('TCP: a bad record closes only that connection; record cap; idle timeout', async (t) => {
  const server = makeServer({ maxRecordSize: 512, idleTimeoutMs: 300 });
  const { tcpPort } = await server.listen({ transports: ['tcp'] });
  t.teardown(() => server.close());
  const client = new RpcClient({ host: '127.0.0.1', port: tcpPort!, transport: 'tcp' });
  t.teardown(() => client.close());
  await client.ping(PROG, 2);

  const garbage = await rawTcp(tcpPort!);
  garbage.socket.write(encodeRecord(Uint8Array.of(0, 0, 0, 1, 0, 0, 0, 7, 1, 2, 3, 4)));
  await garbage.closed;
  t.equal(server.stats.badRecords, 1, 'undecodable record: connection closed');

  const huge = await rawTcp(tcpPort!);
  huge.socket.write(Uint8Array.of(0x80, 0, 0x10, 0));
  await huge.closed;
  t.equal(server.stats.badRecords, 2, 'record over the cap: connection closed');

  await client.ping(PROG, 2);
  t.pass('the other connection still works');

  const a = await rawTcp(tcpPort!);
  const b = await rawTcp(tcpPort!);
  a.socket.write(encodeRecord(rawCall(77)));
  await a.closed; // idle timeout after the answer
  t.equal(a.replies.length, 1);
  t.equal(decodeReply(new XdrReader(a.replies[0]!)).xid, 77);
  await b.closed;
  t.ok(server.stats.idleClosed >= 2, 'idle connections closed');
});

t.test('RpcUdpEndpoint against several of our servers at once', async (t) => {
  const servers = await Promise.all(
    [0, 1, 2].map(async () => {
      const s = makeServer();
      const { udpPort } = await s.listen({ transports: ['udp'] });
      t.teardown(() => s.close());
      return udpPort!;
    }),
  );
  const endpoint = await RpcUdpEndpoint.open();
  t.teardown(() => endpoint.close());
  const replies = await Promise.all(
    Array.from({ length: 900 }, (_, i) =>
      endpoint.call({ address: '127.0.0.1', port: servers[i % 3]! }, PROG, 2, 2, (w) => w.writeUnsignedInt(i)),
    ),
  );
  t.same(
    replies.map((r) => new XdrReader(r.body).readUnsignedInt()),
    Array.from({ length: 900 }, (_, i) => i),
  );
  t.equal(endpoint.stats.unknownXid + endpoint.stats.wrongPeer, 0);
});

t.test('RpcUdpEndpoint: 5000 calls started in one tick to one server are all answered (send pacing)', async (t) => {
  const server = makeServer();
  const { udpPort } = await server.listen({ transports: ['udp'] });
  t.teardown(() => server.close());
  const endpoint = await RpcUdpEndpoint.open({ timeoutMs: 15_000 });
  t.teardown(() => endpoint.close());
  const replies = await Promise.all(
    Array.from({ length: 5000 }, (_, i) =>
      endpoint.call({ address: '127.0.0.1', port: udpPort! }, PROG, 2, 1, (w) => w.writeString(`host${i}`)),
    ),
  );
  t.equal(replies.length, 5000);
  t.equal(new XdrReader(replies[4999]!.body).readString(), 'HOST4999');
  t.equal(endpoint.stats.timeouts, 0);
});

/** Wait until `condition` holds (checked every 5 ms); fails the test after 20 s instead of hanging. */
async function until(t: Test, condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!condition()) {
    if (Date.now() > deadline) {
      t.fail(`gave up waiting: ${what}`);
      throw new Error(`gave up waiting: ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * A peer that pipelines NULL calls and never reads a reply. It sends until the server has stopped reading from it
 * and its own socket is blocked (`untilClosed`: until the server closes it), or `limit` bytes are sent. The server's
 * bufferedBytes are sampled as it goes.
 */
async function flood(
  server: RpcServer,
  port: number,
  o: { untilClosed?: boolean; limit?: number } = {},
): Promise<{ sent: number; maxBuffered: number; closed: boolean }> {
  const limit = o.limit ?? 32 * 1024 * 1024;
  const socket = connect({ host: '127.0.0.1', port });
  socket.on('error', () => {});
  socket.pause(); // never read
  await new Promise((resolve) => socket.once('connect', resolve));
  let closed = false;
  const onClose = new Promise<void>((resolve) =>
    socket.once('close', () => {
      closed = true;
      resolve();
    }),
  );
  const batch = Buffer.concat(Array.from({ length: 1024 }, (_, i) => encodeRecord(rawCall(i))));
  let maxBuffered = 0;
  const sample = () => {
    maxBuffered = Math.max(maxBuffered, server.stats.bufferedBytes);
  };
  const sampler = setInterval(sample, 1);
  let sent = 0;
  let blocked = false;
  while (!closed && sent < limit && !(blocked && !o.untilClosed && server.stats.pausedConnections > 0)) {
    sample();
    if (!blocked) {
      sent += batch.length;
      if (socket.write(batch)) continue;
    }
    let onDrain = () => {};
    blocked = await Promise.race([
      new Promise<boolean>((resolve) => {
        onDrain = () => resolve(false);
        socket.once('drain', onDrain);
      }),
      onClose.then(() => false),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 100)),
    ]);
    socket.off('drain', onDrain);
  }
  sample();
  clearInterval(sampler);
  if (!closed) socket.destroy();
  return { sent, maxBuffered, closed };
}

t.test(
  'TCP backpressure: a peer pipelining NULL calls without reading is paused, memory stays bounded, others are served',
  async (t) => {
    const server = makeServer({ maxUnsentReplyBytes: 16 * 1024, writeBlockedTimeoutMs: 600_000 });
    const { tcpPort } = await server.listen({ transports: ['tcp'] });
    t.teardown(() => server.close());
    const result = await flood(server, tcpPort!);
    const stats = server.stats;
    t.equal(result.closed, false, 'the flooder is still connected');
    t.equal(stats.pausedConnections, 1, 'the server stopped reading from it');
    t.ok(result.sent > stats.calls * 44, `it sent more than was answered (${result.sent} bytes, ${stats.calls} calls)`);
    t.ok(result.maxBuffered < 256 * 1024, `buffered bytes stayed under 256 KiB: at most ${result.maxBuffered}`);
    const client = new RpcClient({ host: '127.0.0.1', port: tcpPort!, transport: 'tcp', timeoutMs: 5000 });
    t.teardown(() => client.close());
    await client.ping(PROG, 2);
    t.pass('a well-behaved client is answered meanwhile');
    t.equal(server.stats.closedForBackpressure, 0);
  },
);

t.test('TCP backpressure: a peer that leaves its replies unread past writeBlockedTimeoutMs is closed', async (t) => {
  const server = makeServer({ maxUnsentReplyBytes: 16 * 1024, writeBlockedTimeoutMs: 200 });
  const { tcpPort } = await server.listen({ transports: ['tcp'] });
  t.teardown(() => server.close());
  const result = await flood(server, tcpPort!, { untilClosed: true });
  t.equal(result.closed, true, 'the flooder was closed');
  t.equal(server.stats.closedForBackpressure, 1);
  t.ok(result.maxBuffered < 256 * 1024, `buffered bytes stayed under 256 KiB: at most ${result.maxBuffered}`);
  const client = new RpcClient({ host: '127.0.0.1', port: tcpPort!, transport: 'tcp', timeoutMs: 5000 });
  t.teardown(() => client.close());
  await client.ping(PROG, 2);
  await until(t, () => server.stats.openConnections === 1, 'the flooder connection is gone');
});

const PROG_HOLD = 0x2000009a;

/** makeServer plus program PROG_HOLD v1: procedure 1 answers only when released. */
function holdingServer(o: ConstructorParameters<typeof RpcServer>[0] = {}) {
  const server = makeServer(o);
  const held: (() => void)[] = [];
  server.addProgram(PROG_HOLD, 1, {
    1: () => new Promise<undefined>((resolve) => held.push(() => resolve(undefined))),
  });
  const release = () => {
    for (const resolve of held.splice(0)) resolve();
  };
  return { server, held, release };
}

const holdCall = (xid: number) => encodeRecord(rawCall(xid, { program: PROG_HOLD, version: 1, procedure: 1 }));

t.test('TCP: calls in flight per connection are capped; the rest wait unread until answers go out', async (t) => {
  const { server, held, release } = holdingServer({ maxCallsInFlight: 3 });
  const { tcpPort } = await server.listen({ transports: ['tcp'] });
  t.teardown(() => server.close());
  const peer = await rawTcp(tcpPort!);
  peer.socket.write(Buffer.concat(Array.from({ length: 10 }, (_, i) => holdCall(i))));
  await until(t, () => held.length === 3, 'three calls in the handler');
  // a round trip on another connection, then look again: the other 7 were not dispatched
  const client = new RpcClient({ host: '127.0.0.1', port: tcpPort!, transport: 'tcp', timeoutMs: 5000 });
  t.teardown(() => client.close());
  await client.ping(PROG, 2);
  t.equal(held.length, 3, 'only maxCallsInFlight calls dispatched');
  t.equal(server.stats.pausedConnections, 1);
  while (peer.replies.length < 10) {
    release();
    await until(t, () => held.length > 0 || peer.replies.length === 10, 'the next calls');
    t.ok(held.length <= 3);
  }
  t.same(
    peer.replies.map((r) => decodeReply(new XdrReader(r)).xid),
    Array.from({ length: 10 }, (_, i) => i),
    'all answered, in order',
  );
  peer.socket.destroy();
});

t.test('TCP: a connection that sends no complete record within firstRecordTimeoutMs is closed', async (t) => {
  const server = makeServer({ firstRecordTimeoutMs: 200, idleTimeoutMs: 600_000 });
  const { tcpPort } = await server.listen({ transports: ['tcp'] });
  t.teardown(() => server.close());
  const client = new RpcClient({ host: '127.0.0.1', port: tcpPort!, transport: 'tcp', timeoutMs: 5000 });
  t.teardown(() => client.close());
  await client.ping(PROG, 2);
  const silent = await rawTcp(tcpPort!);
  const partial = await rawTcp(tcpPort!);
  partial.socket.write(encodeRecord(rawCall(1)).subarray(0, 10)); // a record that never completes
  await Promise.all([silent.closed, partial.closed]);
  t.equal(server.stats.firstRecordClosed, 2);
  await client.ping(PROG, 2);
  t.equal(server.stats.connections, 3, 'the client that had sent a call kept its connection');
  t.equal(server.stats.openConnections, 1);
});

t.test('TCP: per-peer connection limit; busy connections are never closed for room', async (t) => {
  const { server, held, release } = holdingServer({ maxConnectionsPerPeer: 2 });
  const { tcpPort } = await server.listen({ transports: ['tcp'] });
  t.teardown(() => server.close());
  t.teardown(release);
  const a = await rawTcp(tcpPort!);
  const b = await rawTcp(tcpPort!);
  a.socket.write(holdCall(1));
  b.socket.write(holdCall(2));
  await until(t, () => held.length === 2, 'both connections busy');
  const c = await rawTcp(tcpPort!);
  await c.closed;
  t.equal(server.stats.rejectedConnections, 1, 'a third connection from 127.0.0.1 is refused');
  const other = await rawTcp(tcpPort!, '127.0.0.2');
  other.socket.write(encodeRecord(rawCall(9)));
  await until(t, () => other.replies.length === 1, 'the other peer is answered');
  t.equal(decodeReply(new XdrReader(other.replies[0]!)).xid, 9, 'another address is not limited');
  release();
  await until(t, () => a.replies.length === 1 && b.replies.length === 1, 'answers');
  // now both are idle: a new connection from 127.0.0.1 closes the one that has gone longest without a call
  const d = await rawTcp(tcpPort!);
  await a.closed;
  t.equal(server.stats.evictedIdle, 1, 'the longest-idle connection of that peer made room');
  d.socket.write(encodeRecord(rawCall(10)));
  await until(t, () => d.replies.length === 1, 'the new connection is served');
  t.equal(server.stats.openConnections, 3, 'b, d and the other peer');
  for (const p of [b, d, other]) p.socket.destroy();
});

t.test('TCP: at maxConnections the connection idle longest is closed for a new client, never a busy one', async (t) => {
  const { server, held, release } = holdingServer({ maxConnections: 3 });
  const { tcpPort } = await server.listen({ transports: ['tcp'] });
  t.teardown(() => server.close());
  t.teardown(release);
  const a = await rawTcp(tcpPort!);
  const b = await rawTcp(tcpPort!);
  const c = await rawTcp(tcpPort!);
  b.socket.write(encodeRecord(rawCall(1))); // b is the most recently active
  await until(t, () => b.replies.length === 1, 'b answered');
  const d = await rawTcp(tcpPort!);
  await a.closed;
  t.equal(server.stats.evictedIdle, 1, 'a, idle since it connected, made room for d');
  const e = await rawTcp(tcpPort!);
  await c.closed;
  t.equal(server.stats.evictedIdle, 2, 'then c (idle longer than b, whose call came later)');
  // every connection busy: a newcomer is refused
  for (const [i, p] of [b, d, e].entries()) p.socket.write(holdCall(100 + i));
  await until(t, () => held.length === 3, 'all busy');
  const f = await rawTcp(tcpPort!);
  await f.closed;
  t.equal(server.stats.rejectedConnections, 1, 'refused when nothing is idle');
  t.equal(server.stats.evictedIdle, 2);
  release();
  await until(t, () => b.replies.length + d.replies.length + e.replies.length === 4, 'answers');
  t.equal(server.stats.openConnections, 3);
  for (const p of [b, d, e]) p.socket.destroy();
});

const PROG_SMALL = 0x2000009b;

t.test(
  'per-program record cap: TCP records and UDP datagrams over a program cap are refused from the head',
  async (t) => {
    const server = makeServer();
    server.addProgram(PROG_SMALL, 1, { 1: () => undefined }, { maxRecordSize: 256 });
    const { tcpPort, udpPort } = await server.listen();
    t.teardown(() => server.close());
    const client = new RpcClient({ host: '127.0.0.1', port: tcpPort!, transport: 'tcp', timeoutMs: 5000 });
    t.teardown(() => client.close());
    const args = (n: number) => new Uint8Array(n);
    await client.call(PROG_SMALL, 1, 1, args(200));
    t.pass('a call under the cap is answered');
    await client.call(PROG, 2, 0, args(10_000));
    t.pass('other programs keep the server cap');
    await t.rejects(client.call(PROG_SMALL, 1, 1, args(300)), { code: 'CONNECTION' }, 'over the cap: closed');
    t.equal(server.stats.badRecords, 1);
    // only the head of a record that claims 100,000 bytes: refused without waiting for the body
    const head = await rawTcp(tcpPort!);
    const call = rawCall(5, { program: PROG_SMALL, version: 1, procedure: 1 });
    head.socket.write(Buffer.concat([Uint8Array.of(0x80, 0x01, 0x86, 0xa0), call.subarray(0, 20)]));
    await head.closed;
    t.equal(server.stats.badRecords, 2);
    // unregistered programs get the largest registered cap (here the server's), versions of PROG_SMALL its own
    const unknown = await rawTcp(tcpPort!);
    unknown.socket.write(encodeRecord(rawCall(6, { program: PROG_SMALL, version: 9, args: args(300) })));
    await unknown.closed;
    t.equal(server.stats.badRecords, 3, 'an unknown version of a capped program is held to its cap');
    // UDP: dropped and counted
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    t.teardown(() => socket.close());
    const replies: number[] = [];
    socket.on('message', (m) => replies.push(decodeReply(new XdrReader(m)).xid));
    const send = (b: Uint8Array) =>
      new Promise<void>((resolve) => socket.send(b, udpPort!, '127.0.0.1', () => resolve()));
    await send(rawCall(7, { program: PROG_SMALL, version: 1, procedure: 1, args: args(300) }));
    await send(rawCall(8, { program: PROG_SMALL, version: 1, procedure: 1, args: args(100) }));
    await until(t, () => replies.length === 1, 'the small datagram answered');
    t.same(replies, [8]);
    t.equal(server.stats.badDatagrams, 1);
  },
);

t.test('maxBufferedBytes: over the bound, the connection holding the most partial bytes is closed', async (t) => {
  const server = makeServer({ maxBufferedBytes: 64 * 1024 });
  const { tcpPort } = await server.listen({ transports: ['tcp'] });
  t.teardown(() => server.close());
  const small = encodeRecord(rawCall(1, { args: new Uint8Array(50_000) }));
  const large = encodeRecord(rawCall(2, { args: new Uint8Array(100_000) }));
  const a = await rawTcp(tcpPort!);
  a.socket.write(small.subarray(0, 10_000));
  await until(t, () => server.stats.partialRecordBytes >= 9_000, "a's partial record held");
  const b = await rawTcp(tcpPort!);
  b.socket.write(large.subarray(0, 60_000));
  await b.closed;
  t.equal(server.stats.closedForMemory, 1);
  t.ok(server.stats.partialRecordBytes < 64 * 1024);
  a.socket.write(small.subarray(10_000));
  await until(t, () => a.replies.length === 1, 'a completes its call');
  t.equal(decodeReply(new XdrReader(a.replies[0]!)).xid, 1);
  t.equal(server.stats.partialRecordBytes, 0);
  a.socket.destroy();
});

t.test('fuzz: random bytes on TCP connections only close those connections; the server keeps answering', async (t) => {
  const server = makeServer({ maxRecordSize: 4096 });
  const { tcpPort } = await server.listen({ transports: ['tcp'] });
  t.teardown(() => server.close());
  const client = new RpcClient({ host: '127.0.0.1', port: tcpPort!, transport: 'tcp', timeoutMs: 5000 });
  t.teardown(() => client.close());
  const samples = fc.sample(
    fc.array(
      fc.oneof(
        fc.uint8Array({ maxLength: 64 }),
        fc.constant(encodeRecord(rawCall(1))),
        fc.uint8Array({ minLength: 12, maxLength: 80 }).map((b) => encodeRecord(b)),
      ),
      { maxLength: 6 },
    ),
    { numRuns: 200, seed: 16 },
  );
  for (const parts of samples) {
    const peer = await rawTcp(tcpPort!);
    peer.socket.end(Buffer.concat(parts));
    await peer.closed;
  }
  await client.ping(PROG, 2);
  await until(t, () => server.stats.openConnections === 1, 'fuzz connections gone');
  t.equal(server.stats.handlerErrors, 0);
});
