// `notify --json` and `clients --json` say `repliedFrom` for a client that answers from another of its addresses
// (called at 127.0.0.7 port 111, replies leave from 127.0.0.1), in a private namespace for port 111.
import { createSocket } from 'node:dgram';
import t from 'tap';
import { enterLab } from '../lab/namespace.js';
import { runCli, tempStatd } from './helpers.js';
import { startMultiHomedClient } from './multi-homed.js';

/** A UDP port that was free a moment ago. */
async function freeUdpPort(): Promise<number> {
  const probe = createSocket('udp4');
  await new Promise<void>((resolve) => probe.bind(0, '127.0.0.1', resolve));
  const port = probe.address().port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

if (await enterLab(t, import.meta.url, [])) {
  t.test('clients and notify: repliedFrom in the JSON, only when it differs', async (t) => {
    const away = await startMultiHomedClient({ calledAt: '127.0.0.7', port: 111 });
    t.teardown(() => away.close());
    const home = await startMultiHomedClient({ calledAt: '127.0.0.8', repliesFrom: '127.0.0.8', port: 111 });
    t.teardown(() => home.close());
    const dir = tempStatd();
    await dir.addRecord({ monName: '127.0.0.7', myName: 'node' });
    await dir.addRecord({ monName: '127.0.0.8', myName: 'node' });

    const clients = await runCli(['--timeout', '2s', 'clients', '-P', dir.path, '--json']);
    t.equal(clients.code, 0, clients.stderr);
    const listed = Object.fromEntries(JSON.parse(clients.stdout).clients.map((c: { name: string }) => [c.name, c]));
    t.match(listed['127.0.0.7'], { address: '127.0.0.7', statdPort: 111, status: 'up', repliedFrom: '127.0.0.1' });
    t.match(listed['127.0.0.8'], { address: '127.0.0.8', statdPort: 111, status: 'up' });
    t.notOk('repliedFrom' in listed['127.0.0.8'], 'no repliedFrom when the client answered from the address called');

    const port = await freeUdpPort();
    const notify = await runCli([
      'notify',
      '-d',
      '-f',
      '-P',
      dir.path,
      '-v',
      '127.0.0.1',
      '-p',
      String(port),
      '--json',
    ]);
    t.equal(notify.code, 0, notify.stderr);
    const doc = JSON.parse(notify.stdout);
    t.equal(doc.notified, 2);
    const hosts = Object.fromEntries(doc.hosts.map((h: { name: string }) => [h.name, h]));
    t.match(hosts['127.0.0.7'], { address: '127.0.0.7', port: 111, status: 'notified', repliedFrom: '127.0.0.1' });
    t.match(hosts['127.0.0.8'], { address: '127.0.0.8', port: 111, status: 'notified' });
    t.notOk('repliedFrom' in hosts['127.0.0.8']);
    t.same(
      away.notifications.map((n) => n.monName),
      ['127.0.0.1'],
      'SM_NOTIFY reached the client at the address called',
    );
  });
}
