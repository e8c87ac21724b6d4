// `nfsprobe exports HOST` — the MOUNT EXPORT list (showmount -e).
import type { Command } from 'commander';
import { connect } from '../../nfs/connect.js';
import { EXIT_OK } from '../errors.js';
import { printJson, table } from '../output.js';
import { action } from '../run.js';
import { addNfsOptions, connectOptions, type NfsFlags } from './nfs-options.js';

export function register(program: Command): void {
  addNfsOptions(
    program
      .command('exports')
      .description('list the exported directories and allowed clients (MOUNT EXPORT, like showmount -e)')
      .argument('<host>', 'HOST or HOST:PORT (PORT: rpcbind)'),
  ).action(
    action(async (output, hostText: string, flags: NfsFlags) => {
      const { host, ...options } = connectOptions(hostText, flags, output.timeoutMs);
      const conn = connect(host, options);
      try {
        const list = await (await conn.mount(3)).export();
        const exports = list.map((e) => ({ path: e.dir, groups: e.groups }));
        if (output.json) printJson(output, { host, exports });
        else {
          output.out.write(`Export list for ${host}:\n`);
          if (exports.length > 0) {
            output.out.write(`${table(exports.map((e) => [e.path, e.groups.join(',') || '(everyone)']))}\n`);
          }
        }
        return EXIT_OK;
      } finally {
        await conn.close();
      }
    }),
  );
}
