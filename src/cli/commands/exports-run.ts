// The body of `nfsprobe exports HOST` (see exports.ts for its flags): MOUNT v3 EXPORT, printed as a list or JSON.
import { connect } from '../../nfs/connect.js';
import { EXIT_OK } from '../errors.js';
import { type Output, printable, printJson, table } from '../output.js';
import { connectOptions, type NfsFlags } from './nfs-options.js';

export async function exportsCommand(output: Output, hostText: string, flags: NfsFlags): Promise<number> {
  const { host, ...options } = connectOptions(hostText, flags, output.timeoutMs);
  const conn = connect(host, options);
  try {
    const list = await (await conn.mount(3)).export();
    const exports = list.map((e) => ({ path: e.dir, groups: e.groups }));
    if (output.json) printJson(output, { host, exports });
    else {
      output.out.write(`Export list for ${host}:\n`);
      if (exports.length > 0) {
        output.out.write(
          `${table(exports.map((e) => [printable(e.path), printable(e.groups.join(',')) || '(everyone)']))}\n`,
        );
      }
    }
    return EXIT_OK;
  } finally {
    await conn.close();
  }
}
