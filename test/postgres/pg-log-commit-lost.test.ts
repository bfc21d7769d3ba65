/**
 * The PostgreSQL log writer when the connection drops between COMMIT and its answer (a network
 * blip, a pooler or proxy restart, PostgreSQL's connections killed): the batch is in the database
 * but the writer sees a connection error. Retried blindly it would be written twice, with its
 * rollups (which budgets are read from) counted twice. Every row must be there exactly once.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { SQL, type Socket } from 'bun';
import { migratePg } from '../../src/db/pg-store';
import type { LogRow } from '../../src/logging/log-row';
import { createPgLogSink } from '../../src/logging/pg-log-sink';
import { createTestDatabase, databaseUrl, type TestDatabase } from '../helpers/pg-database';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
  await migratePg(db.url);
}, 60_000);
afterAll(async () => db?.drop());

/** PostgreSQL's simple-query message for COMMIT, as Bun's driver sends it to end `begin()`. */
const COMMIT = Buffer.from('Q\0\0\0\x0bCOMMIT\0', 'latin1');

/**
 * A loopback proxy to PostgreSQL that, while `armed`, lets a COMMIT through, drops PostgreSQL's
 * answer to it and closes the client's connection: the transaction is committed, the client
 * only sees its connection lost.
 */
function commitEatingProxy() {
  const state = { armed: 0, eaten: 0 };
  type Pair = { up: Socket<unknown> | null; pending: Uint8Array[]; commitSent: boolean; dead: boolean };
  const listener = Bun.listen<Pair>({
    hostname: '127.0.0.1',
    port: 0,
    socket: {
      open(client) {
        const pair: Pair = { up: null, pending: [], commitSent: false, dead: false };
        client.data = pair;
        void Bun.connect({
          hostname: '127.0.0.1',
          port: 5432,
          socket: {
            open(up) {
              pair.up = up;
              for (const d of pair.pending) up.write(d);
              pair.pending = [];
            },
            data(up, data) {
              if (pair.dead) return;
              if (pair.commitSent) {
                // PostgreSQL answered the COMMIT: committed. The client never learns it.
                pair.dead = true;
                state.eaten++;
                client.end();
                up.end();
                return;
              }
              client.write(data);
            },
            close: () => void client.end(),
            error: () => void client.end(),
          },
        });
      },
      data(client, data) {
        const pair = client.data;
        if (pair.dead) return;
        if (state.armed > 0 && Buffer.from(data).includes(COMMIT)) {
          state.armed--;
          pair.commitSent = true;
        }
        if (pair.up) pair.up.write(data);
        else pair.pending.push(new Uint8Array(data));
      },
      close: (client) => void client.data?.up?.end(),
      error: (client) => void client.data?.up?.end(),
    },
  });
  return { port: listener.port, state, close: () => listener.stop(true) };
}

function record(i: number): LogRow {
  return {
    createdAt: Date.UTC(2026, 10, 2, 10, 0, 0) + i,
    requestId: `lost-commit-${i}`,
    clientId: 7,
    endpoint: 'chat',
    modelRequested: 'gpt-4o-mini',
    model: 'gpt-4o-mini',
    provider: 'openai',
    route: null,
    stream: false,
    status: 200,
    errorType: null,
    error: null,
    promptTokens: 10,
    cachedTokens: 0,
    completionTokens: 5,
    reasoningTokens: 0,
    estimated: false,
    costUsd: 0.001,
    latencyMs: 100,
    ttfbMs: null,
    overheadMs: 0.5,
    instance: 'lost-commit',
    teamId: 3,
  };
}

test("a batch whose COMMIT answer was lost is not written again: one row each, rollups counted once", async () => {
  const proxy = commitEatingProxy();
  const client = new SQL({ url: databaseUrl(db.name, `postgres://postgres@127.0.0.1:${proxy.port}/postgres`), max: 2 });
  const sink = createPgLogSink(client, { batchSize: 5, flushMs: 5, retryMs: 20, retentionDays: 0, warn: () => {} });
  try {
    proxy.state.armed = 2; // the first two batches' commits lose their answers
    const rows = Array.from({ length: 12 }, (_, i) => record(i));
    for (const r of rows) sink.write(r);
    await sink.close();
    expect(proxy.state.eaten).toBe(2);
    expect(sink.stats()).toMatchObject({ depth: 0, dropped: 0 });
  } finally {
    await client.close();
    proxy.close();
  }
  const sql = new SQL(db.url);
  try {
    const got = await sql`SELECT request_id, count(*)::int AS n FROM request_logs WHERE instance = 'lost-commit' GROUP BY request_id ORDER BY request_id`;
    expect(got.map((r: any) => [r.request_id, r.n])).toEqual(Array.from({ length: 12 }, (_, i) => [`lost-commit-${i}`, 1]).sort());
    const [daily] = await sql`SELECT sum(requests)::int AS requests, round(sum(cost_usd)::numeric, 6)::float8 AS cost FROM usage_client_daily WHERE client_id = 7`;
    expect(daily).toEqual({ requests: 12, cost: 0.012 });
  } finally {
    await sql.close();
  }
}, 60_000);
