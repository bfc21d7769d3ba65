import { ApiError } from '../errors/api-error';

let refusals = 0;

/** Requests refused for lack of a descriptor (below) since start: /health `refused_out_of_files`. */
export const outOfDescriptorRefusals = () => refusals;

/**
 * No descriptor was left to connect to `to` (EMFILE at the open-file limit, ENFILE at the
 * system's; runtime/descriptors.ts): the gateway is full, as when no upstream slot frees within
 * the queue timeout, and says so the same way (503 `overloaded`, `retry-after: 1`:
 * proxy/upstream-slots.ts), so clients retry and neither the provider nor the client's image URL
 * is blamed. Each ends its request (no next target, no next image), so each is counted once.
 */
export const outOfDescriptors = (code: 'EMFILE' | 'ENFILE', to: string) => {
  refusals++;
  return new ApiError({
    status: 503,
    message: `The gateway ran out of open files (${code}) and could not open a connection to ${to}; retry later.`,
    type: 'server_error',
    code: 'overloaded',
    headers: { 'retry-after': '1' },
  });
};
