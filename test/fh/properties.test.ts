// Properties: random bytes of every length 0..128 only ever produce a result or a FileHandleError, and random bytes
// rarely earn `high` confidence (measured, with fixed seeds).
import fc from 'fast-check';
import t from 'tap';
import { decodeFileHandle, FileHandleError, newEncodeDev } from '../../src/nfs/index.js';
import { knfsdV1, u16, u32, u64 } from './encode.js';

function decodeOrCode(bytes: Uint8Array): string {
  try {
    const h = decodeFileHandle(bytes);
    // Touch every lazy part: it must not throw either.
    JSON.stringify(h, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
    return h.confidence;
  } catch (error) {
    if (error instanceof FileHandleError) return error.code;
    throw error;
  }
}

t.test('random bytes of every length 0..128: a result or a FileHandleError, nothing else', async (t) => {
  for (let length = 0; length <= 128; length++) {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: length, maxLength: length }), (bytes) => {
        const outcome = decodeOrCode(bytes);
        if (length === 0) return outcome === 'EMPTY';
        return outcome === 'high' || outcome === 'medium' || outcome === 'low';
      }),
      { seed: 4242 + length, numRuns: 200 },
    );
  }
  t.equal(decodeOrCode(new Uint8Array(129)), 'TOO_LONG');
  // Forced formats and byte-order hints on random bytes: still only our error class.
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 1, maxLength: 128 }),
      fc.constantFrom(
        'knfsd',
        'knfsd-v0',
        'ganesha',
        'gluster',
        'dcache',
        'ontap-v3',
        'ontap-v4',
        'ontap-gx-v3',
        'celerra-vnx',
        'svr4',
        'unknown' as const,
      ),
      fc.constantFrom(undefined, 'le' as const, 'be' as const),
      (bytes, format, byteOrder) => {
        try {
          const h = decodeFileHandle(bytes, { format, byteOrder });
          JSON.stringify(h, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
          return h.format === format;
        } catch (error) {
          return error instanceof FileHandleError && error.code === 'BAD_FORMAT';
        }
      },
    ),
    { seed: 7, numRuns: 5000 },
  );
  t.pass('no other exception escaped');
});

// Structured-looking random handles: a real header followed by random bytes, the hardest case for detection.
const seen: Record<string, number> = {};

function highFraction(samples: Uint8Array[]): number {
  let high = 0;
  for (const s of samples) {
    const h = decodeFileHandle(s);
    const key = `${h.format}/${h.confidence}`;
    seen[key] = (seen[key] ?? 0) + 1;
    if (h.confidence === 'high') high++;
  }
  return high / samples.length;
}

t.test('random bytes rarely get high confidence (measured)', async (t) => {
  const N = 50_000;
  // Uniform bytes: fast-check's uint8Array leans towards small values and repeated bytes, so the structured
  // headers (01 00 ..) appear far more often than in truly uniform data — a stricter test.
  const biased = fc.sample(fc.uint8Array({ minLength: 1, maxLength: 128 }), { seed: 2026, numRuns: N });
  const biasedFraction = highFraction(biased);
  // A seeded xorshift for uniform bytes of uniform length 1..128.
  let state = 0x9e3779b9;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state >>> 0;
  };
  const uniform: Uint8Array[] = [];
  for (let i = 0; i < N; i++) {
    const b = new Uint8Array(1 + (next() % 128));
    for (let k = 0; k < b.length; k++) b[k] = next() & 0xff;
    uniform.push(b);
  }
  t.comment(`biased sample outcomes: ${JSON.stringify(seen)}`);
  for (const key of Object.keys(seen)) delete seen[key];
  const uniformFraction = highFraction(uniform);
  t.comment(`uniform sample outcomes: ${JSON.stringify(seen)}`);
  t.comment(
    `high confidence: fast-check-biased ${(biasedFraction * 100).toFixed(3)}%, uniform ${(uniformFraction * 100).toFixed(4)}% of ${N}`,
  );
  // Uniform: every high path needs a 16-bit or longer signature (01 00 + fsid type <= 7 + exact length: ~2^-24;
  // 0x43 + flags + length: ~2^-22; 32-bit magics: 2^-32), so expecting ~0 of 50 000; allow 1 in 10 000.
  t.ok(uniformFraction <= 1e-4, `uniform high fraction ${uniformFraction} <= 0.01%`);
  // Biased: fast-check makes runs of 0x00/0x01 common, so `01 00 00 00 ...` style headers show up; still bounded
  // by the plausibility checks (inode 0, device 0:0 -> medium). Bound: 1%.
  t.ok(biasedFraction <= 0.01, `biased high fraction ${biasedFraction} <= 1%`);

  // Adversarial: a valid knfsd v1 header (01 00, fsid type 0-7, any fileid type) followed by random bytes, length a
  // multiple of 4 in 8..128. High needs a known fileid type (22 of 256) whose exact length equals the rest (about 1
  // in 30 lengths) and nonzero inodes: ~0.3% expected; the bound 2% leaves room and still fails loose detection.
  for (const key of Object.keys(seen)) delete seen[key];
  const headed: Uint8Array[] = [];
  for (let i = 0; i < N; i++) {
    const b = new Uint8Array(8 + 4 * (next() % 31));
    for (let k = 0; k < b.length; k++) b[k] = next() & 0xff;
    b[0] = 1;
    b[1] = 0;
    b[2] = next() % 8;
    headed.push(b);
  }
  const headedFraction = highFraction(headed);
  t.comment(`knfsd-header + random outcomes: ${JSON.stringify(seen)}`);
  t.comment(`high confidence with a real knfsd header and random rest: ${(headedFraction * 100).toFixed(3)}%`);
  t.ok(headedFraction > 0, 'the adversarial sample does reach the knfsd decoder');
  t.ok(headedFraction <= 0.02, `header + random high fraction ${headedFraction} <= 2%`);
});

t.test('structured knfsd handles: encode -> decode recovers every field', async (t) => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 7 }),
      fc.constantFrom(0x00, 0x01, 0x02, 0x81),
      fc.integer({ min: 1, max: 0xffff_ffff }),
      fc.integer({ min: 0, max: 0xffff_ffff }),
      fc.integer({ min: 0, max: 0xfff }),
      fc.integer({ min: 0, max: 0xfffff }),
      fc.bigInt({ min: 1n, max: 0xffff_ffff_ffff_ffffn }),
      fc.constantFrom('le' as const, 'be' as const),
      (fsidType, fileType, inode, generation, major, minor, inode64, order) => {
        const uuid = Array.from({ length: 16 }, (_, i) => (inode + i) & 0xff);
        const fsidBytes = [
          [...u16(major & 0xffff, 'be'), ...u16(minor & 0xffff, 'be'), ...u32(inode, order)],
          u32(inode, order),
          [...u32(major, 'be'), ...u32(minor, 'be'), ...u32(inode, order)],
          [...u32(newEncodeDev(major, minor), order), ...u32(inode, order)],
          [...u32(inode, order), ...uuid.slice(0, 4)],
          uuid.slice(0, 8),
          uuid,
          [...u64(inode64, order), ...uuid],
        ][fsidType]!;
        const fileBytes =
          fileType === 0
            ? []
            : fileType === 1
              ? [...u32(inode, order), ...u32(generation, order)]
              : fileType === 2
                ? [...u32(inode, order), ...u32(generation, order), ...u32(inode, order), ...u32(generation, order)]
                : [...u64(inode64, order), ...u32(generation, order)];
        const h = decodeFileHandle(knfsdV1(fsidType, fileType, fsidBytes, fileBytes), { byteOrder: order });
        if (h.format !== 'knfsd' || h.fsid?.type !== fsidType || h.fileid?.type !== fileType) return false;
        const f = h.fsid;
        const fsidOk = [
          f.major === (major & 0xffff) && f.minor === (minor & 0xffff) && f.exportInode === inode,
          f.number === inode,
          f.major === major && f.minor === minor && f.exportInode === inode,
          f.major === major && f.minor === minor && f.exportInode === inode,
          f.exportInode === inode,
          f.uuid?.length === 16,
          f.uuid?.length === 36,
          f.exportInode === inode64,
        ][fsidType];
        const fileOk =
          fileType === 0 ||
          (fileType === 0x81
            ? h.fileid.inode === inode64 && h.fileid.generation === generation
            : h.fileid.inode === inode && h.fileid.generation === generation);
        return fsidOk === true && fileOk;
      },
    ),
    { seed: 99, numRuns: 3000 },
  );
  t.pass('3000 generated handles decode to the fields they were built from');
});
