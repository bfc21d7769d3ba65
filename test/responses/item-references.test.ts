import { expect, test } from 'bun:test';
import { newId, outputItemId, responseOfItem } from '../../src/responses/response-ids';
import { referencedResponses } from '../../src/responses/item-references';

test('an output item id leads back to its response; ids made otherwise lead nowhere', () => {
  const resp = newId('resp');
  for (const [prefix, i] of [['msg', 0], ['rs', 1], ['fc', 300]] as const) {
    const id = outputItemId(prefix, resp, i);
    expect(id).toStartWith(`${prefix}_`);
    expect(responseOfItem(id)).toBe(resp);
  }
  expect(outputItemId('fc', resp, 1)).not.toBe(outputItemId('fc', resp, 2));
  // OpenAI's own ids (48 hex digits), a client's, and the gateway's other ids
  for (const id of ['msg_68a1c0f4c2d08190a4b6c8d0e2f4a6b80c1d2e3f4a5b6c7d', 'msg_0123', newId('msg'), resp, 'call_x']) {
    expect(responseOfItem(id)).toBeNull();
  }
});

test('referencedResponses: the responses behind the input\'s item references, once each', () => {
  const a = newId('resp');
  const b = newId('resp');
  const input = [
    { role: 'user', content: 'Hi' },
    { type: 'item_reference', id: outputItemId('rs', a, 0) },
    { type: 'item_reference', id: outputItemId('msg', a, 1) },
    { type: 'item_reference', id: 'msg_not_ours' },
    { type: 'item_reference', id: outputItemId('msg', b, 0) },
    { type: 'function_call', id: outputItemId('fc', b, 1), call_id: 'c', name: 'f', arguments: '{}' },
  ];
  expect(referencedResponses(input)).toEqual([a, b]);
  expect(referencedResponses('Hi')).toEqual([]);
});
