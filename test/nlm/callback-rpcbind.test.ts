// NlmCallbackServer and the local rpcbind (root, private namespace): it registers as nlockmgr v1/v3/v4 on UDP and TCP,
// a second lock manager is refused with CALLBACK_REGISTERED (it would break the first), close() unregisters, and a
// server that finds us through rpcbind (as a real one does before GRANTED) reaches our callback.
import t from 'tap';
import { LCK_GRANTED, NLM_PROGRAM, NlmCallbackServer, NlmClient, NlmError } from '../../src/nlm/index.js';
import { RpcbindClient } from '../../src/rpc/index.js';
import { enterLab, run, startRpcbind } from '../lab/namespace.js';

const text = (s: string) => new TextEncoder().encode(s);

if (await enterLab(t, import.meta.url, ['rpcbind', 'rpcinfo'])) {
  await startRpcbind(t);

  t.test('register, refuse a second lock manager, unregister on close', async (t) => {
    const first = new NlmCallbackServer();
    const ports = await first.listen();
    await first.register();
    const rpcbind = new RpcbindClient({ host: '127.0.0.1' });
    t.teardown(() => rpcbind.close());
    for (const version of [1, 3, 4]) {
      t.equal(await rpcbind.getPort(NLM_PROGRAM, version, 'udp'), ports.udpPort, `nlockmgr v${version} udp is ours`);
      t.equal(await rpcbind.getPort(NLM_PROGRAM, version, 'tcp'), ports.tcpPort, `nlockmgr v${version} tcp is ours`);
    }
    t.match(run('rpcinfo', ['-p', '127.0.0.1']), /nlockmgr/);

    const second = new NlmCallbackServer();
    await second.listen();
    try {
      await second.register();
      t.fail('a second lock manager must be refused');
    } catch (error) {
      t.equal((error as NlmError).code, 'CALLBACK_REGISTERED');
    }
    t.equal(await rpcbind.getPort(NLM_PROGRAM, 4, 'udp'), ports.udpPort, 'the first registration is untouched');
    await second.close();

    // Found through rpcbind, as a server does before sending GRANTED.
    const wait = first.expectGrant({ fh: text('fh'), oh: text('oh'), svid: 5 }, 10_000);
    const server = await NlmClient.connect({ host: '127.0.0.1', timeoutMs: 3000 });
    const r = await server.granted({ fh: text('fh'), oh: text('oh'), svid: 5, offset: 0n, length: 0n });
    t.equal(r.stat, LCK_GRANTED, 'GRANTED through the rpcbind registration');
    t.equal((await wait.granted).svid, 5);
    await server.close();

    await first.close();
    t.equal(await rpcbind.getPort(NLM_PROGRAM, 4, 'udp'), 0, 'close() unregistered');
    t.ok(NlmError);
  });
}
