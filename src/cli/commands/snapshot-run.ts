// The body of `nfsprobe snapshot HOST` (see snapshot.ts for its flags): take the snapshot, print or write it.
import { plural } from '../../probe/plural.js';
import { takeSnapshot } from '../../probe/snapshot.js';
import { checkWritable, writeFileAtomic } from '../atomic-write.js';
import { describeProblem } from '../describe-error.js';
import { EXIT_OK, EXIT_PROBLEM } from '../errors.js';
import { type Output, printJson, toJson } from '../output.js';
import { checkPath, connectOptions, type NfsFlags } from './nfs-options.js';

export interface SnapshotFlags extends NfsFlags {
  export?: string[];
  path?: string[];
  out?: string;
}

export async function snapshotCommand(output: Output, hostText: string, flags: SnapshotFlags): Promise<number> {
  const { host, ...options } = connectOptions(hostText, flags, output.timeoutMs);
  const exports = (flags.export ?? []).map((p) => checkPath(p, '--export'));
  const paths = (flags.path ?? []).map((p) => checkPath(p, '--path'));
  if (flags.out !== undefined) checkWritable(flags.out, '--out');
  const snapshot = await takeSnapshot(host, { ...options, exports, paths });
  const unreachable = snapshot.programs === null && snapshot.exports === null;
  if (flags.out === undefined) printJson(output, snapshot);
  else {
    writeFileAtomic(flags.out, `${toJson(snapshot)}\n`);
    const summary = {
      out: flags.out,
      host,
      exports: snapshot.exports?.length ?? null,
      targets: snapshot.targets.length,
      errors: snapshot.errors.length,
    };
    if (output.json) printJson(output, summary);
    else {
      output.out.write(
        `snapshot of ${host} written to ${flags.out}: ${plural(summary.targets, 'path')}, ${plural(summary.errors, 'error')}\n`,
      );
    }
  }
  for (const e of snapshot.errors)
    output.err.write(`nfsprobe: ${host}: ${e.step}: ${describeProblem(e.code, e.message)}\n`);
  return unreachable ? EXIT_PROBLEM : EXIT_OK;
}
