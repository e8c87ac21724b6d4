// NsmListener's policy from a non-loopback address (10.9.9.9 on the namespace's lo): SM_NOTIFY, SM_STAT and SM_NULL
// are answered for anyone; SM_MON, SM_UNMON, SM_UNMON_ALL and SM_SIMU_CRASH change nothing unless from loopback.
// And `listen --register` next to a real rpc.statd registered with a real rpcbind: refused without --replace; with
// it, statd's registration (ports and owner) is back after every way listen can end, and statd answers there.
import { execFileSync } from 'node:child_process';
import t, { type Test } from 'tap';
import { NLM_PROGRAM, NsmClient, NsmListener, type NsmMonitorEvent, type NsmNotifyEvent } from '../../src/nsm/index.js';
import { RpcbindClient, RpcClient } from '../../src/rpc/index.js';
import { enterLab, makeStatdDir, run, startRpcbind, startStatd, waitFor } from '../lab/namespace.js';
import { startListen } from './listen-helpers.js';

/** status entries as `rpcinfo -p` lists them: "udp 612", "tcp 615", sorted. */
function statusPorts(): string[] {
  return run('rpcinfo', ['-p', '127.0.0.1'])
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f[0] === '100024')
    .map((f) => `${f[2]} ${f[3]}`)
    .sort();
}

/** Owners of status as `rpcinfo -s` shows them. */
function statusOwners(): string[] {
  return run('rpcinfo', ['-s', '127.0.0.1'])
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f[0] === '100024')
    .map((f) => f.at(-1)!);
}

async function statdAnswersAt(t: Test, ports: readonly string[]): Promise<void> {
  for (const entry of ports) {
    const [proto, port] = entry.split(' ');
    // The real rpcinfo's NULL call to that port, and ours.
    t.match(run('rpcinfo', [`-${proto![0]}`, '-n', port!, '127.0.0.1', 'status', '1']), /ready and waiting/);
    const rpc = new RpcClient({ host: '127.0.0.1', port: Number(port), transport: proto as 'udp', timeoutMs: 2000 });
    await rpc.ping(100024, 1);
    await rpc.close();
  }
}

const inLab = await enterLab(t, import.meta.url, ['rpcbind', 'rpc.statd', 'rpcinfo']);
if (inLab) {
  execFileSync('ip', ['addr', 'add', '10.9.9.9/32', 'dev', 'lo']);
  const listener = new NsmListener({ state: 5 });
  const { udpPort } = await listener.listen({ address: '10.9.9.9', transports: ['udp'] });
  t.teardown(() => listener.close());
  const notifications: NsmNotifyEvent[] = [];
  const monitorEvents: NsmMonitorEvent[] = [];
  listener.on('notify', (e) => notifications.push(e));
  listener.on('monitor', (e) => monitorEvents.push(e));

  t.test('remote caller: MON/UNMON/UNMON_ALL/SIMU_CRASH refused, NOTIFY/STAT/NULL served', async (t) => {
    const client = new NsmClient(
      new RpcClient({ host: '10.9.9.9', port: udpPort!, transport: 'udp', sourceAddress: '10.9.9.9', timeoutMs: 2000 }),
    );
    t.teardown(() => client.close());
    const myId = { myName: 'intruder', myProg: NLM_PROGRAM, myVers: 3, myProc: 16 };
    await client.ping();
    t.same(await client.stat('x'), { resStat: 0, state: 5 });
    t.same(await client.mon({ monId: { monName: 'victim', myId }, priv: new Uint8Array(16) }), {
      resStat: 1,
      state: 5,
    });
    t.equal(listener.monitors.length, 0, 'nothing monitored');
    await client.unmon({ monName: 'victim', myId });
    await client.unmonAll(myId);
    await client.simuCrash();
    t.equal(listener.state, 5, 'SIMU_CRASH from afar ignored');
    // One entry per procedure: on a loaded machine a UDP call may be retransmitted and arrive twice.
    t.same(
      [...new Map(monitorEvents.map((e) => [e.procedure, e.allowed]))],
      [
        ['SM_MON', false],
        ['SM_UNMON', false],
        ['SM_UNMON_ALL', false],
        ['SM_SIMU_CRASH', false],
      ],
    );
    await client.notify({ monName: 'server-ha', state: 9 });
    t.equal(notifications.length, 1);
    t.equal(notifications[0]!.address, '10.9.9.9');
    t.equal(notifications[0]!.state, 9);
  });
}

if (inLab) {
  await startRpcbind(t);
  await startStatd(t, makeStatdDir());
  const statdPorts = statusPorts();
  const statdOwners = statusOwners();

  t.test('statd is registered: listen --register is refused (exit 2), nothing changes', async (t) => {
    t.ok(statdPorts.length >= 2, `statd registered: ${statdPorts.join(', ')}`);
    const listen = startListen(t, ['--register', '--address', '127.0.0.1']);
    t.equal((await listen.exit).code, 2);
    const err = listen.stderr();
    t.equal(err.split('\n').length, 2, `one line: ${err}`);
    t.match(err, /^nfsprobe: .*already registered.*--replace/);
    for (const entry of statdPorts) t.match(err, `v1 ${entry.replace(' ', ' port ')}`, `names ${entry}`);
    t.match(err, `owner ${statdOwners[0]}`);
    t.same(statusPorts(), statdPorts);
  });

  const exits: [string, string[], (l: ReturnType<typeof startListen>, port: number) => Promise<void>, number][] = [
    ['SIGTERM', [], async (l) => void l.child.kill('SIGTERM'), 0],
    ['SIGINT', [], async (l) => void l.child.kill('SIGINT'), 0],
    ['SIGHUP', [], async (l) => void l.child.kill('SIGHUP'), 0],
    [
      '--count reached',
      ['--count', '1'],
      async (_l, port) => {
        const c = new NsmClient(new RpcClient({ host: '127.0.0.1', port, transport: 'udp', timeoutMs: 2000 }));
        await c.notify({ monName: 'server', state: 3 });
        await c.close();
      },
      0,
    ],
    [
      'stdout closed (EPIPE)',
      [],
      async (l, port) => {
        l.child.stdout!.destroy();
        const c = new NsmClient(new RpcClient({ host: '127.0.0.1', port, transport: 'udp', timeoutMs: 2000 }));
        await c.notify({ monName: 'server', state: 3 });
        await c.close();
      },
      1,
    ],
  ];
  for (const [how, extra, end, exitCode] of exits) {
    t.test(`--register --replace, then ${how}: statd's registration is back and answers`, async (t) => {
      const listen = startListen(t, ['--register', '--replace', '--json', '--address', '127.0.0.1', ...extra]);
      const port = await listen.port();
      await waitFor(() => listen.stdout().includes('\n'), 'the listening event');
      const listening = JSON.parse(listen.stdout().split('\n')[0]!);
      t.match(listening, { event: 'listening', port, registered: true });
      t.same(
        listening.replaced
          .map((e: { netid: string; port: number }) => `${e.netid} ${e.port}`)
          .filter((e: string) => !e.includes('6 '))
          .sort(),
        statdPorts,
        'the listening event names what it replaced',
      );
      t.same(statusPorts(), [`tcp ${port}`, `udp ${port}`], 'rpcbind points at the listener meanwhile');
      await end(listen, port);
      t.equal((await listen.exit).code, exitCode, listen.stderr());
      t.same(statusPorts(), statdPorts, 'rpcinfo -p: statd again');
      t.same(statusOwners(), statdOwners, 'rpcinfo -s: with its own owner');
      await statdAnswersAt(t, statdPorts);
      t.match(listen.stderr(), /restored the rpcbind registration of status v1 udp port/);
    });
  }

  t.test('library: register({ replace }) and close() restore every version and netid from DUMP', async (t) => {
    const rpcbind = new RpcbindClient({ host: '127.0.0.1', timeoutMs: 2000 });
    t.teardown(() => rpcbind.close());
    const before = (await rpcbind.dump()).entries.filter((e) => e.program === 100024);
    const listener = new NsmListener();
    await listener.listen({ address: '127.0.0.1', transports: ['udp'] });
    await t.rejects(listener.register(), { code: 'REGISTERED' });
    t.same(
      (await rpcbind.dump()).entries.filter((e) => e.program === 100024),
      before,
      'refusal changed nothing',
    );
    await listener.register({ replace: true });
    const during = (await rpcbind.dump()).entries.filter((e) => e.program === 100024);
    t.same(
      during.map((e) => [e.netid, e.port]),
      [['udp', listener.server.udpPort]],
      'only ours (statd had udp, tcp, udp6, tcp6)',
    );
    const report = await listener.close();
    t.equal(report.removed, 1);
    t.same(report.failed, []);
    const key = (e: { version: number; netid: string; address: string; owner: string }) =>
      `${e.version} ${e.netid} ${e.address} ${e.owner}`;
    t.same(report.restored.map(key).sort(), before.map(key).sort());
    t.same(
      (await rpcbind.dump()).entries
        .filter((e) => e.program === 100024)
        .map(key)
        .sort(),
      before.map(key).sort(),
    );
  });

  // Last: it leaves a made-up udp registration behind.
  t.test('a statd restarted meanwhile keeps its new registration', async (t) => {
    const listener = new NsmListener();
    await listener.listen({ address: '127.0.0.1', transports: ['udp'] });
    await listener.register({ replace: true });
    // statd re-registers (as it does at start) while we hold the registration.
    const rpcbind = new RpcbindClient({ host: '127.0.0.1', timeoutMs: 2000, privilegedPort: true });
    t.teardown(() => rpcbind.close());
    await rpcbind.unset({ program: 100024, version: 1, netid: 'udp' });
    t.ok(await rpcbind.set({ program: 100024, version: 1, netid: 'udp', address: '127.0.0.1.3.233' }));
    const report = await listener.close();
    t.equal(report.removed, 0, 'not ours any more: left alone');
    t.notOk(
      report.restored.some((e) => e.netid === 'udp'),
      'the old udp entry is not forced back over the new one',
    );
    t.ok(statusPorts().includes('udp 1001'));
  });
}
