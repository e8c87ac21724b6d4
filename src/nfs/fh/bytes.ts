// Byte-order readers for filehandle fields: no DataView, no allocation except for 64-bit values and hex strings.
// Callers check bounds before reading; these helpers assume `offset + size <= bytes.length`.

export function u16be(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}

export function u16le(b: Uint8Array, o: number): number {
  return b[o]! | (b[o + 1]! << 8);
}

export function u16(b: Uint8Array, o: number, le: boolean): number {
  return le ? u16le(b, o) : u16be(b, o);
}

export function u32be(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

export function u32le(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}

export function u32(b: Uint8Array, o: number, le: boolean): number {
  return le ? u32le(b, o) : u32be(b, o);
}

/** A 64-bit host-order value as bigint. */
export function u64(b: Uint8Array, o: number, le: boolean): bigint {
  const lo = le ? u32le(b, o) : u32be(b, o + 4);
  const hi = le ? u32le(b, o + 4) : u32be(b, o);
  return hi === 0 ? BigInt(lo) : (BigInt(hi) << 32n) | BigInt(lo);
}

const HEX: string[] = [];
for (let i = 0; i < 256; i++) HEX.push(i.toString(16).padStart(2, '0'));

/** Lowercase hex of `bytes[start, end)`. */
export function hexOf(b: Uint8Array, start = 0, end = b.length): string {
  let s = '';
  for (let i = start; i < end; i++) s += HEX[b[i]!]!;
  return s;
}

/** Are `bytes[start, end)` all zero? */
export function allZero(b: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (b[i] !== 0) return false;
  return true;
}

/** RFC 4122 text form of 16 bytes at `o` (built in one pass: this runs in the hot decode path). */
export function uuidAt(b: Uint8Array, o: number): string {
  let s = '';
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) s += '-';
    s += HEX[b[o + i]!]!;
  }
  return s;
}
