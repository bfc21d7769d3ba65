import { describe, expect, test } from 'bun:test';
import { dropUnsignedThinking } from '../../src/providers/anthropic/unsigned-thinking';
import { thinkingRefusal } from './fake-anthropic';

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

  describe('thinking on, and the last tool turn lost its thinking', () => {
    const thinking = { type: 'enabled', budget_tokens: 2048 };
    const tool = { type: 'tool_use', id: 'call_1', name: 'f', input: {} };
    const result = { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_1', content: 'ok' }] };
    const unsigned = { type: 'thinking', thinking: 'from another provider', signature: '' };
    const signedBlock = { type: 'thinking', thinking: 'Anthropic\'s', signature: SIG };
    const body = (last: unknown[], extra: object = {}) => ({ model: 'm', max_tokens: 4096, thinking, ...extra, messages: [{ role: 'user', content: 'a' }, { role: 'assistant', content: last }, result] });

    test('thinking is turned off (Anthropic would refuse the request), the rest kept', () => {
      for (const last of [[unsigned, tool], [unsigned, { type: 'text', text: 'calling' }, tool], [unsigned, tool, signedBlock, tool]]) {
        const sent = body(last);
        expect(thinkingRefusal(sent)).not.toBeNull();
        const out = dropUnsignedThinking(sent) as any;
        expect(out).toEqual({ model: 'm', max_tokens: 4096, messages: [sent.messages[0], { role: 'assistant', content: last.filter((b) => b !== unsigned) }, result] });
        expect(thinkingRefusal(out)).toBeNull();
      }
      // Adaptive thinking is thinking too.
      expect((dropUnsignedThinking(body([unsigned, tool], { thinking: { type: 'adaptive' } })) as any).thinking).toBeUndefined();
    });

    test('thinking stays when the last tool turn still starts with signed thinking, made no call, or the unsigned block was in an earlier turn', () => {
      const keeps = [
        body([unsigned, signedBlock, tool]),
        body([unsigned, { type: 'text', text: 'no call' }]),
        { ...body([signedBlock, tool]), messages: [{ role: 'user', content: 'a' }, { role: 'assistant', content: [unsigned, tool] }, result, { role: 'assistant', content: [signedBlock, tool] }, result] },
      ];
      for (const sent of keeps) {
        const out = dropUnsignedThinking(sent) as any;
        expect(out.thinking).toBe(thinking);
        expect(thinkingRefusal(out)).toBeNull();
      }
      // Thinking already off: nothing to turn off (the field stays as sent).
      expect((dropUnsignedThinking(body([unsigned, tool], { thinking: { type: 'disabled' } })) as any).thinking).toEqual({ type: 'disabled' });
    });

    test('a request that lost nothing is the same object, thinking and all, even one Anthropic would refuse', () => {
      const sent = body([tool]);
      expect(dropUnsignedThinking(sent)).toBe(sent);
    });
  });
});
