// rpcbind client against an in-process fake rpcbind built on RpcServer; universal addresses; DUMP caps and fallback.
import fc from 'fast-check';
import t, { type Test } from 'tap';
import {
  decodeMapping,
  decodeRpcb,
  encodeMapping,
  encodeRpcb,
  formatUniversalAddress,
  type PortMapping,
  parseUniversalAddress,
  type Rpcb,
  RpcbindClient,
  type RpcHandler,
  RpcServer,
  readChain,
  writeChain,
} from '../../src/rpc/index.js';
import { XdrError, XdrReader, XdrWriter } from '../../src/xdr/index.js';

t.test('universal addresses, IPv4 and IPv6', async (t) => {
  t.same(parseUniversalAddress('127.0.0.1.0.111'), { address: '127.0.0.1', port: 111 });
  t.same(parseUniversalAddress('10.1.2.3.8.1'), { address: '10.1.2.3', port: 2049 });
  t.same(parseUniversalAddress('::1.0.111'), { address: '::1', port: 111 });
  t.same(parseUniversalAddress('fe80::1:2.255.255'), { address: 'fe80::1:2', port: 65535 });
  t.same(parseUniversalAddress('0:0:0:0:0:0:0:1.8.1'), { address: '::1', port: 2049 });
  t.equal(formatUniversalAddress('127.0.0.1', 111), '127.0.0.1.0.111');
  t.equal(formatUniversalAddress('0.0.0.0', 2049), '0.0.0.0.8.1');
  t.equal(formatUniversalAddress('::', 2049), '::.8.1');
  t.equal(formatUniversalAddress('::1', 65535), '::1.255.255');
  for (const bad of ['', '127.0.0.1', '127.0.0.1.0', '127.0.0.1.256.1', 'host.0.1', '1.2.3.0.1', '/run/rpcbind.sock']) {
    t.throws(() => parseUniversalAddress(bad), { code: 'BAD_ADDRESS' }, JSON.stringify(bad));
  }
  t.throws(() => formatUniversalAddress('nohost', 1), { code: 'BAD_ADDRESS' });
  t.throws(() => formatUniversalAddress('1.2.3.4', 70000), { code: 'BAD_ADDRESS' });
});

/** A fake rpcbind on RpcServer: a small registry served as v2, and as v3/v4 when `versions` includes them. */
async function fakeRpcbind(t: Test, versions: number[], extra: PortMapping[] = []) {
  const registry: Rpcb[] = [
    { program: 100000, version: 4, netid: 'tcp', address: '0.0.0.0.0.111', owner: 'superuser' },
    { program: 100000, version: 2, netid: 'udp', address: '0.0.0.0.0.111', owner: 'superuser' },
    { program: 100024, version: 1, netid: 'udp', address: '0.0.0.0.3.231', owner: '107' },
    { program: 100000, version: 4, netid: 'local', address: '/run/rpcbind.sock', owner: 'superuser' },
  ];
  const server = new RpcServer();
  const asMapping = (b: Rpcb): PortMapping => ({
    program: b.program,
    version: b.version,
    protocol: b.netid === 'udp' ? 17 : 6,
    port: parseUniversalAddress(b.address).port,
  });
  server.addProgram(100000, 2, {
    1: (r: XdrReader) => {
      const m = decodeMapping(r);
      registry.push({
        program: m.program,
        version: m.version,
        netid: m.protocol === 17 ? 'udp' : 'tcp',
        address: formatUniversalAddress('0.0.0.0', m.port),
        owner: '',
      });
      return (w: XdrWriter) => w.writeBool(true);
    },
    3: (r: XdrReader) => {
      const m = decodeMapping(r);
      const found = registry.find(
        (b) => b.program === m.program && b.version === m.version && b.netid === (m.protocol === 17 ? 'udp' : 'tcp'),
      );
      return (w: XdrWriter) => w.writeUnsignedInt(found ? parseUniversalAddress(found.address).port : 0);
    },
    4: () => (w: XdrWriter) =>
      writeChain(
        w,
        [...registry.filter((b) => b.netid === 'udp' || b.netid === 'tcp').map(asMapping), ...extra],
        encodeMapping,
      ),
    5: (r: XdrReader) => {
      const [program, version, procedure] = [r.readUnsignedInt(), r.readUnsignedInt(), r.readUnsignedInt()];
      const args = r.readVariableOpaque();
      return (w: XdrWriter) => {
        w.writeUnsignedInt(program + version + procedure);
        w.writeVariableOpaque(args);
      };
    },
  });
  for (const version of versions.filter((v) => v >= 3)) {
    const procedures: Record<number, RpcHandler> = {
      1: (r: XdrReader) => {
        const b = decodeRpcb(r);
        const exists = registry.some((e) => e.program === b.program && e.version === b.version && e.netid === b.netid);
        if (!exists) registry.push(b);
        return (w: XdrWriter) => w.writeBool(!exists);
      },
      2: (r: XdrReader) => {
        const b = decodeRpcb(r);
        const before = registry.length;
        for (let i = registry.length - 1; i >= 0; i--) {
          const e = registry[i]!;
          if (e.program === b.program && e.version === b.version && (b.netid === '' || e.netid === b.netid))
            registry.splice(i, 1);
        }
        return (w: XdrWriter) => w.writeBool(registry.length < before);
      },
      3: (r: XdrReader) => {
        const b = decodeRpcb(r);
        const found = registry.find((e) => e.program === b.program && e.version === b.version && e.netid === b.netid);
        return (w: XdrWriter) => w.writeString(found?.address ?? '');
      },
      4: () => (w: XdrWriter) => writeChain(w, registry, encodeRpcb),
      6: () => (w: XdrWriter) => w.writeUnsignedInt(1_700_000_000),
    };
    if (version === 4) {
      Object.assign(procedures, {
        9: (r: XdrReader) => {
          const b = decodeRpcb(r);
          return (w: XdrWriter) => w.writeString(b.version === 1 ? '0.0.0.0.3.231' : '');
        },
        11: () => (w: XdrWriter) =>
          writeChain(w, [{ a: '0.0.0.0.3.231', n: 'udp', s: 1, f: 'inet', p: 'udp' }], (ww, e) => {
            ww.writeString(e.a);
            ww.writeString(e.n);
            ww.writeUnsignedInt(e.s);
            ww.writeString(e.f);
            ww.writeString(e.p);
          }),
        12: () => (w: XdrWriter) => {
          for (let v = 0; v < 3; v++) {
            for (let p = 0; p < 13; p++) w.writeInt(p === 3 ? 10 + v : 0);
            w.writeInt(1);
            w.writeInt(0);
            writeChain(w, [{ p: 100024, v: 1, s: 5, f: 1, n: 'udp' }], (ww, e) => {
              ww.writeUnsignedInt(e.p);
              ww.writeUnsignedInt(e.v);
              ww.writeInt(e.s);
              ww.writeInt(e.f);
              ww.writeString(e.n);
            });
            writeChain(w, [], () => {});
          }
        },
      });
    }
    server.addProgram(100000, version, procedures);
  }
  const { udpPort } = await server.listen({ transports: ['udp'] });
  t.teardown(() => server.close());
  return { port: udpPort!, registry };
}

t.test('v4 rpcbind: dump, getAddr, getVersAddr, getAddrList, getStat, getTime, set/unset, v2 calls', async (t) => {
  const fake = await fakeRpcbind(t, [2, 3, 4]);
  const client = new RpcbindClient({ host: '127.0.0.1', port: fake.port });
  t.teardown(() => client.close());
  const dump = await client.dump();
  t.equal(dump.version, 4);
  t.same(dump.entries[2], {
    program: 100024,
    version: 1,
    netid: 'udp',
    protocol: 'udp',
    port: 999,
    address: '0.0.0.0.3.231',
    owner: '107',
    name: 'status',
  });
  t.same(dump.entries[3]?.port, 0, 'local netid has no port');
  t.equal(await client.getAddr(100024, 1, 'udp'), '0.0.0.0.3.231');
  t.equal(await client.getAddr(100024, 1, 'tcp'), '');
  t.equal(await client.getVersAddr(100024, 1, 'udp'), '0.0.0.0.3.231');
  t.same(await client.getAddrList(100024, 1), [
    { address: '0.0.0.0.3.231', netid: 'udp', semantics: 1, protocolFamily: 'inet', protocol: 'udp' },
  ]);
  const stat = await client.getStat();
  t.same(
    stat.map((s) => [s.version, s.info[3], s.setinfo, s.addrinfo.length]),
    [
      [2, 10, 1, 1],
      [3, 11, 1, 1],
      [4, 12, 1, 1],
    ],
  );
  t.equal(await client.getTime(), 1_700_000_000);
  t.equal(await client.getPort(100024, 1, 'udp'), 999);
  t.equal(await client.getPort(100003, 3, 'tcp'), 0);
  t.equal(await client.set({ program: 200000, version: 1, netid: 'tcp', address: '127.0.0.1.4.0' }), true);
  t.equal(await client.set({ program: 200000, version: 1, netid: 'tcp', address: '127.0.0.1.4.0' }), false, 'already');
  t.equal(await client.getAddr(200000, 1, 'tcp', 3), '127.0.0.1.4.0');
  t.equal(await client.unset({ program: 200000, version: 1 }), true);
  t.equal(await client.getAddr(200000, 1, 'tcp'), '');
  const callit = await client.callit(1, 2, 3, Uint8Array.of(9, 9));
  t.same([callit.port, [...callit.results]], [6, [9, 9]]);
  t.same((await client.dumpV2()).length, 3);
});

t.test('portmap-only server: dump and set fall back to v2', async (t) => {
  const fake = await fakeRpcbind(t, [2]);
  const client = new RpcbindClient({ host: '127.0.0.1', port: fake.port, transport: 'udp' });
  t.teardown(() => client.close());
  const dump = await client.dump();
  t.equal(dump.version, 2);
  t.same(dump.entries[0], {
    program: 100000,
    version: 4,
    netid: 'tcp',
    protocol: 'tcp',
    port: 111,
    address: '',
    owner: '',
    name: 'portmapper',
  });
  t.equal(await client.set({ program: 200001, version: 1, netid: 'udp', address: '127.0.0.1.4.1' }), true);
  t.equal(await client.getPort(200001, 1, 'udp'), 1025);
  await t.rejects(client.getAddr(1, 1, 'udp'), { code: 'PROG_MISMATCH', low: 2, high: 2 });
});

t.test('DUMP chains are capped', async (t) => {
  const many = Array.from({ length: 50 }, (_, i) => ({
    program: 300000 + i,
    version: 1,
    protocol: 17,
    port: 1000 + i,
  }));
  const fake = await fakeRpcbind(t, [2], many);
  const capped = new RpcbindClient({ host: '127.0.0.1', port: fake.port, maxEntries: 20 });
  t.teardown(() => capped.close());
  await t.rejects(capped.dumpV2(), { code: 'BAD_REPLY' });
  const roomy = new RpcbindClient({ host: '127.0.0.1', port: fake.port, maxEntries: 100 });
  t.teardown(() => roomy.close());
  t.equal((await roomy.dumpV2()).length, 53);
});

t.test(
  'fuzz: random bytes into the rpcbind decoders raise only XdrError; decode(encode(decode(x))) equals decode(x)',
  async (t) => {
    const codecs = [
      { name: 'mapping', decode: decodeMapping, encode: encodeMapping },
      { name: 'rpcb', decode: decodeRpcb, encode: encodeRpcb },
      {
        name: 'rpcb chain',
        decode: (r: XdrReader) => readChain(r, decodeRpcb, 4),
        encode: (w: XdrWriter, list: Rpcb[]) => writeChain(w, list, encodeRpcb),
      },
    ] as const;
    // bias towards plausible input: small lengths and chain flags
    const word = fc.oneof(fc.constantFrom(0, 1, 2, 3, 8), fc.nat()).map((n) => {
      const b = new Uint8Array(4);
      new DataView(b.buffer).setUint32(0, n);
      return b;
    });
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 80 }),
      fc.array(fc.oneof(word, fc.uint8Array({ maxLength: 9 })), { maxLength: 24 }).map((p) => Buffer.concat(p)),
    );
    let decoded = 0;
    fc.assert(
      fc.property(fc.constantFrom(0, 1, 2), bytes, (which, input) => {
        const codec = codecs[which]!;
        let value: unknown;
        try {
          value = codec.decode(new XdrReader(input));
        } catch (error) {
          if (!(error instanceof XdrError)) throw error;
          return;
        }
        decoded++;
        const w = new XdrWriter();
        (codec.encode as (w: XdrWriter, v: unknown) => void)(w, value);
        t.same(codec.decode(new XdrReader(w.finish())), value, codec.name);
      }),
      { numRuns: 3000 },
    );
    t.ok(decoded > 100, `some inputs decoded (${decoded})`);
  },
);
