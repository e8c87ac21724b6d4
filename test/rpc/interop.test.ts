// Real peers: our RpcbindClient against Debian's rpcbind (v2/v3/v4), and our RpcServer registered with it and
// called by the real libtirpc client (`rpcinfo -u` / `rpcinfo -t`), including PROG_MISMATCH for a wrong version.
import { execFile } from 'node:child_process';
import t from 'tap';
import { RpcbindClient, RpcClient, RpcServer } from '../../src/rpc/index.js';
import type { XdrReader, XdrWriter } from '../../src/xdr/index.js';
import { enterLab, run, startRpcbind } from '../lab/namespace.js';

const PROG = 536871065; // 0x20000099, in the range RFC 5531 leaves to users

/**
 * rpcinfo's output and exit status, whether it succeeded or not. Asynchronous: our server runs in this process and
 * must keep answering while rpcinfo waits.
 */
function rpcinfo(args: string[]): Promise<{ status: number; output: string }> {
  return new Promise((resolve) => {
    execFile('rpcinfo', args, { encoding: 'utf8', timeout: 30_000 }, (error, stdout, stderr) => {
      const status = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ status, output: `${stdout}${stderr}` });
    });
  });
}

if (await enterLab(t, import.meta.url, ['rpcbind', 'rpcinfo'])) {
  await startRpcbind(t);

  for (const transport of ['udp', 'tcp'] as const) {
    t.test(`our rpcbind client DUMPs the real rpcbind over ${transport} (v4, v3, v2)`, async (t) => {
      const client = new RpcbindClient({ host: '127.0.0.1', transport, timeoutMs: 3000 });
      t.teardown(() => client.close());
      const dump = await client.dump();
      t.equal(dump.version, 4);
      const v4 = await client.dumpRpcb(4);
      const v3 = await client.dumpRpcb(3);
      t.same(v3, v4, 'v3 and v4 DUMP list the same registrations');
      t.ok(
        v4.some((e) => e.program === 100000 && e.version === 4 && e.netid === 'tcp' && e.address.endsWith('.0.111')),
      );
      t.ok(
        v4.some((e) => e.netid === 'local'),
        'the local transport is listed',
      );
      // v2 DUMP equals what `rpcinfo -p` prints
      const v2 = await client.dumpV2();
      const printed = run('rpcinfo', ['-p', '127.0.0.1'])
        .trim()
        .split('\n')
        .slice(1)
        .map((line) => line.trim().split(/\s+/))
        .map(([program, version, proto, port]) => `${program} ${version} ${proto} ${port}`);
      t.same(
        v2.map((m) => `${m.program} ${m.version} ${m.protocol === 6 ? 'tcp' : 'udp'} ${m.port}`),
        printed,
        'portmap v2 DUMP matches rpcinfo -p',
      );
      t.equal(await client.getPort(100000, 2, 'udp'), 111);
      t.equal(await client.getAddr(100000, 4, 'tcp'), (await client.getVersAddr(100000, 4, 'tcp')) || 'none');
      t.ok((await client.getAddrList(100000, 4)).length >= 2);
      const time = await client.getTime();
      t.ok(Math.abs(time - Date.now() / 1000) < 60, 'GETTIME is the clock');
      const stat = await client.getStat();
      t.same(
        stat.map((s) => s.version),
        [2, 3, 4],
      );
      const direct = new RpcClient({ host: '127.0.0.1', port: 111, transport });
      t.teardown(() => direct.close());
      await t.rejects(direct.ping(100000, 5), {
        code: 'PROG_MISMATCH',
        low: 2,
        high: 4,
      });
    });
  }

  t.test('our RpcServer registers with rpcbind and answers rpcinfo -u / -t (libtirpc -> us)', async (t) => {
    const server = new RpcServer();
    const echo = {
      1: (args: XdrReader) => {
        const n = args.readUnsignedInt();
        return (w: XdrWriter) => w.writeUnsignedInt(n + 1);
      },
    };
    server.addProgram(PROG, 2, echo);
    server.addProgram(PROG, 4, echo);
    const { udpPort, tcpPort } = await server.listen({});
    await server.register();
    t.teardown(() => server.close());

    const listing = (await rpcinfo(['-p', '127.0.0.1'])).output;
    for (const [version, proto, port] of [
      [2, 'udp', udpPort],
      [4, 'udp', udpPort],
      [2, 'tcp', tcpPort],
      [4, 'tcp', tcpPort],
    ] as const) {
      t.match(listing, new RegExp(`${PROG}\\s+${version}\\s+${proto}\\s+${port}\\b`), `listed: v${version} ${proto}`);
    }
    for (const flag of ['-u', '-t']) {
      for (const version of ['2', '4']) {
        const ok = await rpcinfo([flag, '127.0.0.1', String(PROG), version]);
        t.equal(ok.status, 0, `rpcinfo ${flag} ${version} succeeds`);
        t.match(ok.output, new RegExp(`program ${PROG} version ${version} ready and waiting`));
      }
      const bad = await rpcinfo([flag, '127.0.0.1', String(PROG), '3']);
      t.not(bad.status, 0, `rpcinfo ${flag} version 3 fails`);
      t.match(bad.output, /low version = 2, high version = 4/, `PROG_MISMATCH 2..4 over ${flag}`);
      t.match(bad.output, new RegExp(`program ${PROG} version 3 is not available`));
      // no version: rpcinfo probes and pings every version between low and high
      const all = await rpcinfo([flag, '127.0.0.1', String(PROG)]);
      t.match(all.output, new RegExp(`program ${PROG} version 2 ready and waiting`));
      t.match(all.output, new RegExp(`program ${PROG} version 4 ready and waiting`));
    }

    const client = new RpcbindClient({ host: '127.0.0.1' });
    t.teardown(() => client.close());
    t.equal(await client.getPort(PROG, 4, 'tcp'), tcpPort);
    const uaddr = await client.getAddr(PROG, 2, 'udp');
    t.equal(uaddr, `127.0.0.1.${udpPort! >> 8}.${udpPort! & 255}`);
    const procCall = new RpcClient({ host: '127.0.0.1', port: udpPort!, transport: 'udp' });
    t.teardown(() => procCall.close());
    const r = await procCall.call(PROG, 2, 1, (w) => w.writeUnsignedInt(41));
    t.equal(new DataView(r.body.buffer, r.body.byteOffset).getUint32(0), 42);

    // SET/UNSET over UDP from a reserved port (rpcbind's rule for loopback callers without the Unix socket)
    const privileged = new RpcbindClient({ host: '127.0.0.1', transport: 'udp', privilegedPort: true });
    t.teardown(() => privileged.close());
    t.equal(await privileged.set({ program: PROG + 1, version: 1, netid: 'udp', address: '127.0.0.1.3.0' }), true);
    t.equal(await client.getPort(PROG + 1, 1, 'udp'), 768);
    t.equal(await privileged.unset({ program: PROG + 1, version: 1 }), true);
    t.equal(await client.getPort(PROG + 1, 1, 'udp'), 0);

    await server.unregister();
    t.notMatch(run('rpcinfo', ['-p', '127.0.0.1']), new RegExp(`${PROG}`), 'gone after unregister');
    t.equal(await client.getPort(PROG, 4, 'tcp'), 0);
  });
}
