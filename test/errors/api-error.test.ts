import { describe, expect, test } from 'bun:test';
import { ApiError, toErrorResponse, UpstreamError } from '../../src/errors/api-error';

describe('ApiError', () => {
  test('takes an options object; left-out fields get the defaults of OpenAI\'s shape', () => {
    const e = new ApiError({ status: 429, message: 'slow down', type: 'rate_limit_error', code: 'rate_limited', headers: { 'retry-after': '3' } });
    expect([e.status, e.message, e.type, e.code, e.param, e.headers]).toEqual([429, 'slow down', 'rate_limit_error', 'rate_limited', null, { 'retry-after': '3' }]);
    expect(e.toBody()).toEqual({ error: { message: 'slow down', type: 'rate_limit_error', param: null, code: 'rate_limited' } });
    const d = new ApiError({ status: 400, message: 'bad' });
    expect([d.type, d.code, d.param, d.headers]).toEqual(['invalid_request_error', null, null, {}]);
  });

  test('ApiError.from keeps an ApiError (subclasses too) and hides anything else behind a 500', () => {
    const up = new UpstreamError('openai', 503, 'down', true);
    expect(ApiError.from(up)).toBe(up);
    const hidden = ApiError.from(new Error('secret path /etc/x'));
    expect(hidden.toBody()).toEqual({ error: { message: 'Internal gateway error.', type: 'api_error', param: null, code: 'internal_error' } });
    expect(hidden.status).toBe(500);
    expect(toErrorResponse('boom')).toEqual({ status: 500, body: hidden.toBody(), headers: {} });
  });
});
