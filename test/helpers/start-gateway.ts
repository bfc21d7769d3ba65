/**
 * Starts the real gateway for a test: a fresh SQLite file in a temp dir (real migrations and
 * seed), the real app on 127.0.0.1 with port 0, and one client key ready to use. Records every
 * log row in memory unless a log sink is given.
 */
import { afterAll, beforeAll, expect } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { listen } from '../../src/serve';
import { openAppContext, type ContextOverrides } from '../../src/app-context';
import { createClient } from '../../src/admin/clients-service';
import { hashClientKey } from '../../src/auth/client-auth';
import { loadConfig } from '../../src/config/config';
import type { AppContext } from '../../src/context';
import { clients } from '../../src/db/schema';
import type { LogSink } from '../../src/logging/log-sink-interface';
import type { LogRow } from '../../src/logging/log-row';

/**
 * What names one request's log row: its id, or something carrying the `x-request-id` header
 * of its answer (a fetch Response, the SDK's `.withResponse()` result, an SDK APIError).
 */
export type RequestRef =
  | string
  | Response
  | { response: Response }
  | { request_id: string | null }
  | { requestID: string | null | undefined };

/** The request id a RequestRef names (throws when its answer carried none). */
export function requestIdOf(ref: RequestRef): string {
  let id: string | null | undefined;
  if (typeof ref === 'string') id = ref;
  else if (ref instanceof Response) id = ref.headers.get('x-request-id');
  else if ('response' in ref && ref.response instanceof Response) id = ref.response.headers.get('x-request-id');
  else if ('request_id' in ref) id = ref.request_id;
  else if ('requestID' in ref) id = ref.requestID;
  if (!id) throw new Error('the answer carried no x-request-id');
  return id;
}

export interface GatewayOptions extends Omit<ContextOverrides, 'warn'> {
  /** LLM_PROXY__* (and <P>_API_KEY) variables; nothing is read from the real environment. */
  env?: Record<string, string>;
  /** Use the context's real log writer (SQLite worker or PostgreSQL) instead of in-memory rows. */
  storeLogs?: boolean;
  /**
   * Keep the seeded time-of-day prices (DeepSeek's off-peak and peak hours). Off by default: a
   * model bills its flat prices all day, so a test expecting them passes at any hour (one run at
   * 16:30-00:30 UTC billed DeepSeek at half price); time-of-day tests turn it on with their own clock.
   */
  timeOfDayPrices?: boolean;
}

export interface TestGateway {
  /** `http://127.0.0.1:<port>` */
  url: string;
  ctx: AppContext;
  /** A valid client key and its id. */
  clientKey: string;
  clientId: number;
  /** Log rows written so far (empty when a custom logSink was given). */
  logs: LogRow[];
  /**
   * Resolves once `n` log rows were written (rows of a stream land after it ends).
   * @deprecated counts rows, so a late row of another test can be read instead: use waitForRow.
   */
  waitForLogs(n: number, ms?: number): Promise<LogRow[]>;
  /**
   * Resolves with the rows of one endpoint once `n` of them were written.
   * @deprecated counts rows: use waitForRow (or waitForChildRows for classifier calls).
   */
  waitForEndpointLogs(endpoint: LogRow['endpoint'], n: number, ms?: number): Promise<LogRow[]>;
  /**
   * Resolves with the log row of one request, picked by the `x-request-id` of its answer (so a
   * late row of another test cannot be read instead); fails when that request left two rows.
   */
  waitForRow(ref: RequestRef, ms?: number): Promise<LogRow>;
  /** The rows written on behalf of one request (its classifier call), once `n` of them were. */
  waitForChildRows(ref: RequestRef, n: number, ms?: number): Promise<LogRow[]>;
  /** The rows of one client (for a request that got no answer to take an id from), once `n` were written. */
  waitForClientRows(clientId: number, n: number, ms?: number): Promise<LogRow[]>;
  /** Official OpenAI client pointed at the gateway (retries off so errors show as they are). */
  openai(key?: string): OpenAI;
  /** Raw fetch to a gateway path with the client key (override headers as needed). */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  addClient(name: string): { key: string; id: number };
  /** Requests the server has not finished handling (Bun's `server.pendingRequests`), e.g. one whose client left mid-body. */
  pendingRequests(): number;
  close(): Promise<void>;
}

/** A test encryption key (32 bytes hex); never used outside tests. */
const TEST_KEY = '0f'.repeat(32);

function memorySink(rows: LogRow[], onWrite: () => void): LogSink {
  return {
    write(r) {
      rows.push(r);
      onWrite();
    },
    stats: () => ({ depth: 0, dropped: 0, written: rows.length }),
    close: async () => {},
  };
}

export async function startGateway(opts: GatewayOptions = {}): Promise<TestGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'gophergate-test-'));
  const config = loadConfig({
    LLM_PROXY__DATABASE__PATH: join(dir, 'gophergate.db'),
    LLM_PROXY__ENCRYPTION_KEY: TEST_KEY,
    LLM_PROXY__ADMIN__PASSWORD: 'test-admin-password',
    ...opts.env,
  });
  const logs: LogRow[] = [];
  let waiters: (() => void)[] = [];
  const { env: _env, storeLogs, timeOfDayPrices, ...overrides } = opts;
  const ctxOverrides: ContextOverrides = {
    ...overrides,
    logSink: opts.logSink ?? (storeLogs ? undefined : memorySink(logs, () => waiters.splice(0).forEach((w) => w()))),
    warn: () => {},
  };
  // LLM_PROXY__DATABASE__URL in env: the gateway runs on that PostgreSQL database (see pg-database.ts).
  const pg = !!config.database.url;
  const ctx = await openAppContext(config, ctxOverrides);
  // With LLM_PROXY__REDIS__URL set, tests start once the shared state is reachable.
  if (ctx.redis) await ctx.redis.whenUp(5_000);
  if (!timeOfDayPrices) {
    await ctx.store.run('UPDATE models SET time_of_day_prices = NULL WHERE time_of_day_prices IS NOT NULL');
    await ctx.state.refresh();
  }
  // Served as main.ts serves it (src/serve.ts).
  const app = listen(ctx, '127.0.0.1', 0);
  const url = `http://127.0.0.1:${app.server!.port}`;

  const addClient = (name: string) => {
    if (pg) throw new Error('addClient is synchronous (SQLite only); on PostgreSQL create clients through the admin API');
    const key = `gg-test-${crypto.randomUUID().replaceAll('-', '')}`;
    const row = ctx.db
      .insert(clients)
      .values({ name, keyHash: hashClientKey(key), keyPrefix: key.slice(0, 10), createdAt: Date.now() })
      .returning({ id: clients.id })
      .get();
    ctx.state.reload();
    return { key, id: row.id };
  };
  const first = pg ? await createClient(ctx, 'test client') : addClient('test client');
  /** Waits (woken by each write) until `count()` reaches `n`. */
  const until = async (count: () => number, n: number, ms: number, what: string) => {
    const deadline = Date.now() + ms;
    while (count() < n) {
      if (Date.now() > deadline) throw new Error(`expected ${n} ${what}, got ${count()}`);
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 50);
      });
    }
  };

  return {
    url,
    ctx,
    clientKey: first.key,
    clientId: first.id,
    logs,
    // Waits end as soon as the rows are there; the limits only bound a failure (a loaded CI machine is slow).
    async waitForLogs(n, ms = 10_000) {
      await until(() => logs.length, n, ms, 'log rows');
      return logs;
    },
    async waitForEndpointLogs(endpoint, n, ms = 10_000) {
      const rows = () => logs.filter((l) => l.endpoint === endpoint);
      await until(() => rows().length, n, ms, `'${endpoint}' log rows`);
      return rows();
    },
    async waitForRow(ref, ms = 10_000) {
      const id = requestIdOf(ref);
      const rows = () => logs.filter((l) => l.requestId === id);
      await until(() => rows().length, 1, ms, `log row of request ${id}`);
      const found = rows();
      if (found.length > 1) throw new Error(`request ${id} left ${found.length} log rows`);
      return found[0]!;
    },
    async waitForClientRows(clientId, n, ms = 10_000) {
      const rows = () => logs.filter((l) => l.clientId === clientId);
      await until(() => rows().length, n, ms, `log rows of client ${clientId}`);
      return rows();
    },
    async waitForChildRows(ref, n, ms = 10_000) {
      const id = requestIdOf(ref);
      const rows = () => logs.filter((l) => l.parentRequestId === id);
      await until(() => rows().length, n, ms, `log rows made for request ${id}`);
      return rows();
    },
    openai: (key = first.key) => new OpenAI({ apiKey: key, baseURL: `${url}/v1`, maxRetries: 0, timeout: 20_000 }),
    fetch: (path, init = {}) =>
      fetch(`${url}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${first.key}`, 'content-type': 'application/json', ...(init.headers as any) },
      }),
    addClient,
    pendingRequests: () => app.server!.pendingRequests,
    async close() {
      await app.stop(true);
      ctx.state.stop();
      ctx.redis?.close();
      await ctx.logSink.close();
      await ctx.store.close();
      waiters = [];
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The usual file setup: before all, start a gateway and hand it to `ready` (which may do more
 * setup); after all, close it.
 */
export function useGateway(ready: (gw: TestGateway) => unknown, opts: GatewayOptions = {}): void {
  let gw: TestGateway | undefined;
  beforeAll(async () => {
    gw = await startGateway(opts);
    await ready(gw);
  });
  afterAll(() => gw?.close());
}

/** The OpenAI SDK error a call must fail with (fails the test when it succeeds or throws anything else). */
export async function apiError(p: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(OpenAI.APIError);
    return err as InstanceType<typeof OpenAI.APIError>;
  }
  throw new Error('expected an API error');
}

/** env entries pointing one provider at a fake upstream (`/v1` base like the real ones). */
export function providerEnv(provider: string, baseUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  const P = provider.toUpperCase();
  return {
    [`LLM_PROXY__PROVIDERS__${P}__BASE_URL`]: baseUrl,
    [`LLM_PROXY__PROVIDERS__${P}__API_KEY`]: `sk-test-${provider}-key-0123456789`,
    [`LLM_PROXY__PROVIDERS__${P}__ENABLED`]: 'true',
    ...extra,
  };
}
