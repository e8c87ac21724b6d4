// Temp directories for tests that remove themselves: each is registered with the root tap test's teardown, so a test
// file leaves nothing in the system temp directory whether its subtests pass or fail.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';

/** `mkdtempSync(tmpdir()/PREFIX-XXXXXX)`, removed (recursively) when the test file ends. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
