// Run the nfsprobe CLI in-process and capture stdout, stderr and the exit code (for interop tests).
import type { Command } from 'commander';
import { addFhGet } from '../../src/cli/commands/fh-get.js';
import { buildProgram } from '../../src/cli/main.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `args` without the leading `nfsprobe`; the `fh get` subcommand is added when the fh group does not have it. */
export async function runCli(args: string[]): Promise<CliResult> {
  const program = buildProgram();
  let fh = program.commands.find((c: Command) => c.name() === 'fh');
  if (fh === undefined) fh = program.command('fh').description('filehandles');
  if (!fh.commands.some((c: Command) => c.name() === 'get')) addFhGet(fh);
  const out: string[] = [];
  const err: string[] = [];
  const writeOut = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    err.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  const saved = process.exitCode;
  process.exitCode = undefined;
  let code: number;
  try {
    await program.parseAsync(['node', 'nfsprobe', ...args]);
    code = typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    err.push(String(error));
    code = 2;
  } finally {
    process.stdout.write = writeOut;
    process.stderr.write = writeErr;
    process.exitCode = saved;
  }
  return { code, stdout: out.join(''), stderr: err.join('') };
}
