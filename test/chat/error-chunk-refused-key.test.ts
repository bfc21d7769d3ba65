/**
 * An OpenAI-compatible upstream's error chunk stating 401 or 403 (OpenRouter's and vLLM's numeric
 * `code`: "User not found.", a key without access) is the provider refusing the gateway's key, as
 * the same status answered over HTTP is (upstream-errors.ts): the client gets a 502, never the
 * 401 or 403 that its SDK reads as its own key refused (Claude Code asks to sign in again, the
 * OpenAI SDK raises AuthenticationError), whatever endpoint it called; the row says 502.
 */
import { afterEach, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { sseResponse } from '../helpers/fake-upstream';
import { apiError } from '../helpers/start-gateway';
import { useTranslatedRig, type TranslatedRig } from '../messages/translated-rig';

let rig: TranslatedRig;
useTranslatedRig((r) => (rig = r));
afterEach(() => (rig.gw.ctx.breakers as unknown as { reset(): void }).reset());

const CHUNKS = [
  { error: { code: 401, message: 'User not found.' } },
  { error: { message: 'Key lacks access to this model', type: 'None', param: 'None', code: '403' } },
];

for (const chunk of CHUNKS) {
  test(`a first error chunk ${JSON.stringify(chunk).slice(0, 60)}…: 502 on chat and messages, not the client's key refused`, async () => {
    rig.fakes.get('deepseek')!.handler = () => sseResponse([JSON.stringify(chunk)]);
    const chat = await apiError(rig.gw.openai().chat.completions.create({ model: 'deepseek/deepseek-chat', stream: true, messages: [{ role: 'user', content: 'Hi' }] }));
    expect(chat).toBeInstanceOf(OpenAI.APIError);
    expect(chat).not.toBeInstanceOf(OpenAI.AuthenticationError);
    expect(chat).not.toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(chat.status).toBe(502);
    expect(await rig.gw.waitForRow(chat)).toMatchObject({ endpoint: 'chat', provider: 'deepseek', status: 502 });

    const messages = await rig.client.messages.create({ model: 'deepseek/deepseek-chat', max_tokens: 50, stream: true, messages: [{ role: 'user', content: 'Hi' }] }).catch((e) => e);
    expect(messages).toBeInstanceOf(Anthropic.APIError);
    expect(messages.status).toBe(502);
    expect(await rig.gw.waitForRow(messages.requestID)).toMatchObject({ endpoint: 'messages', provider: 'deepseek', status: 502 });
  });
}
