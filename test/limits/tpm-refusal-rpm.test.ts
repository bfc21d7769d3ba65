/**
 * A request refused by TPM (the key's own window or its team's; too large, or waiting for room)
 * counts against no RPM: the next request's x-ratelimit-remaining-requests (OpenAI's names and
 * Anthropic's) goes on from the last admitted one. The official clients over real HTTP.
 */
import { expect, setDefaultTimeout, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { apiError } from '../helpers/start-gateway';
import { chatBody, chatFixtures, limitedClient, makeTeam, useLimitsRig } from './limits-helpers';

setDefaultTimeout(30_000);

const rig = useLimitsRig((r) => (r.fake.handler = chatFixtures));

const remaining = (h: Headers | undefined) => h?.get('x-ratelimit-remaining-requests');

for (const where of ['key', 'team'] as const) {
  test(`refused by the ${where}'s TPM, too large or waiting for room, on chat and messages: no request of the RPM is spent`, async () => {
    rig().clock.now += 120_000; // windows of earlier tests are gone
    const team = await makeTeam(rig().gw, { name: `tpm-rpm-${where}`, tpm: where === 'team' ? 100 : 1_000_000 });
    const c = await limitedClient(rig().gw, `tpm-rpm-${where}`, { teamId: team, rpm: 5, tpm: where === 'key' ? 100 : 1_000_000 });
    const openai = rig().gw.openai(c.key);
    const anthropic = new Anthropic({ apiKey: c.key, baseURL: rig().gw.url, maxRetries: 0 });
    // 28 tokens settled (the fixture's 19 + 9): 72 of the 100 left.
    const first = await openai.chat.completions.create(chatBody()).withResponse();
    expect(remaining(first.response.headers)).toBe('4');
    const refusals = [
      await apiError(openai.chat.completions.create(chatBody('lim-model', { max_tokens: 500 }))), // too large
      await apiError(openai.chat.completions.create(chatBody('lim-model', { max_tokens: 50 }))), // waits for room
      await anthropic.messages.create({ model: 'lim-model', max_tokens: 1000, messages: [{ role: 'user', content: 'x'.repeat(600) }] }).catch((e) => e),
    ];
    for (const err of refusals) {
      expect(err.status).toBe(429);
      expect(err.message).toContain(`for ${where} 'tpm-rpm-${where}'`);
      expect(remaining(err.headers)).toBe('4');
    }
    expect((refusals[0] as InstanceType<typeof OpenAI.APIError>).code).toBe('rate_limit_exceeded');
    expect(refusals.map((e) => e.headers.get('retry-after') !== null)).toEqual([false, true, false]);
    expect(refusals[2]).toBeInstanceOf(Anthropic.RateLimitError);
    expect(refusals[2].headers.get('anthropic-ratelimit-requests-remaining')).toBe('4');
    for (const err of refusals) expect((await rig().gw.waitForRow(err.headers.get('x-request-id'))).errorType).toBe('rate_limit_exceeded');
    const next = await openai.chat.completions.create(chatBody()).withResponse();
    expect(remaining(next.response.headers)).toBe('3');
  });
}
