import { createOpenAICompatibleAdapter } from '../openai-compatible/create-openai-compatible-adapter';
import { mockTransport } from './mock-transport';
import { PROVIDER_CATALOG } from '../provider-catalog';

/**
 * `mock/*`: answered locally (echo), for trying a fresh install and for load tests. Latency and
 * stream chunk count come from config; a request may override them with the extra body fields
 * `mock_latency_ms` / `mock_chunks`.
 */
export const mockAdapter = createOpenAICompatibleAdapter({
  id: 'mock',
  defaultBaseUrl: PROVIDER_CATALOG.mock.defaultBaseUrl,
  transport: mockTransport,
  transformRequestBody(body, { deps }) {
    body.mock_latency_ms ??= deps.mock?.latencyMs ?? 0;
    body.mock_chunks ??= deps.mock?.chunks ?? 5;
    return body;
  },
});
