/** The small JSON-schema pieces the OpenAPI documents of /v1 and the admin API are written with. */
export type Schema = Record<string, unknown>;

export const str = { type: 'string' } as const;
export const int = { type: 'integer' } as const;
export const num = { type: 'number' } as const;
export const bool = { type: 'boolean' } as const;
export const nullable = (s: Schema): Schema => ({ anyOf: [s, { type: 'null' }] });
export const arr = (items: Schema): Schema => ({ type: 'array', items });
export const json = (schema: Schema) => ({ 'application/json': { schema } });
