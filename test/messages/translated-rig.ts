/**
 * The rig of the /v1/messages tests against the translated providers: one fake upstream per
 * OpenAI-compatible provider and Gemini, replaying each one's recorded wire shapes (a stream
 * request gets the recording, a JSON one the recording folded into its answer), a loopback image
 * host, and a gateway driven by the official @anthropic-ai/sdk.
 */
import { afterAll, beforeAll } from 'bun:test';
import type Anthropic from '@anthropic-ai/sdk';
import { jsonResponse, readChunks, sseResponse, startFakeUpstream, type FakeHandler, type FakeUpstream, type RecordedRequest } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { anthropicClient, folded, PNG_BASE64 } from './messages-helpers';

export const TRANSLATED = ['openai', 'deepseek', 'moonshot', 'grok', 'ollama', 'gemini'] as const;
export type TranslatedId = (typeof TRANSLATED)[number];

export interface TranslatedRig {
  fakes: Map<TranslatedId, FakeUpstream>;
  gw: TestGateway;
  client: Anthropic;
  images: ReturnType<typeof Bun.serve>;
  /** The provider's fake answers with the recording `name` from now on (see `recording`). */
  play: (id: TranslatedId, name: string) => void;
}

/** Whether the call to the fake is a streamed one (Gemini says so by its path). */
export const streamed = (id: TranslatedId, rec: RecordedRequest) => (id === 'gemini' ? rec.path.includes(':streamGenerateContent') : rec.body?.stream === true);

/** A handler answering a stream request with `name` and a JSON one with its fold. */
export const recording = (id: TranslatedId, name: string): FakeHandler => (_req, rec) =>
  streamed(id, rec) ? sseResponse(readChunks(id, name)) : jsonResponse(folded(id, name));

/** Starts the rig before the file's tests (then hands it to `ready`), stops it after them. */
export function useTranslatedRig(ready: (rig: TranslatedRig) => void): void {
  let rig: TranslatedRig;
  beforeAll(async () => {
    const images = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response(Buffer.from(PNG_BASE64, 'base64'), { headers: { 'content-type': 'image/png' } }) });
    let env: Record<string, string> = { LLM_PROXY__SECURITY__IMAGE_URL_ALLOW_HOSTS: '127.0.0.1' };
    const fakes = new Map<TranslatedId, FakeUpstream>();
    for (const id of TRANSLATED) {
      const fake = startFakeUpstream(recording(id, 'text.chunks.txt'));
      fakes.set(id, fake);
      env = { ...env, ...providerEnv(id, id === 'gemini' ? fake.url : `${fake.url}/v1`) };
    }
    const gw = await startGateway({ env });
    const play = (id: TranslatedId, name: string) => (fakes.get(id)!.handler = recording(id, name));
    rig = { fakes, gw, client: anthropicClient(gw), images, play };
    ready(rig);
  });
  afterAll(async () => {
    await rig.gw.close();
    for (const f of rig.fakes.values()) f.close();
    rig.images.stop(true);
  });
}
