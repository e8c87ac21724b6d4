// The exports(5) and ganesha.conf parsers of `nfsprobe check`: what they read, the malformed inputs with their codes,
// random input (only ConfigSyntaxError, with a file and line), and a 1 MB line.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import t from 'tap';
import { ConfigSyntaxError } from '../../src/probe/check/errors.js';
import { flagState, optionValue, parseExports } from '../../src/probe/check/exports-parser.js';
import { loadGanesha } from '../../src/probe/check/ganesha-checks.js';
import { blocksNamed, parseGanesha, statement } from '../../src/probe/check/ganesha-parser.js';
import { NodeFiles } from '../../src/probe/check/node-files.js';

function codeOf(f: () => unknown): string {
  try {
    f();
    return 'ok';
  } catch (error) {
    if (error instanceof ConfigSyntaxError) return `${error.code}@${error.line}`;
    throw error;
  }
}

t.test('exports: continuation, quoted and octal paths, per-client options, - defaults, comments', async (t) => {
  const text = [
    '# comment line',
    '/srv/a  10.0.0.0/24(rw,sync,fsid=1) \\',
    '        client.example(ro)   # trailing comment',
    '"/srv/with space"  -rw,async  hostA  hostB(sync)',
    '/srv/oct\\040al\\134x  (ro)',
    '/srv/bare',
    '',
    '  /srv/indented  @netgroup(rw,sec=krb5:krb5p,refer=/a@b)\r',
  ].join('\n');
  const entries = parseExports(text, 'etc/exports');
  t.same(
    entries.map((e) => [e.path, e.line, e.clients.map((c) => c.host)]),
    [
      ['/srv/a', 2, ['10.0.0.0/24', 'client.example']],
      ['/srv/with space', 4, ['hostA', 'hostB']],
      ['/srv/oct al\\x', 5, ['*']],
      ['/srv/bare', 6, []],
      ['/srv/indented', 8, ['@netgroup']],
    ],
  );
  const [a, spaced, , , indented] = entries;
  t.equal(a!.clients[1]!.line, 3, 'a continued client keeps its own line');
  t.equal(optionValue(a!.clients[0]!.options, 'fsid'), '1');
  t.equal(flagState(spaced!.clients[0]!.options, 'sync', 'async', 'sync'), 'async', 'hostA gets the - defaults');
  t.equal(flagState(spaced!.clients[1]!.options, 'sync', 'async', 'sync'), 'sync', 'its own option overrides them');
  t.same(
    spaced!.defaults.map((o) => o.name),
    ['rw', 'async'],
  );
  t.equal(optionValue(indented!.clients[0]!.options, 'sec'), 'krb5:krb5p');
});

t.test('exports: malformed lines name their code and line', async (t) => {
  const table: [string, string][] = [
    ['relative *(rw)', 'BAD_PATH@1'],
    ['\n"/srv/open *(rw)', 'UNTERMINATED_QUOTE@2'],
    ['/srv/a *(rw,sync\n/srv/b *(rw)', 'UNTERMINATED_OPTIONS@1'],
    ['/srv/a *(rw,,sync)', 'BAD_OPTIONS@1'],
    ['/srv/a *(rw)x', 'UNEXPECTED_TOKEN@1'],
    ['"/srv/a"b *(rw)', 'UNEXPECTED_TOKEN@1'],
    ['/srv/a \\\n\\\n *(=rw)', 'BAD_OPTIONS@3'],
    ['/srv/a *(rw)', 'ok'],
  ];
  for (const [text, code] of table)
    t.equal(
      codeOf(() => parseExports(text, 'x')),
      code,
      JSON.stringify(text),
    );
});

t.test('ganesha: blocks, statements, lists, quotes, comments, optional last semicolon', async (t) => {
  const text = [
    'NFS_CORE_PARAM { Enable_NLM = false; }  # comment',
    'EXPORT',
    '{',
    '  Export_Id = 7;',
    '  Path = "/srv/a \\"b\\""; Pseudo = \'/p\';',
    '  CLIENT { Clients = 10.0.0.1, "host b", 10.0.0.0/24; Access_Type = RW }',
    '  FSAL { Name = VFS; };',
    '}',
  ].join('\n');
  const root = parseGanesha(text, 'ganesha.conf');
  const [exp] = blocksNamed(root, 'export');
  t.equal(exp!.line, 2);
  t.equal(statement(exp, 'export_id')?.values[0], '7');
  t.equal(statement(exp, 'Path')?.values[0], '/srv/a "b"');
  t.equal(statement(exp, 'Pseudo')?.values[0], '/p');
  t.same(statement(blocksNamed(exp!, 'CLIENT')[0], 'Clients')?.values, ['10.0.0.1', 'host b', '10.0.0.0/24']);
  t.equal(statement(blocksNamed(root, 'NFS_CORE_PARAM')[0], 'enable_nlm')?.line, 1);
});

t.test('ganesha: malformed input names its code and line', async (t) => {
  const table: [string, string][] = [
    ['A {\n  b = 1;\n', 'UNCLOSED_BLOCK@1'],
    ['}\n', 'UNEXPECTED_TOKEN@1'],
    ['A { b = ; }', 'ok'],
    ['A { b 1; }', 'UNEXPECTED_TOKEN@1'],
    ['A {\n b = 1\n c = 2; }', 'UNEXPECTED_TOKEN@3'],
    ['A { b = "open;\n }', 'UNTERMINATED_QUOTE@1'],
    ['A { b = 1, ; }', 'UNEXPECTED_TOKEN@1'],
    ['= 1;', 'UNEXPECTED_TOKEN@1'],
    ['%include\n', 'UNEXPECTED_TOKEN@1'],
    ['%include "nowhere.conf"', 'INCLUDE_MISSING@1'],
    [`${'A { '.repeat(100)}${'} '.repeat(100)}`, 'TOO_DEEP@1'],
    ['A { B { c = d; } }', 'ok'],
  ];
  for (const [text, code] of table)
    t.equal(
      codeOf(() => parseGanesha(text, 'g')),
      code,
      JSON.stringify(text.slice(0, 40)),
    );
});

t.test('ganesha: %include relative to the including file, under --root, with loop and depth bounds', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'nfsprobe-check-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'etc/ganesha/conf.d'), { recursive: true });
  writeFileSync(
    join(root, 'etc/ganesha/ganesha.conf'),
    'NFSV4 { Grace_Period = 90; }\n%include "conf.d/exports.conf"\n',
  );
  writeFileSync(
    join(root, 'etc/ganesha/conf.d/exports.conf'),
    '# exports\n%include more.conf\nEXPORT { Export_Id = 1; }\n',
  );
  writeFileSync(join(root, 'etc/ganesha/conf.d/more.conf'), 'EXPORT { Export_Id = 2; }\n');
  const files = new NodeFiles(root);
  const conf = loadGanesha(files);
  if ('reason' in conf) throw new Error(conf.reason);
  const exports = blocksNamed(conf, 'EXPORT');
  t.same(
    exports.map((e) => [statement(e, 'Export_Id')?.values[0], e.file, e.line]),
    [
      ['2', 'etc/ganesha/conf.d/more.conf', 1],
      ['1', 'etc/ganesha/conf.d/exports.conf', 3],
    ],
  );
  // A chain deeper than the bound, and a file that includes itself.
  for (let i = 0; i < 12; i++) writeFileSync(join(root, `etc/ganesha/d${i}.conf`), `%include d${i + 1}.conf\n`);
  writeFileSync(join(root, 'etc/ganesha/d12.conf'), 'A { }\n');
  t.equal(
    codeOf(() => loadGanesha(files, '/etc/ganesha/d0.conf')),
    'INCLUDE_DEPTH@1',
  );
  writeFileSync(join(root, 'etc/ganesha/self.conf'), '\n%include /etc/ganesha/self.conf\n');
  t.equal(
    codeOf(() => loadGanesha(files, '/etc/ganesha/self.conf')),
    'INCLUDE_LOOP@2',
  );
  t.equal(readFileSync(join(root, 'etc/ganesha/d12.conf'), 'utf8'), 'A { }\n');
  // %dir: the directory's *.conf files in name order; %url is listed, not followed.
  writeFileSync(join(root, 'etc/ganesha/conf.d/b.conf'), 'B { x = 2; }\n');
  writeFileSync(join(root, 'etc/ganesha/conf.d/a.conf'), 'A { x = 1; }\n');
  writeFileSync(join(root, 'etc/ganesha/conf.d/ignored.txt'), 'not = parsed\n');
  rmSync(join(root, 'etc/ganesha/conf.d/exports.conf'));
  rmSync(join(root, 'etc/ganesha/conf.d/more.conf'));
  writeFileSync(join(root, 'etc/ganesha/dir.conf'), '%dir conf.d\n%url "rados://pool/ns/obj"\nC { }\n');
  const dir = loadGanesha(files, '/etc/ganesha/dir.conf');
  if ('reason' in dir) throw new Error(dir.reason);
  t.same(
    dir.blocks.map((b) => `${b.name} ${b.file}:${b.line}`),
    ['A etc/ganesha/conf.d/a.conf:1', 'B etc/ganesha/conf.d/b.conf:1', 'C etc/ganesha/dir.conf:3'],
  );
  t.same(dir.notFollowed, ['etc/ganesha/dir.conf:2 rados://pool/ns/obj']);
  t.equal(
    codeOf(() => loadGanesha(files, '/etc/ganesha/conf.d/a.conf')),
    'ok',
  );
  writeFileSync(join(root, 'etc/ganesha/nodir.conf'), '%dir missing.d\n');
  t.equal(
    codeOf(() => loadGanesha(files, '/etc/ganesha/nodir.conf')),
    'INCLUDE_MISSING@1',
  );
});

/** Random text over the grammars' alphabet: only a result or a ConfigSyntaxError with a file and a line in range. */
const alphabet = fc.constantFrom(
  ...'/ab0 \t\n\\"\'(),=;{}#-*@%'.split(''),
  '\\\n',
  '\\040',
  '%include ',
  '%include "x"',
  '%dir x',
  '%url y',
  'EXPORT {',
  'rw,sync',
);
const randomText = fc.array(alphabet, { maxLength: 200 }).map((parts) => parts.join(''));

function onlyOurError(parse: (text: string) => unknown, text: string): boolean {
  try {
    parse(text);
    return true;
  } catch (error) {
    if (!(error instanceof ConfigSyntaxError)) throw error;
    const lines = text.split('\n').length;
    return error.file !== '' && Number.isInteger(error.line) && error.line >= 1 && error.line <= lines + 1;
  }
}

t.test('fuzz: random input raises only ConfigSyntaxError with file:line', async (t) => {
  fc.assert(
    fc.property(randomText, (text) => onlyOurError((s) => parseExports(s, 'exports'), text)),
    { numRuns: 3000, seed: 12 },
  );
  fc.assert(
    fc.property(randomText, (text) => onlyOurError((s) => parseGanesha(s, 'ganesha.conf'), text)),
    { numRuns: 3000, seed: 12 },
  );
  fc.assert(
    fc.property(fc.string({ maxLength: 300 }), (text) => {
      return onlyOurError((s) => parseExports(s, 'e'), text) && onlyOurError((s) => parseGanesha(s, 'g'), text);
    }),
    { numRuns: 2000, seed: 7 },
  );
  t.pass('3000 + 3000 + 2000 random inputs');
});

t.test('a 1 MB line parses in one pass (no quadratic rescans)', async (t) => {
  const mb = 1 << 20;
  // Many clients on one line, a long quoted path, an unterminated option list at the end of a long line.
  const clients = `/srv/a ${'h(rw,sync) '.repeat(mb / 11)}`;
  t.equal(parseExports(clients, 'e')[0]!.clients.length, Math.floor(mb / 11));
  t.equal(parseExports(`"/${'x'.repeat(mb)}" *(rw)`, 'e')[0]!.path.length, mb + 1);
  t.equal(
    codeOf(() => parseExports(`/srv/a *(${'rw,'.repeat(mb / 3)}`, 'e')),
    'UNTERMINATED_OPTIONS@1',
  );
  t.equal(
    codeOf(() => parseExports(`/${'\\040'.repeat(mb / 4)} (${'('.repeat(mb)}`, 'e')),
    'UNTERMINATED_OPTIONS@1',
  );
  // ganesha: one statement with a huge value list, a huge string with escapes, an unterminated one.
  const list = `A { b = ${'v, '.repeat(mb / 3)}v; }`;
  t.equal(statement(blocksNamed(parseGanesha(list, 'g'), 'A')[0], 'b')?.values.length, Math.floor(mb / 3) + 1);
  const escaped = `A { b = "${'\\"'.repeat(mb / 2)}"; }`;
  t.equal(statement(blocksNamed(parseGanesha(escaped, 'g'), 'A')[0], 'b')?.values[0]?.length, mb / 2);
  t.equal(
    codeOf(() => parseGanesha(`A { b = "${'x'.repeat(mb)}`, 'g')),
    'UNTERMINATED_QUOTE@1',
  );
  t.equal(
    codeOf(() => parseGanesha(`${'# '.repeat(mb / 2)}\n}`, 'g')),
    'UNEXPECTED_TOKEN@2',
  );
});
