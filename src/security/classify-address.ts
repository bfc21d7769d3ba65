import { parseIPv4 } from './parse-ipv4';
import { parseIPv6 } from './parse-ipv6';

/** What kind of network an address belongs to; only `public` may be fetched by default. */
export type AddressClass =
  | 'public'
  | 'private'
  | 'loopback'
  | 'link_local'
  | 'unspecified'
  | 'multicast'
  | 'reserved'
  | 'invalid';

type V4Range = [base: string, bits: number, cls: AddressClass];

// Ordered: the first matching range wins. Sources: RFC 6890 special-purpose registries.
const V4_RANGES: V4Range[] = [
  // 0.0.0.0/8: on Linux, connecting to 0.0.0.0 reaches the local host.
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  // Carrier-grade NAT; also where some clouds put metadata (Alibaba 100.100.100.200).
  ['100.64.0.0', 10, 'private'],
  ['127.0.0.0', 8, 'loopback'],
  // Includes the cloud metadata address 169.254.169.254 (AWS, GCP, Azure, OpenStack).
  ['169.254.0.0', 16, 'link_local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'reserved'],
  ['192.0.2.0', 24, 'reserved'],
  ['192.88.99.0', 24, 'reserved'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'reserved'],
  ['198.51.100.0', 24, 'reserved'],
  ['203.0.113.0', 24, 'reserved'],
  ['224.0.0.0', 4, 'multicast'],
  // 240/4 reserved, including the broadcast address 255.255.255.255.
  ['240.0.0.0', 4, 'reserved'],
];

const V4_TABLE = V4_RANGES.map(([base, bits, cls]) => ({
  base: parseIPv4(base)!,
  mask: bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0,
  cls,
}));

/** Classifies a 32-bit IPv4 address. */
export function classifyIPv4(value: number): AddressClass {
  for (const r of V4_TABLE) if (((value & r.mask) >>> 0) === r.base) return r.cls;
  return 'public';
}

/**
 * Classifies an IP address given as text: IPv4 in any `inet_aton` spelling (`2130706433`,
 * `0x7f.1`, `0177.0.0.1`), IPv6 with or without brackets and zone. Addresses that embed an
 * IPv4 address (mapped `::ffff:a.b.c.d`, compatible `::a.b.c.d`, NAT64 `64:ff9b::/96`, 6to4
 * `2002::/16`) are classified by the IPv4 address they reach. Pure; no network.
 */
export function classifyAddress(ip: string): AddressClass {
  const v4 = parseIPv4(ip.trim());
  if (v4 !== null) return classifyIPv4(v4);
  const g = parseIPv6(ip);
  if (!g) return 'invalid';
  return classifyIPv6(g);
}

function classifyIPv6(g: number[]): AddressClass {
  const embedded = (hi: number, lo: number) => classifyIPv4(((hi << 16) >>> 0) + lo);
  const zeroUpTo = (n: number) => g.slice(0, n).every((x) => x === 0);

  if (zeroUpTo(8)) return 'unspecified';
  if (zeroUpTo(7) && g[7] === 1) return 'loopback';
  // ::ffff:a.b.c.d — the socket layer connects to the IPv4 address itself.
  if (zeroUpTo(5) && g[5] === 0xffff) return embedded(g[6]!, g[7]!);
  // ::a.b.c.d (deprecated IPv4-compatible) — treat like the address it names.
  if (zeroUpTo(6)) return embedded(g[6]!, g[7]!);
  // 64:ff9b::/96 well-known NAT64 prefix: a NAT64 gateway forwards to the embedded IPv4.
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return embedded(g[6]!, g[7]!);
  // 64:ff9b:1::/48 local-use NAT64 reaches whatever the operator's translator reaches.
  if (g[0] === 0x64 && g[1] === 0xff9b && g[2] === 1) return 'private';
  // 2002::/16 6to4 tunnels to the IPv4 address in bits 16..48.
  if (g[0] === 0x2002) return embedded(g[1]!, g[2]!);
  // 2001::/32 Teredo hides the client address (XOR-obfuscated); refuse rather than decode.
  if (g[0] === 0x2001 && g[1] === 0) return 'reserved';
  // 2001:db8::/32 documentation.
  if (g[0] === 0x2001 && g[1] === 0xdb8) return 'reserved';
  const top = g[0]!;
  if ((top & 0xfe00) === 0xfc00) return 'private'; // fc00::/7 unique local (incl. AWS fd00:ec2::254)
  if ((top & 0xffc0) === 0xfe80) return 'link_local'; // fe80::/10
  if ((top & 0xffc0) === 0xfec0) return 'private'; // fec0::/10 deprecated site-local
  if ((top & 0xff00) === 0xff00) return 'multicast'; // ff00::/8
  // Only 2000::/3 is allocated global unicast; everything else is reserved.
  if ((top & 0xe000) === 0x2000) return 'public';
  return 'reserved';
}

/** True for an address that is an IP literal (any spelling `classifyAddress` understands). */
export function isIpLiteral(host: string): boolean {
  return parseIPv4(host) !== null || parseIPv6(host) !== null;
}
