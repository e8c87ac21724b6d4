// RFC 4506 (XDR) — the one error class of the xdr layer.

export type XdrErrorCode =
  | 'SHORT_BUFFER' // fewer bytes remain than the item needs
  | 'LIMIT_EXCEEDED' // a length or count word is larger than the declared maximum
  | 'BAD_BOOL' // a bool word other than 0 or 1
  | 'BAD_PADDING' // non-zero padding in strict mode
  | 'OUT_OF_RANGE' // a value to encode does not fit its XDR type
  | 'BAD_DISCRIMINANT' // a union discriminant with no arm and no default
  | 'BAD_ENUM' // an enum value outside the declared set
  | 'BAD_VALUE' // a value of the wrong JavaScript type, or a fixed-size item of the wrong size
  | 'BAD_STRING' // a string that is not valid UTF-8 where UTF-8 is required
  | 'UNSUPPORTED'; // a type this codec does not implement

/**
 * Thrown by every xdr decoder and encoder. `code` is machine-readable; `path` names the field where a
 * struct/union/array helper knew it (for example `fattr3.size` or `entries[12].name`).
 */
export class XdrError extends Error {
  override readonly name = 'XdrError';
  readonly code: XdrErrorCode;
  path: string;
  readonly detail: string;

  constructor(code: XdrErrorCode, detail: string, path = '') {
    super(formatMessage(code, detail, path));
    this.code = code;
    this.detail = detail;
    this.path = path;
  }

  /** Prefix the path with an outer field name; used by struct, union and array helpers as the error bubbles up. */
  within(segment: string): this {
    if (this.path === '') this.path = segment;
    else if (this.path.startsWith('[')) this.path = segment + this.path;
    else this.path = `${segment}.${this.path}`;
    this.message = formatMessage(this.code, this.detail, this.path);
    return this;
  }
}

function formatMessage(code: XdrErrorCode, detail: string, path: string): string {
  return path === '' ? `${code}: ${detail}` : `${path}: ${code}: ${detail}`;
}
