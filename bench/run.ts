// Runs the benchmarks: every bench/*.bench.ts (compiled to dist-bench/), or only those named on the command line
// (`npm run bench -- xdr fh`). Each module exports `run(): Promise<void>` and prints its own figures and ratios.
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.js'))
  .filter((f) => wanted.length === 0 || wanted.includes(f.replace(/\.bench\.js$/, '')))
  .sort();
if (files.length === 0) {
  process.stderr.write(`no benchmark matches ${wanted.join(', ')}\n`);
  process.exitCode = 2;
}
for (const file of files) {
  const module = (await import(pathToFileURL(`${here}/${file}`).href)) as { run: () => Promise<void> };
  process.stdout.write(`\n== ${file.replace(/\.bench\.js$/, '')} ==\n`);
  await module.run();
}
