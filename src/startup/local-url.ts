/** `host` as it goes in a URL: an IPv6 literal in brackets. */
export function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/**
 * Where this machine reaches a server listening on `host:port`: a wildcard address (all
 * interfaces) through loopback, any other address as it is (a server bound to ::1 or to one
 * interface does not answer on 127.0.0.1). Used by `--healthcheck`.
 */
export function localUrl(host: string, port: number, path: string): string {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  const reach = bare === '0.0.0.0' || bare === '' ? '127.0.0.1' : bare === '::' ? '::1' : bare;
  return `http://${urlHost(reach)}:${port}${path}`;
}
