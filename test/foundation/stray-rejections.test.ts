/**
 * A promise rejected with nothing waiting for it ends a Bun process; the server installs
 * keepServingOnStrayRejections so one (Bun's PostgreSQL pool makes such rejections when a
 * connection dies under it) is said on stderr and serving goes on.
 */
import { expect, test } from 'bun:test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MODULE = join(import.meta.dir, '../../src/startup/stray-rejections.ts');

/** A server that rejects a promise nobody holds on its first request; with or without the handler. */
function script(installed: boolean): string {
  const file = join(mkdtempSync(join(tmpdir(), 'gg-stray-')), 'server.ts');
  writeFileSync(
    file,
    `import { keepServingOnStrayRejections } from ${JSON.stringify(MODULE)};
${installed ? 'keepServingOnStrayRejections();' : ''}
const server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch(req) {
  if (new URL(req.url).pathname === '/reject') Promise.reject(new Error('the connection died under a reservation'));
  return new Response('ok');
} });
console.log('port ' + server.port);
`,
  );
  return file;
}

async function start(installed: boolean) {
  const proc = Bun.spawn(['bun', script(installed)], { stdout: 'pipe', stderr: 'pipe' });
  const reader = proc.stdout.getReader();
  let out = '';
  while (!/port (\d+)/.test(out)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the server did not start: ${await new Response(proc.stderr).text()}`);
    out += new TextDecoder().decode(value);
  }
  return { proc, url: `http://127.0.0.1:${/port (\d+)/.exec(out)![1]}` };
}

test('with the handler the server says the rejection, with its stack, and goes on serving', async () => {
  const { proc, url } = await start(true);
  try {
    expect(await (await fetch(`${url}/reject`)).text()).toBe('ok');
    await Bun.sleep(50);
    expect(await (await fetch(`${url}/`)).text()).toBe('ok');
    expect(proc.exitCode).toBeNull();
  } finally {
    proc.kill('SIGKILL');
    await proc.exited;
  }
  const err = await new Response(proc.stderr).text();
  expect(err).toContain('gophergate: a promise rejected with nothing waiting for it (serving goes on): Error: the connection died under a reservation');
  expect(err).toContain('server.ts');
});

test('without it the same rejection ends the process (what the handler guards against)', async () => {
  const { proc, url } = await start(false);
  await fetch(`${url}/reject`).catch(() => {});
  expect(await proc.exited).not.toBe(0);
});

test('the server installs it', async () => {
  const main = await Bun.file(join(import.meta.dir, '../../src/main.ts')).text();
  expect(main).toMatch(/\n\s+keepServingOnStrayRejections\(\);/);
});
