// The body of `nfsprobe check` (see check.ts for its flags): run the node checks and print them.
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { runChecks } from '../../probe/check/checks.js';
import { ConfigSyntaxError } from '../../probe/check/errors.js';
import { parsePeerReport } from '../../probe/check/peer.js';
import type { CheckReport, CheckStatus } from '../../probe/check/report.js';
import { EXIT_OK, EXIT_PROBLEM, UsageError } from '../errors.js';
import { type Output, paint, printJson, table } from '../output.js';

export interface CheckFlags {
  root?: string;
  floating?: string;
  peer?: string;
  json?: boolean;
}

const COLOURS: Record<CheckStatus, 'green' | 'yellow' | 'red' | 'dim'> = {
  pass: 'green',
  warn: 'yellow',
  fail: 'red',
  skip: 'dim',
};

export async function checkCommand(output: Output, flags: CheckFlags): Promise<number> {
  const root = flags.root === undefined ? '/' : resolve(flags.root);
  if (flags.root !== undefined) {
    if (flags.root.trim() === '') throw new UsageError('--root is empty: name the directory to check');
    let isDirectory = false;
    try {
      isDirectory = statSync(root).isDirectory();
    } catch {}
    if (!isDirectory) throw new UsageError(`--root ${flags.root} is not a directory`);
  }
  if (flags.floating !== undefined && flags.floating.trim() === '') {
    throw new UsageError('--floating is empty: give the floating name statd must announce');
  }
  let peer: ReturnType<typeof parsePeerReport> | undefined;
  if (flags.peer !== undefined) {
    let text: string;
    try {
      text = readFileSync(flags.peer, 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read --peer ${flags.peer}: ${(error as NodeJS.ErrnoException).code ?? error}`);
    }
    try {
      peer = parsePeerReport(text, flags.peer);
    } catch (error) {
      if (error instanceof ConfigSyntaxError) throw new UsageError(`--peer ${error.message}`);
      throw error;
    }
  }
  const report = runChecks({
    root,
    ...(flags.floating === undefined ? {} : { floating: flags.floating.trim() }),
    ...(peer === undefined ? {} : { peer }),
  });
  if (output.json) printJson(output, report);
  else printReport(output, report);
  return report.ok ? EXIT_OK : EXIT_PROBLEM;
}

function printReport(output: Output, report: CheckReport): void {
  const out = output.out;
  out.write(`${report.host} (${report.root})\n`);
  const lines = table([
    ['STATUS', 'CHECK', 'SUBJECT', 'DETAIL'],
    ...report.checks.map((c) => [c.status.toUpperCase(), c.id, c.subject, c.detail]),
  ]).split('\n');
  out.write(`${lines[0]}\n`);
  report.checks.forEach((c, i) => {
    out.write(`${paint(out, COLOURS[c.status], lines[i + 1]!)}\n`);
    if (c.status === 'fail' || c.status === 'warn') {
      if (c.evidence !== '') out.write(`      at ${c.evidence}\n`);
      if (c.remedy !== '') out.write(`      fix: ${c.remedy}\n`);
    }
  });
  const count = (s: CheckStatus): number => report.checks.filter((c) => c.status === s).length;
  out.write(`${count('pass')} pass, ${count('warn')} warn, ${count('fail')} fail, ${count('skip')} skip\n`);
}
