/**
 * A request's id: its log row's `request_id` and the answer's `x-request-id`. A UUID of version 7
 * (RFC 9562: milliseconds since the epoch, then random bits), so ids made one after another sort
 * after each other and the request_logs(request_id) index grows at its end, as the table does; a
 * random (version 4) id landed on a random page of the index for every row, which doubled the log
 * writer's CPU per request (BENCHMARKS.md, session 14).
 */
export function newRequestId(): string {
  return Bun.randomUUIDv7();
}
