// NsmClient <-> NsmListener over real sockets: every procedure, the loopback policy, an event per SM_NOTIFY.
import t from 'tap';
import { isLoopback, NLM_PROGRAM, NsmClient, NsmListener, type NsmNotifyEvent } from '../../src/nsm/index.js';
import { RpcClient } from '../../src/rpc/index.js';

t.test('isLoopback', async (t) => {
  for (const a of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) t.ok(isLoopback(a), a);
  for (const a of ['10.0.0.1', '::', '::ffff:10.0.0.1', 'fe80::1', '128.0.0.1']) t.notOk(isLoopback(a), a);
});

for (const transport of ['udp', 'tcp'] as const) {
  t.test(`every procedure over ${transport}`, async (t) => {
    const listener = new NsmListener({ state: 7 });
    const { udpPort, tcpPort } = await listener.listen({ address: '127.0.0.1' });
    t.teardown(() => listener.close());
    const port = transport === 'udp' ? udpPort! : tcpPort!;
    const client = new NsmClient(new RpcClient({ host: '127.0.0.1', port, transport, timeoutMs: 2000 }));
    t.teardown(() => client.close());
    await client.ping();
    t.same(await client.stat('anyone'), { resStat: 0, state: 7 });
    const myId = { myName: 'me', myProg: NLM_PROGRAM, myVers: 3, myProc: 16 };
    const priv = Uint8Array.from({ length: 16 }, (_, i) => i);
    t.same(await client.mon({ monId: { monName: 'c1', myId }, priv }), { resStat: 0, state: 7 }, 'MON from loopback');
    await client.mon({ monId: { monName: 'c2', myId }, priv });
    t.equal(listener.monitors.length, 2);
    t.same(Buffer.from(listener.monitors[0]!.priv).toString('hex'), Buffer.from(priv).toString('hex'));
    t.same(await client.unmon({ monName: 'c1', myId }), { state: 7 });
    t.equal(listener.monitors.length, 1);
    t.same(await client.unmonAll(myId), { state: 7 });
    t.equal(listener.monitors.length, 0);
    await client.simuCrash();
    t.equal(listener.state, 9, 'SIMU_CRASH: a new odd state');
    const events: NsmNotifyEvent[] = [];
    listener.on('notify', (e) => events.push(e));
    await client.notify({ monName: 'server-ha', state: 11 });
    t.equal(events.length, 1);
    t.equal(events[0]!.monName, 'server-ha');
    t.equal(events[0]!.state, 11);
    t.equal(events[0]!.address, '127.0.0.1');
    t.equal(events[0]!.transport, transport);
    t.match(events[0]!.from, /^127\.0\.0\.1:\d+$/);
  });
}

t.test('garbage arguments are GARBAGE_ARGS, unknown procedures PROC_UNAVAIL', async (t) => {
  const listener = new NsmListener();
  const { udpPort } = await listener.listen({ address: '127.0.0.1', transports: ['udp'] });
  t.teardown(() => listener.close());
  const rpc = new RpcClient({ host: '127.0.0.1', port: udpPort!, transport: 'udp', timeoutMs: 2000 });
  t.teardown(() => rpc.close());
  await t.rejects(rpc.call(100024, 1, 6, Uint8Array.from([0, 0, 0, 9])), { code: 'GARBAGE_ARGS' });
  await t.rejects(rpc.call(100024, 1, 7, new Uint8Array(0)), { code: 'PROC_UNAVAIL' });
  await t.rejects(rpc.call(100024, 2, 0, new Uint8Array(0)), { code: 'PROG_MISMATCH' });
});
