import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where a worker's code is. Under `bun src/main.ts` it sits beside the module that starts it
 * (`besideCaller`, resolved against the caller's import.meta.url). In the binary built by
 * `bun build --compile` with the worker as an extra entrypoint (scripts/build.ts), all code is one
 * bundle whose import.meta.url is the executable inside Bun's embedded filesystem, and the worker
 * is stored as `.js` under its path relative to the entrypoints' common folder (src/).
 */
export function bundledWorkerUrl(callerUrl: string, besideCaller: string, fromSrc: string): string {
  if (!callerUrl.includes('$bunfs')) return new URL(besideCaller, callerUrl).href;
  const root = dirname(fileURLToPath(callerUrl));
  const js = fromSrc.replace(/\.ts$/, '.js');
  for (const rel of [js, js.slice(js.lastIndexOf('/') + 1), `src/${js}`]) {
    if (existsSync(join(root, rel))) return join(root, rel);
  }
  throw new Error(`${fromSrc} is not in this executable: build with every worker as an entrypoint (see scripts/build.ts)`);
}
