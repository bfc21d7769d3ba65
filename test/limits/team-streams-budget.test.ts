/**
 * Overspend paths a user meets, on the single-instance counters: streams of two keys sharing one
 * team budget, held open at once near its end, and each left by its client after its first chunk.
 * The reservations of streams in flight hold the team's room (the rest are refused, retryable);
 * every row bills what was delivered; the rows never add up past the budget, and nothing stays
 * reserved. The official openai client over real HTTP against the fake OpenAI; rows by x-request-id.
 */
import { expect, setDefaultTimeout, test } from 'bun:test';
import OpenAI from 'openai';
import { readChunks, sseResponse } from '../helpers/fake-upstream';
import { chatBody, limitedClient, makeTeam, PRICE, useLimitsRig } from './limits-helpers';

setDefaultTimeout(30_000);

const rig = useLimitsRig();

test("two keys' streams on one team budget that holds three: three run, the rest refused; left mid-way, rows bill what was delivered, within the budget", async () => {
  const { gw, fake, clock } = rig();
  const body = chatBody('lim-model', { stream: true, stream_options: { include_usage: true } });
  // Each reserves its body a token a byte and its max_tokens.
  const worst = ((JSON.stringify(body).length + 10) * PRICE) / 1e6;
  const budget = 3.5 * worst;
  const team = await makeTeam(gw, { name: 'team-streams', budgetUsd: budget, budgetPeriod: 'day' });
  const keys = [await limitedClient(gw, 'team-streams-a', { teamId: team }), await limitedClient(gw, 'team-streams-b', { teamId: team })];
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  // Each stream sends its first chunks, then waits until all requests were answered or refused.
  fake.handler = () => sseResponse(readChunks('openai', 'text.chunks.txt'), { holdAt: { at: 2, until: held } });
  const controllers: AbortController[] = [];
  const results = await Promise.allSettled(
    Array.from({ length: 8 }, async (_, i) => {
      const ac = new AbortController();
      controllers.push(ac);
      const stream = await gw.openai(keys[i % 2]!.key).chat.completions.create(body as any, { signal: ac.signal }).withResponse();
      const it = (stream.data as any)[Symbol.asyncIterator]();
      await it.next(); // the first chunk reached the client
      return { ac, it, requestId: stream.response.headers.get('x-request-id')! };
    }),
  );
  const running = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
  expect(running.length).toBe(3);
  for (const err of refused) {
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err.code).toBe('budget_exceeded');
    expect(err.headers.get('x-should-retry')).toBe('true'); // held by the streams, not spent
  }
  // The clients leave mid-stream; once the gateway has logged each as left, the upstream is let go
  // (let go sooner, a loaded machine could finish a stream before its client's close is seen).
  for (const r of running) r.ac.abort();
  const rows = await Promise.all(running.map((r) => gw.waitForRow(r.requestId)));
  release();
  for (const row of rows) {
    expect(row.status).toBe(499);
    expect(row.costUsd).toBeGreaterThan(0); // the prompt and what was delivered
    expect(row.teamId).toBe(team);
  }
  const spent = rows.reduce((s, r) => s + r.costUsd, 0);
  expect(spent).toBeLessThanOrEqual(budget);
  const scope = gw.ctx.state.getSnapshot().clientsById!.get(keys[0]!.id)!.limits!.scopes.find((s) => s.budgetUsd !== null)!;
  expect(gw.ctx.limits.counters.outstanding(scope)).toEqual({ reservedUsd: 0, inFlight: 0 });
  expect(gw.ctx.limits.counters.spend(scope, clock.now)).toBeCloseTo(spent, 10);
});
