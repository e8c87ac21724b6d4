// RFC 4506 (XDR) sections 4.1-4.17 — a bounds-checked, zero-copy cursor over a Uint8Array.

import { XdrError } from './errors.js';

export interface XdrReaderOptions {
  /** Reject non-zero padding bytes (BAD_PADDING). Default false: padding is skipped unread, as most peers do. */
  strictPadding?: boolean;
}

// ignoreBOM: a leading U+FEFF is part of the string's value, not a byte-order mark to strip.
const utf8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
const utf8Strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Largest fixed or variable item we will even consider; a length word above this is rejected before any check. */
const UINT32_MAX = 0xffffffff;

// 32-bit words are read with byte arithmetic straight from `bytes`: making a DataView costs about as much as
// decoding twenty words, and nearly every received reply is a new buffer. 64-bit and floating-point items, and the
// generated struct decoders of compile.ts, read through one DataView over the WHOLE ArrayBuffer, made on first use
// and shared by every reader of the same buffer (indexed with `bytes.byteOffset` added): so a hand-written decoder
// that reads its hypers with `uint64At` never makes one.
let cachedBuffer: ArrayBufferLike | undefined;
let cachedView: DataView | undefined;

function wholeBufferView(buffer: ArrayBufferLike): DataView {
  if (buffer !== cachedBuffer) {
    cachedView = new DataView(buffer);
    cachedBuffer = buffer;
  }
  return cachedView!;
}

// The standalone readers below (`uint64At` and friends) have no reader to hang a view on: they copy the 8 bytes
// into one scratch DataView instead.
const scratchView = new DataView(new ArrayBuffer(8));
const scratchBytes = new Uint8Array(scratchView.buffer);

/** Copy the `n` (4 or 8) bytes at `at` of `bytes` into the scratch view and return it. */
function scratch(bytes: Uint8Array, at: number, n: number): DataView {
  for (let i = 0; i < n; i++) scratchBytes[i] = bytes[at + i]!;
  return scratchView;
}

/**
 * The big-endian unsigned 32-bit word at `bytes[at]`. Unchecked: the caller has bounds-checked `at + 4` (for
 * example with `XdrReader.claim`). For hand-written decoders that check a whole fixed-size item once.
 */
export function uint32At(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

/** The big-endian signed 32-bit word at `bytes[at]`. Unchecked, as `uint32At`. */
export function int32At(bytes: Uint8Array, at: number): number {
  return (bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!;
}

/** The big-endian unsigned 64-bit value at `bytes[at]`, as a bigint. Unchecked, as `uint32At`. */
export function uint64At(bytes: Uint8Array, at: number): bigint {
  // BigInt(low) is one allocation; `BigInt(high) << 32n | BigInt(low)` would be four, through the runtime.
  if ((bytes[at]! | bytes[at + 1]! | bytes[at + 2]! | bytes[at + 3]!) === 0) {
    return BigInt(((bytes[at + 4]! << 24) | (bytes[at + 5]! << 16) | (bytes[at + 6]! << 8) | bytes[at + 7]!) >>> 0);
  }
  return scratch(bytes, at, 8).getBigUint64(0);
}

/** The big-endian signed 64-bit value at `bytes[at]`, as a bigint. Unchecked, as `uint32At`. */
export function int64At(bytes: Uint8Array, at: number): bigint {
  return scratch(bytes, at, 8).getBigInt64(0);
}

/** The big-endian IEEE 754 single at `bytes[at]`. Unchecked, as `uint32At`. */
export function float32At(bytes: Uint8Array, at: number): number {
  return scratch(bytes, at, 4).getFloat32(0);
}

/** The big-endian IEEE 754 double at `bytes[at]`. Unchecked, as `uint32At`. */
export function float64At(bytes: Uint8Array, at: number): number {
  return scratch(bytes, at, 8).getFloat64(0);
}

/**
 * A cursor over XDR bytes. Every read checks that the bytes are there before it slices or allocates
 * (`!(end <= this.end)` is also false for NaN). Opaque results are `subarray` views that ALIAS the input:
 * copy them (`slice()`) if the input buffer will be reused.
 */
export class XdrReader {
  readonly bytes: Uint8Array;
  /** `bytes.byteOffset`: where `bytes[0]` sits in `data`. (compile.ts reads `data`/`base`.) */
  private readonly base: number;
  private wholeView: DataView | undefined;
  private ownView: DataView | undefined;
  /** Current position, as an index into `bytes`. */
  offset: number;
  /** One past the last readable byte. */
  readonly end: number;
  readonly strictPadding: boolean;

  constructor(bytes: Uint8Array, offset = 0, end = bytes.length, options?: XdrReaderOptions) {
    if (!(bytes instanceof Uint8Array)) throw new XdrError('BAD_VALUE', 'XdrReader needs a Uint8Array');
    if (!(Number.isInteger(offset) && Number.isInteger(end) && offset >= 0 && offset <= end && end <= bytes.length)) {
      throw new XdrError('OUT_OF_RANGE', `reader window ${offset}..${end} outside a buffer of ${bytes.length} bytes`);
    }
    this.bytes = bytes;
    this.base = bytes.byteOffset;
    this.wholeView = undefined;
    this.ownView = undefined;
    this.offset = offset;
    this.end = end;
    this.strictPadding = options !== undefined && options.strictPadding === true;
  }

  /** DataView over the whole underlying ArrayBuffer, made on first use; index it with `base + offset`. */
  private get data(): DataView {
    let view = this.wholeView;
    if (view === undefined) {
      view = wholeBufferView(this.bytes.buffer);
      this.wholeView = view;
    }
    return view;
  }

  /** A DataView over `bytes` (index 0 is `bytes[0]`), made on first use. */
  get view(): DataView {
    if (this.ownView === undefined) {
      this.ownView = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    }
    return this.ownView;
  }

  /** Bytes left between the cursor and the end of the window. */
  get remaining(): number {
    return this.end - this.offset;
  }

  /** True when every byte of the window has been consumed. */
  get done(): boolean {
    return this.offset === this.end;
  }

  /**
   * Claim the next `n` bytes: SHORT_BUFFER unless they are all there, else move the cursor past them and return
   * their index in `bytes` (read them with `uint32At` and friends). `what` only names the item in an error.
   */
  claim(n: number, what = 'item'): number {
    return this.need(n, what);
  }

  /** Claim the next `n` bytes and return their index in `bytes`; `what` only names the item in an error. */
  private need(n: number, what: string): number {
    const at = this.offset;
    const end = at + n;
    // `end >= at` refuses a negative n (skip/subReader) that would move the cursor backwards.
    if (!(end <= this.end && end >= at)) {
      throw new XdrError('SHORT_BUFFER', `${what} needs ${n} bytes at offset ${at}, ${this.end - at} remain`);
    }
    this.offset = end;
    return at;
  }

  // ---- 4.1 int, 4.2 unsigned int, 4.3 enum, 4.4 bool

  readInt(): number {
    return int32At(this.bytes, this.need(4, 'int'));
  }

  readUnsignedInt(): number {
    return uint32At(this.bytes, this.need(4, 'unsigned int'));
  }

  /** An enum is an int on the wire; pass `allowed` to reject values outside the declared set (BAD_ENUM). */
  readEnum(allowed?: ReadonlySet<number>): number {
    const value = int32At(this.bytes, this.need(4, 'enum'));
    if (allowed !== undefined && !allowed.has(value)) {
      throw new XdrError('BAD_ENUM', `enum value ${value} is not declared`);
    }
    return value;
  }

  /** bool is strict: 0 or 1, anything else is BAD_BOOL. */
  readBool(): boolean {
    const value = uint32At(this.bytes, this.need(4, 'bool'));
    if (value === 0) return false;
    if (value === 1) return true;
    throw new XdrError('BAD_BOOL', `bool word is ${value}, expected 0 or 1`);
  }

  // ---- 4.5 hyper and unsigned hyper: always bigint, never a lossy number

  readHyper(): bigint {
    return this.data.getBigInt64(this.base + this.need(8, 'hyper'));
  }

  readUnsignedHyper(): bigint {
    return this.data.getBigUint64(this.base + this.need(8, 'unsigned hyper'));
  }

  // ---- 4.6 float, 4.7 double, 4.8 quadruple

  readFloat(): number {
    return this.data.getFloat32(this.base + this.need(4, 'float'));
  }

  readDouble(): number {
    return this.data.getFloat64(this.base + this.need(8, 'double'));
  }

  /**
   * Quadruple-precision floats have no JavaScript type: the 16 raw big-endian bytes are returned as a view
   * (aliasing the input) for the caller to interpret.
   */
  readQuadruple(): Uint8Array {
    const at = this.need(16, 'quadruple');
    return this.bytes.subarray(at, at + 16);
  }

  // ---- 4.9 fixed-length opaque, 4.10 variable-length opaque

  /** `opaque[n]`: n bytes plus padding to a multiple of four. The result aliases the input. */
  readFixedOpaque(length: number): Uint8Array {
    if (!(Number.isInteger(length) && length >= 0 && length <= UINT32_MAX)) {
      throw new XdrError('OUT_OF_RANGE', `bad fixed opaque length ${length}`);
    }
    // Not (length + 3) & ~3: that wraps to a small number for lengths near 2^32.
    const padded = length + ((4 - (length & 3)) & 3);
    const at = this.need(padded, 'opaque');
    if (padded !== length) this.checkPadding(at + length, at + padded);
    return this.bytes.subarray(at, at + length);
  }

  /** `opaque<max>`: length word, bytes, padding. The length is checked against `max` and the remaining bytes first. */
  readVariableOpaque(max = UINT32_MAX): Uint8Array {
    const length = this.readLength(max, 'opaque');
    return this.readFixedOpaque(length);
  }

  /** A length or count word, checked against the declared maximum (LIMIT_EXCEEDED) before anything else. */
  readLength(max: number, what: string): number {
    const length = uint32At(this.bytes, this.need(4, what));
    if (length > max) {
      throw new XdrError('LIMIT_EXCEEDED', `${what} length ${length} exceeds the maximum ${max}`);
    }
    return length;
  }

  private checkPadding(from: number, to: number): void {
    if (!this.strictPadding) return;
    for (let i = from; i < to; i++) {
      if (this.bytes[i] !== 0) throw new XdrError('BAD_PADDING', `non-zero padding byte at offset ${i}`);
    }
  }

  // ---- 4.11 string

  /**
   * `string<max>` decoded as UTF-8. Invalid sequences become U+FFFD unless `strictUtf8` is set (BAD_STRING);
   * use `readStringBytes` to keep the exact bytes (file names on NFS are bytes, not text).
   */
  readString(max = UINT32_MAX, strictUtf8 = false): string {
    const length = this.readLength(max, 'string');
    const at = this.offset;
    const bytes = this.readFixedOpaque(length);
    // Short ASCII strings (host names, netids, export paths) are the common case: skip TextDecoder for them.
    if (length <= 64) {
      let ascii = true;
      for (let i = 0; i < length; i++) {
        if (this.bytes[at + i]! > 0x7f) {
          ascii = false;
          break;
        }
      }
      if (ascii) return String.fromCharCode.apply(null, bytes as unknown as number[]);
    }
    if (!strictUtf8) return utf8.decode(bytes);
    try {
      return utf8Strict.decode(bytes);
    } catch {
      throw new XdrError('BAD_STRING', `string of ${length} bytes at offset ${at} is not valid UTF-8`);
    }
  }

  /** `string<max>` as raw bytes (aliasing the input). */
  readStringBytes(max = UINT32_MAX): Uint8Array {
    return this.readVariableOpaque(max);
  }

  // ---- 4.12 fixed-length array, 4.13 variable-length array

  /**
   * `T[n]`. `minElementSize` (bytes, default 4) lets the reader reject an impossible count before it loops or
   * allocates anything.
   */
  readFixedArray<T>(count: number, readElement: (reader: XdrReader, index: number) => T, minElementSize = 4): T[] {
    const atLeast = count * minElementSize;
    if (!(Number.isInteger(count) && count >= 0 && atLeast <= this.remaining)) {
      throw new XdrError(
        'SHORT_BUFFER',
        `array of ${count} elements needs at least ${atLeast} bytes, ${this.remaining} remain`,
      );
    }
    const out: T[] = [];
    for (let i = 0; i < count; i++) {
      try {
        out.push(readElement(this, i));
      } catch (error) {
        if (error instanceof XdrError) throw error.within(`[${i}]`);
        throw error;
      }
    }
    return out;
  }

  /**
   * `T<max>`: count word (checked against `max` and the remaining bytes), then the elements. The count comes from
   * the peer, so an element type that can be empty (void, `opaque[0]`) still counts as one byte here: a peer cannot
   * make us loop 2^32 times over no data.
   */
  readVariableArray<T>(max: number, readElement: (reader: XdrReader, index: number) => T, minElementSize = 4): T[] {
    const count = this.readLength(max, 'array');
    return this.readFixedArray(count, readElement, Math.max(minElementSize, 1));
  }

  // ---- 4.19 optional-data

  /** `*T`: a bool, then T when it is TRUE. Returns undefined for FALSE. */
  readOptional<T>(readValue: (reader: XdrReader) => T): T | undefined {
    return this.readBool() ? readValue(this) : undefined;
  }

  // ---- helpers

  /** Skip `n` bytes (already a multiple of four for XDR items). */
  skip(n: number): void {
    this.need(n, 'skip');
  }

  /** The bytes from the cursor to the end of the window, as a view; the cursor moves to the end. */
  readRest(): Uint8Array {
    const at = this.offset;
    this.offset = this.end;
    return this.bytes.subarray(at, this.end);
  }

  /** A reader over the next `n` bytes (same buffer, same options); the cursor moves past them. */
  subReader(n: number): XdrReader {
    const at = this.need(n, 'sub-reader');
    return new XdrReader(this.bytes, at, at + n, { strictPadding: this.strictPadding });
  }
}
