#!/usr/bin/env node
// nfsprobe launcher: runs the compiled CLI (npm install builds it through `prepare`).
import { main } from '../dist/cli/main.js';

// `nfsprobe ... | head` closes our stdout early: stop quietly instead of dying with an unhandled EPIPE.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error && error.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
    throw error;
  });
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`nfsprobe: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
