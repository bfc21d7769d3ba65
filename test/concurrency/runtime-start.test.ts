/**
 * What `gophergate` (here `bun src/main.ts`) does with the process before it serves: Bun's fetch
 * cap from LLM_PROXY__UPSTREAM__MAX_CONNECTIONS (the process re-executes itself, same pid, when it
 * did not start with it), the open-file limit raised, and a warning when that limit is too low.
 */
import { expect, setDefaultTimeout, test } from 'bun:test';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Each test spawns the server: seconds on a loaded CI machine. A limit only bounds a hang.
setDefaultTimeout(60_000);

const MAIN = join(import.meta.dir, '../../src/main.ts');
const baseEnv = () => ({
  PATH: process.env.PATH!,
  HOME: process.env.HOME ?? '/tmp',
  LLM_PROXY__SERVER__HOST: '127.0.0.1',
  LLM_PROXY__SERVER__PORT: '0',
});

/** Starts the server (optionally under a shell prefix), waits for its start line, returns its /health and a stop. */
async function serve(env: Record<string, string>, shell?: string) {
  const cwd = mkdtempSync(join(tmpdir(), 'gg-runtime-'));
  const cmd = shell ? ['sh', '-c', `${shell} && exec bun "$0"`, MAIN] : ['bun', MAIN];
  const proc = Bun.spawn(cmd, { cwd, env: { ...baseEnv(), ...env }, stdout: 'pipe', stderr: 'pipe' });
  const stderr = new Response(proc.stderr).text();
  const reader = proc.stdout.getReader();
  let out = '';
  while (!/listening on http:\/\/[^:]+:(\d+)/.test(out)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`server exited before listening: ${out} ${await stderr}`);
    out += new TextDecoder().decode(value);
  }
  const port = Number(/listening on http:\/\/[^:]+:(\d+)/.exec(out)![1]);
  const health = (await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.json())) as any;
  const stop = async () => {
    proc.kill('SIGTERM');
    const code = await proc.exited;
    while (!(await reader.read()).done);
    return { code, stderr: await stderr };
  };
  return { proc, health, stop };
}

/** The environment a process runs with now (Linux). */
const environOf = (pid: number) => readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');

test('with no settings the runtime runs with a fetch cap for 16,384 upstream requests, in the process that was started', async () => {
  const { proc, health, stop } = await serve({});
  expect(health.upstream).toMatchObject({ max_connections: 16_384, runtime_fetch_cap: 16_384 + 256, in_use: 0, waiting: 0, queue_timeout_s: 10 });
  // Replaced in place (execve): the pid that was spawned is the server, with the cap in its environment.
  // With it, the collector's heap growth (~1.75x: startup/heap-growth.ts), which Bun too reads only at start.
  if (existsSync(`/proc/${proc.pid}/environ`))
    expect(environOf(proc.pid)).toEqual(expect.arrayContaining(['BUN_CONFIG_MAX_HTTP_REQUESTS=16640', 'BUN_JSC_heapGrowthMaxIncrease=0.75', 'BUN_JSC_smallHeapGrowthFactor=1.75']));
  const { code, stderr } = await stop();
  expect(code).toBe(0);
  expect(stderr).not.toContain('could not restart');
});

test('a small LLM_PROXY__UPSTREAM__MAX_CONNECTIONS gives the runtime a small cap; SIGTERM still drains and exits 0', async () => {
  const { health, stop } = await serve({ LLM_PROXY__UPSTREAM__MAX_CONNECTIONS: '3', LLM_PROXY__UPSTREAM__QUEUE_TIMEOUT_S: '2.5' });
  expect(health.upstream).toMatchObject({ max_connections: 3, runtime_fetch_cap: 3 + 256, queue_timeout_s: 2.5 });
  const { code } = await stop();
  expect(code).toBe(0);
});

test.skipIf(process.platform !== 'linux')('a low open-file limit is raised to the hard limit, and a hard limit too low for the setting is warned about', async () => {
  // Soft 300 under a hard 1000: started at 1000, which fits about (1000 - 64) / 2 = 468 requests.
  const low = await serve({}, 'ulimit -Sn 300 && ulimit -Hn 1000');
  expect(low.health.upstream.open_files_limit).toBe(1000);
  const { code, stderr } = await low.stop();
  expect(code).toBe(0);
  expect(stderr).toContain('the open-file limit is 1000');
  expect(stderr).toContain('about 468 requests fit, below LLM_PROXY__UPSTREAM__MAX_CONNECTIONS=16384');

  // The same limit with a setting it can hold: no warning.
  const fits = await serve({ LLM_PROXY__UPSTREAM__MAX_CONNECTIONS: '400' }, 'ulimit -Sn 300 && ulimit -Hn 1000');
  expect(fits.health.upstream.open_files_limit).toBe(1000);
  expect((await fits.stop()).stderr).not.toContain('open-file limit');
});

test.skipIf(process.platform !== 'linux')("a heap setting in the environment is the operator's: kept, the other one added", async () => {
  const { proc, stop } = await serve({ BUN_JSC_heapGrowthMaxIncrease: '2' });
  const environ = environOf(proc.pid);
  expect(environ).toEqual(expect.arrayContaining(['BUN_JSC_heapGrowthMaxIncrease=2', 'BUN_JSC_smallHeapGrowthFactor=1.75']));
  expect(environ).not.toContain('BUN_JSC_heapGrowthMaxIncrease=0.75');
  expect((await stop()).code).toBe(0);
});

test('--version and --help answer without starting a server', async () => {
  for (const flag of ['--version', '--help']) {
    const proc = Bun.spawn(['bun', MAIN, flag], { env: baseEnv(), stdout: 'pipe', stderr: 'pipe' });
    expect(await proc.exited).toBe(0);
    expect(await new Response(proc.stdout).text()).toMatch(/^gophergate /);
  }
});
