import { describe, expect, test } from 'bun:test';
import { dropUnsignedThinking } from '../../src/providers/anthropic/unsigned-thinking';

const SIG = 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds7J3yjlj2ZH46mbQ3wsN/xzYv1ZKflJ8jAWU/PCyy2mbRAZmVJmWFY4z==';

describe('dropUnsignedThinking (before a native Anthropic call)', () => {
  test('a body with only signed thinking is the same object', () => {
    const body = {
      model: 'm', thinking: { type: 'enabled', budget_tokens: 1024 },
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 't', signature: SIG }, { type: 'redacted_thinking', data: 'abc' }, { type: 'text', text: 'x' }] },
        { role: 'user', content: [{ type: 'thinking', thinking: 'user turns are not touched', signature: '' }] },
      ],
    };
    expect(dropUnsignedThinking(body)).toBe(body);
  });

  test('empty, missing or non-base64 signatures and data-less redacted blocks go; a turn left empty goes; the rest is kept', () => {
    const tool = { type: 'tool_use', id: 'call_1', name: 'f', input: {} };
    const body = {
      model: 'm', stream: true,
      messages: [
        { role: 'user', content: 'a' },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'x', signature: '' }, { type: 'thinking', thinking: 'y' }, tool] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_1', content: 'ok' }] },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'only reasoning', signature: 'not a signature!' }, { type: 'redacted_thinking', data: '' }] },
        { role: 'user', content: 'b' },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'z', signature: SIG }, { type: 'text', text: 'signed' }] },
      ],
    };
    const before = structuredClone(body);
    expect(dropUnsignedThinking(body)).toEqual({
      model: 'm', stream: true,
      messages: [
        { role: 'user', content: 'a' },
        { role: 'assistant', content: [tool] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_1', content: 'ok' }] },
        { role: 'user', content: 'b' },
        body.messages[5],
      ],
    });
    expect(body).toEqual(before); // the client's body is not changed in place
  });
});
