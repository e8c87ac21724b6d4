// nfs-ganesha's configuration grammar (src/config_parsing conf_lex.l / conf_yacc.y): `NAME { ... }` blocks,
// `key = value[, value ...];` statements, `#` comments, "double" (with \ escapes) and 'single' quoted strings, and
// `%include PATH` and `%dir DIR` (its *.conf files, in name order) spliced in where they stand, relative to the
// including file; `%url` (RADOS objects) cannot be followed offline and is listed in `notFollowed`.
import { dirname, isAbsolute, join } from 'node:path';
import { ConfigSyntaxError } from './errors.js';

export interface GaneshaStatement {
  /** As written; compare with `key.toLowerCase()` (ganesha's keys are case-insensitive). */
  readonly key: string;
  readonly values: readonly string[];
  readonly file: string;
  readonly line: number;
}

export interface GaneshaBlock {
  readonly name: string;
  readonly file: string;
  readonly line: number;
  readonly statements: GaneshaStatement[];
  readonly blocks: GaneshaBlock[];
  /** On the root block: `%url` directives (`file:line target`), which are not followed. */
  readonly notFollowed?: string[];
}

/** Reads an included file: its text and the name to report it by, or undefined when it cannot be read. */
export type IncludeReader = (path: string) => { text: string; file: string } | undefined;

/** Lists a %dir directory (file names), or undefined when it cannot be listed. */
export type DirectoryLister = (path: string) => string[] | undefined;

export const MAX_INCLUDE_DEPTH = 10;
export const MAX_BLOCK_DEPTH = 64;

type TokenKind = 'word' | 'string' | '{' | '}' | '=' | ';' | ',';
interface Token {
  kind: TokenKind;
  value: string;
  file: string;
  line: number;
}

interface Frame {
  text: string;
  /** The name errors use. */
  file: string;
  /** The path includes are resolved against. */
  path: string;
  pos: number;
  line: number;
}

const PUNCTUATION = new Set(['{', '}', '=', ';', ',']);
const BLANK = new Set([' ', '\t', '\r', '\f', '\v']);

class Lexer {
  private readonly frames: Frame[] = [];
  readonly notFollowed: string[] = [];

  constructor(
    first: Frame,
    private readonly read: IncludeReader,
    private readonly list: DirectoryLister,
  ) {
    this.frames.push(first);
    this.last = first;
  }

  /** Where the lexer is; at the end of the input, the end of the first file. */
  get where(): { file: string; line: number } {
    const f = this.frames[this.frames.length - 1] ?? this.last;
    return { file: f.file, line: f.line };
  }

  private last: Frame;

  next(): Token | undefined {
    for (;;) {
      const f = this.frames[this.frames.length - 1];
      if (f === undefined) return undefined;
      const token = this.scan(f);
      if (token !== undefined) return token;
      if (f.pos >= f.text.length) {
        this.last = this.frames.pop()!;
      }
    }
  }

  /** One token of frame f, or undefined at its end or after an %include (a new frame was pushed). */
  private scan(f: Frame): Token | undefined {
    const { text } = f;
    while (f.pos < text.length) {
      const c = text[f.pos]!;
      if (c === '\n') {
        f.line++;
        f.pos++;
      } else if (BLANK.has(c)) {
        f.pos++;
      } else if (c === '#') {
        const end = text.indexOf('\n', f.pos);
        f.pos = end < 0 ? text.length : end;
      } else if (PUNCTUATION.has(c)) {
        f.pos++;
        return { kind: c as TokenKind, value: c, file: f.file, line: f.line };
      } else if (c === '"' || c === "'") {
        return { kind: 'string', value: this.quoted(f, c), file: f.file, line: f.line };
      } else {
        const start = f.pos;
        while (f.pos < text.length && !isDelimiter(text[f.pos]!)) f.pos++;
        const word = text.slice(start, f.pos);
        const directive = word.toLowerCase();
        if (directive === '%include' || directive === '%dir' || directive === '%url') {
          this.include(f, directive);
          return undefined;
        }
        return { kind: 'word', value: word, file: f.file, line: f.line };
      }
    }
    return undefined;
  }

  private quoted(f: Frame, quote: string): string {
    const { text } = f;
    const parts: string[] = [];
    let start = ++f.pos;
    while (f.pos < text.length) {
      const c = text[f.pos]!;
      if (c === quote) {
        parts.push(text.slice(start, f.pos));
        f.pos++;
        return parts.join('');
      }
      if (c === '\n') break;
      if (c === '\\' && quote === '"' && f.pos + 1 < text.length && text[f.pos + 1] !== '\n') {
        parts.push(text.slice(start, f.pos), text[f.pos + 1]!);
        f.pos += 2;
        start = f.pos;
        continue;
      }
      f.pos++;
    }
    throw new ConfigSyntaxError('UNTERMINATED_QUOTE', f.file, f.line, `string has no closing ${quote}`);
  }

  private include(f: Frame, directive: '%include' | '%dir' | '%url'): void {
    const line = f.line;
    // The path: the next token on the same line, quoted or bare.
    while (f.pos < f.text.length && BLANK.has(f.text[f.pos]!)) f.pos++;
    const c = f.text[f.pos];
    let target: string;
    if (c === '"' || c === "'") target = this.quoted(f, c);
    else {
      const start = f.pos;
      while (f.pos < f.text.length && !isDelimiter(f.text[f.pos]!)) f.pos++;
      target = f.text.slice(start, f.pos);
    }
    if (target === '') throw new ConfigSyntaxError('UNEXPECTED_TOKEN', f.file, line, `${directive} needs a name`);
    if (directive === '%url') {
      this.notFollowed.push(`${f.file}:${line} ${target}`);
      return;
    }
    const path = isAbsolute(target) ? target : join(dirname(f.path), target);
    if (this.frames.length > MAX_INCLUDE_DEPTH) {
      throw new ConfigSyntaxError('INCLUDE_DEPTH', f.file, line, `%include nested deeper than ${MAX_INCLUDE_DEPTH}`);
    }
    let paths = [path];
    if (directive === '%dir') {
      const names = this.list(path);
      if (names === undefined) throw new ConfigSyntaxError('INCLUDE_MISSING', f.file, line, `cannot list %dir ${path}`);
      paths = names
        .filter((n) => n.endsWith('.conf'))
        .sort()
        .map((n) => join(path, n));
    }
    // Frames are a stack: push the last file first so that the first is read first.
    for (const p of paths.reverse()) {
      if (this.frames.some((frame) => frame.path === p)) {
        throw new ConfigSyntaxError('INCLUDE_LOOP', f.file, line, `${directive} ${target} includes ${p} again`);
      }
      const loaded = this.read(p);
      if (loaded === undefined) throw new ConfigSyntaxError('INCLUDE_MISSING', f.file, line, `cannot read ${p}`);
      this.frames.push({ text: loaded.text, file: loaded.file, path: p, pos: 0, line: 1 });
    }
  }
}

function isDelimiter(c: string): boolean {
  return c === '\n' || c === '#' || c === '"' || c === "'" || BLANK.has(c) || PUNCTUATION.has(c);
}

const noIncludes: IncludeReader = () => undefined;
const noDirectories: DirectoryLister = () => undefined;

/**
 * Parse ganesha.conf text into a root block (name '') holding the top-level blocks. `path` is where the file lives
 * (includes are resolved against it); `file` names it in errors. Throws ConfigSyntaxError at the first error.
 * Iterative (an explicit block stack with a depth bound), linear in the input.
 */
export function parseGanesha(
  text: string,
  file: string,
  read: IncludeReader = noIncludes,
  path = file,
  list: DirectoryLister = noDirectories,
): GaneshaBlock {
  const lexer = new Lexer({ text, file, path, pos: 0, line: 1 }, read, list);
  const root: GaneshaBlock = { name: '', file, line: 1, statements: [], blocks: [], notFollowed: lexer.notFollowed };
  const stack: GaneshaBlock[] = [root];
  let token = lexer.next();
  const fail = (t: Token | undefined, message: string): never => {
    const at = t ?? lexer.where;
    throw new ConfigSyntaxError('UNEXPECTED_TOKEN', at.file, at.line, message);
  };
  while (token !== undefined) {
    const current = stack[stack.length - 1]!;
    if (token.kind === '}') {
      if (stack.length === 1) fail(token, 'a "}" without its block');
      stack.pop();
      token = lexer.next();
      if (token?.kind === ';') token = lexer.next();
      continue;
    }
    if (token.kind === ';') {
      token = lexer.next();
      continue;
    }
    if (token.kind !== 'word') fail(token, `expected a block or key name, found ${JSON.stringify(token.value)}`);
    const name = token;
    const after = lexer.next();
    if (after?.kind === '{') {
      if (stack.length > MAX_BLOCK_DEPTH) {
        throw new ConfigSyntaxError('TOO_DEEP', after.file, after.line, `blocks nested deeper than ${MAX_BLOCK_DEPTH}`);
      }
      const block: GaneshaBlock = { name: name.value, file: name.file, line: name.line, statements: [], blocks: [] };
      current.blocks.push(block);
      stack.push(block);
      token = lexer.next();
      continue;
    }
    if (after?.kind !== '=') fail(after, `expected "=" or "{" after ${name.value}`);
    const values: string[] = [];
    let t = lexer.next();
    for (;;) {
      if (t === undefined || (t.kind !== 'word' && t.kind !== 'string')) {
        // `key = ;` and `key = "";` both set an empty value.
        if (values.length === 0 && t?.kind === ';') break;
        fail(t, `expected a value for ${name.value}`);
      }
      values.push(t!.value);
      t = lexer.next();
      if (t?.kind !== ',') break;
      t = lexer.next();
    }
    current.statements.push({ key: name.value, values, file: name.file, line: name.line });
    if (t?.kind === ';') token = lexer.next();
    else if (t?.kind === '}' || t === undefined) token = t;
    else fail(t, `expected ";" after the value of ${name.value}`);
  }
  if (stack.length > 1) {
    const open = stack[stack.length - 1]!;
    throw new ConfigSyntaxError('UNCLOSED_BLOCK', open.file, open.line, `block ${open.name} has no closing "}"`);
  }
  return root;
}

/** Blocks named `name` (case-insensitive) directly under `block`. */
export function blocksNamed(block: GaneshaBlock, name: string): GaneshaBlock[] {
  const lower = name.toLowerCase();
  return block.blocks.filter((b) => b.name.toLowerCase() === lower);
}

/** The last statement `key` (case-insensitive) directly in `block`; later ones override earlier ones. */
export function statement(block: GaneshaBlock | undefined, key: string): GaneshaStatement | undefined {
  if (block === undefined) return undefined;
  const lower = key.toLowerCase();
  let found: GaneshaStatement | undefined;
  for (const s of block.statements) if (s.key.toLowerCase() === lower) found = s;
  return found;
}
