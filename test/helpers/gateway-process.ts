/**
 * The real server as its own process (`bun src/main.ts`, what the binary runs) on 127.0.0.1 with
 * port 0, for tests about the process itself: signals, crashes, and memory measured apart from
 * the test runner's (whose heap also holds the fakes and every test before).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const MAIN = join(import.meta.dir, '../../src/main.ts');
const LISTENING = /listening on http:\/\/[^:]+:(\d+)/;

export interface GatewayProcess {
  proc: Bun.Subprocess<'ignore', 'pipe', 'pipe'>;
  port: number;
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Everything the process printed so far (stdout and stderr). */
  out(): string;
  /**
   * Everything it printed, once it has exited and both pipes are read to their end: `proc.exited`
   * can settle before the last lines are read (a warning printed just before a SIGTERM was missing
   * from `out()` once under load).
   */
  outAtExit(): Promise<string>;
}

export interface GatewayProcessOptions {
  /** Working directory (where a relative database path or encryption.key would land). */
  cwd: string;
  dbPath: string;
  adminPassword: string;
  /** More LLM_PROXY__* / provider variables; nothing else comes from the test's environment. */
  env?: Record<string, string>;
  /** How long the start may take (a loaded CI machine is slow to boot bun). */
  startMs?: number;
  /** A command the server runs under (`['prlimit', '--nofile=128:128']`). */
  wrap?: string[];
}

export async function startGatewayProcess(o: GatewayProcessOptions): Promise<GatewayProcess> {
  const proc = Bun.spawn([...(o.wrap ?? []), 'bun', MAIN], {
    cwd: o.cwd,
    env: {
      PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp',
      LLM_PROXY__SERVER__HOST: '127.0.0.1', LLM_PROXY__SERVER__PORT: '0',
      LLM_PROXY__DATABASE__PATH: o.dbPath, LLM_PROXY__ENCRYPTION_KEY: 'ab'.repeat(32),
      LLM_PROXY__ADMIN__PASSWORD: o.adminPassword,
      ...o.env,
    },
    stdin: 'ignore', stdout: 'pipe', stderr: 'pipe',
  });
  let out = '';
  const drain = async (s: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const b of s) out += decoder.decode(b, { stream: true });
  };
  const drained = Promise.all([drain(proc.stdout), drain(proc.stderr)]);
  const deadline = Date.now() + (o.startMs ?? 30_000);
  while (!LISTENING.test(out)) {
    if (proc.exitCode !== null || Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`server did not start:\n${out}`);
    }
    await Bun.sleep(20);
  }
  const port = Number(LISTENING.exec(out)![1]);
  return { proc, port, url: `http://127.0.0.1:${port}`, out: () => out, outAtExit: () => proc.exited.then(() => drained).then(() => out) };
}

/** Signs in as admin and creates a client through the API (the server reloads its snapshot); returns the key. */
export async function createClientKey(url: string, adminPassword: string, name = 'load'): Promise<string> {
  const login = await fetch(`${url}/api/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: adminPassword }),
  });
  const { token } = (await login.json()) as any;
  const r = await fetch(`${url}/api/clients`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ name }),
  });
  return ((await r.json()) as any).key;
}

/** A `kB` line of /proc/<pid>/status (VmRSS, VmHWM, ...), in bytes. */
export function procStatusBytes(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(m[1]) * 1024;
}

/** Resets the process's peak RSS (VmHWM) to its current RSS (Linux: `5` to clear_refs). */
export function resetPeakRss(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}
