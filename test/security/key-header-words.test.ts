/**
 * The 401's words name the header the key came in, and HTTP's whitespace around a bearer key is
 * spaces and tabs only: a no-break space (U+00A0, which JavaScript's \s takes) makes the header malformed.
 */
import { describe, expect, test } from 'bun:test';
import { authenticateClient } from '../../src/auth/client-auth';
import { bearerOf } from '../../src/auth/authenticate';
import { ApiError } from '../../src/errors/api-error';
import type { RuntimeSnapshot } from '../../src/state/snapshot-types';

const snap = { clientsByKeyHash: new Map() } as unknown as RuntimeSnapshot;
const refusal = (authorization: string | null, header?: string) => {
  try {
    authenticateClient(snap, authorization, undefined, header);
  } catch (err) {
    return (err as ApiError).message;
  }
  throw new Error('not refused');
};

describe('client key headers', () => {
  test('the refusal names the header the key came in', () => {
    expect(refusal('Bearer a, b', 'x-api-key')).toStartWith('Malformed x-api-key header');
    expect(refusal('Basic abc')).toStartWith('Malformed Authorization header');
    expect(refusal(null)).toStartWith('Missing API key');
    expect(refusal('Bearer gg-unknown')).toBe('Incorrect or revoked API key.');
  });

  test('a no-break space is not whitespace around a bearer key; spaces and tabs are', () => {
    expect(refusal('Bearer\u00a0gg-unknown')).toStartWith('Malformed Authorization header');
    expect(refusal('Bearer gg-unknown\u00a0')).toStartWith('Malformed Authorization header');
    expect(refusal('Bearer \tgg-unknown\t ')).toBe('Incorrect or revoked API key.');
    const req = (h: string) => new Request('http://127.0.0.1/', { headers: { authorization: h } });
    expect(bearerOf(req('Bearer\u00a0tok'))).toBeUndefined();
    expect(bearerOf(req('Bearer tok\u00a0'))).toBeNull();
    expect(bearerOf(req('Bearer \ttok'))).toBe('tok');
  });
});
