import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = join(import.meta.dir, '..', 'fixtures', 'usage');

/** A recorded response body. */
export function fixture(name: string): Record<string, any> {
  return JSON.parse(readFileSync(join(dir, name), 'utf8'));
}

/** A recorded stream: one SSE `data:` payload per line, parsed. */
export function chunks(name: string): Record<string, any>[] {
  return readFileSync(join(dir, name), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l));
}
