/**
 * A native Anthropic answer names the model the client asked for, as a translated one does
 * (Claude Code sends a past turn's thinking back only when that turn's model is the one it asks
 * for now): a group, `anthropic/claude-…` or a Claude alias gets its own name in the JSON answer's
 * `model` and in the stream's message_start, every other byte Anthropic's; Anthropic's exact id
 * gets Anthropic's bytes untouched. The row and the bill stay the model that answered. Driven by
 * the official @anthropic-ai/sdk and raw HTTP against the fake Anthropic replaying recorded answers.
 */
import { beforeAll, describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { modelGroups } from '../../src/db/schema';
import { nativeMessagesTransformer } from '../../src/providers/anthropic/native-messages';
import type { ChatCallContext, StreamTally } from '../../src/providers/types';
import { fixtureText, type FakeUpstream } from '../helpers/fake-upstream';
import type { TestGateway } from '../helpers/start-gateway';
import { anthropicSse } from '../anthropic/fake-anthropic';
import { parseSse } from './messages-helpers';
import { foldSse, idOf, plain, useAnthropicRig } from './anthropic-rig';

let fake: FakeUpstream;
let gw: TestGateway;
let client: Anthropic;
useAnthropicRig((r) => ({ fake, gw, client } = r));
beforeAll(() => {
  // A dated Claude name the gateway does not hold goes to the family's group (claude-model-alias.ts).
  const now = Date.now();
  gw.ctx.db.insert(modelGroups).values({ name: 'claude-sonnet', strategy: 'heuristic', targets: ['claude-sonnet-4-5'], updatedAt: now }).run();
  gw.ctx.db.insert(modelGroups).values({ name: 'claude-team', strategy: 'heuristic', targets: ['claude-sonnet-4-5'], updatedAt: now }).run();
  gw.ctx.state.reload();
});

/** The id the gateway sends (the models table's) and the one Anthropic's recorded answers name. */
const SENT = 'claude-sonnet-4-5';
const ANSWERED = 'claude-sonnet-4-5-20250929';
const enc = new TextEncoder();

/** Anthropic's bytes with its one model value (message_start's, the JSON's) replaced by `name`, the rest as they are. */
function named(text: string, name: string): string {
  const at = /"model": ?"claude-sonnet-4-5-20250929"/g;
  expect(text.match(at)).toHaveLength(1);
  return text.replace(at, (m) => m.replace(JSON.stringify(ANSWERED), JSON.stringify(name)));
}

/** The fake answers a stream with `sse` (one write per event) and a JSON request with the recorded `json` file's own bytes. */
const answers = (sse: string, json: string) => {
  fake.handler = (_r, rec) => (rec.body?.stream ? anthropicSse(sse) : new Response(fixtureText('anthropic', json), { headers: { 'content-type': 'application/json' } }));
};

const ask = (model: string) => ({
  model, max_tokens: 4096, thinking: { type: 'enabled' as const, budget_tokens: 2048 },
  tools: [{ name: 'get_weather', description: 'Weather of a city', input_schema: { type: 'object' as const, properties: { city: { type: 'string' } } } }],
  messages: [{ role: 'user' as const, content: 'Weather in Paris?' }],
});

const post = (body: unknown) =>
  fetch(`${gw.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': gw.clientKey, 'anthropic-version': '2023-06-01' }, body: JSON.stringify(body) });

describe('a native answer names the model the client asked for', () => {
  const renamed: [string, string][] = [
    ['a group', 'claude-team'],
    ['provider/model', 'anthropic/claude-sonnet-4-5'],
    ['a Claude alias (a dated name routed to the claude-sonnet group)', 'claude-sonnet-4-20250514'],
  ];

  test.each(renamed)('%s: message_start and the JSON answer say %s; every other byte, the row and the bill are Anthropic\'s', async (_what, name) => {
    answers('thinking-tool.sse', 'thinking-tool.json');
    const exact = await post({ ...ask(SENT), stream: true });
    expect(await exact.text()).toBe(fixtureText('anthropic', 'thinking-tool.sse'));

    const res = await post({ ...ask(name), stream: true });
    const text = await res.text();
    expect(text).toBe(named(fixtureText('anthropic', 'thinking-tool.sse'), name));
    expect(parseSse(text)[0].message.model).toBe(name);
    expect(fake.last().body.model).toBe(SENT);
    expect(res.headers.get('x-gophergate-model')).toBe(SENT);
    // The row names the model that answered and bills it as the exact name's request is billed.
    const [row, exactRow] = await Promise.all([gw.waitForRow(idOf(res)), gw.waitForRow(idOf(exact))]);
    expect(row).toMatchObject({ endpoint: 'messages', provider: 'anthropic', model: SENT, modelRequested: name, status: 200, promptTokens: 472 });
    expect(exactRow.model).toBe(SENT);
    expect(row.costUsd).toBeGreaterThan(0);
    expect(row.costUsd).toBe(exactRow.costUsd);
    expect(row.completionTokens).toBe(exactRow.completionTokens);

    // The SDK's final message (message_start's model) and its JSON answer alike.
    const final = await client.messages.stream(ask(name)).finalMessage();
    expect(final.model).toBe(name);
    expect(plain(final)).toEqual({ ...foldSse('thinking-tool.sse'), model: name });

    const whole = await post(ask(name));
    expect(await whole.text()).toBe(named(fixtureText('anthropic', 'thinking-tool.json'), name));
    expect((await client.messages.create(ask(name))).model).toBe(name);
    const jsonRow = await gw.waitForRow(idOf(whole));
    expect(jsonRow).toMatchObject({ model: SENT, modelRequested: name, stream: false, promptTokens: 472 });
  });

  test('Anthropic\'s exact id: its stream (pings included) and JSON bytes untouched', async () => {
    answers('text.sse', 'text.json');
    const res = await post({ ...ask(SENT), stream: true });
    expect(await res.text()).toBe(fixtureText('anthropic', 'text.sse'));
    const whole = await post(ask(SENT));
    expect(await whole.text()).toBe(fixtureText('anthropic', 'text.json'));
    expect((await client.messages.create(ask(SENT))).model).toBe(ANSWERED);
  });

  test('a stream with pings, its message_start split across reads (inside `data:` and inside the model value)', async () => {
    const sse = fixtureText('anthropic', 'text.sse');
    const cuts = [3, sse.indexOf('data:') + 2, sse.indexOf('"model"') + 12, sse.indexOf('\n\n') + 1];
    fake.handler = () => {
      const pieces = [0, ...cuts].map((from, i) => enc.encode(sse.slice(from, cuts[i] ?? sse.length)));
      const stream = new ReadableStream<Uint8Array>({
        async pull(c) {
          const p = pieces.shift();
          if (p === undefined) return c.close();
          c.enqueue(p);
          await Bun.sleep(1); // one write each
        },
      });
      return new Response(stream, { headers: { 'content-type': 'text/event-stream' } });
    };
    const res = await post({ ...ask('claude-team'), stream: true });
    const text = await res.text();
    expect(text).toBe(named(sse, 'claude-team'));
    expect(parseSse(text).filter((e) => e.type === 'ping').length).toBeGreaterThan(0);
  });

  test('a JSON answer without `model` gets the client\'s name, first; the rest as Anthropic wrote it', async () => {
    const bare = fixtureText('anthropic', 'text.json').replace(/\n\s*"model": "claude-sonnet-4-5-20250929",/, '');
    expect(bare).not.toContain('"model"');
    fake.handler = () => new Response(bare, { headers: { 'content-type': 'application/json' } });
    const res = await post(ask('claude-team'));
    expect(await res.text()).toBe(`{"model":"claude-team",${bare.slice(1)}`);
    expect((await client.messages.create(ask('claude-team'))).model).toBe('claude-team');
  });
});

describe('the relay renames message_start once, then passes reads through', () => {
  const sse = enc.encode(fixtureText('anthropic', 'thinking-tool.sse'));
  const first = fixtureText('anthropic', 'thinking-tool.sse').indexOf('\n\n') + 2;
  /** Where the event after message_start ends. */
  const second = fixtureText('anthropic', 'thinking-tool.sse').indexOf('\n\n', first) + 2;
  const expected = named(fixtureText('anthropic', 'thinking-tool.sse'), 'claude-then-gpt');

  /** The reads the transformer hands on for `reads` (a client asking `asked`, the gateway sending SENT). */
  function relay(reads: Uint8Array[], asked: string): Uint8Array[] {
    const ctx = { model: SENT, stream: true, clientWantsUsage: true, nativeMessages: { model: asked } } as ChatCallContext;
    const tally: StreamTally = { usage: null, deliveredText: '', finishReason: null, firstByteAt: null };
    const t = nativeMessagesTransformer(ctx, tally);
    const out: Uint8Array[] = [];
    const controller = { enqueue: (c: Uint8Array) => void out.push(c) } as unknown as TransformStreamDefaultController<Uint8Array>;
    for (const r of reads) t.transform!(r, controller);
    t.flush!(controller);
    expect(tally.usage?.input).toBe(472);
    return out;
  }
  const joined = (parts: Uint8Array[]) => new TextDecoder().decode(Buffer.concat(parts));

  test('message_start cut at every byte: renamed once; each later read is the upstream\'s own, unchanged', () => {
    for (let k = 1; k < first + 3; k++) {
      const rest = [sse.subarray(first + 3, second), sse.subarray(second)];
      const reads = [sse.subarray(0, k), sse.subarray(k, first + 3), ...rest];
      const out = relay(reads, 'claude-then-gpt');
      expect(joined(out)).toBe(expected);
      // After message_start went out, a read of whole events is handed on as it came (the very same
      // bytes); one that ends inside an event waits for the rest of it (native-messages.ts `pending`).
      expect(out.at(-1)).toBe(rest[1]!);
    }
  });

  test('the exact id: message_start held until the next event (the answer said something), then every read of whole events handed on as it came', () => {
    const reads = [sse.subarray(0, first), sse.subarray(first, second), sse.subarray(second)];
    const out = relay(reads, SENT);
    expect(out).toHaveLength(2);
    expect(out[0]).toEqual(sse.subarray(0, second));
    expect(out[1]).toBe(reads[2]!);
  });

  test('a message_start without `model` gets the client\'s name first in its message', () => {
    const text = fixtureText('anthropic', 'thinking-tool.sse').replace('"model":"claude-sonnet-4-5-20250929",', '');
    const out = relay([enc.encode(text)], 'claude-then-gpt');
    expect(joined(out)).toBe(text.replace('"message":{', '"message":{"model":"claude-then-gpt",'));
  });
});
