/**
 * Helpers for the official `openai` SDK helper tests: the SDK pointed at the gateway with a fetch
 * that notes every answer's `x-request-id` (the helpers make several requests and keep the HTTP
 * answers to themselves), and upstream answers built from the recorded fixtures with only their
 * content changed (a JSON text for structured output), so the wire shapes stay the providers' own.
 */
import OpenAI from 'openai';
import { z } from 'zod';
import { fixtureJson, fixtureText, jsonResponse, type FakeHandler } from '../helpers/fake-upstream';
import type { TestGateway } from '../helpers/start-gateway';
import { idRecorder, type IdRecorder } from './langchain-helpers';

/** What a fake upstream answers (its handler). */
export type Answer = FakeHandler;

/** The SDK on the gateway (retries off) and the ids of the answers it got. */
export function sdkClient(gw: TestGateway): { client: OpenAI; ids: IdRecorder } {
  const ids = idRecorder();
  const client = new OpenAI({ apiKey: gw.clientKey, baseURL: `${gw.url}/v1`, maxRetries: 0, timeout: 20_000, fetch: ids.fetch });
  return { client, ids };
}

/** Answers each upstream call with the next reply; a call past the end is a visible 500. */
export function inTurn(...replies: Answer[]): Answer {
  return (req, rec, fake) => replies.shift()?.(req, rec, fake) ?? jsonResponse({ error: { message: 'fake: no reply queued' } }, 500);
}

/** A JSON fixture with changes. */
export function fixtureWith(provider: string, name: string, change: (json: any) => void): any {
  const json = fixtureJson(provider, name);
  change(json);
  return json;
}

/** An OpenAI-compatible chat answer (`chat.json` of the provider) whose message content is `content`. */
export const chatJsonWith = (provider: string, content: string) =>
  fixtureWith(provider, 'chat.json', (j) => (j.choices[0].message.content = content));

/** Anthropic's `text.json` whose only text block says `text`. */
export const anthropicTextWith = (text: string) => fixtureWith('anthropic', 'text.json', (j) => (j.content[0].text = text));

/** Anthropic's `thinking-tool.json` without its thinking block: text, then the get_weather call. */
export const anthropicToolCall = () => fixtureWith('anthropic', 'thinking-tool.json', (j) => (j.content = j.content.filter((b: any) => b.type !== 'thinking')));

/** Anthropic's recorded `text.sse` with its text deltas replaced by `pieces`, as the SSE body text. */
export function anthropicSseWithText(pieces: string[]): string {
  const events = fixtureText('anthropic', 'text.sse').split(/\n\n+/).filter((e) => e.trim());
  const isDelta = (e: string) => e.includes('"text_delta"');
  const first = events.findIndex(isDelta);
  const template = JSON.parse(/^data: (.*)$/m.exec(events[first]!)![1]!);
  const replaced = pieces.map((text) => `event: content_block_delta\ndata: ${JSON.stringify({ ...template, delta: { type: 'text_delta', text } })}`);
  return [...events.slice(0, first), ...replaced, ...events.slice(first).filter((e) => !isDelta(e))].map((e) => `${e}\n\n`).join('');
}

/** An SSE body sent as is. */
export const sseText = (body: string) => new Response(body, { headers: { 'content-type': 'text/event-stream; charset=utf-8' } });

/** The structured answer the tests ask for, and its wire text (the recorded Anthropic JSON output's content). */
export const CityFacts = z.object({ city: z.string(), population_millions: z.number() });
export const CITY_FACTS = { city: 'Paris', population_millions: 2.1 };
export const CITY_FACTS_TEXT = JSON.stringify(CITY_FACTS);

/** The JSON schema the SDK sends for CityFacts (strict: every property required, no others). */
export const CITY_FACTS_SCHEMA = {
  type: 'object',
  properties: { city: { type: 'string' }, population_millions: { type: 'number' } },
  required: ['city', 'population_millions'],
  additionalProperties: false,
};

/** The weather tool's parameters as the recorded calls use them (`unit` only in the Anthropic one). */
export const WeatherArgs = z.object({ city: z.string() });
export const WeatherArgsWithUnit = z.object({ city: z.string(), unit: z.enum(['c', 'f']) });
