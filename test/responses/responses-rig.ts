/**
 * The set-up the /v1/responses files share: fake OpenAI, DeepSeek and Gemini upstreams answering
 * from a `replies` table (keyed `<provider> <path><search>`), the gateway pointed at them, and the
 * fixture readers and event checks their tests use.
 */
import { afterAll, expect } from 'bun:test';
import type OpenAI from 'openai';
import { EVENT_SCHEMAS, schemaErrors } from './openai-schema';
import { fixtureText, jsonResponse, sseEventsResponse as sse, startFakeUpstream, type RecordedRequest } from '../helpers/fake-upstream';
import { providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';

export type Reply = (s: RecordedRequest) => Response | Promise<Response>;

/** Starts the three fake upstreams and the gateway; `ready` gets the gateway once it listens. */
export function useResponsesRig(ready: (gw: TestGateway) => unknown) {
  const replies: Record<string, Reply> = {};
  const reply = (name: string) => (s: RecordedRequest) => replies[name]?.(s) ?? jsonResponse({ error: { message: `no reply for ${name}` } }, 500);
  const openai = startFakeUpstream((_req, s) => reply(`openai ${s.path}${s.search}`)(s));
  const deepseek = startFakeUpstream((_req, s) => reply(`deepseek ${s.path}${s.search}`)(s));
  const gemini = startFakeUpstream((_req, s) => reply(`gemini ${s.path}${s.search}`)(s));
  useGateway(ready, {
    env: {
      ...providerEnv('openai', `${openai.url}/v1`, { LLM_PROXY__PROVIDERS__OPENAI__API_KEY: 'sk-test-openai' }),
      ...providerEnv('deepseek', deepseek.url, { LLM_PROXY__PROVIDERS__DEEPSEEK__API_KEY: 'sk-test-deepseek' }),
      ...providerEnv('gemini', gemini.url, { LLM_PROXY__PROVIDERS__GEMINI__API_KEY: 'gm-test-key' }),
    },
  });
  afterAll(() => {
    for (const f of [openai, deepseek, gemini]) f.close();
  });
  return { replies, openai, deepseek, gemini };
}

export const fixture = async (name: string) => fixtureText('responses', name);
export const lines = async (name: string) => (await fixture(name)).trim().split('\n');
/** A chat upstream's SSE from a `*.chunks.txt` fixture, ending like OpenAI-compatible APIs do. */
export const chatSse = async (name: string) => sse([...(await lines(name)).map((data) => ({ data })), { data: '[DONE]' }]);

/** Every event numbered in order and valid against OpenAI's schema for its type. */
export function expectValidEvents(events: any[]) {
  events.forEach((e, i) => {
    expect(e.sequence_number).toBe(i);
    expect(schemaErrors(EVENT_SCHEMAS[e.type]!, e)).toEqual([]);
  });
}

/** The gateway with `env`, its client key's SDK (`client`) and another key's (`other`), filled once it listens. */
export function useOwnerAndOther(env: Record<string, string>) {
  const rig = {} as { gw: TestGateway; client: OpenAI; other: OpenAI };
  useGateway(
    (gw) => Object.assign(rig, { gw, client: gw.openai(), other: gw.openai(gw.addClient('another key').key) }),
    { env },
  );
  return rig;
}
