// `nfsprobe health` without a server: bad input is exit 2 before anything is sent; identity and fsid parsing.
import t from 'tap';
import { identityText, parseFsid } from '../../src/probe/health.js';
import { runCli } from '../nfs/cli-run.js';

t.test('bad input: exit 2, one line on stderr', async (t) => {
  for (const args of [
    ['health', '127.0.0.1:/x', '--expect-fsid', 'abc'],
    ['health', '127.0.0.1:/x', '--expect-fsid', '0x1ffffffffffffffff'],
    ['health', '127.0.0.1', '--expect-fsid', '7'],
    ['health', '127.0.0.1', '--canary', 'f'],
    ['health', '127.0.0.1:/x', '--canary', '../etc/passwd'],
    ['health', '127.0.0.1', '--optional', 'nfs4'],
    ['health', '127.0.0.1', '--optional', 'status,bogus'],
    ['health', '127.0.0.1', '--expect-scope', ''],
    ['health', '127.0.0.1:relative'],
    ['health', 'bad host'],
    ['health', '127.0.0.1:70000'],
    ['health', '[::1'],
    ['--timeout', 'soon', 'health', '127.0.0.1'],
  ]) {
    const r = await runCli(args);
    t.equal(r.code, 2, `${args.join(' ')}: ${r.stderr.trim()}`);
    t.match(r.stderr, /^nfsprobe: [^\n]+\n$/);
    t.equal(r.stdout, '', 'nothing on stdout');
  }
});

t.test('identityText: printable text without the C string NUL, else hex', async (t) => {
  t.equal(identityText(new TextEncoder().encode('vm_NFS-Ganesha\0')), 'vm_NFS-Ganesha');
  t.equal(identityText(new TextEncoder().encode('nfs-a.example.com')), 'nfs-a.example.com');
  t.equal(identityText(Uint8Array.of(0xde, 0xad, 0x00, 0x01)), 'dead0001');
  t.equal(identityText(new Uint8Array(0)), '');
});

t.test('parseFsid: decimal or 0x-hex, 64 bits', async (t) => {
  t.equal(parseFsid('42'), 42n);
  t.equal(parseFsid('0x2A'), 42n);
  t.equal(parseFsid('18446744073709551615'), 2n ** 64n - 1n);
  t.equal(parseFsid('18446744073709551616'), undefined);
  t.equal(parseFsid('-1'), undefined);
  t.equal(parseFsid('4e2'), undefined);
});
