/** The Providers page's connection-test refusals in words: the upstream's message, not its JSON; the host refused, not the runtime's phrase. */
import { describe, expect, test } from 'bun:test';
import { noAnswerText, upstreamRefusalText } from '../../src/admin/provider-test-text';

describe('upstreamRefusalText', () => {
  test.each([
    [401, '{"error":{"message":"Incorrect API key provided: sk-wr***op.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}', 'HTTP 401: Incorrect API key provided: sk-wr***op.'],
    [400, '[{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT"}}]', 'HTTP 400: API key not valid. Please pass a valid API key.'],
    [401, '{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}', 'HTTP 401: invalid x-api-key'],
    [404, '{"error":"model list not found"}', 'HTTP 404: model list not found'],
    [403, '{"detail":"Forbidden"}', 'HTTP 403: Forbidden'],
    [502, '<html><body><h1>502 Bad Gateway</h1></body></html>', 'HTTP 502, a web page rather than an API answer: is the base URL right?'],
    [500, 'upstream broke', 'HTTP 500: upstream broke'],
    [503, '', 'HTTP 503'],
    [418, '{"error":{"code":7}}', 'HTTP 418: {"error":{"code":7}}'],
  ])('HTTP %p %p -> %p', (status, body, text) => expect(upstreamRefusalText(status, body)).toBe(text));
});

describe('noAnswerText', () => {
  test('a closed port, a name that does not resolve, a timeout, anything else', () => {
    const refused = Object.assign(new TypeError('ECONNREFUSED: Unable to connect. Is the computer able to access the url?'), { code: 'ECONNREFUSED' });
    expect(noAnswerText(refused, 'http://localhost:11434/v1/models', 5000)).toBe('connection refused at localhost:11434 (is the server running there?)');
    const dns = Object.assign(new TypeError('getaddrinfo ENOTFOUND api.example.invalid'), { code: 'ENOTFOUND' });
    expect(noAnswerText(dns, 'https://api.example.invalid/v1/models', 5000)).toBe('no such host: api.example.invalid (the name does not resolve)');
    expect(noAnswerText(new DOMException('timed out', 'TimeoutError'), 'https://x.test/models', 5000)).toBe('no answer within 5000 ms');
    expect(noAnswerText(new Error('certificate has expired'), 'https://x.test/models', 5000)).toBe('certificate has expired');
  });
});
