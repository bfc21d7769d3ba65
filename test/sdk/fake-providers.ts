/**
 * The setup most SDK tests share: fake OpenAI, DeepSeek and Anthropic upstreams (and Gemini when
 * asked) on 127.0.0.1 and a gateway whose providers reach them (closed after the file's tests).
 */
import { afterAll } from 'bun:test';
import { startFakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, useGateway, type GatewayOptions, type TestGateway } from '../helpers/start-gateway';

/** `options`: more of the gateway's options (its providers' variables are set here); `gemini` adds a fake Gemini. */
export function useFakeProviders(onReady: (gw: TestGateway) => void, options: Omit<GatewayOptions, 'env'> & { gemini?: boolean } = {}) {
  const { gemini, ...gatewayOptions } = options;
  const openaiUp = startFakeUpstream();
  const deepseekUp = startFakeUpstream();
  const anthropicUp = startFakeUpstream();
  const geminiUp = startFakeUpstream();
  useGateway(onReady, {
    ...gatewayOptions,
    env: {
      ...providerEnv('openai', `${openaiUp.url}/v1`),
      ...providerEnv('deepseek', deepseekUp.url),
      ANTHROPIC_API_KEY: 'sk-ant-test-0123456789',
      LLM_PROXY__PROVIDERS__ANTHROPIC__BASE_URL: anthropicUp.url,
      ...(gemini ? providerEnv('gemini', geminiUp.url) : {}),
    },
  });
  afterAll(() => {
    for (const f of [openaiUp, deepseekUp, anthropicUp, geminiUp]) f.close();
  });
  return { openaiUp, deepseekUp, anthropicUp, geminiUp };
}
