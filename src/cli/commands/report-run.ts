// The body of `nfsprobe report` (see report.ts for its flags): read and check the log, render, write atomically.
import { readFileSync } from 'node:fs';
import { ReportError } from '../../probe/report/errors.js';
import { renderReport } from '../../probe/report/html.js';
import { type DrillLog, parseWatchLog } from '../../probe/report/log.js';
import { checkWritable, writeFileAtomic } from '../atomic-write.js';
import { EXIT_OK, EXIT_PROBLEM, UsageError } from '../errors.js';
import type { Output } from '../output.js';

export interface ReportFlags {
  out?: string;
}

const ADVICE: Readonly<Record<string, string>> = {
  EMPTY: 'give the log `nfsprobe watch --json` printed',
  NOT_JSON: 'give the log `nfsprobe watch --json` printed (the human output cannot be read back)',
  BAD_EVENT: 'give the log `nfsprobe watch --json` printed, unedited',
  NO_SUMMARY: 'let the watch end (--duration, Ctrl-C or SIGTERM print the summary) and give its whole log',
  AFTER_SUMMARY: 'split the file: one watch run per log',
};

/** `drill.jsonl` -> `drill.html`; a name without .jsonl/.json/.log gets .html appended; stdin -> drill.html. */
export function defaultReportFile(log: string): string {
  if (log === '-') return 'drill.html';
  return `${log.replace(/\.(jsonl|json|log)$/i, '')}.html`;
}

/** The log as a DrillLog; any failure (unreadable, not a watch log) is bad input naming the file (exit 2). */
export function readDrillLog(file: string): DrillLog {
  const name = file === '-' ? 'stdin' : file;
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const what = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : 'cannot read it';
    throw new UsageError(`${name}: ${what} (${String(code ?? 'ERROR')}): give the path of a watch --json log`);
  }
  try {
    return parseWatchLog(text);
  } catch (error) {
    if (!(error instanceof ReportError)) throw error;
    const sep = error.line === undefined ? ': ' : ' ';
    throw new UsageError(
      `${name}${sep}${error.message} (${error.code}): ${ADVICE[error.code] ?? 'check the log'}`,
      error.code,
    );
  }
}

/** The report of `log` to `file` (atomically) or stdout (`-`). */
export function writeReport(output: Output, log: DrillLog, file: string, source?: string): void {
  const html = renderReport(log, source === undefined ? {} : { source });
  if (file === '-') output.out.write(html);
  else writeFileAtomic(file, html);
}

export async function reportCommand(output: Output, logFile: string, flags: ReportFlags): Promise<number> {
  const out = flags.out ?? defaultReportFile(logFile);
  if (out === '') throw new UsageError('-o needs a file name (or - for stdout)');
  const log = readDrillLog(logFile);
  if (out !== '-') checkWritable(out, '-o');
  writeReport(output, log, out, logFile === '-' ? 'stdin' : logFile);
  if (out !== '-' && !output.json) {
    const s = log.summary;
    output.out.write(
      `report written to ${out}: ${s.ok ? 'drill OK' : `drill had ${s.problems.length} problem(s)`}, ` +
        `longest outage ${s.maxOutageMs} ms\n`,
    );
  }
  return log.summary.ok ? EXIT_OK : EXIT_PROBLEM;
}
