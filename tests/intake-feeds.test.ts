/**
 * Feeds: parseFeed (src/intake/feeds.ts) over RSS 2.0, RSS 1.0 (RDF) and Atom documents, and
 * the FeedPoller (src/intake/poller.ts) polling them over real HTTP through safeFetch from the
 * FIXTURE web server on 127.0.0.1 (tests/helpers/web-server.ts).
 *
 * FIXTURES: every feed and page here was written for these tests (invented headlines and
 * dates); none is a real outlet's. `take` is a stand-in for the intake service: it fetches the
 * item's page from the fixture server and records what it was given.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import iconv from 'iconv-lite';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { IntakeError } from '../src/errors.js';
import { decodeFeed, parseFeed, type FeedItem } from '../src/intake/feeds.js';
import { safeFetch, type FetchOptions, type Fetched } from '../src/intake/fetch.js';
import { FeedPoller, MAX_ITEM_ATTEMPTS, type FeedPollerDeps } from '../src/intake/poller.js';
import { createLogger } from '../src/log.js';
import { page, startWebServer, type Route, type WebServer } from './helpers/web-server.js';

// ---- FIXTURE documents -------------------------------------------------------------------

interface FixtureItem {
  guid?: string;
  link?: string;
  title?: string;
  date?: string;
  description?: string;
  full?: string;
}

/** FIXTURE: an RSS 2.0 feed with the content module. */
function rss2(title: string, items: FixtureItem[]): string {
  const body = items
    .map(
      (i) => `  <item>
    ${i.title !== undefined ? `<title>${i.title}</title>` : ''}
    ${i.link !== undefined ? `<link>${i.link}</link>` : ''}
    ${i.guid !== undefined ? `<guid isPermaLink="false">${i.guid}</guid>` : ''}
    ${i.date !== undefined ? `<pubDate>${i.date}</pubDate>` : ''}
    ${i.description !== undefined ? `<description><![CDATA[${i.description}]]></description>` : ''}
    ${i.full !== undefined ? `<content:encoded><![CDATA[${i.full}]]></content:encoded>` : ''}
  </item>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel>
  <title>${title}</title>
  <link>https://fixture.example/</link>
  <description>FIXTURE feed written for tests</description>
${body}
</channel>
</rss>`;
}

/** FIXTURE: an RSS 1.0 (RDF) feed with Dublin Core dates. */
function rss1(title: string, items: FixtureItem[]): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://fixture.example/rdf">
    <title>${title}</title>
    <link>https://fixture.example/</link>
    <description>FIXTURE feed written for tests</description>
    <items><rdf:Seq>${items.map((i) => `<rdf:li resource="${i.link}"/>`).join('')}</rdf:Seq></items>
  </channel>
${items
  .map(
    (i) => `  <item rdf:about="${i.link}">
    <title>${i.title}</title>
    <link>${i.link}</link>
    <description>${i.description ?? ''}</description>
    <dc:date>${i.date}</dc:date>
  </item>`,
  )
  .join('\n')}
</rdf:RDF>`;
}

/** FIXTURE: an Atom 1.0 feed. */
function atom(title: string, items: FixtureItem[]): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>${title}</title>
  <id>urn:fixture:atom</id>
  <updated>2026-12-03T09:00:00Z</updated>
  <link rel="self" href="/atom.xml"/>
${items
  .map(
    (i) => `  <entry>
    <id>${i.guid}</id>
    <title>${i.title}</title>
    <link rel="related" href="https://elsewhere.example/x"/>
    <link rel="alternate" type="text/html" href="${i.link}"/>
    <published>${i.date}</published>
    <updated>2026-12-03T09:00:00Z</updated>
    ${i.description !== undefined ? `<summary>${i.description}</summary>` : ''}
    ${i.full !== undefined ? `<content type="html">${i.full.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</content>` : ''}
  </entry>`,
  )
  .join('\n')}
</feed>`;
}

/** FIXTURE: an article page the feed items point at. */
function articlePage(headline: string): string {
  return `<!doctype html><html lang="ar"><head><meta charset="utf-8"><title>${headline}</title></head><body><article><h1>${headline}</h1><p>نص تجريبي كتب للاختبار.</p></article></body></html>`;
}

// ---- parseFeed ---------------------------------------------------------------------------

describe('parseFeed', () => {
  it('reads RSS 2.0: guid ids, absolute links, ISO dates, full content and summary', async () => {
    const feed = await parseFeed(
      rss2('وكالة الاختبار', [
        { guid: 'item-2', link: '/news/2', title: 'الخبر الثاني', date: 'Thu, 03 Dec 2026 08:30:00 +0300', description: '<p>ملخص</p>', full: '<p>النص الكامل للخبر الثاني</p>' },
        { link: 'https://fixture.example/news/1', title: '  الخبر\n الأول ', date: 'not a date' },
        { title: 'Only a title' },
        { link: 'javascript:alert(1)', guid: 'js' },
      ]),
      'https://fixture.example/feeds/main.xml',
    );
    expect(feed.title).toBe('وكالة الاختبار');
    expect(feed.items[0]).toEqual({
      id: 'item-2',
      link: 'https://fixture.example/news/2',
      title: 'الخبر الثاني',
      published: '2026-12-03T05:30:00.000Z',
      content: '<p>النص الكامل للخبر الثاني</p>',
      summary: '<p>ملخص</p>',
    });
    // No guid: the link is the id; an unreadable date is null, not invented; no description, no summary.
    expect(feed.items[1]).toEqual({ id: 'https://fixture.example/news/1', link: 'https://fixture.example/news/1', title: 'الخبر الأول', published: null, content: null, summary: null });
    // Nothing to identify it by but a title: that is the id (so it is still taken once).
    expect(feed.items[2]).toEqual({ id: 'title:Only a title', link: null, title: 'Only a title', published: null, content: null, summary: null });
    expect(feed.items[3]).toMatchObject({ id: 'js', link: null });
  });

  it('reads RSS 1.0 (RDF): links as ids, Dublin Core dates, descriptions as summaries', async () => {
    const feed = await parseFeed(
      rss1('RDF fixture', [
        { link: 'https://fixture.example/rdf/1', title: 'أول', date: '2026-12-01T10:00:00+03:00', description: 'وصف أول' },
        { link: 'https://fixture.example/rdf/2', title: 'ثان', date: '2026-12-02T10:00:00Z' },
      ]),
    );
    expect(feed.title).toBe('RDF fixture');
    expect(feed.items).toEqual([
      { id: 'https://fixture.example/rdf/1', link: 'https://fixture.example/rdf/1', title: 'أول', published: '2026-12-01T07:00:00.000Z', content: null, summary: 'وصف أول' },
      { id: 'https://fixture.example/rdf/2', link: 'https://fixture.example/rdf/2', title: 'ثان', published: '2026-12-02T10:00:00.000Z', content: null, summary: null },
    ]);
  });

  it('reads Atom: entry ids, the alternate link, published dates, html content; a bad date spoils only that field', async () => {
    const xml = atom('Atom fixture', [
      { guid: 'tag:fixture,2026:1', link: '/a/1', title: 'مدخل', date: '2026-12-03T08:00:00+02:00', description: 'ملخص المدخل', full: '<p>نص <b>كامل</b></p>' },
      { guid: 'tag:fixture,2026:2', link: '/a/2', title: 'بتاريخ تالف', date: 'yesterday-ish' },
    ]);
    const feed = await parseFeed(xml, 'http://127.0.0.1:9/atom.xml');
    expect(feed.title).toBe('Atom fixture');
    expect(feed.items[0]).toEqual({
      id: 'tag:fixture,2026:1',
      link: 'http://127.0.0.1:9/a/1',
      title: 'مدخل',
      published: '2026-12-03T06:00:00.000Z',
      content: '<p>نص <b>كامل</b></p>',
      summary: 'ملخص المدخل',
    });
    // The unreadable <published> falls back to <updated>.
    expect(feed.items[1]).toMatchObject({ id: 'tag:fixture,2026:2', published: '2026-12-03T09:00:00.000Z', content: null });
  });

  it('reads Atom xhtml titles and content as text / markup', async () => {
    const feed = await parseFeed(`<feed xmlns="http://www.w3.org/2005/Atom"><title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">عنوان <b>المغذي</b></div></title>
      <entry><id>x1</id><title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">عنوان</div></title><link href="https://fixture.example/x1"/>
      <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>فقرة <b>أولى</b></p></div></content></entry></feed>`);
    expect(feed.title).toBe('عنوان المغذي');
    expect(feed.items[0]!.title).toBe('عنوان');
    expect(feed.items[0]!.content).toContain('<p>فقرة <b>أولى</b></p>');
  });

  it('decodes windows-1256 and ISO-8859-6 feeds, from the header or the XML declaration', async () => {
    const text = rss2('أخبار', [{ guid: 'a', title: 'عاجل' }]);
    const cp1256 = iconv.encode(text.replace('encoding="UTF-8"', 'encoding="windows-1256"'), 'windows-1256');
    expect((await parseFeed(decodeFeed(cp1256, null))).items[0]!.title).toBe('عاجل');
    const iso = iconv.encode(text, 'iso-8859-6');
    expect((await parseFeed(decodeFeed(iso, 'iso-8859-6'))).title).toBe('أخبار');
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]);
    expect((await parseFeed(decodeFeed(bom, null))).title).toBe('أخبار');
  });

  it('refuses malformed XML and documents that are not feeds, naming the feed', async () => {
    const truncated = rss2('x', [{ guid: 'a', title: 'b' }]).slice(0, 200);
    const error = await parseFeed(truncated, 'https://fixture.example/broken.xml').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IntakeError);
    expect((error as IntakeError).message).toMatch(/^https:\/\/fixture\.example\/broken\.xml: is not well-formed XML \(.+line \d+\)/);
    expect((error as IntakeError).source).toBe('https://fixture.example/broken.xml');
    const html = await parseFeed('<html><body>not a feed</body></html>', 'https://fixture.example/page').catch((e: unknown) => e);
    expect((html as IntakeError).message).toBe('https://fixture.example/page: is not an RSS or Atom feed (its document is neither <rss>, <rdf:RDF> nor <feed>).');
    expect(await parseFeed('', 'u').catch((e: unknown) => e)).toBeInstanceOf(IntakeError);
    expect(await parseFeed('<rss version="2.0"><channel><item></channel>', 'u').catch((e: unknown) => e)).toBeInstanceOf(IntakeError);
  });

  it('does not expand entities the document declares, nor read external ones', async () => {
    const laughs = `<!DOCTYPE r [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>
      <rss version="2.0"><channel><title>&c;</title><item><guid>1</guid><title>&c;&c;</title></item></channel></rss>`;
    // Either the document is refused or the entity stays unexpanded; never "hahaha…".
    const laughed = await parseFeed(laughs, 'u').then((f) => JSON.stringify(f), (e: unknown) => e);
    if (typeof laughed === 'string') expect(laughed).not.toContain('haha');
    else expect(laughed).toBeInstanceOf(IntakeError);
    const external = `<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><rss version="2.0"><channel><title>&x;</title></channel></rss>`;
    const result = await parseFeed(external, 'u').then((f) => f.title, (e: unknown) => e);
    if (typeof result === 'string') expect(result).not.toContain('root:');
    else expect(result).toBeInstanceOf(IntakeError);
  });
});

// ---- FeedPoller --------------------------------------------------------------------------

const MINUTE = 60_000;
let web: WebServer;
const tmpDirs: string[] = [];

beforeAll(async () => {
  web = await startWebServer();
  for (let i = 1; i <= 8; i++) web.route(`/news/${i}`, page(articlePage(`خبر رقم ${i}`)));
});
afterAll(() => web.close());
afterEach(() => {
  for (const dir of tmpDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A feed route served with an ETag derived from its body (so a changed feed gets a new one). */
function feedRoute(xml: string, type = 'application/rss+xml; charset=utf-8'): Route {
  let hash = 0;
  for (const ch of xml) hash = (hash * 31 + ch.charCodeAt(0)) | 0;
  return { body: xml, headers: { 'content-type': type }, etag: `"${(hash >>> 0).toString(16)}"`, lastModified: 'Thu, 03 Dec 2026 09:00:00 GMT' };
}

/** n items, newest first by date but listed in scrambled order, linking to the fixture pages. */
function items(ids: number[]): FixtureItem[] {
  return ids.map((i) => ({ guid: `g-${i}`, link: `/news/${i}`, title: `خبر رقم ${i}`, date: new Date(Date.UTC(2026, 11, 1, i)).toUTCString() }));
}

function capture() {
  const lines: string[] = [];
  const log = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(line) } });
  return { log, warnings: () => lines.map((l) => JSON.parse(l) as { level: number; msg: string; feed?: string }).filter((l) => l.level === 40) };
}

interface Taken {
  item: FeedItem;
  feed: { url: string; title: string | null };
}

/** The intake stand-in: fetches the item's page from the fixture server, then says added. */
function fakeIntake() {
  const taken: Taken[] = [];
  const take: FeedPollerDeps['take'] = async (item, feed) => {
    taken.push({ item, feed });
    const page = await safeFetch(item.link!, fetchOptions);
    return page.status === 200 ? { added: true } : { added: false, reason: 'no page' };
  };
  return { taken, take };
}

const fetchOptions: FetchOptions = { allowPrivate: true, timeoutMs: 2_000, maxBytes: 1024 * 1024 };

function poller(extra: Partial<FeedPollerDeps> & Pick<FeedPollerDeps, 'feeds' | 'take'>): FeedPoller {
  return new FeedPoller({ fetch: safeFetch, fetchOptions, maxItems: 10, intervalMs: 15 * MINUTE, log: capture().log, ...extra });
}

describe('FeedPoller', () => {
  it('takes new items newest first, at most maxItems a poll, the rest on later polls; then a 304 takes nothing', async () => {
    web.route('/p1/feed.xml', feedRoute(rss2('وكالة الاختبار', items([3, 1, 5, 2, 4]))));
    const { taken, take } = fakeIntake();
    const p = poller({ feeds: [web.url('/p1/feed.xml')], take, maxItems: 2 });

    const first = await p.pollOnce();
    expect(taken.map((t) => t.item.id)).toEqual(['g-5', 'g-4']);
    expect(taken[0]!.item.link).toBe(web.url('/news/5'));
    expect(taken[0]!.feed).toEqual({ url: web.url('/p1/feed.xml'), title: 'وكالة الاختبار' });
    expect(first.feeds[0]).toMatchObject({ status: 'polled', added: 2, skipped: 0, failed: 0, left: 3, error: null });
    expect(web.count('/news/5')).toBe(1);

    // Items were left over: the next fetch is unconditional, so they are seen although the feed did not change.
    const second = await p.pollOnce();
    expect(web.requests.filter((r) => r.path === '/p1/feed.xml').at(-1)!.headers['if-none-match']).toBeUndefined();
    expect(second.feeds[0]).toMatchObject({ added: 2, left: 1 });
    await p.pollOnce();
    expect(taken.map((t) => t.item.id)).toEqual(['g-5', 'g-4', 'g-3', 'g-2', 'g-1']);

    const fourth = await p.pollOnce();
    const last = web.requests.filter((r) => r.path === '/p1/feed.xml').at(-1)!;
    expect(last.headers['if-none-match']).toMatch(/^"/);
    expect(last.headers['if-modified-since']).toBe('Thu, 03 Dec 2026 09:00:00 GMT');
    expect(fourth.feeds[0]).toMatchObject({ status: 'not-modified', added: 0, left: 0 });
    expect(taken).toHaveLength(5);
  });

  it('reads RSS 1.0 and Atom feeds too, and takes an item delivered twice only once', async () => {
    const rdf = rss1('RDF', [
      { link: web.url('/news/6'), title: 'ستة', date: '2026-12-02T06:00:00Z' },
      { link: web.url('/news/6'), title: 'ستة مكرر', date: '2026-12-02T06:00:00Z' },
    ]);
    web.route('/p2/rdf.xml', feedRoute(rdf, 'application/rdf+xml'));
    web.route('/p2/atom.xml', feedRoute(atom('Atom', [{ guid: 'tag:7', link: '/news/7', title: 'سبعة', date: '2026-12-02T07:00:00Z', full: '<p>كامل</p>' }]), 'application/atom+xml'));
    const { taken, take } = fakeIntake();
    const p = poller({ feeds: [web.url('/p2/rdf.xml'), web.url('/p2/atom.xml')], take });
    const report = await p.pollOnce();
    expect(taken.map((t) => [t.feed.title, t.item.link])).toEqual([
      ['RDF', web.url('/news/6')],
      ['Atom', web.url('/news/7')],
    ]);
    expect(taken[1]!.item.content).toBe('<p>كامل</p>');
    expect(report.added).toBe(2);

    // The feed changes (new ETag) and still lists the old item next to a new one: only the new one is taken.
    web.route('/p2/atom.xml', feedRoute(atom('Atom', [
      { guid: 'tag:8', link: '/news/8', title: 'ثمانية', date: '2026-12-02T08:00:00Z' },
      { guid: 'tag:7', link: '/news/7', title: 'سبعة (محدث)', date: '2026-12-02T07:00:00Z' },
    ]), 'application/atom+xml'));
    await p.pollOnce();
    expect(taken.map((t) => t.item.id)).toEqual([web.url('/news/6'), 'tag:7', 'tag:8']);
  });

  it('remembers refused items, retries items whose take failed, and gives them up after a few attempts', async () => {
    web.route('/p3/feed.xml', feedRoute(rss2('R', items([1, 2]))));
    const calls: string[] = [];
    const take: FeedPollerDeps['take'] = async (item) => {
      calls.push(item.id);
      if (item.id === 'g-2') return { added: false, reason: 'a duplicate of 2026-12-01-x.txt' };
      throw new IntakeError(`${item.link}: answered 503 (Service Unavailable).`, item.link!);
    };
    const { log, warnings } = capture();
    const p = poller({ feeds: [web.url('/p3/feed.xml')], take, log });
    const first = await p.pollOnce();
    expect(first.feeds[0]!.items).toEqual([
      { id: 'g-2', link: web.url('/news/2'), title: 'خبر رقم 2', outcome: 'skipped', reason: 'a duplicate of 2026-12-01-x.txt' },
      { id: 'g-1', link: web.url('/news/1'), title: 'خبر رقم 1', outcome: 'failed', reason: `${web.url('/news/1')}: answered 503 (Service Unavailable).` },
    ]);
    expect(warnings().some((w) => w.msg.includes(web.url('/news/1')) && w.msg.includes('tried again'))).toBe(true);
    // The failed item keeps the feed "unfinished": refetched unconditionally, the failed item retried.
    for (let i = 1; i < MAX_ITEM_ATTEMPTS + 2; i++) await p.pollOnce();
    expect(calls.filter((id) => id === 'g-2')).toHaveLength(1);
    expect(calls.filter((id) => id === 'g-1')).toHaveLength(MAX_ITEM_ATTEMPTS);
    expect(warnings().some((w) => w.msg.includes(`Given up after ${MAX_ITEM_ATTEMPTS} attempts`))).toBe(true);
  });

  it('a failing feed warns naming it, backs off exponentially, and does not stop the others', async () => {
    web.route('/p4/good.xml', feedRoute(rss2('Good', items([1]))));
    web.route('/p4/bad.xml', { status: 500, body: 'oops' });
    let now = Date.UTC(2026, 11, 4, 12, 0);
    const { log, warnings } = capture();
    const { taken, take } = fakeIntake();
    const bad = web.url('/p4/bad.xml');
    const p = poller({ feeds: [bad, web.url('/p4/good.xml')], take, log, clock: () => now, intervalMs: 10 * MINUTE });

    const first = await p.pollOnce();
    expect(first.feeds[0]).toMatchObject({ url: bad, status: 'failed', failures: 1, nextAttempt: new Date(now + 20 * MINUTE).toISOString() });
    expect(first.feeds[0]!.error).toBe(`${bad}: answered 500 (Internal Server Error).`);
    expect(first.feeds[1]).toMatchObject({ status: 'polled', added: 1 });
    expect(taken).toHaveLength(1);
    expect(warnings().filter((w) => w.feed === bad && w.msg.includes(bad) && w.msg.includes('answered 500'))).toHaveLength(1);

    now += 10 * MINUTE; // one interval later: still backing off, not fetched
    const second = await p.pollOnce();
    expect(second.feeds[0]).toMatchObject({ status: 'backing-off', failures: 1 });
    expect(web.count('/p4/bad.xml')).toBe(1);

    now += 10 * MINUTE + 1; // past the pause: fetched, fails again, the pause doubles
    const third = await p.pollOnce();
    expect(third.feeds[0]).toMatchObject({ status: 'failed', failures: 2, nextAttempt: new Date(now + 40 * MINUTE).toISOString() });
    expect(web.count('/p4/bad.xml')).toBe(2);

    // forced polls (npm run ingest -- --feeds) do not wait; a recovered feed is back to normal.
    web.route('/p4/bad.xml', feedRoute(rss2('Recovered', items([2]))));
    const forced = await p.pollOnce({ force: true });
    expect(forced.feeds[0]).toMatchObject({ status: 'polled', failures: 0, nextAttempt: null, added: 1 });
  });

  it('reports malformed feeds, timeouts, refused types and 404s as feed failures with the reason', async () => {
    web.route('/p5/malformed.xml', feedRoute('<rss version="2.0"><channel><title>x</title><item><title>y</channel></rss>'));
    web.route('/p5/slow.xml', { ...feedRoute(rss2('Slow', items([1]))), delayMs: 5_000 });
    web.route('/p5/image.xml', page(Buffer.from([0x89, 0x50, 0x4e, 0x47]), 'image/png'));
    web.route('/p5/good.xml', feedRoute(rss2('Good', items([3]))));
    const { take } = fakeIntake();
    const urls = ['/p5/malformed.xml', '/p5/slow.xml', '/p5/image.xml', '/p5/missing.xml', '/p5/good.xml'].map((p) => web.url(p));
    const { log, warnings } = capture();
    const p = poller({ feeds: urls, take, log, fetchOptions: { ...fetchOptions, timeoutMs: 300 } });
    const report = await p.pollOnce();
    expect(report.feeds.map((f) => f.status)).toEqual(['failed', 'failed', 'failed', 'failed', 'polled']);
    expect(report.feeds[0]!.error).toMatch(/malformed\.xml: is not well-formed XML/);
    expect(report.feeds[1]!.error).toMatch(/slow\.xml: did not answer within 0\.3 s/);
    expect(report.feeds[2]!.error).toMatch(/image\.xml: is an image \(image\/png\)/);
    expect(report.feeds[3]!.error).toMatch(/missing\.xml: answered 404/);
    expect(report.feeds[4]!.added).toBe(1);
    expect(new Set(warnings().map((w) => w.feed))).toEqual(new Set(urls.slice(0, 4)));
  });

  it('keeps validators, remembered items and failures in the state file across restarts', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'feeds-state-'));
    tmpDirs.push(dir);
    const statePath = path.join(dir, 'sub', 'feeds-state.json');
    web.route('/p6/feed.xml', feedRoute(rss2('State', items([1, 2]))));
    const feeds = [web.url('/p6/feed.xml')];
    const one = fakeIntake();
    await poller({ feeds, take: one.take, statePath }).pollOnce();
    expect(one.taken).toHaveLength(2);
    const saved = JSON.parse(fs.readFileSync(statePath, 'utf8')) as { feeds: Record<string, { seen: string[]; etag: string }> };
    expect(saved.feeds[feeds[0]!]!.seen.sort()).toEqual(['g-1', 'g-2']);
    expect(fs.readdirSync(path.dirname(statePath))).toEqual(['feeds-state.json']);

    // A restart: conditional GET with the saved ETag (304), nothing taken again.
    const two = fakeIntake();
    const report = await poller({ feeds, take: two.take, statePath }).pollOnce();
    expect(report.feeds[0]!.status).toBe('not-modified');
    // The feed changed meanwhile: old items are still remembered.
    web.route('/p6/feed.xml', feedRoute(rss2('State', items([1, 2, 3]))));
    await poller({ feeds, take: two.take, statePath }).pollOnce();
    expect(two.taken.map((t) => t.item.id)).toEqual(['g-3']);

    // A damaged state file is reported and replaced, not fatal.
    fs.writeFileSync(statePath, '{"version": 1, "feeds": ');
    const { log, warnings } = capture();
    const three = fakeIntake();
    await poller({ feeds, take: three.take, statePath, log }).pollOnce();
    expect(warnings()[0]!.msg).toMatch(/feed state file .* is unreadable/);
    expect(three.taken).toHaveLength(3);
    expect(() => JSON.parse(fs.readFileSync(statePath, 'utf8'))).not.toThrow();
  });

  it('bounds the remembered ids per feed, forgetting first the ids the feed no longer lists', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'feeds-state-'));
    tmpDirs.push(dir);
    const statePath = path.join(dir, 'feeds-state.json');
    const url = web.url('/p7/feed.xml');
    const seen = () => (JSON.parse(fs.readFileSync(statePath, 'utf8')) as { feeds: Record<string, { seen: string[] }> }).feeds[url]!.seen;
    web.route('/p7/feed.xml', feedRoute(rss2('Many', items([1, 2, 3]))));
    const { taken, take } = fakeIntake();
    const p = poller({ feeds: [url], take, maxSeen: 3, statePath });
    await p.pollOnce();
    web.route('/p7/feed.xml', feedRoute(rss2('Many', items([4, 5]))));
    await p.pollOnce();
    expect(taken.map((t) => t.item.id)).toEqual(['g-3', 'g-2', 'g-1', 'g-5', 'g-4']);
    expect(seen()).toHaveLength(3);
    expect(seen()).toEqual(expect.arrayContaining(['g-4', 'g-5']));
    web.route('/p7/feed.xml', feedRoute(rss2('Many', items([4, 5, 6]))));
    await p.pollOnce();
    expect(taken.slice(5).map((t) => t.item.id)).toEqual(['g-6']);
    expect(seen()).toHaveLength(3);
  });

  it('start() polls on the interval without overlapping; stop() during a poll waits for it and ends polling', async () => {
    web.route('/p8/feed.xml', feedRoute(rss2('Stop', items([1, 2, 3]))));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inTake = new Promise<void>((resolve) => (entered = resolve));
    const calls: string[] = [];
    let fetches = 0;
    let concurrent = 0;
    let maxConcurrent = 0;
    const fetch = async (url: string, options: FetchOptions): Promise<Fetched> => {
      fetches += 1;
      concurrent += 1;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      try {
        return await safeFetch(url, options);
      } finally {
        concurrent -= 1;
      }
    };
    const take: FeedPollerDeps['take'] = async (item) => {
      calls.push(item.id);
      entered();
      await gate;
      return { added: true };
    };
    const p = poller({ feeds: [web.url('/p8/feed.xml')], take, fetch, intervalMs: 5 });
    p.start();
    await inTake;
    // Several intervals pass while the first poll is stuck in take: no second poll starts.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fetches).toBe(1);
    let stopped = false;
    const stopping = p.stop().then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(calls).toEqual(['g-3']); // the item in progress finished; the others wait for the next run
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fetches).toBe(1);
    expect(maxConcurrent).toBe(1);
  });
});
