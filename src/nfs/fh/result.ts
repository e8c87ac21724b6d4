// The decoded-handle object: one class for every format, cheap to build. hex, hash and notes are computed on first
// use (most callers of a hot decode loop never read them) and appear in JSON through toJSON in the H order of CLI.md.
import { crc32, formatHash } from './crc32.js';
import { haNotes, isDeviceBased } from './ha.js';
import type {
  ByteOrder,
  Confidence,
  DecodedFileHandleOf,
  FileHandle,
  FileHandleFormat,
  FileId,
  Fsid,
} from './types.js';

export class DecodedFileHandle<F extends FileHandleFormat, D> implements DecodedFileHandleOf<F, D> {
  readonly #bytes: Uint8Array;
  #hex: string | undefined;
  #hash: string | undefined;
  #notes: readonly string[] | undefined;
  readonly format: F;
  readonly confidence: Confidence;
  readonly reasons: readonly string[];
  readonly fsid: Fsid | undefined;
  readonly fileid: FileId | undefined;
  readonly exportId: number | undefined;
  readonly byteOrder: ByteOrder | undefined;
  readonly deviceBased: boolean;
  readonly details: D;

  constructor(
    bytes: Uint8Array,
    format: F,
    confidence: Confidence,
    reasons: readonly string[],
    fsid: Fsid | undefined,
    fileid: FileId | undefined,
    exportId: number | undefined,
    byteOrder: ByteOrder | undefined,
    details: D,
  ) {
    this.#bytes = bytes;
    this.#hex = undefined;
    this.#hash = undefined;
    this.#notes = undefined;
    this.format = format;
    this.confidence = confidence;
    this.reasons = reasons;
    this.fsid = fsid;
    this.fileid = fileid;
    this.exportId = exportId;
    this.byteOrder = byteOrder;
    this.deviceBased = isDeviceBased(format, fsid);
    this.details = details;
  }

  get bytes(): Uint8Array {
    return this.#bytes;
  }

  get length(): number {
    return this.#bytes.length;
  }

  get hex(): string {
    if (this.#hex === undefined) {
      const b = this.#bytes;
      // Buffer's native hex is faster than a JavaScript loop beyond a few bytes.
      this.#hex = Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
    }
    return this.#hex;
  }

  get hash(): string {
    if (this.#hash === undefined) this.#hash = formatHash(crc32(this.#bytes));
    return this.#hash;
  }

  get notes(): readonly string[] {
    if (this.#notes === undefined) this.#notes = haNotes(this as unknown as FileHandle);
    return this.#notes;
  }

  /** The H shape of ../shared/CLI.md (absent fields omitted; bigints are turned into strings by the printer). */
  toJSON(): Record<string, unknown> {
    return {
      hex: this.hex,
      length: this.length,
      hash: this.hash,
      format: this.format,
      confidence: this.confidence,
      reasons: this.reasons,
      fsid: this.fsid,
      fileid: this.fileid,
      exportId: this.exportId,
      byteOrder: this.byteOrder,
      deviceBased: this.deviceBased,
      notes: this.notes,
      details: this.details,
    };
  }
}
