/**
 * The Clients page's usage columns (requests, tokens and cost of the last 30 days) with more than
 * 1,000 keys in use. They were read from the top 1,000 keys by cost: a key past them (a cheap
 * one, the newest, on the first page) showed 0 requests though it had made some. Each page now
 * reads its own keys' usage.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { hashClientKey } from '../../src/auth/client-auth';
import { clients } from '../../src/db/schema';
import type { LogRow } from '../../src/logging/log-row';
import { ADMIN_PASSWORD } from '../helpers/admin-harness';
import { startGateway, type TestGateway } from '../helpers/start-gateway';

setDefaultTimeout(60_000);

const BUSY_KEYS = 1_000;
let gw: TestGateway;
let cookie: string;
let cheapId = 0;

function row(clientId: number, costUsd: number): LogRow {
  return {
    createdAt: Date.now() - 60_000, requestId: `many-${crypto.randomUUID()}`, clientId, endpoint: 'chat', modelRequested: 'gpt-4o-mini',
    model: 'gpt-4o-mini', provider: 'openai', route: null, stream: false, status: 200, errorType: null, error: null, promptTokens: 7,
    cachedTokens: 0, completionTokens: 3, reasoningTokens: 0, estimated: false, costUsd, latencyMs: 5, ttfbMs: null, overheadMs: 1,
  };
}

beforeAll(async () => {
  gw = await startGateway({ storeLogs: true });
  const rows = Array.from({ length: BUSY_KEYS }, (_, i) => ({ name: `busy-${i}`, keyHash: hashClientKey(`gg-busy-${i}-${'x'.repeat(20)}`), keyPrefix: `gg-busy-${i}`.slice(0, 10), createdAt: Date.now() }));
  const busy: number[] = [];
  for (let i = 0; i < rows.length; i += 250) busy.push(...gw.ctx.db.insert(clients).values(rows.slice(i, i + 250)).returning({ id: clients.id }).all().map((r) => r.id));
  cheapId = gw.addClient('cheap-newest').id;
  // Every busy key spent something; the newest key made 3 requests that cost nothing (a free local model).
  for (const id of busy) gw.ctx.logSink.write(row(id, 0.001));
  for (let i = 0; i < 3; i++) gw.ctx.logSink.write(row(cheapId, 0));
  const total = BUSY_KEYS + 3;
  for (let i = 0; i < 400; i++) {
    const n = Number((await gw.ctx.store.all<{ n: number }>("SELECT count(*) AS n FROM request_logs WHERE request_id LIKE 'many-%'"))[0]!.n);
    if (n === total) break;
    await Bun.sleep(25);
  }
  const r = await fetch(`${gw.url}/login`, { method: 'POST', body: new URLSearchParams({ username: 'admin', password: ADMIN_PASSWORD }), redirect: 'manual' });
  cookie = r.headers.get('set-cookie')!.split(';')[0]!;
});
afterAll(() => gw.close());

describe('Clients page usage with more than 1,000 keys in use', () => {
  test('a key past the 1,000 costliest shows its own requests and tokens', async () => {
    const html = await (await fetch(`${gw.url}/clients`, { headers: { cookie } })).text();
    /** Requests, tokens and cost of the key of this name, as its row shows them. */
    const figures = (name: string) => {
      const key = html.split('<tbody id="client-').find((b) => b.includes(`>${name}</span>`))!;
      return [...key.split('</tr>')[0]!.matchAll(/<td class="num">([^<]*)<\/td>/g)].map((m) => m[1]);
    };
    expect(figures('cheap-newest')).toEqual(['3', '30', '$0']);
    // A busy key on the same page still reads its own.
    expect(figures('busy-999')).toEqual(['1', '10', '$0.001']);
  });
});
