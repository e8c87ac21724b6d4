// A client that answers from another of its addresses (called at 127.0.0.7, replies leave from 127.0.0.1): notifyAll
// and probeClients accept its replies by xid, as sm-notify does, and say where they came from. No namespace needed:
// the simulated client's rpcbind and statd share one free port, passed as rpcbindPort.
import t, { type Test } from 'tap';
import { notifyAll, probeClients } from '../../src/nsm/index.js';
import { RpcUdpEndpoint } from '../../src/rpc/index.js';
import { tempStatd } from './helpers.js';
import { startMultiHomedClient } from './multi-homed.js';

const fast = { firstTimeoutMs: 300, retransmitMs: 100, kernelStatePath: null, privilegedPort: false } as const;

/** Collect the endpoints the code under test opens, to read their stats after it closed them. */
function watchEndpoints(t: Test): RpcUdpEndpoint[] {
  const opened: RpcUdpEndpoint[] = [];
  const open = RpcUdpEndpoint.open;
  RpcUdpEndpoint.open = async (o) => {
    const endpoint = await open.call(RpcUdpEndpoint, o);
    opened.push(endpoint);
    return endpoint;
  };
  t.teardown(() => {
    RpcUdpEndpoint.open = open;
  });
  return opened;
}

t.test('notifyAll: a client answering from another address is notified, at the address called', async (t) => {
  const client = await startMultiHomedClient({ calledAt: '127.0.0.7' });
  t.teardown(() => client.close());
  const sd = tempStatd();
  await sd.addRecord({ monName: '127.0.0.7', myName: 'node1' });
  const endpoints = watchEndpoints(t);
  const report = await notifyAll({
    directory: sd,
    monNames: ['foo-ha'],
    rpcbindPort: client.port,
    retryDeadlineMs: 5000,
    ...fast,
  });
  t.equal(report.notified, 1);
  t.equal(report.failed, 0);
  const host = report.hosts[0]!;
  t.equal(host.status, 'notified');
  t.equal(host.address, '127.0.0.7', 'the address called');
  t.equal(host.port, client.port);
  t.equal(host.repliedFrom, '127.0.0.1', 'and the address it answered from');
  t.equal(host.attempts, 2, 'GETPORT and SM_NOTIFY each answered the first time');
  t.same(client.notifications, [{ monName: 'foo-ha', state: report.state }]);
  t.same(client.calls, ['100000/2/3', '100024/1/6'], 'SM_NOTIFY went to the address called (the only one listening)');
  const stats = endpoints.map((e) => e.stats);
  t.equal(
    stats.reduce((n, s) => n + s.repliedFromOtherPeer, 0),
    2,
    'both replies counted in the endpoint stats',
  );
  t.equal(
    stats.reduce((n, s) => n + s.wrongPeer, 0),
    0,
  );
  t.same(await sd.readMonitorList('sm.bak'), [], 'the record is gone: acknowledged');
});

t.test('notifyAll: a client answering from the address called has no repliedFrom', async (t) => {
  const client = await startMultiHomedClient({ calledAt: '127.0.0.8', repliesFrom: '127.0.0.8' });
  t.teardown(() => client.close());
  const sd = tempStatd();
  await sd.addRecord({ monName: '127.0.0.8', myName: 'node1' });
  const endpoints = watchEndpoints(t);
  const report = await notifyAll({ directory: sd, rpcbindPort: client.port, retryDeadlineMs: 5000, ...fast });
  const host = report.hosts[0]!;
  t.equal(host.status, 'notified');
  t.equal(host.port, client.port);
  t.notOk('repliedFrom' in host);
  t.equal(
    endpoints.reduce((n, e) => n + e.stats.repliedFromOtherPeer, 0),
    client.replyPort === client.port ? 0 : 2,
    'counted only when the address or port differs',
  );
});

t.test('probeClients: a client answering from another address is up, with repliedFrom', async (t) => {
  const client = await startMultiHomedClient({ calledAt: '127.0.0.9' });
  t.teardown(() => client.close());
  const sd = tempStatd();
  await sd.addRecord({ monName: '127.0.0.9', myName: 'node1' });
  const endpoints = watchEndpoints(t);
  const [report] = await probeClients({ directory: sd, rpcbindPort: client.port, timeoutMs: 3000 });
  t.equal(report!.status, 'up');
  t.equal(report!.address, '127.0.0.9');
  t.equal(report!.statdPort, client.port);
  t.equal(report!.repliedFrom, '127.0.0.1');
  t.same(client.calls, ['100000/2/3', '100024/1/0']);
  t.equal(
    endpoints.reduce((n, e) => n + e.stats.repliedFromOtherPeer, 0),
    2,
  );
});
