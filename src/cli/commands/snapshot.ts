// `nfsprobe snapshot HOST [--export PATH ...] [--path PATH ...] [--out FILE]` — everything `compare` needs, as JSON.
import type { Command } from 'commander';
import { takeSnapshot } from '../../probe/snapshot.js';
import { writeFileAtomic } from '../atomic-write.js';
import { EXIT_OK, EXIT_PROBLEM } from '../errors.js';
import { printJson, toJson } from '../output.js';
import { action } from '../run.js';
import { addNfsOptions, checkPath, collect, connectOptions, type NfsFlags } from './nfs-options.js';

interface Flags extends NfsFlags {
  export?: string[];
  path?: string[];
  out?: string;
}

export function register(program: Command): void {
  addNfsOptions(
    program
      .command('snapshot')
      .description('record registered programs, exports, v3/v4 handles and GETATTR identity of one server as JSON')
      .argument('<host>', 'HOST or HOST:PORT (PORT: rpcbind)')
      .option('--export <path>', 'only this export (repeatable; default: every export)', collect)
      .option('--path <path>', 'also record the handle of this path below an export (repeatable)', collect)
      .option('--out <file>', 'write the JSON document to FILE (atomically) instead of stdout'),
  ).action(
    action(async (output, hostText: string, flags: Flags) => {
      const { host, ...options } = connectOptions(hostText, flags, output.timeoutMs);
      const exports = (flags.export ?? []).map((p) => checkPath(p, '--export'));
      const paths = (flags.path ?? []).map((p) => checkPath(p, '--path'));
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
            `snapshot of ${host} written to ${flags.out}: ${summary.targets} paths, ${summary.errors} errors\n`,
          );
        }
      }
      for (const e of snapshot.errors) output.err.write(`nfsprobe: ${host}: ${e.step}: ${e.message}\n`);
      return unreachable ? EXIT_PROBLEM : EXIT_OK;
    }),
  );
}
