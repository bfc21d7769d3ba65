/**
 * The rig of the /v1/messages tests against the `anthropic` provider: a fake Anthropic upstream
 * replaying recorded wire shapes, a fake OpenAI one (for groups mixing both), a loopback image
 * host, and a gateway with the groups `claude-then-gpt` and `gpt-then-claude`, driven by the
 * official @anthropic-ai/sdk. Plus the folds that compare streamed and JSON answers.
 */
import { afterAll, afterEach, beforeAll } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { modelGroups } from '../../src/db/schema';
import { fixtureText, jsonResponse, readChunks, sseResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { anthropicSse } from '../anthropic/fake-anthropic';
import { anthropicClient, foldChatChunks, parseSse, PNG_BASE64 } from './messages-helpers';

/** The gateway's own Anthropic key (ANTHROPIC_API_KEY). */
export const KEY = 'sk-ant-test-0123456789';

/** A small Messages request to the `anthropic` model, and the request id Anthropic's error answers carry (a real one's shape). */
export const REQ = { model: 'claude-sonnet-4-5', max_tokens: 50, messages: [{ role: 'user' as const, content: 'Hi' }] };
export const ANTHROPIC_REQUEST_ID = 'req_011CSHoEeqs5C35K2UUqR7Fz';

export interface AnthropicRig {
  fake: FakeUpstream;
  openai: FakeUpstream;
  gw: TestGateway;
  client: Anthropic;
  images: ReturnType<typeof Bun.serve>;
  /** The fake answers a stream request with `name`.sse and a JSON one with its fold. */
  pair: (name: string) => () => void;
}

/** Starts the rig before the file's tests (then hands it to `ready`), stops it after them. */
export function useAnthropicRig(ready: (rig: AnthropicRig) => void): void {
  let rig: AnthropicRig;
  beforeAll(async () => {
    const fake = startFakeUpstream();
    const images = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response(Buffer.from(PNG_BASE64, 'base64'), { headers: { 'content-type': 'image/png' } }) });
    const chunks = readChunks('openai', 'text.chunks.txt');
    const openai = startFakeUpstream((_r, rec) => (rec.body?.stream ? sseResponse(chunks) : jsonResponse(foldChatChunks(chunks))));
    const gw = await startGateway({
      env: {
        ANTHROPIC_API_KEY: KEY, LLM_PROXY__PROVIDERS__ANTHROPIC__BASE_URL: fake.url, ...providerEnv('openai', `${openai.url}/v1`),
        LLM_PROXY__SECURITY__IMAGE_URL_ALLOW_HOSTS: '127.0.0.1',
      },
    });
    const now = Date.now();
    gw.ctx.db.insert(modelGroups).values({ name: 'claude-then-gpt', strategy: 'heuristic', targets: ['claude-sonnet-4-5', 'openai/gpt-4o-mini'], updatedAt: now }).run();
    gw.ctx.db.insert(modelGroups).values({ name: 'gpt-then-claude', strategy: 'heuristic', targets: ['openai/gpt-4o-mini', 'claude-sonnet-4-5'], updatedAt: now }).run();
    gw.ctx.state.reload();
    const pair = (name: string) => () => {
      fake.handler = (_r, rec) => (rec.body?.stream ? anthropicSse(`${name}.sse`) : jsonResponse(foldSse(`${name}.sse`)));
    };
    rig = { fake, openai, gw, client: anthropicClient(gw), images, pair };
    ready(rig);
  });
  afterAll(async () => {
    await rig.gw.close();
    rig.fake.close();
    rig.openai.close();
    rig.images.stop(true);
  });
  // The error tests fail the anthropic target on purpose: each test starts with closed circuits.
  afterEach(() => (rig.gw.ctx.breakers as unknown as { reset(): void }).reset());
}

/** Anthropic's SSE folded into the message the same upstream answers without streaming. */
export function foldSse(name: string): any {
  const events = parseSse(fixtureText('anthropic', name));
  const message = structuredClone(events[0].message);
  const partial: string[] = [];
  for (const e of events) {
    if (e.type === 'content_block_start') {
      message.content[e.index] = structuredClone(e.content_block);
      partial[e.index] = '';
    } else if (e.type === 'content_block_delta') {
      const b = message.content[e.index];
      const d = e.delta;
      if (d.type === 'text_delta') b.text += d.text;
      else if (d.type === 'thinking_delta') b.thinking += d.thinking;
      else if (d.type === 'signature_delta') b.signature += d.signature;
      else if (d.type === 'input_json_delta') partial[e.index] += d.partial_json;
    } else if (e.type === 'content_block_stop') {
      const b = message.content[e.index];
      if (b.type === 'tool_use' && partial[e.index]) b.input = JSON.parse(partial[e.index]!);
    } else if (e.type === 'message_delta') {
      Object.assign(message, e.delta);
      message.usage = { ...message.usage, ...e.usage };
    }
  }
  return message;
}

/** An SDK message as plain JSON, without the SDK's own slots (request ids, parse and JSON buffers). */
const SDK_SLOTS = new Set(['_request_id', '_workspace_id', 'parsed_output', '__json_buf']);
export const plain = (m: unknown): any => JSON.parse(JSON.stringify(m, (k, v) => (SDK_SLOTS.has(k) ? undefined : v)));

export const bodyOf = (r: { model: string }) => ({ ...r, model: 'claude-sonnet-4-5' });
export const idOf = (res: Response) => res.headers.get('x-request-id')!;
