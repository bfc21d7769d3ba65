import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileArgs } from '../../scripts/build-entrypoints';

// Compiling the executable takes seconds (more on a loaded CI machine). A limit only bounds a hang.
setDefaultTimeout(120_000);

const root = join(import.meta.dir, '../..');
const buildDir = mkdtempSync(join(tmpdir(), 'gg-bin-build-'));
const binary = join(buildDir, 'gophergate');

beforeAll(() => {
  // The same arguments as `bun run build`, into a folder of its own.
  const r = Bun.spawnSync(['bun', ...compileArgs(binary)], { cwd: root, stdout: 'pipe', stderr: 'pipe', timeout: 110_000 });
  if (r.exitCode !== 0) throw new Error(`build failed:\n${r.stderr.toString()}`);
});
afterAll(() => rmSync(buildDir, { recursive: true, force: true }));

/** Starts a copy of the binary ALONE in an empty directory holding `files`, with no environment. */
async function startIn(files: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'gg-bin-'));
  copyFileSync(binary, join(dir, 'gophergate'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const proc = Bun.spawn(['./gophergate'], { cwd: dir, env: {}, stdout: 'pipe', stderr: 'pipe' });
  let out = '';
  const drain = async (s: ReadableStream<Uint8Array>) => {
    for await (const b of s) out += new TextDecoder().decode(b);
  };
  void drain(proc.stdout);
  void drain(proc.stderr);
  const listening = /listening on http:\/\/127\.0\.0\.1:(\d+)/;
  while (!listening.test(out)) {
    if (proc.exitCode !== null) throw new Error(`the binary did not start:\n${out}`);
    await Bun.sleep(20);
  }
  return { proc, url: `http://127.0.0.1:${listening.exec(out)![1]}`, dir };
}

test('the binary reads .env literally: a $ in a value stays, and only .env is read', async () => {
  const gw = await startIn({
    '.env': [
      'LLM_PROXY__SERVER__HOST=127.0.0.1',
      'LLM_PROXY__SERVER__PORT=0',
      // Bun's own .env loading expanded `$x` (unset) to nothing: the instance was named `gw-1`.
      'LLM_PROXY__INSTANCE_ID=gw$x-1',
      "LLM_PROXY__ADMIN__PASSWORD='pa$$w0rd-long-enough'",
    ].join('\n'),
    // Not documented and not read by the gateway: Bun read it (and let it win over .env).
    '.env.local': 'LLM_PROXY__INSTANCE_ID=from-env-local\n',
  });
  try {
    const health = (await (await fetch(`${gw.url}/health`)).json()) as { instance: string };
    expect(health.instance).toBe('gw$x-1');
    const login = await fetch(`${gw.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'pa$$w0rd-long-enough' }),
    });
    expect(login.status).toBe(200);
  } finally {
    gw.proc.kill('SIGTERM');
    await gw.proc.exited;
    rmSync(gw.dir, { recursive: true, force: true });
  }
});
