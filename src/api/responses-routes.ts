import { Elysia } from 'elysia';
import type { AppContext } from '../context';

/** POST /v1/responses (placeholder until the bridge service lands). */
export function responsesRoutes(ctx: AppContext) {
  void ctx;
  return new Elysia({ name: 'responses' });
}
