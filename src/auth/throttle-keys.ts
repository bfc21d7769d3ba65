import { formatIPv4 } from '../security/parse-ipv4';
import { parseIPv6 } from '../security/parse-ipv6';

/**
 * The source a failed sign-in is counted against: an IPv4 address as it is, an IPv6 address by
 * its /64 (one host usually holds a whole /64, so single addresses would be free to mint).
 */
export function sourceOf(address: string): string {
  const v6 = parseIPv6(address);
  if (!v6) return address;
  const mapped = v6.slice(0, 5).every((g) => g === 0) && v6[5] === 0xffff;
  if (mapped) return formatIPv4(((v6[6]! << 16) | v6[7]!) >>> 0);
  return `${v6.slice(0, 4).map((g) => g.toString(16)).join(':')}::/64`;
}

/**
 * A short fingerprint of the stored password hash (argon2 salts make it change with every new
 * password). Part of the per-user key: after `--reset-admin` or a password change the new
 * password has a counter of its own, so an attacker's failures never lock the rightful owner
 * out of a freshly reset account.
 */
export function passwordEpoch(passwordHash: string | null | undefined): string {
  if (!passwordHash) return 'none';
  return new Bun.CryptoHasher('sha256').update(passwordHash).digest('hex').slice(0, 12);
}
