// Helpers shared by the nsm tests: temp statd directories, and a compiled copy of src for child processes (a child
// started through the TypeScript loader takes seconds; the crash test starts dozens).
import { execFile, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { StatdDirectory } from '../../src/nsm/index.js';
import { tempDir } from '../helpers/temp.js';

export function tempStatd(): StatdDirectory {
  const dir = tempDir('nfsprobe-sd-');
  mkdirSync(join(dir, 'sm'));
  mkdirSync(join(dir, 'sm.bak'));
  return new StatdDirectory(dir);
}

const REPO = fileURLToPath(new URL('../../', import.meta.url));
let built: Promise<string> | undefined;

/** Compile src/ once per test process into a temp package (dist/, package.json, node_modules link); returns its root. */
export function buildOnce(): Promise<string> {
  built ??= (async () => {
    const root = tempDir('nfsprobe-build-');
    // `npm test` has built dist/ once already: link it instead of compiling again.
    if (process.env.NFSPROBE_PREBUILT === '1') symlinkSync(join(REPO, 'dist'), join(root, 'dist'));
    else
      await promisify(execFile)(process.execPath, [
        join(REPO, 'node_modules/typescript/bin/tsc'),
        '-p',
        join(REPO, 'tsconfig.build.json'),
        '--outDir',
        join(root, 'dist'),
        '--declaration',
        'false',
        '--declarationMap',
        'false',
        '--sourceMap',
        'false',
      ]);
    copyFileSync(join(REPO, 'package.json'), join(root, 'package.json'));
    symlinkSync(join(REPO, 'node_modules'), join(root, 'node_modules'));
    writeFileSync(
      join(root, 'cli.js'),
      "import { main } from './dist/cli/main.js';\nprocess.exitCode = await main(process.argv);\n",
    );
    return root;
  })();
  return built;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run `nfsprobe ARGS` (compiled from source) in a child process. */
export async function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const root = await buildOnce();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, 'cli.js'), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
