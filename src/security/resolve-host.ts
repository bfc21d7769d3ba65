import { lookup } from 'node:dns/promises';

/** Resolves a host name to every address it has (the SSRF check must see all of them). */
export type HostResolver = (host: string) => Promise<string[]>;

/** The system resolver (getaddrinfo), the same one the fetch that follows will use. */
export const systemResolver: HostResolver = async (host) => {
  const found = await lookup(host, { all: true, verbatim: true });
  return found.map((a) => a.address);
};
