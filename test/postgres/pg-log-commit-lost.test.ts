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
  const state = { armed: 0, eaten: 0, refuse: 0, refused: 0 };
  type Pair = { up: Socket<unknown> | null; pending: Uint8Array[]; commitSent: boolean; dead: boolean };
  const listener = Bun.listen<Pair>({
    hostname: '127.0.0.1',
    port: 0,
    socket: {
      open(client) {
        const pair: Pair = { up: null, pending: [], commitSent: false, dead: false };
        client.data = pair;
        if (state.eaten > 0 && state.refuse > 0) {
          // Once a COMMIT's answer was lost: as PostgreSQL past max_connections, the next connections are refused.
          state.refuse--;
          pair.dead = true;
          return;
        }
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
        if (pair.dead && !pair.up) return void refuseStartup(client, data, state);
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

/** An SSLRequest is declined ('N'); the startup message is answered as PostgreSQL past max_connections does. */
function refuseStartup(client: Socket<unknown>, data: Uint8Array, state: { refused: number }): void {
  if (data.byteLength === 8 && Buffer.from(data).readInt32BE(4) === 80877103) return void client.write('N');
  const fields = Buffer.from('SFATAL\0VFATAL\0C53300\0Msorry, too many clients already\0\0', 'latin1');
  const head = Buffer.alloc(5);
  head.write('E', 0, 'latin1');
  head.writeInt32BE(fields.length + 4, 1);
  client.write(Buffer.concat([head, fields]));
  client.end();
  state.refused++;
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

/** Writes `rows` through a fresh proxy set by `arm` (a pool of `max`) and closes the sink; what the proxy did. */
async function writeThrough(rows: LogRow[], arm: { armed: number; refuse?: number }, max: number) {
  const proxy = commitEatingProxy();
  Object.assign(proxy.state, arm);
  const client = new SQL({ url: databaseUrl(db.name, `postgres://postgres@127.0.0.1:${proxy.port}/postgres`), max });
  const sink = createPgLogSink(client, { batchSize: 5, flushMs: 5, retryMs: 20, retentionDays: 0, warn: () => {} });
  try {
    for (const r of rows) sink.write(r);
    await sink.close();
    expect(sink.stats()).toMatchObject({ depth: 0, dropped: 0 });
    return { ...proxy.state };
  } finally {
    await client.close();
    proxy.close();
  }
}

/** The stored rows of `instance` as [request id, count], and `clientId`'s daily rollup. */
async function stored(instance: string, clientId: number) {
  const sql = new SQL(db.url);
  try {
    const got = await sql`SELECT request_id, count(*)::int AS n FROM request_logs WHERE instance = ${instance} GROUP BY request_id ORDER BY request_id`;
    const [daily] = await sql`SELECT sum(requests)::int AS requests, round(sum(cost_usd)::numeric, 6)::float8 AS cost FROM usage_client_daily WHERE client_id = ${clientId}`;
    return { rows: got.map((r: any) => [r.request_id, r.n]), daily };
  } finally {
    await sql.close();
  }
}

test("a batch whose COMMIT answer was lost is not written again: one row each, rollups counted once", async () => {
  // The first two batches' commits lose their answers.
  expect(await writeThrough(Array.from({ length: 12 }, (_, i) => record(i)), { armed: 2 }, 2)).toMatchObject({ eaten: 2 });
  expect(await stored('lost-commit', 7)).toEqual({
    rows: Array.from({ length: 12 }, (_, i) => [`lost-commit-${i}`, 1]).sort(),
    daily: { requests: 12, cost: 0.012 },
  });
}, 60_000);

test('the look for a batch whose COMMIT answer was lost is refused (too many clients after a restart): it is looked for again, not written blindly', async () => {
  const rows = Array.from({ length: 5 }, (_, i) => ({ ...record(i), requestId: `refused-look-${i}`, instance: 'refused-look', clientId: 8 }));
  expect(await writeThrough(rows, { armed: 1, refuse: 2 }, 1)).toMatchObject({ eaten: 1, refused: 2 });
  expect(await stored('refused-look', 8)).toEqual({ rows: rows.map((r) => [r.requestId, 1]), daily: { requests: 5, cost: 0.005 } });
}, 60_000);
