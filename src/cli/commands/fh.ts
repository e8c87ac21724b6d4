// `nfsprobe fh ...`: filehandle commands. `fh decode` decodes hex handles given as arguments or on stdin; the work is
// in fh-decode-run.ts, loaded only when the command runs.
import type { Command } from 'commander';
import { FILE_HANDLE_FORMATS } from '../../nfs/fh/types.js';
import { UsageError } from '../errors.js';
import type { Output } from '../output.js';
import { action } from '../run.js';
import type { DecodeFlags } from './fh-decode-run.js';

/**
 * The `fh` command group, created on first use. Every `fh` subcommand registers through this so the group exists
 * once: `fhGroup(program).command('get')...` adds `fh get` next to `fh decode`.
 */
export function fhGroup(program: Command): Command {
  const existing = program.commands.find((c) => c.name() === 'fh');
  if (existing !== undefined) return existing;
  const group = program.command('fh').description('NFS filehandles: decode them, say what must match on an HA standby');
  // `nfsprobe fh` alone is not a command: show the group's help on stderr and exit 2; a misspelt subcommand is a
  // one-line usage error naming the real ones.
  group.allowExcessArguments(true).action(
    action(async (output: Output) => {
      const name = group.args[0];
      const known = group.commands.map((c) => c.name());
      if (name !== undefined) throw new UsageError(`unknown command 'fh ${name}' (one of: ${known.join(', ')})`);
      output.err.write(group.helpInformation());
      return 2;
    }),
  );
  return group;
}

const DECODE_HELP = `
Input: hex handles as arguments, or on stdin one per line (blank lines and # comments are skipped). 0x prefixes,
spaces and colons are accepted. --words reads kernel %08x word dumps ("28: 01000001 00fd0000 ..."): each word is a
u32 in the server's byte order, so its bytes are reversed for a little-endian server (default) and kept with
--byte-order be; a leading "N:" length cuts the words to N bytes.
Formats: ${FILE_HANDLE_FORMATS.join(', ')}.
Exit: 0 decoded (also for format "unknown"); 2 bad hex, odd length, empty, over 128 bytes, or a --format that
does not fit.`;

export function register(program: Command): void {
  fhGroup(program)
    .command('decode')
    .description('decode NFS filehandles (knfsd, nfs-ganesha, GlusterFS, dCache, vendors) and give HA advice')
    .argument('[hex...]', 'filehandles in hex; read from stdin, one per line, when none are given')
    .option('--format <format>', 'decode as this format instead of detecting it')
    .option('--byte-order <order>', "the server's byte order for host-order fields: le or be (default: detect)")
    .option('--words', 'input is %08x word dumps as printed by kernel debug messages')
    .option('--json', 'print {"handles": [...]} as one JSON document')
    .addHelpText('after', DECODE_HELP)
    .action(
      action(async (output: Output, hexArgs: string[], flags: DecodeFlags) =>
        (await import('./fh-decode-run.js')).decodeCommand(output, hexArgs, flags),
      ),
    );
}
