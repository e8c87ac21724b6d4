// Cross-check fileid layouts against the running kernel: name_to_handle_at(2) returns the same struct fid that
// knfsd puts in its handles. We wrap the kernel's fid in a knfsd header (fsid=1) and compare the decoded inode with
// stat(2) and, on ext2/3/4, the generation with `lsattr -v`. Needs perl (for the raw syscall); no root.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { arch, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { decodeFileHandle } from '../../src/nfs/index.js';
import { have } from '../lab/namespace.js';
import { concat, u32 } from './encode.js';

const SYSCALL = arch() === 'x64' ? 303 : arch() === 'arm64' ? 264 : undefined;

const PERL = `
my ($nr, $path) = @ARGV;
my $buf = pack("LL", 128, 0) . ("\\0" x 128);
my $mount = pack("L", 0);
syscall($nr, -100, $path, $buf, $mount, 0) == 0 or die "name_to_handle_at: $!\\n";
my ($n, $type) = unpack("LL", $buf);
print "$type ", unpack("H*", substr($buf, 8, $n)), "\\n";`;

function kernelHandle(path: string): { type: number; bytes: Uint8Array } {
  const [type, hex] = execFileSync('perl', ['-e', PERL, String(SYSCALL), path], { encoding: 'utf8' })
    .trim()
    .split(' ');
  return { type: Number(type), bytes: Uint8Array.from(Buffer.from(hex ?? '', 'hex')) };
}

function lsattrGeneration(path: string): number | undefined {
  try {
    return Number(
      execFileSync('lsattr', ['-vd', path], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
        .trim()
        .split(/\s+/)[0],
    );
  } catch {
    return undefined; // not an ext2/3/4 filesystem
  }
}

if (SYSCALL === undefined || !have('perl')) {
  t.skip(`needs perl and x64/arm64 (have ${arch()})`, () => {});
} else {
  const dir = mkdtempSync(join(tmpdir(), 'nfsprobe-kfh-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'file');
  writeFileSync(file, 'x');
  const paths = [file, dir, fileURLToPath(import.meta.url)];
  if (existsSync('/dev/shm')) paths.push('/dev/shm'); // tmpfs: the 12-byte INO32_GEN form
  for (const path of paths) {
    t.test(path, async (t) => {
      let fid: { type: number; bytes: Uint8Array };
      try {
        fid = kernelHandle(path);
      } catch (error) {
        t.skip(`the filesystem does not export handles: ${(error as Error).message.trim()}`, () => {});
        return;
      }
      const handle = decodeFileHandle(concat([1, 0, 1, fid.type], u32(1, 'le'), fid.bytes), { byteOrder: 'le' });
      t.comment(`kernel fid type 0x${fid.type.toString(16)} (${handle.fileid?.name}), ${fid.bytes.length} bytes`);
      t.equal(handle.format, 'knfsd');
      t.equal(handle.fileid?.raw, undefined, 'the fileid layout is one nfsprobe decodes');
      t.equal(BigInt(handle.fileid?.inode ?? -1), statSync(path, { bigint: true }).ino, 'inode = stat st_ino');
      const generation = lsattrGeneration(path);
      if (generation !== undefined) t.equal(handle.fileid?.generation, generation, 'generation = lsattr -v');
    });
  }
}
