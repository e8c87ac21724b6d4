// exports(5) of nfs-utils: /etc/exports and /etc/exports.d/*.exports — one export per logical line:
// `PATH [-DEFAULTS] [CLIENT[(OPTIONS)] ...]`, `\`-newline continues a line, `#` starts a comment, a path may be
// quoted ("...") and may carry octal escapes (\040 for a space).
import { ConfigSyntaxError } from './errors.js';

export interface ExportOption {
  readonly name: string;
  /** The text after `=`, when there is one. */
  readonly value?: string;
}

export interface ExportClient {
  /** Host, netgroup (@group), wildcard or network; `*` for a bare `(options)` (every host). */
  readonly host: string;
  /** The options written for this client; `effectiveOptions` merges the defaults in. */
  readonly options: readonly ExportOption[];
  readonly line: number;
}

export interface ExportEntry {
  readonly path: string;
  readonly file: string;
  /** Line where the entry starts (1-based). */
  readonly line: number;
  /** Options from a `-opts` token: they apply to every client that follows it. */
  readonly defaults: readonly ExportOption[];
  readonly clients: readonly ExportClient[];
}

const SPACE = new Set([' ', '\t', '\r', '\f', '\v']);

/** Parse one exports file. Throws ConfigSyntaxError (with file and line) at the first error. Linear in the input. */
export function parseExports(text: string, file: string): ExportEntry[] {
  const entries: ExportEntry[] = [];
  const n = text.length;
  let i = 0;
  let line = 1;
  let entry: { path: string; line: number; defaults: ExportOption[]; clients: ExportClient[] } | undefined;
  let defaults: ExportOption[] = [];

  const finish = (): void => {
    if (entry !== undefined) entries.push({ ...entry, file });
    entry = undefined;
    defaults = [];
  };
  const isEnd = (c: string | undefined): boolean =>
    c === undefined || c === '\n' || c === '#' || SPACE.has(c) || (c === '\\' && text[i + 1] === '\n');

  while (i < n) {
    const c = text[i]!;
    if (c === '\n') {
      finish();
      line++;
      i++;
      continue;
    }
    if (SPACE.has(c)) {
      i++;
      continue;
    }
    if (c === '\\' && text[i + 1] === '\n') {
      i += 2;
      line++;
      continue;
    }
    if (c === '#') {
      const end = text.indexOf('\n', i);
      i = end < 0 ? n : end;
      continue;
    }
    if (entry === undefined) {
      // The path: quoted, or up to the next blank.
      let raw: string;
      if (c === '"') {
        const close = closingQuote(text, i + 1);
        if (close < 0)
          throw new ConfigSyntaxError('UNTERMINATED_QUOTE', file, line, 'the quoted path has no closing "');
        raw = text.slice(i + 1, close);
        i = close + 1;
        if (!isEnd(text[i])) {
          throw new ConfigSyntaxError('UNEXPECTED_TOKEN', file, line, 'a quoted path must be followed by a blank');
        }
      } else {
        const start = i;
        while (!isEnd(text[i])) i++;
        raw = text.slice(start, i);
      }
      const path = decodeOctal(raw);
      if (!path.startsWith('/')) {
        throw new ConfigSyntaxError('BAD_PATH', file, line, `export path ${JSON.stringify(raw)} is not absolute`);
      }
      entry = { path, line, defaults: [], clients: [] };
      continue;
    }
    if (c === '-') {
      const start = i + 1;
      while (!isEnd(text[i])) i++;
      defaults = parseOptionList(text.slice(start, i), file, line);
      if (entry.clients.length === 0) entry.defaults = defaults;
      continue;
    }
    // A client: HOST, HOST(OPTIONS) or (OPTIONS).
    const start = i;
    while (!isEnd(text[i]) && text[i] !== '(') i++;
    const host = text.slice(start, i);
    let own: ExportOption[] = [];
    if (text[i] === '(') {
      const close = closeParen(text, i + 1);
      if (close < 0) {
        throw new ConfigSyntaxError('UNTERMINATED_OPTIONS', file, line, `option list of ${host || '*'} has no ")"`);
      }
      own = parseOptionList(text.slice(i + 1, close), file, line);
      i = close + 1;
      if (!isEnd(text[i])) {
        throw new ConfigSyntaxError('UNEXPECTED_TOKEN', file, line, `unexpected text after the option list of ${host}`);
      }
    }
    entry.clients.push({ host: host === '' ? '*' : host, options: mergeOptions(defaults, own), line });
  }
  finish();
  return entries;
}

/** Index of the closing `"` on the same line, or -1. */
function closingQuote(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === '"') return i;
    if (c === '\n') return -1;
  }
  return -1;
}

/** Index of `)` on the same line, or -1. */
function closeParen(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === ')') return i;
    if (c === '\n' || c === '(') return -1;
  }
  return -1;
}

function parseOptionList(list: string, file: string, line: number): ExportOption[] {
  if (list === '') return [];
  const options: ExportOption[] = [];
  for (const item of list.split(',')) {
    const eq = item.indexOf('=');
    const name = eq < 0 ? item : item.slice(0, eq);
    if (!/^[a-z_][a-z0-9_]*$/i.test(name)) {
      throw new ConfigSyntaxError('BAD_OPTIONS', file, line, `bad option ${JSON.stringify(item)} in "${list}"`);
    }
    options.push(eq < 0 ? { name } : { name, value: item.slice(eq + 1) });
  }
  return options;
}

/** Later options win over earlier ones of the same name (rw after ro, sync after async, ...). */
function mergeOptions(defaults: readonly ExportOption[], own: readonly ExportOption[]): ExportOption[] {
  return [...defaults, ...own];
}

/** `\ooo` (three octal digits) -> the byte it names, as exportfs and mountinfo write a space, tab or backslash. */
export function decodeOctal(raw: string): string {
  if (!raw.includes('\\')) return raw;
  return raw.replace(/\\([0-7]{3})/g, (_m, digits: string) => String.fromCharCode(Number.parseInt(digits, 8) & 0xff));
}

/** The last value of an option among a client's options (`fsid`, `sync`/`async` use `optionState`). */
export function optionValue(options: readonly ExportOption[], name: string): string | undefined {
  let value: string | undefined;
  for (const o of options) if (o.name === name) value = o.value ?? '';
  return value;
}

/** Which of two opposite flags (sync/async, rw/ro) is in force: the last one written, else `fallback`. */
export function flagState<A extends string, B extends string>(
  options: readonly ExportOption[],
  a: A,
  b: B,
  fallback: A | B,
): A | B {
  let state: A | B = fallback;
  for (const o of options) {
    if (o.name === a) state = a;
    else if (o.name === b) state = b;
  }
  return state;
}

/** exports(5) options that exportfs accepts; anything else makes exportfs refuse the line. */
export const KNOWN_EXPORT_OPTIONS: ReadonlySet<string> = new Set([
  'secure',
  'insecure',
  'rw',
  'ro',
  'async',
  'sync',
  'no_wdelay',
  'wdelay',
  'nohide',
  'hide',
  'crossmnt',
  'no_subtree_check',
  'subtree_check',
  'insecure_locks',
  'no_auth_nlm',
  'secure_locks',
  'auth_nlm',
  'mountpoint',
  'mp',
  'fsid',
  'nordirplus',
  'refer',
  'replicas',
  'pnfs',
  'no_pnfs',
  'security_label',
  'root_squash',
  'no_root_squash',
  'all_squash',
  'no_all_squash',
  'anonuid',
  'anongid',
  'sec',
  'no_acl',
  'acl',
  'xprtsec',
  'reexport',
  'nocrossmnt',
]);
