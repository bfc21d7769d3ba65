/**
 * Allow-lists and Claude aliases on /v1/messages: while Anthropic cannot serve a Claude name (the
 * provider off), it goes to the seeded tier of its family (`fast-flow`, `heavy-logic`: other
 * providers' models). A key allowed only Anthropic's models, or one Claude id, was served by that
 * tier (a list bypass); what is served must be allowed. Through the official Anthropic client.
 */
import { afterAll, beforeAll, expect, test, setDefaultTimeout } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { anthropicClient } from '../messages/messages-helpers';
import { limitedClient, startLimitsRig, type LimitsRig } from './limits-helpers';

setDefaultTimeout(30_000);

let rig: LimitsRig;
beforeAll(async () => (rig = await startLimitsRig()), 30_000);
afterAll(() => rig.close());

const ask = (key: string, model: string) =>
  anthropicClient(rig.gw, key).messages.create({ model, max_tokens: 10, messages: [{ role: 'user', content: 'Hello' }] });

test('a key allowed anthropic/* or one Claude id is refused the tier its Claude name falls to while Anthropic is off: 403, nothing sent', async () => {
  const anthropicOnly = await limitedClient(rig.gw, 'anthropic-only', { models: ['anthropic/*'] });
  const oneClaude = await limitedClient(rig.gw, 'one-claude', { models: ['claude-haiku-4-5-20251001', 'anthropic/claude-opus-4-1'] });
  const before = rig.fake.requests.length;
  for (const [key, model] of [
    [anthropicOnly.key, 'anthropic/claude-haiku-4-5'],
    [anthropicOnly.key, 'anthropic/claude-opus-4-1'],
    [oneClaude.key, 'claude-haiku-4-5-20251001'],
    [oneClaude.key, 'anthropic/claude-opus-4-1'],
  ] as const) {
    const err = await ask(key, model).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.PermissionDeniedError);
    const e = err as InstanceType<typeof Anthropic.PermissionDeniedError>;
    expect((e.error as any).error).toMatchObject({ type: 'permission_error', message: expect.stringContaining(`'${model}' is not allowed`) });
    expect(await rig.gw.waitForRow(e.headers.get('x-request-id')!)).toMatchObject({ endpoint: 'messages', status: 403, errorType: 'model_not_allowed', costUsd: 0 });
  }
  expect(rig.fake.requests.length).toBe(before);
});

test('the tier itself in the list serves the Claude name, as before', async () => {
  const withTier = await limitedClient(rig.gw, 'with-tier', { models: ['anthropic/*', 'fast-flow'] });
  const { data, response } = await ask(withTier.key, 'anthropic/claude-haiku-4-5').withResponse();
  expect(data.type).toBe('message');
  expect(response.headers.get('x-gophergate-route')).toStartWith('fast-flow>');
});
