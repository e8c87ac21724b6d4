// The nfsprobe command line: commander wiring only; the work is in the library.
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { commandModules } from './commands/index.js';
import { EXIT_OK, EXIT_USAGE } from './errors.js';
import { reportError } from './run.js';

function packageVersion(): string {
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}

const EXIT_HELP = `
Exit codes:
  0  success, healthy
  1  the probe ran and found a problem (unreachable, not registered, mismatch, stale handle, clients not notified)
  2  usage error or bad input (nothing was done)`;

export function buildProgram(): Command {
  const program = new Command('nfsprobe');
  program
    .description('ONC-RPC / NFS / NSM diagnostics and failover probe for highly-available NFS')
    .version(packageVersion(), '-V, --version', 'print the version')
    .option('--json', 'print one JSON document on stdout (one object per line for streaming commands)')
    .option('--timeout <duration>', 'per-operation network timeout (500ms, 2s, 1m; a bare number is seconds)', '5s')
    .option('--debug', 'print stack traces with errors')
    .addHelpText('after', EXIT_HELP)
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ writeErr: () => {} });
  for (const register of commandModules) register(program);
  return program;
}

/** Apply exitOverride/quiet error output to every subcommand so they all follow the contract. */
function quietTree(command: Command): void {
  for (const sub of command.commands) {
    sub.exitOverride();
    sub.configureOutput({ writeErr: () => {} });
    sub.addHelpText('after', EXIT_HELP);
    quietTree(sub);
  }
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  quietTree(program);
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.code === 'commander.help'
      ) {
        return EXIT_OK;
      }
      if (error.code === 'commander.executeSubCommandAsync') return EXIT_OK;
      process.stderr.write(`nfsprobe: ${error.message.replace(/^error: /, '').split('\n')[0]}\n`);
      return EXIT_USAGE;
    }
    reportError(error, argv.includes('--debug'));
    return EXIT_USAGE;
  }
  if (program.args.length === 0 && program.commands.length > 0 && process.exitCode === undefined) {
    // `nfsprobe` alone: show the help on stderr and say it was not a command.
    process.stderr.write(program.helpInformation());
    return EXIT_USAGE;
  }
  return typeof process.exitCode === 'number' ? process.exitCode : EXIT_OK;
}
