/**
 * providerBaseUrl, the one function every base URL goes through (environment, stored values, admin
 * API, Providers page), as a table. The known-host rule is tested here only, on the pure function:
 * no test sends anything to a provider's real host.
 */
import { expect, test } from 'bun:test';
import { baseUrlChangeText, providerBaseUrl } from '../../src/providers/base-url/provider-base-url';
import type { ProviderId } from '../../src/providers/types';

const R = 'http://127.0.0.1:4000';
/** [provider, URL as set, URL calls use, the change names this (null: no change)] */
const CASES: [ProviderId, string, string, string | null][] = [
  // Anthropic: the gateway appends /v1/messages.
  ['anthropic', 'https://api.anthropic.com', 'https://api.anthropic.com', null],
  ['anthropic', 'https://api.anthropic.com/', 'https://api.anthropic.com', null],
  ['anthropic', 'https://api.anthropic.com/v1', 'https://api.anthropic.com', 'ends in /v1,'],
  ['anthropic', 'https://api.anthropic.com/v1/', 'https://api.anthropic.com', 'ends in /v1,'],
  ['anthropic', 'https://api.anthropic.com/v1/messages', 'https://api.anthropic.com', 'ends in /v1/messages,'],
  ['anthropic', `${R}/relay/anthropic/v1`, `${R}/relay/anthropic`, 'ends in /v1,'],
  ['anthropic', `${R}/v2`, `${R}/v2`, null],
  // Gemini (the earlier rule, through the same function).
  ['gemini', 'https://generativelanguage.googleapis.com/v1beta/openai/', 'https://generativelanguage.googleapis.com', 'ends in /v1beta/openai,'],
  ['gemini', 'https://generativelanguage.googleapis.com/v1beta/openai/chat/completions', 'https://generativelanguage.googleapis.com', 'ends in /v1beta/openai/chat/completions,'],
  ['gemini', 'https://generativelanguage.googleapis.com', 'https://generativelanguage.googleapis.com', null],
  // OpenAI-compatible: an endpoint the gateway appends is taken off, whatever the host.
  ['openai', 'https://api.openai.com/v1', 'https://api.openai.com/v1', null],
  ['openai', 'https://api.openai.com/v1/chat/completions', 'https://api.openai.com/v1', 'ends in /chat/completions,'],
  ['openai', 'https://api.openai.com/v1/responses', 'https://api.openai.com/v1', 'ends in /responses,'],
  ['openai', 'https://api.openai.com/v1/embeddings/', 'https://api.openai.com/v1', 'ends in /embeddings,'],
  ['openai', 'https://api.openai.com/v1/models', 'https://api.openai.com/v1', 'ends in /models,'],
  ['openai', 'https://api.openai.com/v1/images/generations', 'https://api.openai.com/v1', 'ends in /images/generations,'],
  ['openai', `${R}/openai/v1/chat/completions`, `${R}/openai/v1`, 'ends in /chat/completions,'],
  ['deepseek', 'https://api.deepseek.com/chat/completions', 'https://api.deepseek.com', 'ends in /chat/completions,'],
  ['moonshot', 'https://api.moonshot.ai/v1/chat/completions', 'https://api.moonshot.ai/v1', 'ends in /chat/completions,'],
  ['grok', 'https://api.x.ai/v1/responses', 'https://api.x.ai/v1', 'ends in /responses,'],
  ['ollama', 'http://localhost:11434/v1/chat/completions', 'http://localhost:11434/v1', 'ends in /chat/completions,'],
  // The provider's own host without its version: /v1 added (its API is served there only).
  ['openai', 'https://api.openai.com', 'https://api.openai.com/v1', "is OpenAI's own host without a path"],
  ['openai', 'https://api.openai.com/', 'https://api.openai.com/v1', "is OpenAI's own host"],
  ['openai', 'https://API.OpenAI.com', 'https://API.OpenAI.com/v1', "is OpenAI's own host"],
  ['openai', 'https://api.openai.com/chat/completions', 'https://api.openai.com/v1', 'what is left is OpenAI'],
  ['grok', 'https://api.x.ai', 'https://api.x.ai/v1', "is xAI's own host"],
  ['moonshot', 'https://api.moonshot.ai', 'https://api.moonshot.ai/v1', "is Moonshot's own host"],
  ['moonshot', 'https://api.moonshot.cn/', 'https://api.moonshot.cn/v1', "is Moonshot's own host"],
  ['ollama', 'http://localhost:11434', 'http://localhost:11434/v1', "is Ollama's port (11434) without a path"],
  ['ollama', 'http://127.0.0.1:11434/', 'http://127.0.0.1:11434/v1', "is Ollama's port"],
  ['ollama', 'http://[::1]:11434', 'http://[::1]:11434/v1', "is Ollama's port"],
  // Ollama on another host at its port: a Compose service, Docker's host, a GPU box on the LAN.
  ['ollama', 'http://ollama:11434', 'http://ollama:11434/v1', "is Ollama's port"],
  ['ollama', 'http://host.docker.internal:11434/', 'http://host.docker.internal:11434/v1', "is Ollama's port"],
  ['ollama', 'http://gpu-box:11434', 'http://gpu-box:11434/v1', "is Ollama's port"],
  // Its native API's base (ollama-js, LangChain's Ollama classes): its OpenAI API is under /v1.
  ['ollama', 'http://localhost:11434/api', 'http://localhost:11434/v1', 'ends in /api, the base of Ollama\'s native API'],
  ['ollama', 'http://gpu-box:11434/api/', 'http://gpu-box:11434/v1', 'ends in /api,'],
  ['ollama', 'http://localhost:11434/api/chat', 'http://localhost:11434/v1', 'ends in /api/chat,'],
  // DeepSeek serves its API with and without /v1: left as given (its beta URL is derived from either).
  ['deepseek', 'https://api.deepseek.com', 'https://api.deepseek.com', null],
  ['deepseek', 'https://api.deepseek.com/v1', 'https://api.deepseek.com/v1', null],
  // Never beyond the rules: another host, another port, another provider's host, a path of its own.
  ['openai', R, R, null],
  ['openai', 'https://api.openai.com:8443', 'https://api.openai.com:8443', null],
  ['openai', 'https://api.x.ai', 'https://api.x.ai', null],
  ['ollama', 'http://localhost:8080', 'http://localhost:8080', null],
  ['ollama', 'https://ollama.example.com', 'https://ollama.example.com', null],
  ['ollama', 'http://gpu-box:8080/api', 'http://gpu-box:8080/api', null],
  ['ollama', 'http://localhost:11434/ollama', 'http://localhost:11434/ollama', null],
  ['openai', 'https://api.openai.com/v1/completions', 'https://api.openai.com/v1/completions', null],
  ['openai', `${R}/v1/chat`, `${R}/v1/chat`, null],
  ['grok', `${R}/proxy/x`, `${R}/proxy/x`, null],
  ['mock', 'mock://local', 'mock://local', null],
];

for (const [id, given, url, change] of CASES) {
  test(`${id}: ${given} -> ${url}`, () => {
    const n = providerBaseUrl(id, given);
    expect(n.url).toBe(url);
    if (change === null) expect(n.change).toBeNull();
    else expect(n.change).toContain(change);
  });
}

test('the sentence names the provider, the URL as given, why, and the URL used', () => {
  const given = 'https://api.openai.com/v1/chat/completions';
  expect(baseUrlChangeText('openai', given, providerBaseUrl('openai', given))).toBe(
    'the base URL of provider openai (https://api.openai.com/v1/chat/completions) ends in /chat/completions, an endpoint the gateway appends itself ' +
      '({base}/chat/completions, /responses, /embeddings, /models); using https://api.openai.com/v1',
  );
});
