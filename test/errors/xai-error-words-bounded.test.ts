/**
 * xAI's error words (out of credit, a refused key, a content refusal, at capacity) are read from the
 * start of its message only: its messages are a sentence or two, and the out-of-credit pattern
 * (`team … used all available credits`) backtracked over the rest of the message from every
 * "team" in it, so an upstream's 16 KB 429 or 403 of "team team …" cost ~36 ms of the event loop
 * per answer (quadratic in the body; every key and fallback retry read one). Not timed: the words
 * past the start are shown to be left unread, which is what bounds the work.
 */
import { expect, test } from 'bun:test';
import { readErrorBody } from '../../src/providers/error-body';

const CREDITS = 'Your team 0f3c5a47-1d2e-4b6f-9a8c-7e5d4c3b2a10 has either used all available credits or reached its monthly spending limit. To continue making API requests, please purchase more credits or raise your spending limit.';
const body = (message: string) => JSON.stringify({ code: 'Some resource has been exhausted', error: message });

test("xAI's own out-of-credit 429 and 403 are still read as out of credit", () => {
  expect(readErrorBody('grok', 429, body(CREDITS)).outOfCredit).toBe(true);
  expect(readErrorBody('grok', 403, body("Your newly created team doesn't have any credits or licenses yet. You can purchase credits on https://console.x.ai/team/x.")).outOfCredit).toBe(true);
  expect(readErrorBody('grok', 429, body('The service is temporarily at capacity. Please retry your request shortly.')).overloaded).toBe(true);
});

test("the words are looked for in the message's first 512 characters, not through 16 KB of an upstream's text", () => {
  const padded = `${'team '.repeat(400)}${CREDITS}`;
  expect(readErrorBody('grok', 429, body(padded)).outOfCredit).toBe(false);
  expect(readErrorBody('grok', 429, body(`${'x'.repeat(600)} temporarily at capacity`)).overloaded).toBe(false);
  // The body's message itself is kept whole for the client's error (cut to 1,000 characters there).
  expect(readErrorBody('grok', 429, body(padded)).message).toBe(padded);
});
