// The shipped unit and scripts as their tools see them: `systemd-analyze verify` accepts the systemd unit (and does
// report a broken copy of it), and every shell script parses under sh and dash and passes shellcheck.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { root } from '../helpers/cli.js';
import { have } from '../lab/namespace.js';

const UNIT = join(root, 'contrib', 'systemd', 'nfsprobe-notify.service');
const EXPORTER_UNIT = join(root, 'contrib', 'systemd', 'nfsprobe-exporter.service');
const EXPORTER_DEFAULT = join(root, 'contrib', 'systemd', 'nfsprobe-exporter.default');
const SCRIPTS = [
  join(root, 'ocf', 'nfsprobe-notify'),
  join(root, 'ocf', 'nfsprobe-health'),
  join(root, 'contrib', 'keepalived', 'nfsprobe-notify.sh'),
];

/** Missing tools: a skip locally, a failure in CI (.ci/run installs them). */
function need(t: Test, tools: readonly string[]): boolean {
  const missing = tools.filter((tool) => !have(tool));
  if (missing.length === 0) return true;
  if (process.env.CI === 'true') t.fail(`missing ${missing.join(', ')} — .ci/run must install them`);
  else t.skip(`missing ${missing.join(', ')}`, () => {});
  return false;
}

/**
 * `systemd-analyze verify --root=ROOT` on the unit installed into ROOT: the unit's dependencies come from a copy of
 * this machine's unit directory, and ExecStart= must exist there (systemd checks the binary), so a stub stands in
 * for /usr/local/bin/nfsprobe. Pinned on systemd 252: unknown values are only logged (exit 0), so the output is
 * checked for lines about our unit too.
 */
function verify(
  unitText: string,
  withBinary = true,
  name = 'nfsprobe-notify.service',
): { code: number | null; ours: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'nfsprobe-systemd-'));
  mkdirSync(join(dir, 'etc', 'systemd', 'system'), { recursive: true });
  mkdirSync(join(dir, 'usr', 'local', 'bin'), { recursive: true });
  mkdirSync(join(dir, 'usr', 'lib', 'systemd'), { recursive: true });
  cpSync('/usr/lib/systemd/system', join(dir, 'usr', 'lib', 'systemd', 'system'), { recursive: true });
  writeFileSync(join(dir, 'etc', 'systemd', 'system', name), unitText);
  if (withBinary) {
    writeFileSync(join(dir, 'usr', 'local', 'bin', 'nfsprobe'), '#!/bin/sh\n');
    chmodSync(join(dir, 'usr', 'local', 'bin', 'nfsprobe'), 0o755);
  }
  const r = spawnSync('systemd-analyze', ['verify', '--man=no', `--root=${dir}`, `/etc/systemd/system/${name}`], {
    encoding: 'utf8',
  });
  const ours = `${r.stdout}${r.stderr}`.split('\n').filter((line) => line.includes(name));
  return { code: r.status, ours };
}

t.test('systemd-analyze verify accepts contrib/systemd/nfsprobe-notify.service', async (t) => {
  if (!need(t, ['systemd-analyze'])) return;
  const text = readFileSync(UNIT, 'utf8');
  t.match(text, /^After=.*nfs-server\.service/m, 'ordered after the NFS server');
  t.match(text, /^RemainAfterExit=yes$/m);
  t.match(text, /^StandardOutput=journal$/m, 'the report goes to the journal');
  const good = verify(text);
  t.equal(good.code, 0, good.ours.join('\n'));
  t.same(good.ours, [], 'nothing to say about the unit');
  const broken = verify(text.replace('Type=exec', 'Type=nonsense'));
  t.match(broken.ours.join('\n'), /Failed to parse service type/, 'a broken copy is reported');
  const noBinary = verify(text, false);
  t.not(noBinary.code, 0, 'a missing ExecStart binary fails');
  t.match(noBinary.ours.join('\n'), /\/usr\/local\/bin\/nfsprobe is not executable/);
});

t.test('systemd-analyze verify accepts contrib/systemd/nfsprobe-exporter.service', async (t) => {
  if (!need(t, ['systemd-analyze'])) return;
  const name = 'nfsprobe-exporter.service';
  const text = readFileSync(EXPORTER_UNIT, 'utf8');
  t.match(text, /^EnvironmentFile=-\/etc\/default\/nfsprobe-exporter$/m, 'arguments from /etc/default');
  t.match(text, /^ExecStart=\/usr\/local\/bin\/nfsprobe exporter \$NFSPROBE_EXPORTER_ARGS$/m);
  t.match(text, /^RestartPreventExitStatus=2$/m, 'bad arguments are not retried');
  const good = verify(text, true, name);
  t.equal(good.code, 0, good.ours.join('\n'));
  t.same(good.ours, [], 'nothing to say about the unit');
  const broken = verify(text.replace('Restart=on-failure', 'Restart=sometimes'), true, name);
  t.match(broken.ours.join('\n'), /Failed to parse service restart specifier/, 'a broken copy is reported');
  // The default file is what the unit reads: a shell-style assignment of NFSPROBE_EXPORTER_ARGS.
  const defaults = readFileSync(EXPORTER_DEFAULT, 'utf8');
  t.match(defaults, /^NFSPROBE_EXPORTER_ARGS="--listen \d+ --pair [^"]+"$/m);
});

t.test('shell scripts: sh -n, dash -n, shellcheck', async (t) => {
  if (!need(t, ['dash', 'shellcheck'])) return;
  for (const script of SCRIPTS) {
    t.match(readFileSync(script, 'utf8'), /^#!\/bin\/sh\n/, `${script}: POSIX sh`);
    for (const shell of ['sh', 'dash']) {
      t.doesNotThrow(() => execFileSync(shell, ['-n', script]), `${shell} -n ${script}`);
    }
    const r = spawnSync('shellcheck', ['-s', 'sh', '-S', 'warning', script], { encoding: 'utf8' });
    t.equal(r.status, 0, `shellcheck ${script}\n${r.stdout}`);
  }
});
