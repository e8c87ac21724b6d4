#!/usr/bin/env node
// nfsprobe launcher: runs the compiled CLI in dist/. The published package ships dist/ (built by `prepack`); a source
// checkout has none until it is built, so the first run builds it with the checkout's own TypeScript
// (`npm install && npx nfsprobe demo` works on a fresh clone) or says how to.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const entry = new URL('../dist/cli/main.js', import.meta.url);

/** Build dist/ in a source checkout; false (after saying why) when it cannot be built here. */
function buildDist() {
  const config = fileURLToPath(new URL('../tsconfig.build.json', import.meta.url));
  let tsc;
  try {
    tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  } catch {
    tsc = undefined;
  }
  if (!existsSync(config) || tsc === undefined) {
    process.stderr.write(
      `nfsprobe: ${root}dist/ is missing and cannot be built here: run \`npm install && npm run build\` in ${root}\n`,
    );
    return false;
  }
  process.stderr.write('nfsprobe: first run from a source checkout: building dist/ (npm run build) ...\n');
  const r = spawnSync(process.execPath, [tsc, '-p', config], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) {
    process.stderr.write(`nfsprobe: the build failed: fix the errors above, then run \`npm run build\` in ${root}\n`);
    return false;
  }
  return true;
}

if (!existsSync(entry) && !buildDist()) process.exit(1);

// `nfsprobe ... | head` closes our stdout early: stop quietly instead of dying with an unhandled EPIPE.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error && error.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
    throw error;
  });
}

const { main } = await import(entry.href);
main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`nfsprobe: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
