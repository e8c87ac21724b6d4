// `nfsprobe rpcinfo` and `nfsprobe ping` end to end without root: the built CLI against RpcServers in this process
// (a fake rpcbind at HOST:PORT, a program pinged at HOST:PORT), plus usage errors (exit 2, one line).
import { createSocket } from 'node:dgram';
import t, { type Test } from 'tap';
import {
  encodeMapping,
  encodeRpcb,
  IPPROTO_TCP,
  IPPROTO_UDP,
  PMAP_PROGRAM,
  RpcServer,
  writeChain,
} from '../../src/rpc/index.js';
import { buildCli, nfsprobe } from '../helpers/cli.js';

const build = buildCli();
t.equal(build.status, 0, `build: ${build.output}`);

const PROG = 536871066; // user range (RFC 5531)

function oneLineError(t: Test, r: { code: number | null; out: string; err: string }, code: number, what: string) {
  t.equal(r.code, code, `${what}: exit ${code} (${r.err.trim()})`);
  t.equal(r.out, '', `${what}: nothing on stdout`);
  t.match(r.err, /^nfsprobe: [^\n]+\n$/, `${what}: one line on stderr`);
}

t.test('usage errors: exit 2, one line, nothing done', async (t) => {
  for (const args of [
    ['rpcinfo'],
    ['rpcinfo', '999.1.1.1'],
    ['rpcinfo', '[::1'],
    ['rpcinfo', '[not-v6]'],
    ['rpcinfo', '127.0.0.1:99999'],
    ['rpcinfo', 'a b'],
    ['rpcinfo', '127.0.0.1', '--transport', 'sctp'],
    ['rpcinfo', '127.0.0.1', '--rpcbind-version', '5'],
    ['rpcinfo', '127.0.0.1', '--bogus'],
    ['--timeout', 'soon', 'rpcinfo', '127.0.0.1'],
    ['ping', '127.0.0.1'],
    ['ping', '127.0.0.1', 'nosuchprogram'],
    ['ping', '127.0.0.1', 'status', 'one'],
    ['ping', '127.0.0.1', 'status', '-1'],
    ['ping', '127.0.0.1', 'status', '4294967296'],
    ['ping', '127.0.0.1', 'status', '--count', '0'],
    ['ping', '127.0.0.1', 'status', '--count', 'x'],
    ['ping', '127.0.0.1', 'status', '--interval', 'later'],
    ['ping', '127.0.0.1', 'status', '--transport', 'quic'],
    ['ping', '1.2.3', 'status'],
  ]) {
    oneLineError(t, await nfsprobe(args), 2, args.join(' '));
  }
  const help = await nfsprobe(['ping', '--help']);
  t.equal(help.code, 0);
  t.match(help.out, /Exit: 0 every ping of every version got a reply; 1 any ping got none/);
  t.match(help.out, /"rttMs" is null when a version got no\s+reply/);
  const rpcinfoHelp = await nfsprobe(['rpcinfo', '--help']);
  t.match(rpcinfoHelp.out, /DUMP is asked over TCP by default/);
});

t.test('unreachable: exit 1, one line', async (t) => {
  // A UDP socket that never answers, and a TCP port nobody listens on.
  const silent = createSocket('udp4');
  await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
  t.teardown(() => silent.close());
  const port = silent.address().port;
  const timeout = await nfsprobe(['--timeout', '300ms', 'rpcinfo', `127.0.0.1:${port}`, '--transport', 'udp']);
  oneLineError(t, timeout, 1, 'rpcinfo, silent rpcbind');
  t.match(timeout.err, /TIMEOUT/);
  const refused = await nfsprobe(['--timeout', '2s', 'rpcinfo', `127.0.0.1:${port}`]);
  oneLineError(t, refused, 1, 'rpcinfo, no TCP listener');
  t.match(refused.err, /CONNECTION/);
  const ping = await nfsprobe(['--timeout', '300ms', '--json', 'ping', `127.0.0.1:${port}`, 'status', '1']);
  t.equal(ping.code, 1, 'ping, silent program: exit 1');
  t.same(JSON.parse(ping.out).results, [
    { version: 1, transport: 'udp', port, sent: 3, received: 0, rttMs: null, status: 'timeout', error: 'TIMEOUT' },
  ]);
  t.match(
    ping.err,
    /^nfsprobe: status \(100024\) on 127\.0\.0\.1: v1 udp port \d+: no reply within 300 ms \(TIMEOUT\)\n$/,
  );
  const discover = await nfsprobe(['--timeout', '300ms', 'ping', `127.0.0.1:${port}`, 'status']);
  oneLineError(t, discover, 1, 'ping without VERSION, silent program');
});

t.test('rpcinfo against a fake rpcbind: v4 DUMP, and fallback to portmap v2', async (t) => {
  const rpcb = [
    { program: 100000, version: 4, netid: 'tcp', address: '0.0.0.0.0.111', owner: 'superuser' },
    { program: 100000, version: 4, netid: 'local', address: '/run/rpcbind.sock', owner: 'superuser' },
    { program: 100024, version: 1, netid: 'udp6', address: '::.221.122', owner: '103' },
    { program: PROG, version: 7, netid: 'tcp', address: '127.0.0.1.8.1', owner: 'unknown' },
  ];
  const mappings = [
    { program: 100000, version: 2, protocol: IPPROTO_TCP, port: 111 },
    { program: 100024, version: 1, protocol: IPPROTO_UDP, port: 56719 },
    { program: PROG, version: 7, protocol: IPPROTO_TCP, port: 2049 },
  ];
  const v4 = new RpcServer();
  v4.addProgram(PMAP_PROGRAM, 4, { 4: () => (w) => writeChain(w, rpcb, encodeRpcb) });
  const v2 = new RpcServer();
  v2.addProgram(PMAP_PROGRAM, 2, { 4: () => (w) => writeChain(w, mappings, encodeMapping) });
  const p4 = await v4.listen({});
  const p2 = await v2.listen({});
  t.teardown(() => Promise.all([v4.close(), v2.close()]));

  for (const transport of ['udp', 'tcp']) {
    const r = await nfsprobe(['rpcinfo', '--json', `127.0.0.1:${p4.tcpPort}`, '--transport', transport]);
    t.equal(r.code, 0, r.err);
    const doc = JSON.parse(r.out);
    t.same(Object.keys(doc), ['host', 'version', 'entries']);
    t.equal(doc.host, `127.0.0.1:${p4.tcpPort}`);
    t.equal(doc.version, 4);
    t.same(doc.entries, [
      {
        program: 100000,
        version: 4,
        netid: 'tcp',
        protocol: 'tcp',
        port: 111,
        address: '0.0.0.0.0.111',
        owner: 'superuser',
        name: 'portmapper',
      },
      {
        program: 100000,
        version: 4,
        netid: 'local',
        protocol: 'local',
        port: 0,
        address: '/run/rpcbind.sock',
        owner: 'superuser',
        name: 'portmapper',
      },
      {
        program: 100024,
        version: 1,
        netid: 'udp6',
        protocol: 'udp',
        port: 56698,
        address: '::.221.122',
        owner: '103',
        name: 'status',
      },
      {
        program: PROG,
        version: 7,
        netid: 'tcp',
        protocol: 'tcp',
        port: 2049,
        address: '127.0.0.1.8.1',
        owner: 'unknown',
        name: null,
      },
    ]);
  }
  const human = await nfsprobe(['rpcinfo', `127.0.0.1:${p4.tcpPort}`]);
  t.equal(human.code, 0);
  t.match(human.out, /rpcbind v4: 4 registrations/);
  t.match(human.out, /^program\s+vers\s+proto\s+port\s+service\s+netid\s+address\s+owner$/m);
  t.match(human.out, /^100024\s+1\s+udp\s+56698\s+status\s+udp6\s+::\.221\.122\s+103$/m);
  t.match(human.out, /^100000\s+4\s+local\s+-\s+portmapper\s+local\s+\/run\/rpcbind\.sock\s+superuser$/m);

  // v4 and v3 answer PROG_MISMATCH: the dump falls back to portmap v2
  const old = await nfsprobe(['rpcinfo', '--json', `127.0.0.1:${p2.udpPort}`, '--transport', 'udp']);
  t.equal(old.code, 0, old.err);
  const doc = JSON.parse(old.out);
  t.equal(doc.version, 2);
  t.same(
    doc.entries.map((e: Record<string, unknown>) => [
      e.program,
      e.version,
      e.protocol,
      e.port,
      e.netid,
      e.address,
      e.owner,
    ]),
    [
      [100000, 2, 'tcp', 111, 'tcp', '', ''],
      [100024, 1, 'udp', 56719, 'udp', '', ''],
      [PROG, 7, 'tcp', 2049, 'tcp', '', ''],
    ],
  );
  const oldHuman = await nfsprobe(['rpcinfo', `127.0.0.1:${p2.tcpPort}`]);
  t.match(oldHuman.out, /portmap v2: 3 registrations\nprogram\s+vers\s+proto\s+port\s+service\n/);
  const forced = await nfsprobe(['rpcinfo', `127.0.0.1:${p4.tcpPort}`, '--rpcbind-version', '3']);
  oneLineError(t, forced, 1, 'forced v3 against a v4-only rpcbind');
  t.match(forced.err, /PROG_MISMATCH/);
});

t.test('ping HOST:PORT: our RpcServer serving versions 2 and 4', async (t) => {
  const server = new RpcServer();
  server.addProgram(PROG, 2, {});
  server.addProgram(PROG, 4, {});
  const { udpPort, tcpPort } = await server.listen({});
  t.teardown(() => server.close());
  for (const [transport, port] of [
    ['udp', udpPort],
    ['tcp', tcpPort],
  ] as const) {
    const ok = await nfsprobe([
      '--json',
      'ping',
      `127.0.0.1:${port}`,
      String(PROG),
      '4',
      '--transport',
      transport,
      '--count',
      '4',
      '--interval',
      '0',
    ]);
    t.equal(ok.code, 0, ok.err);
    const doc = JSON.parse(ok.out);
    t.same(Object.keys(doc), ['host', 'program', 'results']);
    t.match(doc, { host: `127.0.0.1:${port}`, program: PROG });
    t.equal(doc.results.length, 1);
    t.same(Object.keys(doc.results[0]), ['version', 'transport', 'port', 'sent', 'received', 'rttMs', 'status']);
    t.match(doc.results[0], { version: 4, transport, port, sent: 4, received: 4, status: 'ok' });
    const rtt = doc.results[0].rttMs;
    t.same(Object.keys(rtt), ['min', 'avg', 'max', 'p50', 'p99']);
    t.ok(rtt.min > 0 && rtt.min <= rtt.p50 && rtt.p50 <= rtt.p99 && rtt.p99 <= rtt.max && rtt.avg <= rtt.max);

    // no VERSION: the PROG_MISMATCH range 2..4 is pinged; 3 is refused
    const all = await nfsprobe([
      '--json',
      'ping',
      `127.0.0.1:${port}`,
      String(PROG),
      '--transport',
      transport,
      '--interval',
      '0',
    ]);
    t.equal(all.code, 1, 'version 3 missing: exit 1');
    t.same(
      JSON.parse(all.out).results.map(
        (r: { version: number; sent: number; received: number; rttMs: unknown; status: string; error?: string }) => [
          r.version,
          r.sent,
          r.received,
          r.rttMs === null,
          r.status,
          r.error,
        ],
      ),
      [
        [2, 3, 3, false, 'ok', undefined],
        [3, 1, 0, true, 'rejected', 'PROG_MISMATCH'],
        [4, 3, 3, false, 'ok', undefined],
      ],
      'PROG_MISMATCH is final: version 3 is pinged once',
    );
    t.match(
      all.err,
      /^nfsprobe: [^\n]*v3 [a-z]+ port \d+: version not supported, the server has versions 2\.\.4 \(PROG_MISMATCH\)\n$/,
    );

    const human = await nfsprobe(['ping', `127.0.0.1:${port}`, String(PROG), '3', '--transport', transport]);
    t.equal(human.code, 1);
    t.match(human.out, /^3\s+(udp|tcp)\s+\d+\s+1\s+0\s+-\s+-\s+-\s+-\s+-\s+PROG_MISMATCH 2\.\.4$/m);

    const unavailable = await nfsprobe(['ping', `127.0.0.1:${port}`, String(PROG + 1), '--transport', transport]);
    oneLineError(t, unavailable, 1, 'program not served at the port');
    t.match(unavailable.err, /PROG_UNAVAIL/);
  }
});
