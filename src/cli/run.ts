// Turns a command's async body into the contract's behaviour: exit codes, one-line errors, --debug stack traces.
import type { Command } from 'commander';
import { describeError } from './describe-error.js';
import { EXIT_PROBLEM, EXIT_USAGE, UsageError } from './errors.js';
import type { Output } from './output.js';
import { parseDuration } from './parse.js';

export const DEFAULT_TIMEOUT_MS = 5000;

/** Global options live on the root program; a subcommand reads them through its parents. */
export function outputFor(command: Command): Output {
  let root = command;
  while (root.parent) root = root.parent;
  const opts = root.opts<{ json?: boolean; debug?: boolean; timeout?: string }>();
  const local = command.opts<{ json?: boolean }>();
  return {
    json: opts.json === true || local.json === true,
    debug: opts.debug === true,
    timeoutMs: opts.timeout === undefined ? DEFAULT_TIMEOUT_MS : parseDuration(opts.timeout, '--timeout'),
    out: process.stdout,
    err: process.stderr,
  };
}

/** An error that is the probe's finding rather than a crash (exit 1) carries `exitCode`. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof UsageError) return EXIT_USAGE;
  const code = (error as { exitCode?: unknown } | null)?.exitCode;
  return typeof code === 'number' ? code : EXIT_PROBLEM;
}

/** The contract's error line, `nfsprobe: <what went wrong and what to do>`, for every command. */
export function reportError(error: unknown, debug: boolean): void {
  process.stderr.write(`nfsprobe: ${describeError(error)}\n`);
  if (debug && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
}

/**
 * Wrap a command body: `body(output, ...commanderArgs)` returns the exit code. Any throw becomes one line on
 * stderr and the documented exit code.
 */
export function action<A extends unknown[]>(
  body: (output: Output, ...args: A) => Promise<number> | number,
): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    let debug = false;
    try {
      const output = outputFor(command);
      debug = output.debug;
      process.exitCode = await body(output, ...(args.slice(0, -1) as A));
    } catch (error) {
      reportError(error, debug);
      process.exitCode = exitCodeFor(error);
    }
  };
}
