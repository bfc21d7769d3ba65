import type { AppContext } from '../context';
import { createImageFetcher } from '../providers/shared/fetch-image';
import type { AdapterDeps } from '../providers/types';

const cache = new WeakMap<AppContext, AdapterDeps>();

/** Side services for adapters, built once per app context (the image fetcher holds the allow-list). */
export function adapterDepsOf(ctx: AppContext): AdapterDeps {
  let deps = cache.get(ctx);
  if (!deps) {
    deps = {
      fetchImage: createImageFetcher({ allowHosts: ctx.config.security.imageUrlAllowHosts }),
      mock: ctx.config.mock,
      reasoning: ctx.reasoning,
    };
    cache.set(ctx, deps);
  }
  return deps;
}
