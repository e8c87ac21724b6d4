// NsmClient <-> NsmListener over real sockets: every procedure, the monitor caller policy (127.0.0.1 / ::1 from a
// privileged port), the de-duplicated and capped monitor list, an event per SM_NOTIFY.
import t, { type Test } from 'tap';
import {
  isLoopback,
  monitorRefusal,
  NLM_PROGRAM,
  NsmClient,
  NsmListener,
  type NsmMonitorEvent,
  type NsmNotifyEvent,
} from '../../src/nsm/index.js';
import { RpcClient } from '../../src/rpc/index.js';

const isRoot = process.getuid?.() === 0;

t.test('isLoopback', async (t) => {
  for (const a of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) t.ok(isLoopback(a), a);
  for (const a of ['10.0.0.1', '::', '::ffff:10.0.0.1', 'fe80::1', '128.0.0.1']) t.notOk(isLoopback(a), a);
});

t.test('monitorRefusal: rpc.statd rule by default, relaxable', async (t) => {
  const cases: [string, number, string | undefined][] = [
    ['127.0.0.1', 612, undefined],
    ['::1', 1023, undefined],
    ['::ffff:127.0.0.1', 700, undefined],
    ['127.0.0.1', 1024, 'unprivileged-port'],
    ['127.0.0.1', 40000, 'unprivileged-port'],
    ['127.0.0.1', 0, 'unprivileged-port'],
    ['127.0.0.2', 612, 'not-local'],
    ['127.1.2.3', 612, 'not-local'],
    ['::ffff:127.0.0.2', 612, 'not-local'],
    ['10.0.0.1', 612, 'not-local'],
    ['::', 612, 'not-local'],
  ];
  for (const [address, port, expected] of cases) {
    t.equal(monitorRefusal('local-privileged', { address, port }), expected, `${address}:${port}`);
  }
  t.equal(monitorRefusal('local', { address: '127.0.0.1', port: 40000 }), undefined);
  t.equal(monitorRefusal('local', { address: '127.0.0.2', port: 612 }), 'not-local');
  t.equal(monitorRefusal('any', { address: '10.0.0.1', port: 40000 }), undefined);
});

for (const transport of ['udp', 'tcp'] as const) {
  t.test(`every procedure over ${transport}`, async (t) => {
    const listener = new NsmListener({ state: 7, monitorCallers: 'local' });
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

async function startListener(t: Test, options: ConstructorParameters<typeof NsmListener>[0]) {
  const listener = new NsmListener(options);
  const { udpPort } = await listener.listen({ address: '127.0.0.1', transports: ['udp'] });
  t.teardown(() => listener.close());
  const events: NsmMonitorEvent[] = [];
  listener.on('monitor', (e) => events.push(e));
  return { listener, port: udpPort!, events };
}

function nsmClient(t: Test, port: number, o: { privilegedPort?: boolean; sourceAddress?: string } = {}) {
  const client = new NsmClient(new RpcClient({ host: '127.0.0.1', port, transport: 'udp', timeoutMs: 2000, ...o }));
  t.teardown(() => client.close());
  return client;
}

const myId = { myName: 'lockd', myProg: NLM_PROGRAM, myVers: 4, myProc: 16 };
const priv = new Uint8Array(16);

t.test('default policy: an unprivileged local port changes nothing', async (t) => {
  const { listener, port, events } = await startListener(t, { state: 3 });
  const client = nsmClient(t, port);
  t.same(await client.mon({ monId: { monName: 'c1', myId }, priv }), { resStat: 1, state: 3 }, 'MON: STAT_FAIL');
  t.equal(listener.monitorCount, 0);
  await client.simuCrash();
  t.equal(listener.state, 3, 'SIMU_CRASH ignored');
  await client.unmonAll(myId);
  t.same(
    events.map((e) => [e.procedure, e.allowed, e.refused]),
    [
      ['SM_MON', false, 'unprivileged-port'],
      ['SM_SIMU_CRASH', false, 'unprivileged-port'],
      ['SM_UNMON_ALL', false, 'unprivileged-port'],
    ],
  );
  t.same(await client.stat('anyone'), { resStat: 0, state: 3 }, 'SM_STAT still answered');
});

t.test(
  'default policy: 127.0.0.1 from a privileged port is served, 127.0.0.2 is not',
  { skip: !isRoot && 'needs root (a reserved source port)' },
  async (t) => {
    const { listener, port, events } = await startListener(t, { state: 3 });
    const root = nsmClient(t, port, { privilegedPort: true });
    t.same(await root.mon({ monId: { monName: 'c1', myId }, priv }), { resStat: 0, state: 3 });
    t.equal(listener.monitorCount, 1);
    const other = nsmClient(t, port, { privilegedPort: true, sourceAddress: '127.0.0.2' });
    t.same(await other.mon({ monId: { monName: 'c2', myId }, priv }), { resStat: 1, state: 3 });
    await other.unmon({ monName: 'c1', myId });
    t.equal(listener.monitorCount, 1, 'UNMON from 127.0.0.2 ignored');
    t.same(
      events.map((e) => [e.procedure, e.allowed, e.refused]),
      [
        ['SM_MON', true, undefined],
        ['SM_MON', false, 'not-local'],
        ['SM_UNMON', false, 'not-local'],
      ],
    );
    await root.unmon({ monName: 'c1', myId });
    t.equal(listener.monitorCount, 0);
  },
);

t.test('monitor list: one entry per (mon_name, my_id); the first priv is kept', async (t) => {
  const { listener, port } = await startListener(t, { monitorCallers: 'local' });
  const client = nsmClient(t, port);
  for (let i = 0; i < 5; i++) {
    const p = Uint8Array.from({ length: 16 }, () => i);
    t.same(await client.mon({ monId: { monName: 'c1', myId }, priv: p }), { resStat: 0, state: 1 });
  }
  t.equal(listener.monitorCount, 1, 'five identical MONs, one entry');
  t.same([...listener.monitors[0]!.priv], new Array(16).fill(0));
  for (const other of [
    { ...myId, myName: 'ganesha' },
    { ...myId, myProg: 100099 },
    { ...myId, myVers: 3 },
    { ...myId, myProc: 17 },
  ]) {
    await client.mon({ monId: { monName: 'c1', myId: other }, priv });
  }
  await client.mon({ monId: { monName: 'c2', myId }, priv });
  t.equal(listener.monitorCount, 6, 'each field of my_id and mon_name makes an entry distinct');
  await client.unmon({ monName: 'c1', myId: { ...myId, myProc: 17 } });
  t.equal(listener.monitorCount, 5);
  t.notOk(listener.monitors.some((m) => m.monId.myId.myProc === 17));
  await client.unmonAll(myId);
  t.same(
    listener.monitors.map((m) => m.monId.monName).sort(),
    ['c1', 'c1', 'c1'],
    'UNMON_ALL removed exactly the entries of that my_id',
  );
});

t.test('monitor list: capped; a new entry beyond the cap is STAT_FAIL, duplicates still succeed', async (t) => {
  const { listener, port, events } = await startListener(t, { monitorCallers: 'local', maxMonitors: 3 });
  const client = nsmClient(t, port);
  const results = [];
  for (let i = 0; i < 5; i++) results.push((await client.mon({ monId: { monName: `c${i}`, myId }, priv })).resStat);
  t.same(results, [0, 0, 0, 1, 1]);
  t.equal(listener.monitorCount, 3);
  t.same(
    events.filter((e) => !e.allowed).map((e) => e.refused),
    ['full', 'full'],
  );
  t.equal((await client.mon({ monId: { monName: 'c0', myId }, priv })).resStat, 0, 'a duplicate when full: success');
  await client.unmon({ monName: 'c0', myId });
  t.equal((await client.mon({ monId: { monName: 'c4', myId }, priv })).resStat, 0, 'room again after UNMON');
  t.same(
    listener.monitors.map((m) => m.monId.monName),
    ['c1', 'c2', 'c4'],
  );
});

t.test('monitor list: the default cap holds under 3,000 distinct SM_MON', async (t) => {
  const { listener, port } = await startListener(t, { monitorCallers: 'local' });
  t.equal(listener.maxMonitors, 1024);
  const client = nsmClient(t, port);
  let failed = 0;
  for (let i = 0; i < 3000; i++) {
    const r = await client.mon({ monId: { monName: `client-${i}`, myId }, priv });
    if (r.resStat !== 0) failed++;
  }
  t.equal(listener.monitorCount, 1024);
  t.equal(failed, 3000 - 1024);
});
