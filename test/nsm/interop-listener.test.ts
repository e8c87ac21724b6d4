// NsmListener's policy from a non-loopback address (10.9.9.9 on the namespace's lo): SM_NOTIFY, SM_STAT and SM_NULL
// are answered for anyone; SM_MON, SM_UNMON, SM_UNMON_ALL and SM_SIMU_CRASH change nothing unless from loopback.
import { execFileSync } from 'node:child_process';
import t from 'tap';
import { NLM_PROGRAM, NsmClient, NsmListener, type NsmMonitorEvent, type NsmNotifyEvent } from '../../src/nsm/index.js';
import { RpcClient } from '../../src/rpc/index.js';
import { enterLab } from '../lab/namespace.js';

if (await enterLab(t, import.meta.url, [])) {
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
    t.same(
      monitorEvents.map((e) => [e.procedure, e.allowed]),
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
