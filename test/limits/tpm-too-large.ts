/**
 * A request whose tokens exceed the whole TPM is refused as too large (429, no retry-after), and
 * its message says what was counted: the prompt's estimate from the body's size, plus the output
 * the request's own field asked (max_tokens, max_output_tokens), or, for one naming no cap, no
 * max_tokens at all (its default allowance is counted only as far as the window has room). Run on
 * either counters.
 */
import { expect } from 'bun:test';
import { apiError } from '../helpers/start-gateway';
import { limitedClient, type LimitsRig } from './limits-helpers';

const hello = [{ role: 'user' as const, content: 'Hello' }];

/** The counted tokens and the prompt's estimate a too-large message names. */
function countsOf(message: string): { tokens: number; prompt: number } {
  const m = /it may use (\d+) tokens \(an estimate of (\d+) prompt tokens from the body's size/.exec(message);
  expect(m).not.toBeNull();
  return { tokens: Number(m![1]), prompt: Number(m![2]) };
}

export async function tooLargeNamesTheAskedField(rig: LimitsRig, name: string): Promise<void> {
  const c = await limitedClient(rig.gw, name, { tpm: 1_000 });
  const client = rig.gw.openai(c.key);
  const chat = await apiError(client.chat.completions.create({ model: 'lim-model', messages: hello, max_tokens: 5_000 }));
  expect(chat.status).toBe(429);
  expect(chat.headers!.get('retry-after')).toBeNull();
  expect(chat.message).toContain('plus 5000 output tokens for its max_tokens), the limit is 1000 tokens per minute. Send a smaller request or a lower max_tokens.');
  const counted = countsOf(chat.message);
  expect(counted.tokens).toBe(counted.prompt + 5_000);
  expect(counted.prompt).toBeGreaterThan(0);

  const modern = await apiError(client.chat.completions.create({ model: 'lim-model', messages: hello, max_completion_tokens: 4_000 }));
  expect(modern.message).toContain('plus 4000 output tokens for its max_completion_tokens), the limit is 1000 tokens per minute. Send a smaller request or a lower max_completion_tokens.');

  const responses = await apiError(client.responses.create({ model: 'lim-model', input: 'Hello', max_output_tokens: 3_000 }));
  expect(responses.status).toBe(429);
  expect(responses.message).toContain('plus 3000 output tokens for its max_output_tokens)');
  expect(responses.message).toEndWith('Send a smaller request or a lower max_output_tokens.');
}

export async function tooLargeWithoutMaxTokensSaysSo(rig: LimitsRig, name: string): Promise<void> {
  const c = await limitedClient(rig.gw, name, { tpm: 100 });
  const err = await apiError(rig.gw.openai(c.key).chat.completions.create({ model: 'lim-model', messages: [{ role: 'user', content: 'word '.repeat(400) }] }));
  expect(err.status).toBe(429);
  expect(err.headers!.get('x-should-retry')).toBe('false');
  expect(err.message).toContain("Request too large for key 'tpm-large-unasked': ");
  // Nothing was counted for an output the request never capped: the whole figure is the prompt's.
  const counted = countsOf(err.message);
  expect(counted.tokens).toBe(counted.prompt);
  expect(counted.prompt).toBeGreaterThan(100);
  expect(err.message).toContain("; it names no output cap, so no output is counted beyond the window's room), the limit is 100 tokens per minute. Send a smaller request.");
  expect(err.message).not.toContain('max_tokens');
}
