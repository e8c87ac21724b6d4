// Peer-controlled strings in other commands' text output go through printable() too: rpcinfo against an rpcbind
// whose DUMP carries newlines and escape sequences in netid, address and owner.
import t from 'tap';
import { encodeRpcb, PMAP_PROGRAM, RpcServer, writeChain } from '../../src/rpc/index.js';
import { buildCli, nfsprobe } from '../helpers/cli.js';

const build = buildCli();
if (build.status !== 0) throw new Error(`build failed: ${build.output}`);

t.test('rpcinfo: a hostile owner cannot forge lines or reach the terminal', async (t) => {
  const rpcb = [
    { program: 100024, version: 1, netid: 'udp', address: '0.0.0.0.3.1', owner: 'evil\nFAKE 100003 3 tcp 2049 nfs' },
    { program: 100024, version: 1, netid: 'tcp\u001b[2J', address: '0.0.0.0.3.2\u001b]0;x\u0007', owner: '\u009b31m' },
  ];
  const rpcbind = new RpcServer();
  rpcbind.addProgram(PMAP_PROGRAM, 4, { 4: () => (w) => writeChain(w, rpcb, encodeRpcb) });
  const { tcpPort } = await rpcbind.listen({});
  t.teardown(() => rpcbind.close());
  const r = await nfsprobe(['rpcinfo', `127.0.0.1:${tcpPort}`, '--transport', 'tcp']);
  t.equal(r.code, 0, r.err);
  const lines = r.out.trimEnd().split('\n');
  t.equal(lines.length, 4, 'title, header, two entries');
  t.match(lines[2], /evil\\nFAKE 100003 3 tcp 2049 nfs$/);
  t.match(lines[3], 'tcp\\x1b[2J');
  t.match(lines[3], '0.0.0.0.3.2\\x1b]0;x\\x07');
  t.match(lines[3], /\\u009b31m$/);
  t.notMatch(r.out, /[\u001b\u0007\u009b]/);
  const json = JSON.parse((await nfsprobe(['--json', 'rpcinfo', `127.0.0.1:${tcpPort}`, '--transport', 'tcp'])).out);
  t.equal(json.entries[0].owner, rpcb[0]!.owner, 'JSON keeps the exact string');
});
