import { createOpenAICompatibleAdapter } from '../openai-compatible/create-openai-compatible-adapter';
import { mockTransport } from './mock-transport';

/** `mock/*`: answered locally (echo), for trying a fresh install and for load tests. */
export const mockAdapter = createOpenAICompatibleAdapter({
  id: 'mock',
  defaultBaseUrl: 'mock://local',
  transport: mockTransport,
});
