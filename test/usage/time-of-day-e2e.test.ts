/**
 * DeepSeek's time-of-day prices through the real gateway: the official openai client against a fake
 * DeepSeek replaying its recorded answer (24 prompt tokens, 16 of them cached, 58 completion), the
 * gateway's request clock set by the test (GatewayOptions.requestClock), and each log row read back
 * from the real log writer through GET /api/logs by the answer's x-request-id:
 * - deepseek-v4-flash costs twice as much at 02:00 UTC (peak) as at 12:00, deepseek-chat half as
 *   much at 23:50 and 00:10 (off-peak over midnight) as at 00:40;
 * - V4's peaks hold Monday to Friday UTC: at 02:00 on a Saturday or Sunday V4 bills off-peak, on
 *   a Friday or Monday at the peak;
 * - a stream that starts at 03:59:59 and ends after 04:00 is priced at its start's (peak) price;
 * - a budgeted key's worst case is reserved at the peak prices in a peak window, at the off-peak
 *   ones at a weekend's peak hours;
 * - the admin API and the Models page show the windows, and a changed flat price ends them.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import OpenAI from 'openai';
import { ADMIN_PASSWORD, api, apiLogRow, json, login, type Session } from '../helpers/admin-harness';
import { fixtureJson, jsonResponse, readChunks, sseResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { limitedClient } from '../limits/limits-helpers';

setDefaultTimeout(30_000);

/** A time on 2026-12-03, a Thursday. */
const at = (h: number, m: number, s = 0) => Date.UTC(2026, 11, 3, h, m, s);
/** A time on a day of 2026-12: the 4th a Friday, 5th a Saturday, 6th a Sunday, 7th a Monday. */
const on = (day: number, h: number, m: number) => Date.UTC(2026, 11, day, h, m);
const [FRI, SAT, SUN, MON] = [4, 5, 6, 7];
/** The gateway's request clock (epoch ms), moved by the tests; the fake may move it mid-request. */
const clock = { now: at(12, 0) };
/** Run by the fake DeepSeek before it answers (to move the clock while a request is in flight). */
let onUpstream: () => void = () => {};

const deepseek = startFakeUpstream((_req, recorded) => {
  onUpstream();
  return recorded.body.stream ? sseResponse(readChunks('deepseek', 'text.chunks.txt')) : jsonResponse(fixtureJson('deepseek', 'chat.json'));
});

let gw: TestGateway;
let admin: Session;
beforeAll(async () => {
  gw = await startGateway({ env: providerEnv('deepseek', `${deepseek.url}/v1`), storeLogs: true, timeOfDayPrices: true, requestClock: () => clock.now });
  admin = await login(gw, 'admin', ADMIN_PASSWORD);
});
afterAll(async () => {
  await gw.close();
  deepseek.close();
});

const messages = [{ role: 'user' as const, content: 'Hello' }];
/** USD of the recorded usage (8 uncached + 16 cached prompt tokens, 58 completion) at these prices per 1M. */
const usd = (input: number, cached: number, output: number) => (8 * input + 16 * cached + 58 * output) / 1e6;

/** One non-stream chat at `when`; the admin API's row of it. */
async function chatAt(when: number, model: string): Promise<any> {
  clock.now = when;
  const { response } = await gw.openai().chat.completions.create({ model, messages }).withResponse();
  return apiLogRow(gw, admin, response.headers.get('x-request-id')!);
}

describe('a row is priced at the prices in force when its request started', () => {
  test('deepseek-v4-flash: the peak price 01:00-04:00 and 06:00-10:00 UTC, the flat one outside', async () => {
    const peak = usd(0.44, 0.014, 1.32);
    const flat = usd(0.22, 0.007, 0.66);
    const noon = await chatAt(at(12, 0), 'deepseek-v4-flash');
    expect(noon.created_at).toBe(at(12, 0));
    expect(noon.cost_usd).toBeCloseTo(flat, 9);
    expect((await chatAt(at(2, 0), 'deepseek-v4-flash')).cost_usd).toBeCloseTo(peak, 9);
    expect((await chatAt(at(1, 0), 'deepseek-v4-flash')).cost_usd).toBeCloseTo(peak, 9);
    expect((await chatAt(at(4, 0), 'deepseek-v4-flash')).cost_usd).toBeCloseTo(flat, 9);
    expect((await chatAt(at(9, 59, 59), 'deepseek-v4-flash')).cost_usd).toBeCloseTo(peak, 9);
    expect(peak).toBeCloseTo(2 * flat, 12);
  });

  test('deepseek-chat: half price from 16:30 over midnight to 00:30 UTC', async () => {
    const day = usd(0.27, 0.07, 1.1);
    const night = usd(0.135, 0.035, 0.55);
    expect((await chatAt(at(12, 0), 'deepseek-chat')).cost_usd).toBeCloseTo(day, 9);
    expect((await chatAt(at(23, 50), 'deepseek-chat')).cost_usd).toBeCloseTo(night, 9);
    expect((await chatAt(at(0, 10), 'deepseek-chat')).cost_usd).toBeCloseTo(night, 9);
    expect((await chatAt(at(0, 40), 'deepseek-chat')).cost_usd).toBeCloseTo(day, 9);
  });

  test('V4’s peaks hold Monday to Friday: at 02:00 UTC on a Saturday or Sunday it bills off-peak', async () => {
    for (const [model, flat, peak] of [
      ['deepseek-v4-flash', usd(0.22, 0.007, 0.66), usd(0.44, 0.014, 1.32)],
      ['deepseek-v4-pro', usd(0.66, 0.022, 1.98), usd(1.32, 0.044, 3.96)],
    ] as const) {
      const saturday = await chatAt(on(SAT, 2, 0), model);
      expect(new Date(saturday.created_at).getUTCDay()).toBe(6);
      expect(saturday.cost_usd).toBeCloseTo(flat, 9);
      expect((await chatAt(on(SUN, 7, 30), model)).cost_usd).toBeCloseTo(flat, 9);
      const friday = await chatAt(on(FRI, 2, 0), model);
      expect(new Date(friday.created_at).getUTCDay()).toBe(5);
      expect(friday.cost_usd).toBeCloseTo(peak, 9);
      expect((await chatAt(on(MON, 2, 0), model)).cost_usd).toBeCloseTo(peak, 9);
    }
    // deepseek-chat's night holds every day, weekends too.
    expect((await chatAt(on(SAT, 23, 0), 'deepseek-chat')).cost_usd).toBeCloseTo(usd(0.135, 0.035, 0.55), 9);
  });

  test('a stream that starts in the peak and ends after it bills the peak price', async () => {
    clock.now = at(3, 59, 59);
    // The upstream answers once the peak is over.
    onUpstream = () => (clock.now = at(4, 0, 30));
    try {
      const { data: stream, response } = await gw.openai().chat.completions
        .create({ model: 'deepseek-v4-flash', messages, stream: true, stream_options: { include_usage: true } })
        .withResponse();
      let text = '';
      for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
      expect(text).toBe('Hello! How can I help?');
      expect(clock.now).toBe(at(4, 0, 30));
      const row = await apiLogRow(gw, admin, response.headers.get('x-request-id')!);
      expect(row).toMatchObject({ status: 200, stream: true, prompt_tokens: 24, cached_tokens: 16, completion_tokens: 58, created_at: at(3, 59, 59) });
      expect(row.cost_usd).toBeCloseTo(usd(0.44, 0.014, 1.32), 9);
    } finally {
      onUpstream = () => {};
    }
  });
});

test('a budget reserves a peak-hour request at the peak prices', async () => {
  // 1,000 output tokens reserve $0.00066 at the flat output price and $0.00132 at the peak one (the
  // short prompt adds well under $0.0001): a $0.001 budget admits the request at noon only.
  const { key } = await limitedClient(gw, 'tod-budget', { budgetUsd: 0.001, budgetPeriod: 'total' });
  const client = new OpenAI({ apiKey: key, baseURL: `${gw.url}/v1`, maxRetries: 0 });
  const ask = () => client.chat.completions.create({ model: 'deepseek-v4-flash', messages, max_tokens: 1000 });
  clock.now = at(2, 30);
  const refused = await ask().catch((e) => e);
  expect(refused).toBeInstanceOf(OpenAI.APIError);
  expect(refused.status).toBe(429);
  expect(refused.error).toMatchObject({ type: 'insufficient_quota', code: 'budget_exceeded' });
  clock.now = at(12, 0);
  const answer = await ask();
  expect(answer.usage?.completion_tokens).toBe(58);
});

test('at a weekend’s peak hours a budget reserves at the off-peak prices, on a Friday at the peak ones', async () => {
  // As above: $0.001 admits 1,000 output tokens at the off-peak price ($0.00066), not at the peak one ($0.00132).
  const { key } = await limitedClient(gw, 'tod-weekend-budget', { budgetUsd: 0.001, budgetPeriod: 'total' });
  const client = new OpenAI({ apiKey: key, baseURL: `${gw.url}/v1`, maxRetries: 0 });
  const ask = () => client.chat.completions.create({ model: 'deepseek-v4-flash', messages, max_tokens: 1000 });
  clock.now = on(FRI, 2, 30);
  const refused = await ask().catch((e) => e);
  expect(refused).toBeInstanceOf(OpenAI.APIError);
  expect(refused.status).toBe(429);
  expect(refused.error).toMatchObject({ type: 'insufficient_quota', code: 'budget_exceeded' });
  clock.now = on(SAT, 2, 30);
  const { data: answer, response } = await ask().withResponse();
  expect(answer.usage?.completion_tokens).toBe(58);
  expect((await apiLogRow(gw, admin, response.headers.get('x-request-id')!)).cost_usd).toBeCloseTo(usd(0.22, 0.007, 0.66), 9);
});

test('the admin API and the Models page show the windows; a changed flat price ends them, an unchanged one does not', async () => {
  const shown = await json(await api(gw, 'GET', '/api/models/deepseek-v4-flash', { as: admin }));
  expect(shown).toMatchObject({ input_price: 0.22, cached_input_price: 0.007, output_price: 0.66 });
  const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri'];
  expect(shown.time_of_day_prices).toEqual([
    { start: '01:00', end: '04:00', input_price: 0.44, cached_input_price: 0.014, cache_write_price: null, output_price: 1.32, days: weekdays },
    { start: '06:00', end: '10:00', input_price: 0.44, cached_input_price: 0.014, cache_write_price: null, output_price: 1.32, days: weekdays },
  ]);
  const listed = (await json(await api(gw, 'GET', '/api/models?provider=deepseek', { as: admin }))).data;
  const chat = listed.find((m: any) => m.id === 'deepseek-chat').time_of_day_prices;
  expect(chat.map((w: any) => [w.start, w.end])).toEqual([['16:30', '00:30']]);
  expect(chat[0]).not.toHaveProperty('days');

  // The Models page lists them under the model's id, with their weekdays.
  const page = await (await fetch(`${gw.url}/models`, { headers: { cookie: admin.cookie } })).text();
  expect(page).toContain('01:00–04:00 UTC Mon–Fri: in 0.44, cache read 0.014, out 1.32');
  expect(page).toContain('06:00–10:00 UTC Mon–Fri: in 1.32, cache read 0.044, out 3.96');
  expect(page).toContain('16:30–00:30 UTC: in 0.135, cache read 0.035, out 0.55');

  // The dashboard's row form sends the prices it showed: unchanged, the windows stay.
  const same = await api(gw, 'PATCH', '/api/models/deepseek-v4-flash', { as: admin, body: { input_price: 0.22, output_price: 0.66, enabled: true } });
  expect(same.status).toBe(200);
  expect((await json(same)).time_of_day_prices).toHaveLength(2);
  expect((await chatAt(at(2, 0), 'deepseek-v4-flash')).cost_usd).toBeCloseTo(usd(0.44, 0.014, 1.32), 9);

  const changed = await api(gw, 'PATCH', '/api/models/deepseek-v4-flash', { as: admin, body: { output_price: 0.7 } });
  expect(changed.status).toBe(200);
  expect((await json(changed)).time_of_day_prices).toBeNull();
  // The admin's price is the price all day.
  expect((await chatAt(at(2, 0), 'deepseek-v4-flash')).cost_usd).toBeCloseTo(usd(0.22, 0.007, 0.7), 9);
});
