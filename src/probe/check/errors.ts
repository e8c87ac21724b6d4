// The one error class of `nfsprobe check`'s parsers (exports(5), ganesha.conf, a peer's check report).

export type ConfigErrorCode =
  | 'BAD_PATH' // an export path that is not absolute, or an empty one
  | 'UNTERMINATED_QUOTE' // a quoted string that runs to the end of its line
  | 'UNTERMINATED_OPTIONS' // an option list "(..." without its ")"
  | 'BAD_OPTIONS' // an option list that is not `name` or `name=value` words separated by commas
  | 'UNEXPECTED_TOKEN' // a token the grammar does not allow here
  | 'UNCLOSED_BLOCK' // a ganesha block without its "}"
  | 'TOO_DEEP' // ganesha blocks nested deeper than the parser's bound
  | 'INCLUDE_DEPTH' // %include nested deeper than the bound
  | 'INCLUDE_LOOP' // a file that %includes itself, directly or through others
  | 'INCLUDE_MISSING' // a %include'd file that cannot be read
  | 'BAD_PEER_REPORT'; // a --peer file that is not the JSON of `nfsprobe check --json`

/** A configuration file that does not parse. `file` and `line` (1-based) say where; tests assert on `code`. */
export class ConfigSyntaxError extends Error {
  override readonly name = 'ConfigSyntaxError';
  readonly code: ConfigErrorCode;
  readonly file: string;
  readonly line: number;

  constructor(code: ConfigErrorCode, file: string, line: number, message: string) {
    super(`${file}:${line}: ${message}`);
    this.code = code;
    this.file = file;
    this.line = line;
  }
}
