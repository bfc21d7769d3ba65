/**
 * The set-up the document-by-URL tests share (/v1/messages documents, /v1/responses `input_file`
 * by `file_url`): a loopback PDF host (pdf-host.ts) serving a two-page PDF, fake OpenAI, Gemini,
 * DeepSeek and Anthropic upstreams replaying recorded shapes, and a gateway pointed at them that
 * allows 127.0.0.1 for downloads (LLM_PROXY__SECURITY__IMAGE_URL_ALLOW_HOSTS).
 */
import { afterAll } from 'bun:test';
import { fixtureJson, jsonResponse, startFakeUpstream, type FakeHandler } from '../helpers/fake-upstream';
import { makePdf } from '../helpers/make-pdf';
import { startPdfHost } from '../helpers/pdf-host';
import { providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';
import { recording } from './translated-rig';

export const PDF = makePdf(2);
export const PDF_BASE64 = PDF.toString('base64');

/** `openai`: how the OpenAI fake answers (default: a chat completion, streamed or not). */
export function useDocumentUrlRig(ready: (gw: TestGateway) => void, opts: { openai?: FakeHandler } = {}) {
  const docs = startPdfHost(PDF);
  const openai = startFakeUpstream(opts.openai ?? recording('openai', 'text.chunks.txt'));
  const gemini = startFakeUpstream(recording('gemini', 'text.chunks.txt'));
  const deepseek = startFakeUpstream(recording('deepseek', 'text.chunks.txt'));
  const anthropic = startFakeUpstream(() => jsonResponse(fixtureJson('anthropic', 'text.json')));
  const fakes = [openai, gemini, deepseek, anthropic];
  useGateway(ready, {
    env: {
      ...providerEnv('openai', `${openai.url}/v1`),
      ...providerEnv('gemini', gemini.url),
      ...providerEnv('deepseek', `${deepseek.url}/v1`),
      ANTHROPIC_API_KEY: 'sk-ant-doc-urls-0123456789',
      LLM_PROXY__PROVIDERS__ANTHROPIC__BASE_URL: anthropic.url,
      LLM_PROXY__SECURITY__IMAGE_URL_ALLOW_HOSTS: '127.0.0.1',
    },
  });
  afterAll(() => {
    for (const f of fakes) f.close();
    docs.stop();
  });
  /** How many requests each upstream got: a refusal is proven by none more. */
  const sent = () => fakes.map((f) => f.requests.length);
  return { docs, openai, gemini, deepseek, anthropic, sent };
}
