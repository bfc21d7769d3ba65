import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../src/app';
import { createAppContext } from '../../src/app-context';
import { loadConfig } from '../../src/config/config';
import { startForwarder } from '../forwarder';
import { createClientKey } from './gateway';

/** The gateway (on a database of its own, with a client key) or the bare forwarder, served by this process. */
export interface InProcessTarget {
  url: string;
  model: string;
  headers: Record<string, string>;
  /** Requests holding an upstream call right now. */
  inFlight(): number;
  close(): Promise<unknown>;
}

/** For benches that look inside the process (its heap, its objects): `bench/stream-memory.ts`, `bench/alloc-per-request.ts`. */
export function startInProcessTarget(upstreamPort: number, asForwarder: boolean): InProcessTarget {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (asForwarder) {
    const server = startForwarder(`http://127.0.0.1:${upstreamPort}`);
    return {
      url: `http://127.0.0.1:${server.port}/v1/chat/completions`, model: 'gpt-4o-mini', headers,
      inFlight: () => server.pendingRequests,
      close: async () => server.stop(true),
    };
  }
  const dbPath = join(mkdtempSync(join(tmpdir(), 'gg-in-process-')), 'gophergate.db');
  const ctx = createAppContext(
    loadConfig({
      LLM_PROXY__DATABASE__PATH: dbPath,
      LLM_PROXY__ENCRYPTION_KEY: 'c4'.repeat(32),
      LLM_PROXY__ADMIN__PASSWORD: 'bench-admin-password',
      LLM_PROXY__PROVIDERS__OPENAI__BASE_URL: `http://127.0.0.1:${upstreamPort}/v1`,
      LLM_PROXY__PROVIDERS__OPENAI__API_KEY: 'sk-bench-upstream',
    }),
  );
  headers.authorization = `Bearer ${createClientKey(dbPath)}`;
  ctx.state.reload();
  const app = createApp(ctx).listen({ hostname: '127.0.0.1', port: 0 });
  return {
    url: `http://127.0.0.1:${app.server!.port}/v1/chat/completions`, model: 'openai-auto', headers,
    inFlight: () => ctx.upstreamSlots.inUse,
    close: async () => {
      await app.stop();
      await ctx.logSink.close();
    },
  };
}
