import { describe, expect, test } from 'bun:test';
import fc from 'fast-check';
import { geminiIdFromToolCallId, makeToolCallId, signatureFromToolCallId } from '../../src/providers/gemini/tool-call-id';

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

  test("Gemini's own call id (any text) round-trips beside the signature or alone; the id stays [A-Za-z0-9_-]", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 64, unit: 'grapheme' }), fc.option(fc.uint8Array({ minLength: 1, maxLength: 256 })), (callId, bytes) => {
        const sig = bytes ? Buffer.from(bytes).toString('base64') : undefined;
        const id = makeToolCallId(sig, callId);
        expect(id).toMatch(/^call_[A-Za-z0-9_-]+$/);
        expect(geminiIdFromToolCallId(id)).toBe(callId);
        expect(signatureFromToolCallId(id)).toBe(sig);
      }),
    );
    expect(geminiIdFromToolCallId(makeToolCallId('c2ln'))).toBeUndefined();
    expect(geminiIdFromToolCallId(makeToolCallId(undefined, 'x'.repeat(257)))).toBeUndefined();
    expect(geminiIdFromToolCallId('toolu_01A09q90qw90lq917835lq9')).toBeUndefined();
    expect(geminiIdFromToolCallId('my__fc_6162')).toBeUndefined();
  });

  test('ids are unique', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => makeToolCallId()));
    expect(ids.size).toBe(1000);
  });
});
