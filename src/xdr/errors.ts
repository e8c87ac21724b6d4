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
  | 'BAD_STRING' // a string that is not valid UTF-8 (decode, strict) or not well-formed UTF-16 (encode)
  | 'UNSUPPORTED'; // a type this codec does not implement

/**
 * Thrown by every xdr decoder and encoder. `code` is machine-readable; `path` names the field where a
 * struct/union/array helper knew it (for example `fattr3.size` or `READDIR3resok.entries[12].name`).
 *
 * A path is a field path rooted at the OUTERMOST named type: a struct nested in a field does not repeat its own
 * type name (`outer.field[3].x`, not `outer.field[3].inner.x`).
 */
export class XdrError extends Error {
  override readonly name = 'XdrError';
  readonly code: XdrErrorCode;
  path: string;
  readonly detail: string;
  /** The type name currently at the front of `path` (set by `inType`), replaced when an outer field wraps it. */
  private root = '';

  constructor(code: XdrErrorCode, detail: string, path = '') {
    super(formatMessage(code, detail, path));
    this.code = code;
    this.detail = detail;
    this.path = path;
  }

  /**
   * Prefix the path with an outer field name (`size`) or index (`[12]`); used by struct, union and array helpers
   * as the error bubbles up. A type name put in front by `inType` is dropped: the field name now says where.
   */
  within(segment: string): this {
    let rest = this.path;
    if (this.root !== '') {
      rest = rest === this.root ? '' : rest.slice(this.root.length + 1);
      this.root = '';
    }
    if (rest === '') this.path = segment;
    else if (rest.startsWith('[')) this.path = segment + rest;
    else this.path = `${segment}.${rest}`;
    this.message = formatMessage(this.code, this.detail, this.path);
    return this;
  }

  /**
   * Name the type the error happened in (`fattr3`). It stays at the front of the path until an outer field wraps
   * the error; an outer type without a field (a union arm) keeps the inner name as a segment.
   */
  inType(name: string): this {
    this.path = this.path === '' ? name : this.path.startsWith('[') ? name + this.path : `${name}.${this.path}`;
    this.root = name;
    this.message = formatMessage(this.code, this.detail, this.path);
    return this;
  }
}

function formatMessage(code: XdrErrorCode, detail: string, path: string): string {
  return path === '' ? `${code}: ${detail}` : `${path}: ${code}: ${detail}`;
}
