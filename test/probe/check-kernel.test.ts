// `nfsprobe check` against real kernel state: in a private mount namespace, a tmpfs, a loop-mounted ext4 image and a
// bind mount of a root-filesystem directory, read through the real /proc/self/mountinfo and /sys/dev/block.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { runChecks } from '../../src/probe/check/checks.js';
import { classifyDevice, mountFor } from '../../src/probe/check/mountinfo.js';
import { NodeFiles } from '../../src/probe/check/node-files.js';
import { enterLab } from '../lab/namespace.js';

if (await enterLab(t, import.meta.url, ['mkfs.ext4', 'mount', 'umount', 'truncate'])) {
  t.test('exports.fsid and exports.shared on a tmpfs, a loop ext4 and a bind mount', async (t) => {
    // The work directory sits on the root filesystem (/tmp is on it here; the test says so when it is not).
    const work = mkdtempSync(join(tmpdir(), 'nfsprobe-check-kernel-'));
    const mounted: string[] = [];
    t.teardown(() => {
      for (const m of mounted.reverse()) execFileSync('umount', [m]);
      rmSync(work, { recursive: true, force: true });
    });
    const dir = (name: string): string => {
      const p = join(work, name);
      mkdirSync(p, { recursive: true });
      return p;
    };
    const memory = dir('tmpfs');
    execFileSync('mount', ['-t', 'tmpfs', 'tmpfs', memory]);
    mounted.push(memory);
    const image = join(work, 'ext4.img');
    execFileSync('truncate', ['-s', '32M', image]);
    execFileSync('mkfs.ext4', ['-q', image]);
    const ext4 = dir('ext4');
    execFileSync('mount', ['-o', 'loop', image, ext4]);
    mounted.push(ext4);
    const local = dir('local/data');
    const bind = dir('bind');
    execFileSync('mount', ['--bind', local, bind]);
    mounted.push(bind);
    mkdirSync(join(ext4, 'export'));
    mkdirSync(join(memory, 'export'));

    // The device class comes from the real sysfs uevent of the loop device.
    const real = new NodeFiles('/');
    const table = real.mountTable();
    if ('reason' in table) throw new Error(table.reason);
    const loop = mountFor(table.mounts, ext4)!;
    t.equal(loop.fsType, 'ext4');
    t.equal(classifyDevice(loop.major, real.deviceName(loop.major, loop.minor)), 'loop', 'sys/dev/block uevent');

    // The configuration tree: etc/exports of our own, proc and sys are the real ones.
    const node = dir('node');
    mkdirSync(join(node, 'etc'));
    symlinkSync('/proc', join(node, 'proc'));
    symlinkSync('/sys', join(node, 'sys'));
    writeFileSync(
      join(node, 'etc/exports'),
      [
        `${ext4}/export *(rw,sync)`,
        `${memory}/export *(rw,sync)`,
        `${memory} *(rw,sync,fsid=12)`,
        `${bind} *(rw,sync,fsid=13)`,
        `${local} *(rw,sync,fsid=14)`,
      ].join('\n'),
    );
    const report = runChecks({ root: node });
    const status = (id: string, subject: string): string | undefined =>
      report.checks.find((c) => c.id === id && c.subject === subject)?.status;
    const onRoot = mountFor(table.mounts, local)!.mountPoint === '/';
    t.equal(status('exports.fsid', `${ext4}/export`), 'pass', 'ext4: identity from the UUID');
    t.equal(status('exports.shared', `${ext4}/export`), 'pass', 'a filesystem other than /');
    t.equal(status('exports.fsid', `${memory}/export`), 'fail', 'tmpfs without fsid=: no device, no UUID');
    t.equal(status('exports.fsid', memory), 'pass', 'tmpfs with fsid=');
    t.equal(status('exports.shared', memory), 'warn', 'a memory filesystem is not shared');
    if (onRoot) {
      t.equal(status('exports.shared', local), 'warn', 'a directory of /');
      t.equal(status('exports.shared', bind), 'warn', 'a bind mount of a directory of / is still the root filesystem');
    } else t.comment(`${tmpdir()} is not on the root filesystem here: the root-filesystem cases are not tested`);
  });
}
