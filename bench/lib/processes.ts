/** Child processes of the bench: spawn, wait for readiness, read peak memory, stop. */
import { readdirSync, readFileSync } from 'node:fs';
import type { Subprocess } from 'bun';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A free loopback port (bound then released; good enough for a bench on one machine). */
export function freePort(): number {
  const s = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response() });
  const port = s.port!;
  s.stop(true);
  return port;
}

/** Starts a bench helper that prints `{"port":N}` as its first stdout line (`env` adds to this process's). */
export async function spawnHelper(args: string[], env?: Record<string, string>): Promise<{ proc: Subprocess<'ignore', 'pipe', 'inherit'>; port: number }> {
  const proc = Bun.spawn(['bun', ...args], { stdin: 'ignore', stdout: 'pipe', stderr: 'inherit', env: env ? { ...process.env, ...env } : undefined });
  const reader = proc.stdout.getReader();
  let out = '';
  const deadline = Date.now() + 10_000;
  while (!out.includes('\n')) {
    if (Date.now() > deadline) throw new Error(`${args.join(' ')} did not start`);
    const { value, done } = await reader.read();
    if (done) throw new Error(`${args.join(' ')} exited before printing its port`);
    out += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  return { proc, port: JSON.parse(out.split('\n')[0]!).port };
}

/** Polls a URL until it answers 200 (bounded). */
export async function waitFor200(url: string, timeoutMs = 15_000, init?: RequestInit): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await fetch(url, init).then((r) => (r.body?.cancel(), r.status === 200), () => false);
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** Peak resident set size (VmHWM) of a live process, in MiB; null when unreadable. */
export function peakRssMiB(pid: number): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** SIGTERM, then SIGKILL if it has not exited in time. Returns the exit code. */
export async function stop(proc: Subprocess<any, any, any>, graceMs = 15_000): Promise<number | null> {
  if (proc.exitCode !== null) return proc.exitCode;
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
  const code = await proc.exited;
  clearTimeout(timer);
  return code;
}

/** User+system CPU time a process has used so far, in milliseconds (from /proc/<pid>/stat). */
export function cpuTimeMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the ")" closing the command name; utime and stime are the 12th and 13th there.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

/**
 * CPU time (ms) a process's threads have used so far, by kind: its main thread (tid = pid), Bun's
 * HTTP client thread (the upstream fetches), worker threads, and the rest (GC, JIT, allocator).
 */
export function threadCpuMs(pid: number): { main: number; http: number; workers: number; other: number } {
  const out = { main: 0, http: 0, workers: 0, other: 0 };
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ms = ((Number(f[11]) + Number(f[12])) * 1000) / 100;
      if (Number(tid) === pid) out.main += ms;
      else if (name === 'HTTP Client') out.http += ms;
      else if (name.startsWith('Worker')) out.workers += ms;
      else out.other += ms;
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return out;
}

/** The JSON values a helper process writes to its stdout, one a line, in order: `next()` awaits the next. */
export function jsonLines(stdout: ReadableStream<Uint8Array>): () => Promise<any> {
  const lines = (async function* () {
    const decoder = new TextDecoder();
    let buf = '';
    for await (const b of stdout) {
      buf += decoder.decode(b, { stream: true });
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        yield JSON.parse(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
    }
  })();
  return async () => (await lines.next()).value;
}
