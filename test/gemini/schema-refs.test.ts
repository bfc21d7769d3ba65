/** inlineSchemaRefs: local $refs of a tool schema inlined for Gemini's parametersJsonSchema. */
import { expect, test } from 'bun:test';
import { inlineSchemaRefs } from '../../src/providers/shared/inline-schema-refs';

const option = { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] };

test('pydantic-style $defs: refs (in anyOf, items, with siblings) are inlined and $defs dropped', () => {
  const schema = {
    type: 'object',
    $defs: { Option: option, Kind: { type: 'string', enum: ['a', 'b'] } },
    properties: {
      target: { anyOf: [{ $ref: '#/$defs/Option' }, { type: 'null' }], default: null },
      kinds: { type: 'array', items: { $ref: '#/$defs/Kind' } },
      main: { $ref: '#/$defs/Option', title: 'Main', description: 'the main one' },
    },
    required: ['kinds'],
  };
  const before = structuredClone(schema);
  expect(inlineSchemaRefs(schema)).toEqual({
    type: 'object',
    properties: {
      target: { anyOf: [option, { type: 'null' }], default: null },
      kinds: { type: 'array', items: { type: 'string', enum: ['a', 'b'] } },
      main: { ...option, title: 'Main', description: 'the main one' },
    },
    required: ['kinds'],
  });
  expect(schema).toEqual(before); // the client's schema is not changed
});

test('draft-07 definitions, zod-style pointers to other properties, escaped pointer segments', () => {
  expect(
    inlineSchemaRefs({
      type: 'object',
      definitions: { 'a/b': { type: 'integer' } },
      properties: { first: { type: 'string', format: 'uri' }, second: { $ref: '#/properties/first' }, n: { $ref: '#/definitions/a~1b' } },
    }),
  ).toEqual({
    type: 'object',
    properties: { first: { type: 'string', format: 'uri' }, second: { type: 'string', format: 'uri' }, n: { type: 'integer' } },
  });
});

test('a recursive or unresolvable reference stays, and so do the definitions', () => {
  const tree = { type: 'object', properties: { children: { type: 'array', items: { $ref: '#/$defs/Node' } } } };
  expect(inlineSchemaRefs({ type: 'object', $defs: { Node: tree }, properties: { root: { $ref: '#/$defs/Node' }, x: { $ref: '#/$defs/Missing' } } })).toEqual({
    type: 'object',
    properties: {
      root: tree,
      x: { $ref: '#/$defs/Missing' },
    },
    $defs: { Node: tree },
  });
});

test('a schema without $ref is returned as it is; an exploding one too', () => {
  const plain = { type: 'object', properties: { q: { type: 'string' } }, additionalProperties: false };
  expect(inlineSchemaRefs(plain)).toBe(plain);
  // Each level refers twice to the next: 2^20 copies once inlined.
  const defs: Record<string, unknown> = { L20: { type: 'string' } };
  for (let i = 0; i < 20; i++) defs[`L${i}`] = { type: 'object', properties: { a: { $ref: `#/$defs/L${i + 1}` }, b: { $ref: `#/$defs/L${i + 1}` } } };
  const big = { type: 'object', $defs: defs, properties: { top: { $ref: '#/$defs/L0' } } };
  expect(inlineSchemaRefs(big)).toBe(big);
});
