import { describe, expect, test } from 'bun:test';
import { ApiError } from '../../src/errors/api-error';
import { checkImageUrl } from '../../src/security/check-image-url';

// The resolver step, with a fake resolver: no DNS query and no traffic leaves the test.
const fakeDns = (table: Record<string, string[]>) => async (host: string) => {
  const found = table[host];
  if (!found) throw new Error('ENOTFOUND');
  return found;
};

async function refusal(p: Promise<unknown>): Promise<ApiError> {
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
      expect(err.message).toContain('scheme');
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
      expect(err.message).toContain(kind);
      expect(err.message).toContain('IMAGE_URL_ALLOW_HOSTS');
    });
  }

  test('refuses when any one of several addresses is private', async () => {
    const err = await refusal(checkImageUrl('http://dual.example/x.png', [], dns));
    expect(err.message).toContain('private');
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
      expect(err.message).not.toContain('could not be resolved');
    }
  });

  test('an allow-listed host skips the address check', async () => {
    const url = await checkImageUrl('http://INTERNAL.corp:8080/x.png', ['internal.corp'], dns);
    expect(url.port).toBe('8080');
    await checkImageUrl('http://[fd00::1]/x.png', ['[fd00::1]'], dns);
  });

  test('unresolvable and empty answers are refused', async () => {
    expect((await refusal(checkImageUrl('http://nowhere.example/', [], dns))).message).toContain('could not be resolved');
    expect((await refusal(checkImageUrl('http://empty/', [], dns))).message).toContain('could not be resolved');
  });
});
