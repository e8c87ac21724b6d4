// uPlot's browser build and stylesheet, read at run time from the installed `uplot` package so that the report
// inlines them (it opens offline) without a copy of them in our sources.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ReportError } from './errors.js';

export interface ChartAssets {
  readonly version: string;
  readonly script: string;
  readonly style: string;
}

let cached: ChartAssets | undefined;

/** The text must be safe to inline in <script>/<style>: no end tag or comment opener inside. */
function inlineable(text: string, what: string): string {
  if (/<\/(script|style)|<!--/i.test(text)) {
    throw new ReportError('MISSING_ASSET', `${what} contains an HTML end tag and cannot be inlined`);
  }
  return text;
}

export function chartAssets(): ChartAssets {
  if (cached !== undefined) return cached;
  const require = createRequire(import.meta.url);
  let dir: string;
  let version: string;
  try {
    const manifest = require.resolve('uplot/package.json');
    dir = join(dirname(manifest), 'dist');
    version = String((JSON.parse(readFileSync(manifest, 'utf8')) as { version?: unknown }).version);
    // The banner names the project's web address; an offline file keeps the credit without a URL.
    const script = readFileSync(join(dir, 'uPlot.iife.min.js'), 'utf8').replace(/^\/\*![^*]*\*\/\s*/, '');
    const style = readFileSync(join(dir, 'uPlot.min.css'), 'utf8');
    cached = {
      version,
      script: `/* uPlot ${version}, MIT License, (c) Leon Sorokin */\n${inlineable(script, 'uPlot.iife.min.js')}`,
      style: inlineable(style, 'uPlot.min.css'),
    };
    return cached;
  } catch (error) {
    if (error instanceof ReportError) throw error;
    throw new ReportError('MISSING_ASSET', `cannot read the uplot package: ${(error as Error).message.split('\n')[0]}`);
  }
}
