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

/**
 * Commander's own error messages are silenced (main prints them in the contract's one-line form); help that commander
 * shows because of an error (`nfsprobe` alone) still goes to stderr.
 */
const QUIET_ERRORS = { outputError: () => {} };

/** Commander's message as one line: "error: " dropped, the "(Did you mean ...?)" line kept after a space. */
export function commanderMessage(message: string): string {
  return message
    .replace(/^error: /, '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => line.replace(/^\(Did you mean/, '(did you mean'))
    .join(' ');
}

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
    .configureOutput(QUIET_ERRORS);
  for (const register of commandModules) register(program);
  return program;
}

/** Apply exitOverride/quiet error output to every subcommand so they all follow the contract. */
function quietTree(command: Command): void {
  for (const sub of command.commands) {
    sub.exitOverride();
    sub.configureOutput(QUIET_ERRORS);
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
      // `--help`, `--version`: exit 0. Help shown because no command was given (`nfsprobe` alone): it went to
      // stderr, exit 2.
      if (error.code === 'commander.help') return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT_OK;
      if (error.code === 'commander.executeSubCommandAsync') return EXIT_OK;
      process.stderr.write(`nfsprobe: ${commanderMessage(error.message)}\n`);
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
