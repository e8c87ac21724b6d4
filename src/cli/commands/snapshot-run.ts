// The body of `nfsprobe snapshot HOST` (see snapshot.ts for its flags): take the snapshot, print or write it.
import { plural } from '../../probe/plural.js';
import { snapshotFailures, takeSnapshot } from '../../probe/snapshot.js';
import { checkWritable, writeFileAtomic } from '../atomic-write.js';
import { describeProblem } from '../describe-error.js';
import { EXIT_OK, EXIT_PROBLEM } from '../errors.js';
import { type Output, printJson, toJson } from '../output.js';
import { checkPath, connectOptions, type NfsFlags, pseudoPaths } from './nfs-options.js';

export interface SnapshotFlags extends NfsFlags {
  export?: string[];
  path?: string[];
  pseudo?: string[];
  out?: string;
}

export async function snapshotCommand(output: Output, hostText: string, flags: SnapshotFlags): Promise<number> {
  const { host, ...options } = connectOptions(hostText, flags, output.timeoutMs);
  const exports = (flags.export ?? []).map((p) => checkPath(p, '--export'));
  const paths = (flags.path ?? []).map((p) => checkPath(p, '--path'));
  const pseudo = pseudoPaths(flags.pseudo, exports);
  if (flags.out !== undefined) checkWritable(flags.out, '--out');
  const snapshot = await takeSnapshot(host, { ...options, exports, paths, pseudo });
  const label = snapshot.host;
  const failures = snapshotFailures(snapshot);
  const failed = failures.steps > 0 || failures.targets > 0;
  if (flags.out === undefined) printJson(output, snapshot);
  else {
    // A snapshot with a failed part is no baseline to compare with later: the last good FILE stays.
    if (!failed) writeFileAtomic(flags.out, `${toJson(snapshot)}\n`);
    const summary = {
      out: flags.out,
      host: label,
      written: !failed,
      exports: snapshot.exports?.length ?? null,
      targets: snapshot.targets.length,
      failedTargets: failures.targets,
      errors: failures.steps,
    };
    if (output.json) printJson(output, summary);
    else {
      const counts = [
        plural(summary.targets, 'path'),
        ...(failures.targets > 0 ? [`${failures.targets} without a handle`] : []),
        plural(summary.errors, 'error'),
      ].join(', ');
      output.out.write(
        failed
          ? `snapshot of ${label} not written (${flags.out} left as it was): ${counts}\n`
          : `snapshot of ${label} written to ${flags.out}: ${counts}\n`,
      );
    }
  }
  for (const e of snapshot.errors)
    output.err.write(`nfsprobe: ${label}: ${e.step}: ${describeProblem(e.code, e.message)}\n`);
  for (const t of snapshot.targets) {
    const taken = [t.v3, t.v4].filter((h) => h !== null);
    const errors = taken.flatMap((h) => ('error' in h ? [h.error] : []));
    if (taken.length === 0 || errors.length < taken.length) continue;
    const first = errors[0]!;
    output.err.write(`nfsprobe: ${label}: no handle for ${t.path}: ${describeProblem(first.code, first.message)}\n`);
  }
  return failed ? EXIT_PROBLEM : EXIT_OK;
}
