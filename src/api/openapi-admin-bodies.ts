/**
 * The admin API's request bodies in the OpenAPI document as its hooks take them
 * (admin-json-body.ts): JSON only (a form or multipart body is a 400 `unsupported_content_type`),
 * and no top-level field the route's schema does not name (a 400 `unknown_field`). Elysia's
 * generator writes every /api body as JSON, form and multipart, open to other fields: a client
 * generated from that would send what is refused. New objects only: the route's own schema, which
 * Elysia validates with, is never changed.
 */
type Operation = { requestBody?: { content?: Record<string, { schema?: Record<string, unknown> }> } };

export function adminBodiesAsTaken(doc: { paths?: Record<string, Record<string, Operation>> }): void {
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    if (!path.startsWith('/api/')) continue;
    for (const [method, op] of Object.entries(item)) {
      const json = op?.requestBody?.content?.['application/json'];
      if (!json) continue;
      const schema = json.schema;
      const closed = schema?.type === 'object' && schema.properties && schema.additionalProperties === undefined ? { ...schema, additionalProperties: false } : schema;
      item[method] = { ...op, requestBody: { ...op.requestBody, content: { 'application/json': { ...json, schema: closed } } } };
    }
  }
}
