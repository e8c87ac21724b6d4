// `nfsprobe report` as a user runs it: exit 0 for an OK drill, 1 for a drill with problems (the report written all
// the same), 2 for bad input with one error line naming the code and nothing written; `-o -` and the default name.
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { buildCli, nfsprobe } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';
import { MOVE_LOG, problemLog } from './report-fixtures.js';

t.equal(buildCli().status, 0, 'the CLI builds');

const ONE_ERROR_LINE = /^nfsprobe: [^\n]+ \(([A-Z_]+)\): [^\n]+\n$/;

t.test('an OK drill: exit 0, LOG.html next to the log', async (t) => {
  const dir = tempDir('nfsprobe-report-');
  const log = join(dir, 'drill-move.jsonl');
  copyFileSync(MOVE_LOG, log);
  const r = await nfsprobe(['report', log]);
  t.equal(r.code, 0, r.err);
  t.equal(r.err, '');
  t.same(readdirSync(dir).sort(), ['drill-move.html', 'drill-move.jsonl'], 'drill-move.html, no temp file left');
  t.match(readFileSync(join(dir, 'drill-move.html'), 'utf8'), /^<!doctype html>/);
});

t.test('a drill with problems: exit 1 and the report written', async (t) => {
  const dir = tempDir('nfsprobe-report-');
  const log = join(dir, 'bad-drill.log');
  writeFileSync(log, problemLog());
  const out = join(dir, 'x.html');
  const r = await nfsprobe(['report', log, '-o', out]);
  t.equal(r.code, 1, r.err);
  t.match(readFileSync(out, 'utf8'), /PROBLEMS \(3\)/);
});

t.test('-o - writes the HTML to stdout and nothing else', async (t) => {
  const r = await nfsprobe(['report', MOVE_LOG, '-o', '-']);
  t.equal(r.code, 0, r.err);
  t.match(r.out, /^<!doctype html>[\s\S]*<\/html>\n$/);
});

t.test('bad input: exit 2, one error line with the code, nothing written', async (t) => {
  const dir = tempDir('nfsprobe-report-');
  const lines = readFileSync(MOVE_LOG, 'utf8').trimEnd().split('\n');
  const inputs: [string, string | undefined, string][] = [
    ['missing.jsonl', undefined, 'ENOENT'],
    ['empty.jsonl', '', 'EMPTY'],
    ['text.jsonl', 'watching 10.99.0.100:/srv: rpcbind-udp\n', 'NOT_JSON'],
    ['cut.jsonl', `${lines.slice(0, -1).join('\n')}\n`, 'NO_SUMMARY'],
    ['twice.jsonl', `${lines.join('\n')}\n${lines.join('\n')}\n`, 'AFTER_SUMMARY'],
  ];
  for (const [name, text, code] of inputs) {
    if (text !== undefined) writeFileSync(join(dir, name), text);
    const before = readdirSync(dir).sort();
    const r = await nfsprobe(['report', join(dir, name)]);
    t.equal(r.code, 2, `${name}: exit 2`);
    t.equal(ONE_ERROR_LINE.exec(r.err)?.[1], code, `${name}: one line, (${code})`);
    t.equal(r.out, '');
    t.same(readdirSync(dir).sort(), before, `${name}: nothing written`);
  }
  const r = await nfsprobe(['report', MOVE_LOG, '-o', join(dir, 'no', 'such', 'dir.html')]);
  t.equal(r.code, 2, '-o in a missing directory: exit 2');
  t.match(r.err, /^nfsprobe: [^\n]+\n$/);
});

t.test('watch --report - is refused before anything is sent (stdout carries the watch)', async (t) => {
  const r = await nfsprobe(['watch', '127.0.0.1:/x', '--report', '-']);
  t.equal(r.code, 2);
  t.match(r.err, /^nfsprobe: [^\n]+\n$/);
  const dir = tempDir('nfsprobe-report-');
  const missing = await nfsprobe(['watch', '127.0.0.1:/x', '--report', join(dir, 'no', 'r.html')]);
  t.equal(missing.code, 2, 'a --report in a missing directory: exit 2');
});

t.test('--help documents the exit codes', async (t) => {
  const r = await nfsprobe(['report', '--help']);
  t.equal(r.code, 0);
  t.match(r.out, /Exit: 0 the drill was OK; 1 the drill found problems/);
  t.match(r.out, /-o, --out <file>/);
});
