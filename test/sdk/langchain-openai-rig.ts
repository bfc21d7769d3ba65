/**
 * The set-up the LangChain `ChatOpenAI` / `OpenAIEmbeddings` files share: the fake upstreams
 * answering what a test sets in `answer`, a `ChatOpenAI` factory pointed at the gateway whose
 * fetch notes every `x-request-id`, and the stream and error readers their tests use.
 */
import { expect } from 'bun:test';
import { ChatOpenAI } from '@langchain/openai';
import type { AIMessageChunk } from '@langchain/core/messages';
import { jsonResponse, sseResponse, type RecordedRequest } from '../helpers/fake-upstream';
import type { TestGateway } from '../helpers/start-gateway';
import { useFakeProviders } from './fake-providers';
import { idRecorder } from './langchain-helpers';

export type Answer = (rec: RecordedRequest) => Response;
const noAnswer: Answer = () => jsonResponse({ error: { message: 'no answer set in this test' } }, 500);

/** Starts the fake upstreams and the gateway; `ready` gets the gateway once it listens. */
export function useLangChainOpenAIRig(ready: (gw: TestGateway) => void) {
  let gw: TestGateway;
  /** What each fake upstream answers, set by the test. */
  const answer: Record<'openai' | 'deepseek' | 'anthropic', Answer> = { openai: noAnswer, deepseek: noAnswer, anthropic: noAnswer };
  const { openaiUp: openai, deepseekUp: deepseek, anthropicUp: anthropic } = useFakeProviders((g) => ready((gw = g)));
  openai.handler = (_req, rec) => answer.openai(rec);
  deepseek.handler = (_req, rec) => answer.deepseek(rec);
  anthropic.handler = (_req, rec) => answer.anthropic(rec);

  const rec = idRecorder();
  const chat = (fields: ConstructorParameters<typeof ChatOpenAI>[0] = {}) =>
    new ChatOpenAI({
      model: 'gpt-4o-mini',
      apiKey: gw.clientKey,
      maxRetries: 0,
      timeout: 20_000,
      configuration: { baseURL: `${gw.url}/v1`, fetch: rec.fetch },
      ...fields,
    });
  return { openai, deepseek, anthropic, answer, rec, chat };
}

/** A JSON answer for a plain call and the SSE replay of `chunks` for a streamed one. */
export const chatAnswer = (json: unknown, chunks: string[]): Answer => (r) => (r.body?.stream ? sseResponse(chunks) : jsonResponse(json));

export async function collect(stream: AsyncIterable<AIMessageChunk>): Promise<{ message: AIMessageChunk; chunks: number }> {
  let message: AIMessageChunk | undefined;
  let chunks = 0;
  for await (const c of stream) {
    chunks++;
    message = message ? message.concat(c) : c;
  }
  if (!message) throw new Error('the stream yielded nothing');
  return { message, chunks };
}

/** The error a LangChain call must fail with: an Error carrying the HTTP status (fails the test on success). */
export async function lcError(p: Promise<unknown>): Promise<Error & { status?: number; code?: string; lc_error_code?: string }> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  if (err === null) throw new Error('expected the call to fail');
  expect(err).toBeInstanceOf(Error);
  return err as Error & { status?: number; code?: string; lc_error_code?: string };
}
