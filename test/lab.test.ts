// The interop lab itself: a private namespace with its own loopback, and a real rpcbind started and stopped by PID.
import t from 'tap';
import { enterLab, run, startRpcbind } from './lab/namespace.js';

if (await enterLab(t, import.meta.url, ['rpcbind', 'rpcinfo'])) {
  // An async subtest ends when its promise settles; the root test could otherwise auto-end while we await a child.
  t.test('rpcbind in a private namespace', async (t) => {
    const rpcbind = await startRpcbind(t);
    const listing = run('rpcinfo', ['-p', '127.0.0.1']);
    t.match(listing, /100000\s+4\s+tcp\s+111\s+portmapper/, 'rpcbind in the namespace lists itself');
    t.equal(run('ip', ['-o', 'link', 'show']).trim().split('\n').length, 1, 'the namespace has only loopback');
    await rpcbind.stop();
    t.throws(() => run('rpcinfo', ['-p', '127.0.0.1']), 'rpcbind is gone after stop by PID');
  });
}
