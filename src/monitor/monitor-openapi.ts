// The types @elysiajs/openapi's `documentation` option is written in (type-only: nothing is bundled).
import type { OpenAPIV3_1 } from 'openapi-types';
import { getTableColumns } from 'drizzle-orm';
import { requestLogs } from '../db/schema/request-logs';
import { SESSION_COOKIE } from '../auth/session-cookie';
import { PUBLIC_LOG_FIELDS } from '../logging/log-row';
import { MAX_MONITOR_SOCKETS_PER_SESSION, MAX_MONITOR_SOCKETS_PER_USER } from './monitor-socket-caps';

/**
 * GET /api/monitor/ws in the OpenAPI document. Elysia's generator would write a `ws` method (not
 * valid OpenAPI), so the route hides itself and this describes it as what it is on the wire: a GET
 * answered 101 Switching Protocols. OpenAPI has no vocabulary for frames, so the 101's JSON schema
 * is that of each text message the server sends.
 */

type Schemas = Record<string, OpenAPIV3_1.SchemaObject>;

const columns = getTableColumns(requestLogs);

/** One public log field as JSON Schema, from the table (as GET /api/logs and logJson read it). */
function fieldSchema(key: (typeof PUBLIC_LOG_FIELDS)[number]): OpenAPIV3_1.SchemaObject {
  const c = columns[key];
  const type = c.dataType === 'boolean' ? 'boolean' : c.dataType === 'number' ? (c.columnType.endsWith('Integer') ? 'integer' : 'number') : 'string';
  const enumValues = 'enumValues' in c && Array.isArray(c.enumValues) && c.enumValues.length ? { enum: c.enumValues } : {};
  return (c.notNull ? { type, ...enumValues } : { type: [type, 'null'], ...enumValues }) as OpenAPIV3_1.SchemaObject;
}

const errorBody = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/MonitorError' } } },
});

export const monitorOpenApiSchemas: Schemas = {
  MonitorHello: {
    type: 'object',
    description: 'The first message after the upgrade.',
    required: ['type', 'data'],
    properties: {
      type: { const: 'hello' },
      data: { type: 'object', required: ['topic'], properties: { topic: { type: 'string' } } },
    },
  },
  MonitorRequest: {
    type: 'object',
    description: "One per finished request (every instance's, with Redis): the row's public fields as in GET /api/logs, and the client's current name; never bodies or keys.",
    required: ['type', 'data'],
    properties: {
      type: { const: 'request' },
      data: {
        type: 'object',
        required: [...PUBLIC_LOG_FIELDS.map((k) => columns[k].name), 'client_name'],
        properties: {
          ...Object.fromEntries(PUBLIC_LOG_FIELDS.map((k) => [columns[k].name, fieldSchema(k)])),
          client_name: { type: ['string', 'null'], description: 'The client key\'s name, null for a request without a valid key' },
        },
      },
    },
  },
  MonitorMessage: {
    description: 'A WebSocket text frame from the server: one JSON object. The server reads nothing the client sends.',
    oneOf: [{ $ref: '#/components/schemas/MonitorHello' }, { $ref: '#/components/schemas/MonitorRequest' }],
    discriminator: { propertyName: 'type' },
  },
  MonitorError: {
    type: 'object',
    required: ['error'],
    properties: {
      error: {
        type: 'object',
        properties: { message: { type: 'string' }, type: { type: 'string' }, param: { type: ['string', 'null'] }, code: { type: ['string', 'null'] } },
      },
    },
  },
};

export const monitorOpenApiPaths: OpenAPIV3_1.PathsObject = {
  '/api/monitor/ws': {
    get: {
      operationId: 'getApiMonitorWs',
      tags: ['Admin'],
      summary: 'Live request monitor (WebSocket)',
      description:
        'A WebSocket upgrade (`Connection: Upgrade`, `Upgrade: websocket`), for any signed-in user (viewer or admin). ' +
        `Authenticated by the dashboard's session cookie (\`${SESSION_COOKIE}\`) or \`Authorization: Bearer <token>\` from \`POST /api/auth/login\`. ` +
        "A browser's handshake must come from the gateway's own origin. " +
        `At most ${MAX_MONITOR_SOCKETS_PER_SESSION} sockets per session and ${MAX_MONITOR_SOCKETS_PER_USER} per user over all their sessions; one past either is refused (429), or closed with code 4429 when several open at once. ` +
        'The server sends `MonitorHello` once, then one `MonitorRequest` per finished request; a socket whose session ends (sign-out, expiry, password change) is closed. Clients send nothing: a message over 4 KiB closes the socket (1009), as do invalid UTF-8 (1007) and more than 20 messages a second (1008).',
      security: [{ sessionCookie: [] }, { session: [] }],
      parameters: [
        { name: 'Upgrade', in: 'header', required: true, schema: { const: 'websocket' } },
        { name: 'Sec-WebSocket-Key', in: 'header', required: true, schema: { type: 'string' } },
        { name: 'Sec-WebSocket-Version', in: 'header', required: true, schema: { const: '13' } },
      ],
      responses: {
        '101': {
          description: 'Switching Protocols: the WebSocket is open. The schema is that of each text message the server sends.',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/MonitorMessage' } } },
        },
        '401': errorBody('No valid session cookie or bearer token'),
        '403': errorBody('A cross-site Origin, or a session that must change its password first'),
        '426': errorBody('Signed in, but a plain GET without the upgrade (as from this page\'s "Try it out"): use a WebSocket client'),
        '429': errorBody(`Already ${MAX_MONITOR_SOCKETS_PER_SESSION} monitor sockets open for this session, or ${MAX_MONITOR_SOCKETS_PER_USER} for this user`),
      },
    },
  },
};
