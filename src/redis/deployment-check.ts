import type { RedisLink } from './redis-link';

/**
 * Tells an operator that gateways which do not belong together share this Redis prefix: every
 * instance, on each connection, leaves in Redis a mark of its LLM_PROXY__ENCRYPTION_KEY (`mark`:
 * a keyed digest, which says nothing of the key) under `<prefix>deployment`, and reads the mark it
 * replaces. Another mark there: either another deployment uses the same prefix (their limits,
 * circuits and change notices mix), or an instance of this one runs with another key (its
 * sessions and stored provider keys do not work on the others), or the key was changed (said
 * once, by the first instance started with the new one). One command per connection; nothing on
 * the request path.
 */
export function checkDeploymentMark(link: RedisLink, mark: string, warn: (message: string) => void): () => void {
  const key = link.key('deployment');
  const check = async () => {
    const before = (await link.send('GETSET', [key, mark])) as string | null;
    if (before === null || before === mark) return;
    warn(
      `another gateway used this Redis (prefix ${link.key('')}) with a different LLM_PROXY__ENCRYPTION_KEY: ` +
        'if it is another deployment, give each its own LLM_PROXY__REDIS__PREFIX (their limits, circuits and change notices mix); ' +
        'if it is an instance of this one, start every instance with the same key (sessions and stored provider keys made on one do not work on the other); ' +
        'if the key was just changed everywhere, nothing is wrong',
    );
  };
  return link.onUp(() => void check().catch(() => {})); // Redis lost meanwhile: checked again on the next connection
}
