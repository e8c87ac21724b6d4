// RpcClient and RpcUdpEndpoint against hand-made fake peers on 127.0.0.1 (raw dgram / net, no RpcServer).
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { createServer, type Server, type Socket as TcpSocket } from 'node:net';
import t, { type Test } from 'tap';
import {
  AUTH_NONE_CRED,
  authSys,
  decodeAuth,
  decodeCall,
  encodeRecord,
  encodeReply,
  RecordDecoder,
  type RpcCallMessage,
  RpcClient,
  type RpcReplyInput,
  RpcUdpEndpoint,
  sameAddress,
} from '../../src/rpc/index.js';
import { XdrReader, XdrWriter } from '../../src/xdr/index.js';

const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function reply(r: RpcReplyInput): Uint8Array {
  const w = new XdrWriter();
  encodeReply(w, r);
  return w.finish();
}
const success = (call: RpcCallMessage, results: Uint8Array = call.args) =>
  reply({ xid: call.xid, replyStat: 0, verifier: AUTH_NONE_CRED, acceptStat: 0, results });

/** A UDP fake peer: `answer` gets each call and sends what it likes through `send`. */
async function fakeUdp(
  t: Test,
  answer: (call: RpcCallMessage, send: (bytes: Uint8Array) => void, from: RemoteInfo, seen: number) => void,
): Promise<Socket> {
  const socket = createSocket('udp4');
  let seen = 0;
  socket.on('message', (message, from) => {
    const call = decodeCall(new XdrReader(message));
    answer(call, (bytes) => socket.send(bytes, from.port, from.address), from, ++seen);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  t.teardown(() => socket.close());
  return socket;
}

t.test('UDP: echo call, results are the reply body, stats count it', async (t) => {
  const server = await fakeUdp(t, (call, send) => send(success(call)));
  const client = new RpcClient({ host: '127.0.0.1', port: server.address().port, transport: 'udp' });
  t.teardown(() => client.close());
  const r = await client.call(100099, 1, 5, Uint8Array.of(0, 0, 0, 42));
  t.equal(toHex(r.body), '0000002a');
  t.equal(r.attempts, 1);
  t.equal(client.stats.calls, 1);
  t.equal(client.stats.replies, 1);
  const w = await client.call(100099, 1, 5, (writer) => writer.writeString('hi'));
  t.equal(toHex(w.body), '000000026869' + '0000');
});

t.test('UDP: credentials go on the wire', async (t) => {
  let seenCred = '';
  const server = await fakeUdp(t, (call, send) => {
    const d = decodeAuth(call.cred);
    if (d.kind === 'AUTH_SYS') seenCred = `${d.sys.machineName}:${d.sys.uid}`;
    send(success(call));
  });
  const client = new RpcClient({
    host: '127.0.0.1',
    port: server.address().port,
    transport: 'udp',
    cred: authSys({ machineName: 'probe', uid: 7, gid: 7 }),
  });
  t.teardown(() => client.close());
  await client.ping(100099, 1);
  t.equal(seenCred, 'probe:7');
});

t.test('UDP: replies with unknown xids and from the wrong peer are dropped and counted', async (t) => {
  const stranger = createSocket('udp4');
  await new Promise<void>((resolve) => stranger.bind(0, '127.0.0.1', resolve));
  t.teardown(() => stranger.close());
  const server = await fakeUdp(t, (call, send, from) => {
    // an unknown xid, then the right xid from another port, then the real answer
    send(success({ ...call, xid: (call.xid + 1000) >>> 0 }));
    stranger.send(success(call), from.port, from.address, () => setTimeout(() => send(success(call)), 20));
  });
  const peer = { address: '127.0.0.1', port: server.address().port };
  const endpoint = await RpcUdpEndpoint.open();
  t.teardown(() => endpoint.close());
  const r = await endpoint.call(peer, 100099, 1, 0, new Uint8Array(0), { timeoutMs: 3000 });
  t.equal(r.attempts, 1);
  t.equal(r.fromAddress, '127.0.0.1');
  t.equal(r.fromPort, peer.port);
  t.equal(endpoint.stats.unknownXid, 1);
  t.equal(endpoint.stats.wrongPeer, 1);
  t.equal(endpoint.stats.repliedFromOtherPeer, 0);
  t.equal(endpoint.stats.replies, 1);
  // RpcClient's socket is connected to its peer: the kernel passes up nothing from the stranger at all.
  const client = new RpcClient({ host: '127.0.0.1', port: peer.port, transport: 'udp' });
  t.teardown(() => client.close());
  const c = await client.ping(100099, 1, { timeoutMs: 3000 });
  t.equal(c.attempts, 1);
  t.equal(client.stats.unknownXid, 1);
  t.equal(client.stats.wrongPeer, 0);
  t.equal(client.stats.replies, 1);
});

/** A peer called at `calledAt` whose replies leave from a socket bound to 127.0.0.1 (a multi-homed host). */
async function answersFromElsewhere(t: Test, calledAt: string): Promise<{ port: number; replyPort: number }> {
  const back = createSocket('udp4');
  await new Promise<void>((resolve) => back.bind(0, '127.0.0.1', resolve));
  const called = createSocket('udp4');
  await new Promise<void>((resolve) => called.bind(0, calledAt, resolve));
  called.on('message', (message, from) => {
    back.send(success(decodeCall(new XdrReader(message))), from.port, from.address);
  });
  t.teardown(() => {
    called.close();
    back.close();
  });
  return { port: called.address().port, replyPort: back.address().port };
}

t.test("UDP endpoint: matchReplyBy 'xid' accepts a reply from another address; strict matching drops it", async (t) => {
  const { port, replyPort } = await answersFromElsewhere(t, '127.0.0.7');
  const peer = { address: '127.0.0.7', port };
  const endpoint = await RpcUdpEndpoint.open();
  t.teardown(() => endpoint.close());

  const strict = endpoint.call(peer, 100099, 1, 5, Uint8Array.of(0, 0, 0, 1), { timeoutMs: 300, retransmitMs: 100 });
  await t.rejects(strict, { code: 'TIMEOUT' }, 'default (peer): the reply from 127.0.0.1 is not an answer');
  t.ok(endpoint.stats.wrongPeer >= 1, 'and is counted as wrongPeer');
  t.equal(endpoint.stats.repliedFromOtherPeer, 0);

  const r = await endpoint.call(peer, 100099, 1, 5, Uint8Array.of(0, 0, 0, 2), {
    timeoutMs: 3000,
    matchReplyBy: 'xid',
  });
  t.equal(toHex(r.body), '00000002');
  t.equal(r.attempts, 1);
  t.equal(r.fromAddress, '127.0.0.1', 'the reply says where it came from');
  t.equal(r.fromPort, replyPort);
  t.equal(endpoint.stats.repliedFromOtherPeer, 1, 'counted');
  t.equal(sameAddress(r.fromAddress!, peer.address), false);
  t.ok(sameAddress('::ffff:127.0.0.7', '127.0.0.7') && sameAddress('::0:1', '::1'), 'sameAddress compares forms');
});

t.test(
  'UDP: a port nobody listens on fails at once with REFUSED (ICMP port unreachable)',
  { timeout: 10_000 },
  async (t) => {
    // A port that was free a moment ago; the call's own deadline (20 s) is twice this test's timeout.
    const probe = createSocket('udp4');
    await new Promise<void>((resolve) => probe.bind(0, '127.0.0.1', resolve));
    const port = probe.address().port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const client = new RpcClient({ host: '127.0.0.1', port, transport: 'udp', timeoutMs: 20_000 });
    t.teardown(() => client.close());
    await t.rejects(client.ping(100003, 3), { code: 'REFUSED' });
    await t.rejects(client.ping(100003, 3), { code: 'REFUSED' }, 'and again on the next call');
    t.equal(client.stats.timeouts, 0);
    // Two calls in flight at once: the one report fails both (they went to the one peer).
    const both = await Promise.allSettled([client.ping(100003, 3), client.ping(100003, 3)]);
    t.same(
      both.map((r) => (r.status === 'rejected' ? (r.reason as { code: string }).code : 'ok')),
      ['REFUSED', 'REFUSED'],
    );
  },
);

t.test('UDP: retransmits until answered; times out with TIMEOUT when never answered', async (t) => {
  const server = await fakeUdp(t, (call, send, _from, seen) => {
    if (seen >= 3) send(success(call));
  });
  const client = new RpcClient({ host: '127.0.0.1', port: server.address().port, transport: 'udp', retransmitMs: 10 });
  t.teardown(() => client.close());
  const r = await client.ping(100099, 1, { timeoutMs: 5000 });
  t.equal(r.attempts, 3);
  t.equal(client.stats.retransmissions, 2);

  const silent = await fakeUdp(t, () => {});
  const client2 = new RpcClient({ host: '127.0.0.1', port: silent.address().port, transport: 'udp', retransmitMs: 10 });
  t.teardown(() => client2.close());
  await t.rejects(client2.ping(100099, 1, { timeoutMs: 200 }), { code: 'TIMEOUT' });
  t.ok(client2.stats.retransmissions >= 2, 'retransmitted before giving up');
  t.equal(client2.stats.timeouts, 1);
});

t.test('UDP: AbortSignal aborts a call in flight and one not yet sent', async (t) => {
  const silent = await fakeUdp(t, () => {});
  const client = new RpcClient({ host: '127.0.0.1', port: silent.address().port, transport: 'udp' });
  t.teardown(() => client.close());
  const controller = new AbortController();
  const pending = client.ping(100099, 1, { signal: controller.signal, timeoutMs: 10_000 });
  setTimeout(() => controller.abort(), 20);
  await t.rejects(pending, { code: 'ABORTED' });
  await t.rejects(client.ping(100099, 1, { signal: AbortSignal.abort() }), { code: 'ABORTED' });
  t.equal(client.stats.aborted, 1);
});

t.test('UDP: every reject/accept status becomes the right RpcError', async (t) => {
  const server = await fakeUdp(t, (call, send) => {
    const base = { xid: call.xid, replyStat: 0 as const, verifier: AUTH_NONE_CRED };
    const replies: Record<number, RpcReplyInput> = {
      1: { ...base, acceptStat: 1 },
      2: { ...base, acceptStat: 2, low: 2, high: 4 },
      3: { ...base, acceptStat: 3 },
      4: { ...base, acceptStat: 4 },
      5: { ...base, acceptStat: 5 },
      6: { xid: call.xid, replyStat: 1, rejectStat: 0, low: 2, high: 2 },
      7: { xid: call.xid, replyStat: 1, rejectStat: 1, authStat: 5 },
    };
    if (call.procedure === 8) send(Uint8Array.from([...reply({ ...base, acceptStat: 0 }).subarray(0, 12), 0, 0]));
    else send(reply(replies[call.procedure]!));
  });
  const client = new RpcClient({ host: '127.0.0.1', port: server.address().port, transport: 'udp' });
  t.teardown(() => client.close());
  const none = new Uint8Array(0);
  await t.rejects(client.call(1, 1, 1, none), { code: 'PROG_UNAVAIL' });
  await t.rejects(client.call(1, 1, 2, none), { code: 'PROG_MISMATCH', low: 2, high: 4 });
  await t.rejects(client.call(1, 1, 3, none), { code: 'PROC_UNAVAIL' });
  await t.rejects(client.call(1, 1, 4, none), { code: 'GARBAGE_ARGS' });
  await t.rejects(client.call(1, 1, 5, none), { code: 'SYSTEM_ERR' });
  await t.rejects(client.call(1, 1, 6, none), { code: 'RPC_MISMATCH', low: 2, high: 2 });
  await t.rejects(client.call(1, 1, 7, none), { code: 'AUTH_ERROR', authStat: 5 });
  await t.rejects(client.call(1, 1, 8, none), { code: 'BAD_REPLY' });
});

t.test('UDP endpoint: one socket, many peers, many calls in flight answered out of order', async (t) => {
  const held: [RpcCallMessage, (b: Uint8Array) => void][] = [];
  const peers = await Promise.all(
    [0, 1, 2, 3].map(() =>
      fakeUdp(t, (call, send) => {
        held.push([call, send]);
        if (held.length === 400) for (const [c, s] of held.reverse()) s(success(c));
      }),
    ),
  );
  const endpoint = await RpcUdpEndpoint.open();
  t.teardown(() => endpoint.close());
  t.ok(endpoint.port > 0);
  const calls = Array.from({ length: 400 }, (_, i) =>
    endpoint.call({ address: '127.0.0.1', port: peers[i % 4]!.address().port }, 100099, 1, 1, (w) =>
      w.writeUnsignedInt(i),
    ),
  );
  const results = await Promise.all(calls);
  t.same(
    results.map((r) => new DataView(r.body.buffer, r.body.byteOffset).getUint32(0)),
    Array.from({ length: 400 }, (_, i) => i),
  );
  t.equal(endpoint.stats.replies, 400);
  t.equal(endpoint.inFlight, 0);
  await endpoint.close();
  await t.rejects(endpoint.call({ address: '127.0.0.1', port: 9 }, 1, 1, 0, new Uint8Array(0)), { code: 'CLOSED' });
});

t.test('UDP endpoint: a send queue that never drains does not keep the calls it already sent', async (t) => {
  let answered = 0;
  const peer = await fakeUdp(t, (call, send) => {
    answered++;
    send(success(call));
  });
  // No retransmission within the test: on a loaded machine a queued call may wait longer than the default 500 ms,
  // and a retransmitted call would be answered twice.
  const endpoint = await RpcUdpEndpoint.open({ retransmitMs: 120_000, timeoutMs: 240_000 });
  t.teardown(() => endpoint.close());
  const internals = endpoint as unknown as { queue: unknown[]; queueHead: number };
  const to = { address: '127.0.0.1', port: peer.address().port };
  const calls: Promise<unknown>[] = [];
  let longest = 0;
  // 2,000 calls at once, then 40 per turn while the endpoint sends 32 per turn: the queue never empties for 200
  // turns while 10,000 calls pass through it. Without trimming, its array would keep all 10,000.
  for (let i = 0; i < 2000; i++) calls.push(endpoint.call(to, 100099, 1, 1, new Uint8Array(4)));
  for (let turn = 0; turn < 200; turn++) {
    for (let i = 0; i < 40; i++) calls.push(endpoint.call(to, 100099, 1, 1, new Uint8Array(4)));
    longest = Math.max(longest, internals.queue.length);
    await new Promise((resolve) => setImmediate(resolve));
  }
  const waiting = internals.queue.length - internals.queueHead;
  t.ok(waiting > 1000, `the queue still holds ${waiting} unsent calls`);
  t.ok(longest < 8000, `its array was trimmed as calls left it (longest ${longest} of 10,000)`);
  await Promise.all(calls);
  t.equal(answered, 10_000, 'every queued call was sent once and answered');
  t.equal(endpoint.stats.retransmissions, 0);
});

t.test('UDP endpoint: each call keeps its own deadline and retransmission times on the shared timer', async (t) => {
  const silent = await fakeUdp(t, () => {});
  const endpoint = await RpcUdpEndpoint.open();
  t.teardown(() => endpoint.close());
  const to = { address: '127.0.0.1', port: silent.address().port };
  const order: number[] = [];
  const call = (timeoutMs: number, retransmitMs: number) =>
    endpoint.call(to, 100099, 1, 0, new Uint8Array(0), { timeoutMs, retransmitMs }).catch((error: { code: string }) => {
      order.push(timeoutMs);
      return error.code;
    });
  // Started longest first: they must still time out shortest first, each after its own deadline.
  const codes = await Promise.all([call(600, 10_000), call(150, 10_000), call(350, 40)]);
  t.same(codes, ['TIMEOUT', 'TIMEOUT', 'TIMEOUT']);
  t.same(order, [150, 350, 600]);
  // 350 ms with retransmissions from 40 ms, doubling: sent at 0, 40, 120 and 280 ms (fewer if timers run late).
  const retransmissions = endpoint.stats.retransmissions;
  t.ok(retransmissions >= 1 && retransmissions <= 3, `${retransmissions} retransmissions`);
  t.equal(endpoint.stats.timeouts, 3);
});

t.test('UDP endpoint: answered calls do not pile up in the timer heap while another call waits', async (t) => {
  const peer = await fakeUdp(t, (call, send) => {
    if (call.procedure === 1) send(success(call));
  });
  const endpoint = await RpcUdpEndpoint.open();
  t.teardown(() => endpoint.close());
  const internals = endpoint as unknown as { table: { heap: unknown[] } };
  const to = { address: '127.0.0.1', port: peer.address().port };
  // One unanswered call keeps the table busy (so the heap is not simply emptied) while 5,000 others are answered.
  const waiting = endpoint.call(to, 100099, 1, 0, new Uint8Array(0), { timeoutMs: 30_000, retransmitMs: 20_000 });
  let longest = 0;
  for (let i = 0; i < 5000; i++) {
    await endpoint.call(to, 100099, 1, 1, new Uint8Array(0));
    longest = Math.max(longest, internals.table.heap.length);
  }
  t.ok(longest <= 1025, `settled calls are compacted away (longest heap ${longest} for 5,000 calls)`);
  t.equal(endpoint.inFlight, 1);
  await endpoint.close();
  await t.rejects(waiting, { code: 'CLOSED' });
  t.equal(internals.table.heap.length, 0, 'empty table, empty heap');
});

t.test('UDP endpoint: close fails calls in flight with CLOSED', async (t) => {
  const silent = await fakeUdp(t, () => {});
  const endpoint = await RpcUdpEndpoint.open();
  const pending = endpoint.call({ address: '127.0.0.1', port: silent.address().port }, 1, 1, 0, new Uint8Array(0));
  await endpoint.close();
  await t.rejects(pending, { code: 'CLOSED' });
});

t.test('privileged source port: bound in 600-1023 as root, PRIVILEGED_PORT otherwise', async (t) => {
  let fromPort = 0;
  const server = await fakeUdp(t, (call, send, from) => {
    fromPort = from.port;
    send(success(call));
  });
  const client = new RpcClient({
    host: '127.0.0.1',
    port: server.address().port,
    transport: 'udp',
    privilegedPort: true,
    sourceAddress: '127.0.0.1',
  });
  t.teardown(() => client.close());
  if (process.getuid?.() === 0) {
    await client.ping(100099, 1);
    t.ok(fromPort >= 600 && fromPort <= 1023, `source port ${fromPort}`);
  } else {
    await t.rejects(client.ping(100099, 1), { code: 'PRIVILEGED_PORT' });
  }
});

/** A UDP port that was free a moment ago (bound to port 0, read, closed). */
async function freeUdpPort(): Promise<number> {
  const probe = createSocket('udp4');
  await new Promise<void>((resolve) => probe.bind(0, '127.0.0.1', resolve));
  const port = probe.address().port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

t.test(
  'UDP endpoint: an explicit source port is bound and wins over privilegedPort; a busy one is BIND_FAILED',
  async (t) => {
    const from: number[] = [];
    const server = await fakeUdp(t, (call, send, rinfo) => {
      from.push(rinfo.port);
      send(success(call));
    });
    const port = await freeUdpPort();
    const endpoint = await RpcUdpEndpoint.open({ sourceAddress: '127.0.0.1', port, privilegedPort: true });
    t.teardown(() => endpoint.close());
    t.equal(endpoint.port, port);
    await endpoint.call({ address: '127.0.0.1', port: server.address().port }, 100099, 1, 0, new Uint8Array(0));
    await endpoint.call({ address: '127.0.0.1', port: server.address().port }, 100099, 1, 0, new Uint8Array(0));
    t.same(from, [port, port], 'every datagram left from the port asked for');
    await t.rejects(RpcUdpEndpoint.open({ sourceAddress: '127.0.0.1', port }), { code: 'BIND_FAILED' }, 'port in use');
    await t.rejects(RpcUdpEndpoint.open({ sourceAddress: '192.0.2.1', port: 0 }), { code: 'BIND_FAILED' }, 'not local');
    await t.rejects(RpcUdpEndpoint.open({ port: 70000 }), { code: 'BIND_FAILED' }, 'not a port');
    if (process.getuid?.() !== 0) {
      await t.rejects(RpcUdpEndpoint.open({ port: 700 }), { code: 'PRIVILEGED_PORT' }, 'reserved port without root');
    }
  },
);

/** A TCP fake peer answering every record; `chunk` bytes per write and `fragment` bytes per record fragment. */
async function fakeTcp(
  t: Test,
  o: { fragment?: number; chunk?: number; dropAfter?: number; silent?: boolean } = {},
): Promise<{ server: Server; port: number; records: number[]; connections: number; drop: () => void }> {
  const sockets = new Set<TcpSocket>();
  const state = {
    server: undefined as unknown as Server,
    port: 0,
    records: [] as number[],
    connections: 0,
    drop: () => {
      for (const s of sockets) s.destroy();
    },
  };
  state.server = createServer((socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const decoder = new RecordDecoder();
    let answered = 0;
    socket.on('data', (data) => {
      for (const record of decoder.push(data)) {
        state.records.push(record.length);
        if (o.silent) continue;
        const call = decodeCall(new XdrReader(record));
        const framed = encodeRecord(success(call), o.fragment);
        const step = o.chunk ?? framed.length;
        for (let i = 0; i < framed.length; i += step) socket.write(framed.subarray(i, i + step));
        answered++;
        if (o.dropAfter !== undefined && answered >= o.dropAfter) socket.destroy();
      }
    });
  });
  await new Promise<void>((resolve) => state.server.listen(0, '127.0.0.1', resolve));
  state.port = (state.server.address() as { port: number }).port;
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    state.server.close();
  });
  return state;
}

t.test(
  'TCP: replies split into 1-byte fragments written 1 byte at a time; calls split into 3-byte fragments',
  async (t) => {
    const peer = await fakeTcp(t, { fragment: 1, chunk: 1 });
    const client = new RpcClient({ host: '127.0.0.1', port: peer.port, transport: 'tcp', maxFragmentSize: 3 });
    t.teardown(() => client.close());
    const payload = Uint8Array.from({ length: 64 }, (_, i) => i);
    const results = await Promise.all(Array.from({ length: 20 }, () => client.call(100099, 1, 1, payload)));
    for (const r of results) t.equal(toHex(r.body), toHex(payload));
    t.equal(peer.records.length, 20);
    t.equal(peer.connections, 1, 'one connection for all calls');
  },
);

t.test('TCP: reconnects after the peer closes; calls in flight fail with CONNECTION', async (t) => {
  const peer = await fakeTcp(t, { dropAfter: 1 });
  const client = new RpcClient({ host: '127.0.0.1', port: peer.port, transport: 'tcp' });
  t.teardown(() => client.close());
  await client.ping(100099, 1);
  await new Promise((r) => setTimeout(r, 50));
  await client.ping(100099, 1);
  t.equal(peer.connections, 2, 'reconnected');

  const silent = await fakeTcp(t, { silent: true });
  const client2 = new RpcClient({ host: '127.0.0.1', port: silent.port, transport: 'tcp' });
  t.teardown(() => client2.close());
  const inFlight = client2.ping(100099, 1, { timeoutMs: 10_000 });
  await new Promise((r) => setTimeout(r, 50));
  silent.drop();
  await t.rejects(inFlight, { code: 'CONNECTION' });
  await t.rejects(
    client2.ping(100099, 1, { timeoutMs: 100 }),
    { code: 'TIMEOUT' },
    'reconnected; silent peer times out',
  );
  t.equal(silent.connections, 2);
  const third = client2.ping(100099, 1, { timeoutMs: 10_000 });
  await client2.close();
  await t.rejects(third, { code: 'CLOSED' });
});

t.test('TCP: connect refused is CONNECTION; a reply record over the cap drops the connection', async (t) => {
  const peer = await fakeTcp(t);
  const port = peer.port;
  peer.server.close();
  await new Promise((r) => setTimeout(r, 20));
  const client = new RpcClient({ host: '127.0.0.1', port, transport: 'tcp' });
  t.teardown(() => client.close());
  await t.rejects(client.ping(100099, 1), { code: 'CONNECTION' });

  const big = await fakeTcp(t);
  const small = new RpcClient({ host: '127.0.0.1', port: big.port, transport: 'tcp', maxRecordSize: 100 });
  t.teardown(() => small.close());
  await t.rejects(small.call(100099, 1, 1, new Uint8Array(200)), { code: 'CONNECTION' });
});
