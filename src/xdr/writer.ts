// RFC 4506 (XDR) sections 4.1-4.17 — a growable big-endian writer with reserve-and-fill-later slots.

import { XdrError } from './errors.js';

const utf8 = new TextEncoder();

const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;
const UINT32_MAX = 0xffffffff;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const UINT64_MAX = (1n << 64n) - 1n;
const TWO_32 = 0x100000000;

// finish() must hand out bytes that later writes never touch, and a fresh small ArrayBuffer per message costs
// several times the encode itself. So the writer never rewrites bytes it has handed out: each message starts at
// `base` in the buffer, finish() returns a view of it and moves `base` past it, and a full buffer is replaced
// (not reused) by a fresh one. `offset`, reserve() slots and patch offsets all count from the message start.
const MIN_REFILL = 8192;

/**
 * Writes XDR into one growing buffer (grows by 1.5x). Every primitive validates its value before it writes a byte,
 * so a throw never leaves half an item behind; `encode()` also rolls a whole composite back on a throw.
 */
export class XdrWriter {
  private buffer: Uint8Array;
  private view: DataView;
  /**
   * Where the current message starts in `buffer`; everything before it belongs to earlier finish() results.
   * (Generated encoders in compile.ts use `base`, `view` and `ensure()` directly.)
   */
  private base = 0;
  /** Bytes written so far (in the current message). */
  offset = 0;

  constructor(initialCapacity = 1024) {
    // `>= 16` is false for NaN too: a zero-sized buffer would never grow by 1.5x.
    this.buffer = new Uint8Array(initialCapacity >= 16 ? Math.min(Math.ceil(initialCapacity), 0x7fffffff) : 16);
    this.view = new DataView(this.buffer.buffer);
  }

  /** Make room for `n` more bytes. */
  ensure(n: number): void {
    if (this.base + this.offset + n <= this.buffer.length) return;
    const needed = this.offset + n;
    if (!(n >= 0 && needed <= 0x7fffffff)) throw new XdrError('OUT_OF_RANGE', `cannot grow the writer by ${n} bytes`);
    // A fresh buffer, never an in-place reuse: earlier finish() results may still point into the old one.
    const length = this.buffer.length;
    const capacity = needed > length ? Math.max(needed, Math.ceil(length * 1.5)) : Math.max(length, MIN_REFILL);
    const grown = new Uint8Array(capacity);
    grown.set(this.buffer.subarray(this.base, this.base + this.offset));
    this.buffer = grown;
    this.view = new DataView(grown.buffer);
    this.base = 0;
  }

  /**
   * Run `fill` and, if it throws, roll the writer back to where it was, so a failed encode of a composite value
   * leaves nothing behind.
   */
  encode(fill: (writer: XdrWriter) => void): void {
    const start = this.offset;
    try {
      fill(this);
    } catch (error) {
      this.offset = start;
      throw error;
    }
  }

  /** Reserve `n` bytes (zeroed) to fill later with `patchUnsignedInt`/`patchBytes`; returns their offset. */
  reserve(n: number): number {
    if (!(Number.isInteger(n) && n >= 0)) throw new XdrError('OUT_OF_RANGE', `cannot reserve ${n} bytes`);
    this.ensure(n);
    const at = this.offset;
    this.buffer.fill(0, this.base + at, this.base + at + n);
    this.offset = at + n;
    return at;
  }

  patchUnsignedInt(at: number, value: number): void {
    if (!(Number.isInteger(at) && at >= 0 && at + 4 <= this.offset)) {
      throw new XdrError('OUT_OF_RANGE', `patch offset ${at} is not reserved`);
    }
    checkUint32(value);
    this.view.setUint32(this.base + at, value);
  }

  patchBytes(at: number, bytes: Uint8Array): void {
    if (!(bytes instanceof Uint8Array)) throw new XdrError('BAD_VALUE', 'patchBytes needs a Uint8Array');
    if (!(Number.isInteger(at) && at >= 0 && at + bytes.length <= this.offset)) {
      throw new XdrError('OUT_OF_RANGE', `patch ${at}..${at + bytes.length} is not reserved`);
    }
    this.buffer.set(bytes, this.base + at);
  }

  /**
   * The bytes written, as a view that later writes never touch (the writer moves on past them); the writer is then
   * ready for the next message. Small results share an ArrayBuffer with each other: use `byteOffset` when you
   * make a DataView over `result.buffer`, and `slice()` a result you keep for long (it pins that buffer).
   */
  finish(): Uint8Array {
    const start = this.base;
    const end = start + this.offset;
    this.base = (end + 7) & ~7;
    this.offset = 0;
    if (this.base > this.buffer.length) this.base = this.buffer.length;
    return this.buffer.subarray(start, end);
  }

  /** A view of the bytes written so far (aliases the writer's buffer: valid until the next write or reset). */
  peek(): Uint8Array {
    return this.buffer.subarray(this.base, this.base + this.offset);
  }

  reset(): void {
    this.offset = 0;
  }

  // ---- 4.1 int, 4.2 unsigned int, 4.3 enum, 4.4 bool

  writeInt(value: number): void {
    // `(v | 0) === v` holds exactly for the numbers in int32 range (and -0): one cheap test on the hot path
    // (after typeof: `|` on a bigint or a symbol throws a TypeError).
    if (typeof value !== 'number' || (value | 0) !== value) {
      if (!(Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX)) {
        throw new XdrError(badType(value, 'number'), `${String(value)} is not a 32-bit signed integer`);
      }
    }
    let at = this.base + this.offset;
    if (at + 4 > this.buffer.length) {
      this.ensure(4);
      at = this.base + this.offset;
    }
    this.view.setInt32(at, value);
    this.offset += 4;
  }

  writeUnsignedInt(value: number): void {
    if (typeof value !== 'number' || value >>> 0 !== value) checkUint32(value);
    let at = this.base + this.offset;
    if (at + 4 > this.buffer.length) {
      this.ensure(4);
      at = this.base + this.offset;
    }
    this.view.setUint32(at, value);
    this.offset += 4;
  }

  /** An enum is an int on the wire; pass `allowed` to refuse undeclared values (BAD_ENUM). */
  writeEnum(value: number, allowed?: ReadonlySet<number>): void {
    if (allowed !== undefined && !allowed.has(value))
      throw new XdrError('BAD_ENUM', `enum value ${value} is not declared`);
    this.writeInt(value);
  }

  writeBool(value: boolean): void {
    if (typeof value !== 'boolean') throw new XdrError('BAD_VALUE', `bool expected, got ${typeof value}`);
    this.ensure(4);
    this.view.setUint32(this.base + this.offset, value ? 1 : 0);
    this.offset += 4;
  }

  // ---- 4.5 hyper and unsigned hyper: bigint, or a safe-integer number; never coerced

  writeHyper(value: bigint | number): void {
    if (typeof value === 'bigint' && value >= INT64_MIN && value <= INT64_MAX) {
      const at = this.claim(8); // before reading this.view: claim() may replace the buffer
      this.view.setBigInt64(at, value);
      return;
    }
    if (typeof value === 'number') {
      if (!Number.isSafeInteger(value)) throw new XdrError('OUT_OF_RANGE', `${value} is not a safe integer for hyper`);
      const high = Math.floor(value / TWO_32);
      this.writeWordPair(high, value - high * TWO_32);
      return;
    }
    throw new XdrError(badType(value, 'bigint'), `${String(value)} does not fit a hyper (64-bit signed)`);
  }

  writeUnsignedHyper(value: bigint | number): void {
    if (typeof value === 'bigint' && value >= 0n && value <= UINT64_MAX) {
      const at = this.claim(8); // before reading this.view: claim() may replace the buffer
      this.view.setBigUint64(at, value);
      return;
    }
    if (typeof value === 'number') {
      if (!(Number.isSafeInteger(value) && value >= 0)) {
        throw new XdrError('OUT_OF_RANGE', `${value} is not a non-negative safe integer for unsigned hyper`);
      }
      const high = Math.floor(value / TWO_32);
      this.writeWordPair(high, value - high * TWO_32);
      return;
    }
    throw new XdrError(badType(value, 'bigint'), `${String(value)} does not fit an unsigned hyper (64-bit unsigned)`);
  }

  /** Make room for `n` bytes, move past them, and return where they start in `buffer`. */
  private claim(n: number): number {
    let at = this.base + this.offset;
    if (at + n > this.buffer.length) {
      this.ensure(n);
      at = this.base + this.offset;
    }
    this.offset += n;
    return at;
  }

  /** Two's-complement high word (may be negative) and low word, from a safe integer already split. */
  private writeWordPair(high: number, low: number): void {
    this.ensure(8);
    this.view.setUint32(this.base + this.offset, high >>> 0);
    this.view.setUint32(this.base + this.offset + 4, low >>> 0);
    this.offset += 8;
  }

  // ---- 4.6 float, 4.7 double, 4.8 quadruple

  writeFloat(value: number): void {
    if (typeof value !== 'number') throw new XdrError('BAD_VALUE', `float expected, got ${typeof value}`);
    this.ensure(4);
    this.view.setFloat32(this.base + this.offset, value);
    this.offset += 4;
  }

  writeDouble(value: number): void {
    if (typeof value !== 'number') throw new XdrError('BAD_VALUE', `double expected, got ${typeof value}`);
    this.ensure(8);
    this.view.setFloat64(this.base + this.offset, value);
    this.offset += 8;
  }

  /** Quadruple: the caller supplies the 16 big-endian IEEE 754 binary128 bytes. */
  writeQuadruple(bytes: Uint8Array): void {
    if (!(bytes instanceof Uint8Array) || bytes.length !== 16) {
      throw new XdrError('BAD_VALUE', 'quadruple needs exactly 16 raw bytes');
    }
    this.writeRaw(bytes);
  }

  // ---- 4.9 fixed-length opaque, 4.10 variable-length opaque, 4.11 string

  /** `opaque[n]`: exactly `length` bytes (BAD_VALUE otherwise) and zero padding. */
  writeFixedOpaque(bytes: Uint8Array, length = bytes.length): void {
    if (!(bytes instanceof Uint8Array)) throw new XdrError('BAD_VALUE', 'opaque needs a Uint8Array');
    if (bytes.length !== length) {
      throw new XdrError('BAD_VALUE', `opaque[${length}] given ${bytes.length} bytes`);
    }
    this.writePadded(bytes);
  }

  writeVariableOpaque(bytes: Uint8Array, max = UINT32_MAX): void {
    if (!(bytes instanceof Uint8Array)) throw new XdrError('BAD_VALUE', 'opaque needs a Uint8Array');
    if (bytes.length > max) throw new XdrError('LIMIT_EXCEEDED', `opaque of ${bytes.length} bytes exceeds ${max}`);
    this.ensure(4 + bytes.length + 3);
    this.view.setUint32(this.base + this.offset, bytes.length);
    this.offset += 4;
    this.writePadded(bytes);
  }

  /** `string<max>` from a JavaScript string, encoded as UTF-8; `max` counts bytes, as the RFC says. */
  writeString(value: string, max = UINT32_MAX): void {
    if (typeof value !== 'string') throw new XdrError('BAD_VALUE', `string expected, got ${typeof value}`);
    const length = value.length;
    // ASCII fast path: write the characters straight into the buffer.
    if (length <= 64 && length <= max) {
      this.ensure(4 + length + 3);
      const buffer = this.buffer;
      const start = this.base + this.offset + 4;
      let i = 0;
      for (; i < length; i++) {
        const code = value.charCodeAt(i);
        if (code > 0x7f) break;
        buffer[start + i] = code;
      }
      if (i === length) {
        this.view.setUint32(this.base + this.offset, length);
        this.offset += 4 + length;
        this.writeZeros((4 - (length & 3)) & 3);
        return;
      }
    }
    if (!isWellFormed(value)) {
      throw new XdrError('BAD_STRING', 'string has a lone surrogate; it has no UTF-8 encoding (use bytes instead)');
    }
    this.writeVariableOpaqueChecked(utf8.encode(value), max, 'string');
  }

  /** `string<max>` from raw bytes (file names are bytes on NFS). */
  writeStringBytes(bytes: Uint8Array, max = UINT32_MAX): void {
    if (!(bytes instanceof Uint8Array)) throw new XdrError('BAD_VALUE', 'string bytes need a Uint8Array');
    this.writeVariableOpaqueChecked(bytes, max, 'string');
  }

  private writeVariableOpaqueChecked(bytes: Uint8Array, max: number, what: string): void {
    if (bytes.length > max) throw new XdrError('LIMIT_EXCEEDED', `${what} of ${bytes.length} bytes exceeds ${max}`);
    this.writeVariableOpaque(bytes, max);
  }

  // ---- 4.12 fixed-length array, 4.13 variable-length array, 4.19 optional-data
  // These write several items; on a throw they roll back to where they started, like struct and union do.

  writeFixedArray<T>(values: readonly T[], count: number, writeElement: (writer: XdrWriter, value: T) => void): void {
    if (!Array.isArray(values) || values.length !== count) {
      throw new XdrError(
        'BAD_VALUE',
        `fixed array of ${count} given ${Array.isArray(values) ? values.length : 'none'}`,
      );
    }
    this.writeElements(values, writeElement);
  }

  writeVariableArray<T>(values: readonly T[], max: number, writeElement: (writer: XdrWriter, value: T) => void): void {
    if (!Array.isArray(values)) throw new XdrError('BAD_VALUE', 'array expected');
    if (values.length > max) throw new XdrError('LIMIT_EXCEEDED', `array of ${values.length} exceeds ${max}`);
    const start = this.offset;
    this.writeUnsignedInt(values.length);
    try {
      this.writeElements(values, writeElement);
    } catch (error) {
      this.offset = start;
      throw error;
    }
  }

  private writeElements<T>(values: readonly T[], writeElement: (writer: XdrWriter, value: T) => void): void {
    const start = this.offset;
    for (let i = 0; i < values.length; i++) {
      try {
        writeElement(this, values[i] as T);
      } catch (error) {
        this.offset = start;
        if (error instanceof XdrError) throw error.within(`[${i}]`);
        throw error;
      }
    }
  }

  /** `*T`: FALSE for undefined/null, else TRUE and the value. */
  writeOptional<T>(value: T | undefined | null, writeValue: (writer: XdrWriter, value: T) => void): void {
    if (value === undefined || value === null) {
      this.writeBool(false);
      return;
    }
    const start = this.offset;
    this.writeBool(true);
    try {
      writeValue(this, value);
    } catch (error) {
      this.offset = start;
      throw error;
    }
  }

  // ---- raw bytes

  /** Bytes as they are, no length and no padding (record marks, pre-encoded bodies). */
  writeRaw(bytes: Uint8Array): void {
    if (!(bytes instanceof Uint8Array)) throw new XdrError('BAD_VALUE', 'raw bytes need a Uint8Array');
    this.ensure(bytes.length);
    this.buffer.set(bytes, this.base + this.offset);
    this.offset += bytes.length;
  }

  private writePadded(bytes: Uint8Array): void {
    const length = bytes.length;
    const padded = length + ((4 - (length & 3)) & 3);
    this.ensure(padded);
    const buffer = this.buffer;
    const at = this.base + this.offset;
    // Small items (verifiers, file handles, names) copy faster by hand than through TypedArray.set.
    if (length <= 32) for (let i = 0; i < length; i++) buffer[at + i] = bytes[i]!;
    else buffer.set(bytes, at);
    for (let i = length; i < padded; i++) buffer[at + i] = 0;
    this.offset += padded;
  }

  private writeZeros(n: number): void {
    if (n === 0) return;
    this.ensure(n);
    this.buffer.fill(0, this.base + this.offset, this.base + this.offset + n);
    this.offset += n;
  }
}

function checkUint32(value: number): void {
  if (!(Number.isInteger(value) && value >= 0 && value <= UINT32_MAX)) {
    throw new XdrError(badType(value, 'number'), `${String(value)} is not a 32-bit unsigned integer`);
  }
}

/** BAD_VALUE for a value of the wrong JavaScript type, OUT_OF_RANGE for one of the right type that does not fit. */
function badType(value: unknown, expected: 'number' | 'bigint'): 'BAD_VALUE' | 'OUT_OF_RANGE' {
  return typeof value === expected || typeof value === 'number' ? 'OUT_OF_RANGE' : 'BAD_VALUE';
}

/** False when the string holds a lone surrogate, which TextEncoder would silently turn into U+FFFD. */
function isWellFormed(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c > 0xdbff) return false;
    const d = s.charCodeAt(i + 1);
    if (!(d >= 0xdc00 && d <= 0xdfff)) return false;
    i++;
  }
  return true;
}

/** Padded size of `n` bytes of opaque data. */
export function paddedLength(n: number): number {
  return n + ((4 - (n & 3)) & 3);
}
