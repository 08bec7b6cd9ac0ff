/**
 * The safe fetcher (src/intake/fetch.ts) against the FIXTURE web server on 127.0.0.1
 * (tests/helpers/web-server.ts): pages, redirects, conditional GET, and every refusal and
 * failure — refused addresses (literal, resolved, after a redirect, rebinding, the connected
 * socket), schemes, timeouts, size caps (streamed, declared, a gzip bomb), media types, error
 * statuses, a reset connection. Host names are resolved by an injected fake DNS; no traffic goes
 * anywhere but loopback (refused addresses are refused before any connection is made).
 */
import zlib from 'node:zlib';
import type { LookupAddress, LookupOptions } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IntakeError } from '../src/errors.js';
import { isMetadataAddress, isRefusedAddress, refusalReason, safeFetch, USER_AGENT, type FetchOptions } from '../src/intake/fetch.js';
import { gzipBomb, huge, page, redirect, resetMidBody, startWebServer, type WebServer } from './helpers/web-server.js';

const MB = 1024 * 1024;
const ARTICLE = '<html><head><title>خبر</title></head><body><p>نص الخبر.</p></body></html>';

/** A fake DNS: each call answers the next list of addresses (the last one repeats); records names. */
function fakeDns(...answers: string[][]): LookupFunction & { names: string[] } {
  const names: string[] = [];
  const lookup = ((hostname: string, options: LookupOptions, callback: (e: Error | null, a: string | LookupAddress[], f?: number) => void) => {
    names.push(hostname);
    const list = answers[Math.min(names.length - 1, answers.length - 1)]!.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    setImmediate(() => (options.all ? callback(null, list) : callback(null, list[0]!.address, list[0]!.family)));
  }) as LookupFunction & { names: string[] };
  lookup.names = names;
  return lookup;
}

/**
 * Address policy for tests where the fixture server must stand in for a public web host:
 * 127.0.0.1 counts as public, every other address is judged by the real rules (so 127.0.0.2,
 * ::1, 10.x… stay refused).
 */
const fixtureIsPublic = (ip: string) => (ip === '127.0.0.1' || ip === '::ffff:127.0.0.1' ? false : isRefusedAddress(ip));

let web: WebServer;
let other: WebServer;
const open = (extra: Partial<FetchOptions> = {}): FetchOptions => ({ allowPrivate: true, timeoutMs: 10_000, maxBytes: MB, ...extra });
const strict = (extra: Partial<FetchOptions> = {}): FetchOptions => ({ allowPrivate: false, timeoutMs: 10_000, maxBytes: MB, ...extra });

async function failure(promise: Promise<unknown>): Promise<IntakeError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(IntakeError);
  return error as IntakeError;
}

beforeAll(async () => {
  other = await startWebServer({ '/landing': page('<html><body>elsewhere</body></html>') });
  web = await startWebServer({
    '/article': page(ARTICLE),
    '/arabic-1256': page(Buffer.from([0xc7, 0xe1, 0xce, 0xc8, 0xd1]), 'text/html; charset=Windows-1256'),
    '/feed.xml': page('<rss version="2.0"><channel><title>t</title></channel></rss>', 'application/rss+xml'),
    '/plain': page('just text', 'text/plain'),
    '/hop1': redirect('/hop2', 301),
    '/hop2': redirect('hop3', 307),
    '/hop3': redirect('/article', 308),
    '/loop': redirect('/loop'),
    '/to-other': { status: 302, headers: { location: 'placeholder' } },
    '/to-loopback-name': { status: 302, headers: { location: 'placeholder' } },
    '/to-metadata': redirect('http://169.254.169.254/latest/meta-data/'),
    '/to-ipv6-loopback': redirect('http://[::1]/admin'),
    '/to-file': redirect('file:///etc/passwd'),
    '/no-location': { status: 302 },
    '/secret': page('internal'),
    '/missing-page': { status: 404, body: 'gone' },
    '/broken': { status: 503, body: 'down' },
    '/slow-headers': { body: ARTICLE, delayMs: 5_000 },
    '/slow-body': { body: ARTICLE.repeat(20), trickleMs: 200 },
    '/huge': huge(50 * MB),
    '/huge-declared': huge(50 * MB, { declareLength: true }),
    '/bomb': gzipBomb(50 * MB),
    '/image': page(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]), 'image/png'),
    '/pdf': page('%PDF-1.4', 'application/pdf'),
    '/octets': page(Buffer.from([1, 2, 3, 0, 4]), 'application/octet-stream'),
    '/untyped-binary': (_req, res) => res.writeHead(200).end(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 0, 0])),
    '/untyped-text': (_req, res) => res.writeHead(200).end('<html><body>ok</body></html>'),
    '/gzipped': { body: zlib.gzipSync(ARTICLE), headers: { 'content-type': 'text/html; charset=utf-8', 'content-encoding': 'gzip' } },
    '/brotli': { body: zlib.brotliCompressSync(ARTICLE), headers: { 'content-type': 'text/html; charset=utf-8', 'content-encoding': 'br' } },
    '/deflated': { body: zlib.deflateSync(ARTICLE), headers: { 'content-type': 'text/html; charset=utf-8', 'content-encoding': 'deflate' } },
    '/damaged-gzip': { body: Buffer.from('not gzip at all'), headers: { 'content-type': 'text/html', 'content-encoding': 'gzip' } },
    '/cut': resetMidBody('<html><body><p>نصف الخبر'),
    '/etag': { ...page(ARTICLE), etag: '"v1"' },
    '/dated': { ...page(ARTICLE), lastModified: 'Wed, 02 Dec 2026 10:00:00 GMT' },
  });
  web.route('/to-other', redirect(other.url('/landing')));
  web.route('/to-loopback-name', redirect(`http://intranet.example:${web.port}/secret`));
});

afterAll(async () => {
  await web.close();
  await other.close();
});

describe('isRefusedAddress', () => {
  it('refuses every non-public range, in IPv4, IPv6 and IPv4-in-IPv6 forms, and allows public unicast', () => {
    const refused = [
      '127.0.0.1', '127.8.9.10', '10.0.0.1', '172.16.5.4', '192.168.1.1', '169.254.1.1', '169.254.169.254', '100.64.0.1',
      '0.0.0.0', '255.255.255.255', '224.0.0.251', '192.0.2.10', '198.18.0.1', '240.0.0.1',
      '::1', '::', 'fe80::1', 'fc00::1', 'fd12:3456::1', 'fd00:ec2::254', 'ff02::1', '2001:db8::1',
      '::ffff:127.0.0.1', '::ffff:10.0.0.1', '::ffff:169.254.169.254', '64:ff9b::a9fe:a9fe', '2002:c0a8:0101::1', '::7f00:1',
      'not-an-ip',
    ];
    const allowed = ['93.184.216.34', '8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808'];
    expect(refused.filter((ip) => !isRefusedAddress(ip))).toEqual([]);
    expect(allowed.filter((ip) => isRefusedAddress(ip))).toEqual([]);
  });

  it('names the reason, metadata endpoints included', () => {
    expect(refusalReason('169.254.169.254')).toBe('the cloud metadata address');
    expect(refusalReason('fd00:ec2::254')).toBe('the cloud metadata address');
    expect(refusalReason('::ffff:127.0.0.1')).toMatch(/^a loopback address/);
    expect(refusalReason('192.168.0.7')).toMatch(/private/);
    expect(refusalReason('8.8.8.8')).toBeNull();
  });
});

describe('safeFetch: fetching', () => {
  it('fetches a page: status, media type, charset, bytes, final URL; identifies as a bot', async () => {
    const got = await safeFetch(web.url('/article'), open());
    expect(got).toMatchObject({ url: web.url('/article'), status: 200, contentType: 'text/html', charset: 'utf-8', notModified: false });
    expect(Buffer.from(got.bytes).toString('utf8')).toBe(ARTICLE);
    const seen = web.requests.filter((r) => r.path === '/article').at(-1)!;
    expect(seen.headers['user-agent']).toBe(USER_AGENT);
    expect(USER_AGENT).toMatch(/bot/i);
  });

  it('accepts feeds and plain text, keeps the charset lower-cased and the bytes untouched', async () => {
    expect((await safeFetch(web.url('/feed.xml'), open())).contentType).toBe('application/rss+xml');
    expect((await safeFetch(web.url('/plain'), open())).contentType).toBe('text/plain');
    const arabic = await safeFetch(web.url('/arabic-1256'), open());
    expect(arabic.charset).toBe('windows-1256');
    expect([...arabic.bytes]).toEqual([0xc7, 0xe1, 0xce, 0xc8, 0xd1]);
  });

  it('decompresses gzip, deflate and brotli bodies', async () => {
    for (const path of ['/gzipped', '/deflated', '/brotli']) {
      expect(Buffer.from((await safeFetch(web.url(path), open())).bytes).toString('utf8')).toBe(ARTICLE);
    }
  });

  it('reaches a host name through the injected DNS and sends that name as Host', async () => {
    const lookup = fakeDns(['127.0.0.1']);
    const got = await safeFetch(`http://news.example:${web.port}/article`, open({ lookup }));
    expect(got.url).toBe(`http://news.example:${web.port}/article`);
    expect(lookup.names).toEqual(['news.example']);
    expect(web.requests.at(-1)!.headers.host).toBe(`news.example:${web.port}`);
  });

  it('follows a redirect chain, resolving relative Locations, and reports the final URL', async () => {
    const got = await safeFetch(web.url('/hop1'), open());
    expect(got.url).toBe(web.url('/article'));
    expect(Buffer.from(got.bytes).toString('utf8')).toBe(ARTICLE);
  });

  it('follows a redirect to another host and port', async () => {
    const got = await safeFetch(web.url('/to-other'), open());
    expect(got.url).toBe(other.url('/landing'));
    expect(other.count('/landing')).toBeGreaterThan(0);
  });

  it('answers notModified for a 304 to If-None-Match and to If-Modified-Since, keeping the validators', async () => {
    const first = await safeFetch(web.url('/etag'), open());
    expect(first.etag).toBe('"v1"');
    const again = await safeFetch(web.url('/etag'), open({ headers: { 'If-None-Match': first.etag! } }));
    expect(again).toMatchObject({ status: 304, notModified: true, etag: '"v1"' });
    expect(again.bytes.length).toBe(0);
    const dated = await safeFetch(web.url('/dated'), open());
    expect(dated.lastModified).toBe('Wed, 02 Dec 2026 10:00:00 GMT');
    const since = await safeFetch(web.url('/dated'), open({ headers: { 'If-Modified-Since': dated.lastModified! } }));
    expect(since.notModified).toBe(true);
    const changed = await safeFetch(web.url('/etag'), open({ headers: { 'If-None-Match': '"v0"' } }));
    expect(changed.notModified).toBe(false);
  });
});

describe('safeFetch: refused addresses', () => {
  it('refuses a literal loopback address without connecting, naming the setting that allows it', async () => {
    const before = web.count('/article');
    const error = await failure(safeFetch(web.url('/article'), strict()));
    expect(error.message).toBe(`${web.url('/article')}: the address 127.0.0.1 is a loopback address; set FETCH_ALLOW_PRIVATE=true to allow it.`);
    expect(error.source).toBe(web.url('/article'));
    expect(web.count('/article')).toBe(before);
  });

  it('refuses other spellings of loopback and metadata addresses', async () => {
    const before = web.requests.length;
    for (const url of [
      `http://2130706433:${web.port}/article`,
      `http://0x7f.1:${web.port}/article`,
      `http://[::1]:${web.port}/article`,
      `http://[::ffff:127.0.0.1]:${web.port}/article`,
      'http://10.0.0.1/',
    ]) {
      const error = await failure(safeFetch(url, strict()));
      expect(error.message).toMatch(/is (a|an|the) .*; set FETCH_ALLOW_PRIVATE=true to allow it\.$/);
    }
    expect(web.requests.length).toBe(before);
  });

  it('refuses a host name that resolves to loopback, and one with any refused address among its answers', async () => {
    const before = web.count('/article');
    const error = await failure(safeFetch(`http://news.example:${web.port}/article`, strict({ lookup: fakeDns(['127.0.0.1']) })));
    expect(error.message).toMatch(/^http:\/\/news\.example:\d+\/article: the address 127\.0\.0\.1 is a loopback address; set FETCH_ALLOW_PRIVATE=true/);
    const mixed = await failure(safeFetch(`http://news.example:${web.port}/article`, strict({ lookup: fakeDns(['93.184.216.34', '10.1.2.3']) })));
    expect(mixed.message).toMatch(/10\.1\.2\.3 is a private-network address/);
    expect(web.count('/article')).toBe(before);
  });

  it('re-checks every redirect hop: an allowed host redirecting to a name that resolves to loopback is refused', async () => {
    // news.example is the fixture server standing in for a public host; intranet.example resolves to 127.0.0.2.
    const lookup: LookupFunction = (hostname, options, callback) =>
      fakeDns(hostname === 'news.example' ? ['127.0.0.1'] : ['127.0.0.2'])(hostname, options, callback);
    const before = web.count('/secret');
    const error = await failure(
      safeFetch(`http://news.example:${web.port}/to-loopback-name`, strict({ lookup, refuseAddress: fixtureIsPublic })),
    );
    expect(error.message).toContain(`(redirected to http://intranet.example:${web.port}/secret)`);
    expect(error.message).toContain('the address 127.0.0.2 is a loopback address; set FETCH_ALLOW_PRIVATE=true to allow it');
    expect(web.count('/secret')).toBe(before);
    // The same hop is followed when the name resolves to an allowed address.
    const allowed = await safeFetch(`http://news.example:${web.port}/to-loopback-name`, strict({ lookup: fakeDns(['127.0.0.1']), refuseAddress: fixtureIsPublic }));
    expect(allowed.url).toBe(`http://intranet.example:${web.port}/secret`);
  });

  it('refuses cloud metadata addresses always, even with FETCH_ALLOW_PRIVATE=true: literal, other spellings, resolved, after a redirect', async () => {
    const always = /is the cloud metadata address.*, which is never fetched, whatever FETCH_ALLOW_PRIVATE says/;
    for (const url of [
      'http://169.254.169.254/latest/meta-data/',
      'http://2852039166/latest/meta-data/', // 169.254.169.254 as one number
      'http://0xa9.0xfe.0xa9.0xfe/latest/meta-data/',
      'http://[fd00:ec2::254]/latest/meta-data/',
      'http://[fd00:0ec2:0000::0254]/latest/meta-data/',
      'http://[::ffff:169.254.169.254]/latest/meta-data/',
      'http://[64:ff9b::a9fe:a9fe]/latest/meta-data/',
      'http://[2002:a9fe:a9fe::1]/latest/meta-data/',
      'http://100.100.100.200/latest/meta-data/',
    ]) {
      // allowPrivate on, and a test policy that would allow every address: still refused
      const error = await failure(safeFetch(url, open({ refuseAddress: () => false })));
      expect(error.message, url).toMatch(always);
      expect(error.source, url).toBe(url);
    }
    for (const answer of ['169.254.169.254', 'fd00:ec2::254', '::ffff:a9fe:a9fe']) {
      const error = await failure(safeFetch('http://metadata.example/latest/', open({ lookup: fakeDns(['93.184.216.34', answer]) })));
      expect(error.message, answer).toMatch(always);
      expect(error.message, answer).toContain(`the address ${answer} is`);
    }
    const redirected = await failure(safeFetch(web.url('/to-metadata'), open()));
    expect(redirected.message).toContain('(redirected to http://169.254.169.254/latest/meta-data/)');
    expect(redirected.message).toMatch(always);
    // the rest of link-local and unique-local space stays allowed by the setting
    expect(isMetadataAddress('169.254.169.253')).toBe(false);
    expect(isMetadataAddress('fd00:ec2::253')).toBe(false);
    expect(isMetadataAddress('not-an-ip')).toBe(false);
    const allowed = await safeFetch(web.url('/article'), open());
    expect(allowed.status).toBe(200);
  });

  it('refuses redirects to literal metadata and IPv6 loopback addresses and to other schemes', async () => {
    const options = strict({ lookup: fakeDns(['127.0.0.1']), refuseAddress: fixtureIsPublic });
    const base = `http://news.example:${web.port}`;
    expect((await failure(safeFetch(`${base}/to-metadata`, options))).message).toContain('169.254.169.254 is the cloud metadata address');
    expect((await failure(safeFetch(`${base}/to-ipv6-loopback`, options))).message).toContain('::1 is a loopback address');
    expect((await failure(safeFetch(`${base}/to-file`, options))).message).toMatch(/only http:\/\/ and https:\/\/ addresses are fetched, not file:/);
  });

  it('refuses DNS rebinding: a name that answers an allowed address, then loopback on the next hop', async () => {
    // First answer: the fixture server (standing in for a public host); second: 127.0.0.2.
    const lookup = fakeDns(['127.0.0.1'], ['127.0.0.2']);
    web.route('/rebind', redirect('/secret'));
    const before = web.count('/secret');
    const error = await failure(safeFetch(`http://news.example:${web.port}/rebind`, strict({ lookup, refuseAddress: fixtureIsPublic })));
    expect(error.message).toContain('the address 127.0.0.2 is a loopback address');
    expect(lookup.names).toEqual(['news.example', 'news.example']);
    expect(web.count('/secret')).toBe(before);
  });

  it('checks the address actually connected to, independently of the DNS answer, before sending the request', async () => {
    // A policy that lets 127.0.0.1 through once (the DNS check) and refuses it the next time (the connected socket).
    let asked = 0;
    const refuseAddress = (ip: string) => (ip === '127.0.0.1' ? asked++ > 0 : isRefusedAddress(ip));
    const before = web.count('/secret');
    const error = await failure(safeFetch(`http://news.example:${web.port}/secret`, strict({ lookup: fakeDns(['127.0.0.1']), refuseAddress })));
    expect(error.message).toContain('the connection reached 127.0.0.1');
    expect(asked).toBe(2);
    expect(web.count('/secret')).toBe(before);
  });

  it('guards https the same way: resolved addresses, and the connected socket before the TLS handshake', async () => {
    const url = `https://news.example:${web.port}/secret`;
    expect((await failure(safeFetch(url, strict({ lookup: fakeDns(['127.0.0.1']) })))).message).toBe(
      `${url}: the address 127.0.0.1 is a loopback address; set FETCH_ALLOW_PRIVATE=true to allow it.`,
    );
    let asked = 0;
    const refuseAddress = (ip: string) => (ip === '127.0.0.1' ? asked++ > 0 : isRefusedAddress(ip));
    const error = await failure(safeFetch(url, strict({ lookup: fakeDns(['127.0.0.1']), refuseAddress })));
    expect(error.message).toContain('the connection reached 127.0.0.1');
  });

  it('refuses non-http schemes and invalid URLs', async () => {
    for (const url of ['file:///etc/passwd', 'ftp://example.com/x', 'data:text/html,hi', 'javascript:alert(1)', 'gopher://x/']) {
      expect((await failure(safeFetch(url, open()))).message).toMatch(/only http:\/\/ and https:\/\/ addresses are fetched/);
    }
    expect((await failure(safeFetch('not a url', open()))).message).toMatch(/not a valid web address/);
  });
});

describe('safeFetch: failures', () => {
  it('gives up after maxRedirects hops of a redirect loop', async () => {
    const before = web.count('/loop');
    const error = await failure(safeFetch(web.url('/loop'), open()));
    expect(error.message).toBe(`${web.url('/loop')}: redirected more than 5 times.`);
    expect(web.count('/loop') - before).toBe(6);
    expect((await failure(safeFetch(web.url('/hop1'), open({ maxRedirects: 2 })))).message).toMatch(/redirected more than 2 times/);
    expect((await failure(safeFetch(web.url('/no-location'), open()))).message).toMatch(/answered 302, a redirect without a Location/);
  });

  it('names error statuses', async () => {
    expect((await failure(safeFetch(web.url('/missing-page'), open()))).message).toBe(`${web.url('/missing-page')}: answered 404 (Not Found).`);
    expect((await failure(safeFetch(web.url('/broken'), open()))).message).toMatch(/answered 503 \(Service Unavailable\)/);
    expect((await failure(safeFetch(web.url('/nowhere'), open()))).message).toMatch(/answered 404/);
  });

  it('times out waiting for headers and while a body trickles in', async () => {
    expect((await failure(safeFetch(web.url('/slow-headers'), open({ timeoutMs: 300 })))).message).toBe(
      `${web.url('/slow-headers')}: did not answer within 0.3 s (FETCH_TIMEOUT_MS).`,
    );
    expect((await failure(safeFetch(web.url('/slow-body'), open({ timeoutMs: 500 })))).message).toMatch(/did not answer within 0\.5 s/);
  });

  it('refuses a 50 MB body past the cap, streamed or declared, and a gzip bomb once inflated', async () => {
    expect((await failure(safeFetch(web.url('/huge'), open()))).message).toBe(`${web.url('/huge')}: is larger than 1 MB (FETCH_MAX_BYTES).`);
    expect((await failure(safeFetch(web.url('/huge-declared'), open()))).message).toMatch(/is larger than 1 MB/);
    expect((await failure(safeFetch(web.url('/bomb'), open()))).message).toBe(`${web.url('/bomb')}: is larger than 1 MB once decompressed (FETCH_MAX_BYTES).`);
    // The bomb is small on the wire: only its inflated size gives it away.
    expect((await failure(safeFetch(web.url('/bomb'), open({ maxBytes: 5 * MB })))).message).toMatch(/larger than 5 MB once decompressed/);
  });

  it('refuses media types that are not pages or feeds, before reading them', async () => {
    expect((await failure(safeFetch(web.url('/image'), open()))).message).toBe(`${web.url('/image')}: is an image (image/png), not a page or a feed.`);
    expect((await failure(safeFetch(web.url('/pdf'), open()))).message).toMatch(/is a PDF document \(application\/pdf\)/);
    expect((await failure(safeFetch(web.url('/octets'), open()))).message).toMatch(/is a binary file \(application\/octet-stream\)/);
    expect((await failure(safeFetch(web.url('/untyped-binary'), open()))).message).toMatch(/is a binary file \(no Content-Type/);
    const untyped = await safeFetch(web.url('/untyped-text'), open());
    expect(untyped.contentType).toBeNull();
  });

  it('reports a connection reset mid-body and a damaged compressed body', async () => {
    expect((await failure(safeFetch(web.url('/cut'), open()))).message).toMatch(/cut the connection off before the whole answer arrived/);
    expect((await failure(safeFetch(web.url('/damaged-gzip'), open()))).message).toMatch(/sent a damaged gzip body/);
  });

  it('reports a refused connection and a cancelled fetch', async () => {
    const gone = await startWebServer();
    const url = gone.url('/x');
    await gone.close();
    expect((await failure(safeFetch(url, open()))).message).toBe(`${url}: refused the connection (nothing listens there).`);
    const controller = new AbortController();
    const pending = safeFetch(web.url('/slow-headers'), open({ signal: controller.signal }));
    setTimeout(() => controller.abort(), 50);
    expect((await failure(pending)).message).toBe(`${web.url('/slow-headers')}: the fetch was cancelled.`);
  });
});
