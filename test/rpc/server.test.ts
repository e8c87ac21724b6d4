// RpcServer <-> RpcClient in process on 127.0.0.1, over UDP and TCP; garbage, caps, and every reply status.
import { createSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import t from 'tap';
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

function rawCall(xid: number, o: { rpcvers?: number; program?: number; procedure?: number } = {}): Uint8Array {
  const w = new XdrWriter();
  encodeCall(w, {
    xid,
    rpcvers: o.rpcvers ?? 2,
    program: o.program ?? PROG,
    version: 2,
    procedure: o.procedure ?? 0,
    cred: AUTH_NONE_CRED,
    verifier: AUTH_NONE_CRED,
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

async function rawTcp(port: number): Promise<{ socket: Socket; replies: Uint8Array[]; closed: Promise<void> }> {
  const socket = connect({ host: '127.0.0.1', port });
  await new Promise((resolve) => socket.once('connect', resolve));
  const decoder = new RecordDecoder();
  const replies: Uint8Array[] = [];
  socket.on('data', (d) => replies.push(...decoder.push(d)));
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return { socket, replies, closed };
}

t.test('TCP: a bad record closes only that connection; record cap; connection cap; idle timeout', async (t) => {
  const server = makeServer({ maxRecordSize: 512, maxConnections: 3, idleTimeoutMs: 300 });
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
  const c = await rawTcp(tcpPort!);
  await c.closed;
  t.equal(server.stats.rejectedConnections, 1, 'the fourth connection is refused');
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
