/**
 * The native /v1/messages passthrough when Anthropic answers 200, sends message_start (and a ping)
 * and then `event: error` (overloaded_error, api_error) before any content block, each event in its
 * own write a little apart, as real streams arrive: nothing was said yet, so it is the failure the
 * same error sent as an HTTP status would be. A group goes on to its next target; a model named
 * directly answers Anthropic's HTTP error (529 overloaded_error, as for Anthropic's own 529), with
 * one row. A normal stream arriving event by event reaches the client byte for byte as before.
 */
import { describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { fixtureText, type FakeUpstream } from '../helpers/fake-upstream';
import { piecesResponse } from '../helpers/stream-pieces';
import type { TestGateway } from '../helpers/start-gateway';
import { foldSse, idOf, plain, REQ, useAnthropicRig } from './anthropic-rig';

let fake: FakeUpstream;
let gw: TestGateway;
let client: Anthropic;
useAnthropicRig((r) => ({ fake, gw, client } = r));

/** A fixture's events, each its own piece. */
const events = (name: string) => fixtureText('anthropic', name).split(/\n\n+/).filter((e) => e.trim()).map((e) => `${e}\n\n`);
/** message_start, ping, error (overloaded_error), as Anthropic sends them. */
const OVERLOADED = events('overloaded-after-start.sse');
const API_ERROR = OVERLOADED.map((e) => e.replace('"type":"overloaded_error","message":"Overloaded"', '"type":"api_error","message":"Internal server error"'));

/** The fake answers every Anthropic call with `pieces`, one write each, 20 ms apart. */
const anthropicSends = (pieces: string[]) => (fake.handler = () => piecesResponse(pieces, 20));

/** The request's one row, found by the answer's request id. */
async function onlyRow(requestId: string) {
  const row = await gw.waitForRow(requestId);
  expect(gw.logs.filter((r) => r.requestId === requestId)).toHaveLength(1);
  return row;
}

describe('an error after message_start, before any content, is a failed try', () => {
  test('a model named directly: overloaded_error is an HTTP 529 in Anthropic shape, api_error a 502, as the same errors sent as a status', async () => {
    for (const [pieces, status, type] of [[OVERLOADED, 529, 'overloaded_error'], [API_ERROR, 502, 'api_error']] as const) {
      anthropicSends([...pieces]);
      const err = await client.messages.create({ ...REQ, stream: true }, { maxRetries: 0 }).then(
        () => null,
        (e) => e,
      );
      expect(err).toBeInstanceOf(Anthropic.APIError);
      expect(err.status).toBe(status);
      expect(err.error.type).toBe('error');
      expect(err.error.error.type).toBe(type);
      const row = await onlyRow(err.headers.get('x-request-id'));
      expect([row.status, row.errorType, row.provider]).toEqual([status, type, 'anthropic']);
    }
  });

  test('a group goes on to its next target, whose answer the client streams', async () => {
    for (const pieces of [OVERLOADED, OVERLOADED.slice(0, 1)]) {
      // The overload, and a stream that ends after message_start (the idle cut of an upstream that never answered).
      anthropicSends(pieces);
      const { data, response } = await client.messages.create({ ...REQ, model: 'claude-then-gpt', stream: true }, { maxRetries: 0 }).withResponse();
      const types: string[] = [];
      let text = '';
      for await (const e of data) {
        types.push(e.type);
        if (e.type === 'content_block_delta' && e.delta.type === 'text_delta') text += e.delta.text;
      }
      expect(types).not.toContain('error');
      expect(text.length).toBeGreaterThan(0);
      expect(response.headers.get('x-gophergate-provider')).toBe('openai');
      const row = await onlyRow(response.headers.get('x-request-id')!);
      expect(JSON.parse(row.attempts!).map((a: any) => [a.provider, a.status])).toEqual([['anthropic', 502], ['openai', 200]]);
    }
  });
});

describe('a normal stream arriving event by event', () => {
  test('reaches the client byte for byte (renamed only where a group named the model); the SDK folds the same message', async () => {
    const pieces = events('text.sse');
    anthropicSends(pieces);
    const res = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': gw.clientKey }, body: JSON.stringify({ ...REQ, model: 'claude-sonnet-4-5-20250929', stream: true }),
    });
    expect(await res.text()).toBe(pieces.join(''));
    expect((await onlyRow(idOf(res))).status).toBe(200);

    anthropicSends(pieces);
    const grouped = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': gw.clientKey }, body: JSON.stringify({ ...REQ, model: 'claude-then-gpt', stream: true }),
    });
    expect(await grouped.text()).toBe(pieces.join('').replace('"model":"claude-sonnet-4-5-20250929"', '"model":"claude-then-gpt"'));

    anthropicSends(pieces);
    const final = await client.messages.stream({ ...REQ, model: 'claude-sonnet-4-5-20250929' }).finalMessage();
    expect(plain(final)).toEqual(foldSse('text.sse'));
  });
});
