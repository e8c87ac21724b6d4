// `nfsprobe report WATCH.jsonl [-o FILE]`: a `watch --json` log as one self-contained HTML drill report. The work is
// in report-run.ts, loaded only when the command runs.
import type { Command } from 'commander';
import { action } from '../run.js';
import type { ReportFlags } from './report-run.js';

export function register(program: Command): void {
  program
    .command('report')
    .description(
      'turn a `watch --json` log into one self-contained HTML failover drill report (verdict, a timeline per probe ' +
        'path, phases, lost writes, reclaims) that opens offline',
    )
    .argument('<log>', 'the watch --json log: one JSON object per line, the summary last (- reads stdin)')
    .option('-o, --out <file>', 'write the report here (atomically); - writes it to stdout (default: LOG with .html)')
    .addHelpText(
      'after',
      '\nExample: nfsprobe watch nfs-ha:/srv/export --json > drill.jsonl; nfsprobe report drill.jsonl  # drill.html\n' +
        'Exit: 0 the drill was OK; 1 the drill found problems (the report is written all the same); 2 bad input (no\n' +
        'such file, not a watch log, no summary line, empty): nothing is written.',
    )
    .action(
      action(async (output, log: string, flags: ReportFlags) =>
        (await import('./report-run.js')).reportCommand(output, log, flags),
      ),
    );
}
