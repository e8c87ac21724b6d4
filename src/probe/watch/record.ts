// The 4 KiB records the data path writes at offset seq * 4096. Layout (big-endian):
//   0  8  magic "nfsprobe"
//   8  8  seq (u64)
//  16  8  timestamp, ms since the epoch (u64)
//  24  4  CRC-32 of bytes 0-23 and 28-4095
//  28 ..  filler derived from seq, so a record from another slot never passes for this one
import { crc32 } from '../../nfs/fh/crc32.js';

export const RECORD_SIZE = 4096;
const MAGIC = new TextEncoder().encode('nfsprobe');

function checksum(record: Uint8Array): number {
  const copy = record.slice();
  copy.fill(0, 24, 28);
  return crc32(copy);
}

/** The record for `seq` written at `timestampMs` (the same inputs always give the same bytes). */
export function encodeRecord(seq: number, timestampMs: number): Uint8Array {
  const record = new Uint8Array(RECORD_SIZE);
  const view = new DataView(record.buffer);
  record.set(MAGIC, 0);
  view.setBigUint64(8, BigInt(seq));
  view.setBigUint64(16, BigInt(Math.round(timestampMs)));
  // xorshift32 seeded by seq: cheap, deterministic filler.
  let x = (seq * 2654435761 + 1) >>> 0 || 1;
  for (let i = 28; i < RECORD_SIZE; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    view.setUint32(i, x >>> 0);
  }
  view.setUint32(24, checksum(record));
  return record;
}

/** How a read-back record compares with what was acknowledged: intact, missing (zeros, short) or different. */
export function checkRecord(read: Uint8Array, seq: number, timestampMs: number): 'ok' | 'missing' | 'differs' {
  if (read.length < RECORD_SIZE || read.every((b) => b === 0)) return 'missing';
  const expected = encodeRecord(seq, timestampMs);
  for (let i = 0; i < RECORD_SIZE; i++) if (read[i] !== expected[i]) return 'differs';
  return 'ok';
}

/** The offset of record `seq`. */
export function recordOffset(seq: number): number {
  return seq * RECORD_SIZE;
}
