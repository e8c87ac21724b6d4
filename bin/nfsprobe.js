#!/usr/bin/env node
// nfsprobe launcher: runs the compiled CLI (npm install builds it through `prepare`).
import { main } from '../dist/cli/main.js';

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`nfsprobe: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
