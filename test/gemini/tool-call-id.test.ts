import { describe, expect, test } from 'bun:test';
import fc from 'fast-check';
import { makeToolCallId, signatureFromToolCallId } from '../../src/providers/gemini/tool-call-id';

describe('tool call ids carry the thought signature', () => {
  test('any signature round-trips through the id, and the id stays [A-Za-z0-9_-]', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 2048 }), (bytes) => {
        const sig = Buffer.from(bytes).toString('base64');
        const id = makeToolCallId(sig);
        expect(id).toMatch(/^call_[A-Za-z0-9_-]+$/);
        expect(signatureFromToolCallId(id)).toBe(sig);
      }),
    );
  });

  test('ids without a signature, and foreign ids, carry none', () => {
    expect(signatureFromToolCallId(makeToolCallId())).toBeUndefined();
    expect(signatureFromToolCallId('call_abc123')).toBeUndefined();
    expect(signatureFromToolCallId('toolu_01A09q90qw90lq917835lq9')).toBeUndefined();
    expect(signatureFromToolCallId('x__ts_not base64!')).toBeUndefined();
  });

  test('ids are unique', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => makeToolCallId()));
    expect(ids.size).toBe(1000);
  });
});
