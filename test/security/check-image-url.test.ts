import { describe, expect, test } from 'bun:test';
import { ApiError } from '../../src/errors/api-error';
import { checkImageUrl, IMAGE_URL_REFUSED } from '../../src/security/check-image-url';

// The resolver step, with a fake resolver: no DNS query and no traffic leaves the test.
const fakeDns = (table: Record<string, string[]>) => async (host: string) => {
  const found = table[host];
  if (!found) throw new Error('ENOTFOUND');
  return found;
};

async function refusal(p: Promise<unknown>): Promise<ApiError & { logMessage?: string }> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    return err as ApiError;
  }
  throw new Error('expected a refusal');
}

const dns = fakeDns({
  'images.example': ['93.184.216.34'],
  'dual.example': ['93.184.216.34', '10.0.0.5'],
  'metadata.example': ['169.254.169.254'],
  'mapped.example': ['::ffff:10.0.0.1'],
  'ula.example': ['fd00::1'],
  'v6ll.example': ['fe80::1'],
  'internal.corp': ['10.1.2.3'],
  empty: [],
});

describe('checkImageUrl', () => {
  test('a public host passes and the parsed URL comes back', async () => {
    const url = await checkImageUrl('https://images.example/cat.png', [], dns);
    expect(url.hostname).toBe('images.example');
  });

  for (const bad of ['file:///etc/passwd', 'ftp://images.example/a.png', 'gopher://x/', 'javascript:alert(1)', 'data:image/png;base64,AAAA']) {
    test(`refuses scheme of ${bad}`, async () => {
      const err = await refusal(checkImageUrl(bad, ['images.example'], dns));
      expect(err.status).toBe(400);
      expect(err.param).toBe('image_url');
      expect(err.logMessage).toContain('scheme');
    });
  }

  test('refuses an unparsable URL', async () => {
    expect((await refusal(checkImageUrl('not a url', [], dns))).status).toBe(400);
  });

  for (const [host, kind] of [
    ['metadata.example', 'link-local'],
    ['mapped.example', 'private'],
    ['ula.example', 'private'],
    ['v6ll.example', 'link-local'],
    ['internal.corp', 'private'],
  ] as const) {
    test(`refuses ${host}, which resolves to a ${kind} address`, async () => {
      const err = await refusal(checkImageUrl(`http://${host}/x.png`, [], dns));
      expect(err.logMessage).toContain(kind);
      expect(err.logMessage).toContain('IMAGE_URL_ALLOW_HOSTS');
    });
  }

  test('refuses when any one of several addresses is private', async () => {
    const err = await refusal(checkImageUrl('http://dual.example/x.png', [], dns));
    expect(err.logMessage).toContain('private');
  });

  test('refuses IP literals without asking the resolver', async () => {
    const never = async () => {
      throw new Error('resolver must not be called for IP literals');
    };
    for (const url of [
      'http://169.254.169.254/latest/meta-data/',
      'http://[fd00:ec2::254]/',
      'http://[::ffff:169.254.169.254]/',
      'http://[::ffff:a9fe:a9fe]/',
      'http://0xa9fea9fe/',
      'http://10.0.0.1/',
    ]) {
      const err = await refusal(checkImageUrl(url, [], never));
      expect(err.logMessage).not.toContain('could not be resolved');
    }
  });

  test('an allow-listed host skips the address check', async () => {
    const url = await checkImageUrl('http://INTERNAL.corp:8080/x.png', ['internal.corp'], dns);
    expect(url.port).toBe('8080');
    await checkImageUrl('http://[fd00::1]/x.png', ['[fd00::1]'], dns);
  });

  test('unresolvable and empty answers are refused', async () => {
    expect((await refusal(checkImageUrl('http://nowhere.example/', [], dns))).logMessage).toContain('could not be resolved');
    expect((await refusal(checkImageUrl('http://empty/', [], dns))).logMessage).toContain('could not be resolved');
  });
});

test('every refusal gives the client the same words (no probing of internal host names); the reason is for the log', async () => {
  const urls = [
    'http://nowhere.example/x.png', // does not resolve
    'http://empty/x.png', // resolves to nothing
    'http://internal.corp/x.png', // private
    'http://metadata.example/x.png', // link-local
    'http://127.0.0.1/x.png', // loopback literal
    'http://dual.example/x.png', // one public, one private
    'file:///etc/passwd',
    'not a url',
  ];
  const reasons = new Set<string>();
  for (const url of urls) {
    const err = await refusal(checkImageUrl(url, [], dns));
    expect({ url, message: err.message, code: err.code, param: err.param }).toEqual({ url, message: IMAGE_URL_REFUSED, code: 'invalid_image_url', param: 'image_url' });
    reasons.add(err.logMessage!);
  }
  expect(reasons.size).toBe(urls.length);
});
