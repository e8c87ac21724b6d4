// `nfsprobe lock` input checks (no server needed): every bad flag is exit 2 with one `nfsprobe: ...` line and nothing
// sent; --help documents the exit codes. The lock itself is tested against ganesha in ganesha*.test.ts.
import t from 'tap';
import { buildCli, nfsprobe } from '../helpers/cli.js';

t.equal(buildCli().status, 0, 'the CLI builds');

const cases: [string, string[], RegExp][] = [
  ['offset not a number', ['--offset', 'x'], /--offset 'x' is not a whole number/],
  ['length over 64 bits', ['--length', '18446744073709551616'], /--length .* 64 bits/],
  ['NFS version 5', ['--nfs-version', '5'], /--nfs-version must be 3 or 4/],
  ['bad hold', ['--hold', 'soon'], /--hold 'soon' is not a duration/],
  ['bad NLM transport', ['--nlm-transport', 'sctp'], /--nlm-transport must be udp or tcp/],
  ['NLM port 0', ['--nlm-port', '0'], /--nlm-port must be 1-65535/],
  ['reclaim with test', ['--reclaim', '--test'], /--reclaim applies to an NLM LOCK/],
  ['reclaim with NFSv4', ['--reclaim', '--nfs-version', '4'], /--reclaim applies to an NLM LOCK/],
  ['empty caller name', ['--caller-name', ''], /--caller-name must be 1 to 1024 bytes/],
];

for (const [what, flags, message] of cases) {
  t.test(what, async (t) => {
    // 192.0.2.1 (TEST-NET-1) is never contacted: the flags are refused first.
    const r = await nfsprobe(['lock', '192.0.2.1:/export/file', ...flags], 20_000);
    t.equal(r.code, 2, 'exit 2');
    t.match(r.err, message);
    t.match(r.err, /^nfsprobe: [^\n]+\n$/, 'one line on stderr');
    t.equal(r.out, '', 'nothing on stdout');
  });
}

t.test('not HOST:/path, and / itself', async (t) => {
  t.equal((await nfsprobe(['lock', 'server-without-path'], 20_000)).code, 2);
  t.equal((await nfsprobe(['lock', '192.0.2.1:/'], 20_000)).code, 2);
  t.equal((await nfsprobe(['lock', '192.0.2.1:relative'], 20_000)).code, 2);
});

t.test('--help names the flags and the exit codes', async (t) => {
  const r = await nfsprobe(['lock', '--help'], 20_000);
  t.equal(r.code, 0);
  for (const flag of [
    '--test',
    '--hold',
    '--nfs-version',
    '--caller-name',
    '--offset',
    '--length',
    '--shared',
    '--json',
  ]) {
    t.match(r.out, flag);
  }
  t.match(r.out, /Exit: 0 granted/);
});
