import { describe, expect, test } from 'bun:test';
import { classifyAddress } from '../../src/security/classify-address';
import { parseIPv4, formatIPv4 } from '../../src/security/parse-ipv4';
import { parseIPv6 } from '../../src/security/parse-ipv6';

// Pure functions only: none of these addresses is ever contacted.
const CASES: Array<[string, string]> = [
  // public
  ['8.8.8.8', 'public'],
  ['1.1.1.1', 'public'],
  ['172.32.0.1', 'public'],
  ['172.15.255.255', 'public'],
  ['192.169.0.1', 'public'],
  ['100.128.0.1', 'public'],
  ['2606:4700:4700::1111', 'public'],
  ['2001:4860:4860::8888', 'public'],
  // loopback, in every spelling inet_aton accepts
  ['127.0.0.1', 'loopback'],
  ['127.0.0.2', 'loopback'],
  ['127.255.255.254', 'loopback'],
  ['2130706433', 'loopback'],
  ['0x7f000001', 'loopback'],
  ['0x7f.1', 'loopback'],
  ['0177.0.0.1', 'loopback'],
  ['127.1', 'loopback'],
  ['127.0.1', 'loopback'],
  ['::1', 'loopback'],
  ['[::1]', 'loopback'],
  ['0:0:0:0:0:0:0:1', 'loopback'],
  ['::ffff:127.0.0.1', 'loopback'],
  ['::ffff:7f00:1', 'loopback'],
  // private
  ['10.0.0.1', 'private'],
  ['10.255.255.255', 'private'],
  ['012.0.0.1', 'private'], // octal 012 = 10
  ['167772161', 'private'], // 10.0.0.1 as one decimal number
  ['172.16.0.1', 'private'],
  ['172.31.255.255', 'private'],
  ['192.168.1.1', 'private'],
  ['100.64.0.1', 'private'],
  ['100.100.100.200', 'private'],
  ['fc00::1', 'private'],
  ['fd12:3456:789a::1', 'private'],
  ['fd00:ec2::254', 'private'],
  ['::ffff:10.0.0.1', 'private'],
  ['::ffff:192.168.0.1', 'private'],
  ['::ffff:c0a8:1', 'private'],
  ['64:ff9b::10.0.0.1', 'private'],
  ['2002:0a00:0001::1', 'private'], // 6to4 of 10.0.0.1
  // link-local and cloud metadata
  ['169.254.169.254', 'link_local'],
  ['169.254.0.1', 'link_local'],
  ['2852039166', 'link_local'], // 169.254.169.254 as one number
  ['0xa9.0xfe.0xa9.0xfe', 'link_local'],
  ['::ffff:169.254.169.254', 'link_local'],
  ['fe80::1', 'link_local'],
  ['fe80::1%eth0', 'link_local'],
  ['febf:ffff::1', 'link_local'],
  // unspecified
  ['0.0.0.0', 'unspecified'],
  ['0', 'unspecified'],
  ['0.1.2.3', 'unspecified'],
  ['::', 'unspecified'],
  ['::ffff:0.0.0.0', 'unspecified'],
  // multicast / reserved
  ['224.0.0.1', 'multicast'],
  ['ff02::1', 'multicast'],
  ['255.255.255.255', 'reserved'],
  ['240.0.0.1', 'reserved'],
  ['192.0.2.1', 'reserved'],
  ['2001:db8::1', 'reserved'],
  ['2001:0::1', 'reserved'], // Teredo
  ['::2', 'unspecified'], // IPv4-compatible 0.0.0.2 is in 0/8
  // not an address
  ['example.com', 'invalid'],
  ['256.0.0.1', 'invalid'],
  ['1.2.3.4.5', 'invalid'],
  ['08.0.0.1', 'invalid'],
  ['1::2::3', 'invalid'],
  ['12345::', 'invalid'],
  ['', 'invalid'],
];

describe('classifyAddress', () => {
  for (const [ip, want] of CASES) {
    test(`${ip || '(empty)'} is ${want}`, () => {
      expect(classifyAddress(ip)).toBe(want as never);
    });
  }
});

describe('address parsers', () => {
  test('inet_aton forms fill the remaining bytes from the last part', () => {
    expect(formatIPv4(parseIPv4('10.1')!)).toBe('10.0.0.1');
    expect(formatIPv4(parseIPv4('10.1.258')!)).toBe('10.1.1.2');
    expect(parseIPv4('10.1.65536')).toBeNull();
    expect(parseIPv4('4294967296')).toBeNull();
    expect(formatIPv4(parseIPv4('4294967295')!)).toBe('255.255.255.255');
  });

  test('IPv6 with an embedded IPv4 tail', () => {
    expect(parseIPv6('::ffff:1.2.3.4')).toEqual([0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304]);
    expect(parseIPv6('1:2:3:4:5:6:1.2.3.4')).toEqual([1, 2, 3, 4, 5, 6, 0x0102, 0x0304]);
    expect(parseIPv6('::1.2.3.4')).toEqual([0, 0, 0, 0, 0, 0, 0x0102, 0x0304]);
    expect(parseIPv6('1:2:3:4:5:6:7:1.2.3.4')).toBeNull();
    expect(parseIPv6('::ffff:1.2.3')).toBeNull();
  });

  test('IPv6 compression', () => {
    expect(parseIPv6('1::')).toEqual([1, 0, 0, 0, 0, 0, 0, 0]);
    expect(parseIPv6('1:2:3:4:5:6:7:8')).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(parseIPv6('1:2:3:4:5:6:7:8:9')).toBeNull();
    expect(parseIPv6('1:2:3:4::5:6:7:8')).toBeNull();
  });
});
