/**
 * The intake service over a real engine (lexical, a temporary copy of the test corpus) and real
 * fetching from the FIXTURE web server on 127.0.0.1: every source becomes one article file with
 * front matter and is answerable at once; duplicates (same address, same text, same update
 * twice, near-duplicates of a wire story), edits and every bad input give the result they should;
 * the tables survive a restart; the folder watcher picks up files written by someone else.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import iconv from 'iconv-lite';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { safeFetch } from '../src/intake/fetch.js';
import { IntakeService, splitPost, type IntakeFetch, type IntakeResult, type PostInput } from '../src/intake/service.js';
import { watchCorpus } from '../src/intake/watch.js';
import { parseFrontMatter } from '../src/ingest/front-matter.js';
import { silentLogger } from '../src/log.js';
import type { Engine, IndexChanges } from '../src/types.js';
import { createTestEngine, type TestEngine } from './helpers/engine.js';
import { bodyOf, newsPage, OTHER_POST, OTHER_POST_EDITED, WIRE_POST, WIRE_REPUBLISHED } from './helpers/intake-fixtures.js';
import { huge, page, startWebServer, type WebServer } from './helpers/web-server.js';

const SETTINGS = { fetchAllowPrivate: true, fetchTimeoutMs: 5_000, fetchMaxBytes: 1024 * 1024 };
const NOW = Date.parse('2026-12-04T12:00:00Z');

let web: WebServer;
beforeAll(async () => {
  web = await startWebServer({
    '/news/desalination': page(newsPage({ title: 'افتتاح محطة لتحلية مياه البحر في صور', outlet: 'الوكالة الوطنية للإعلام', date: '2026-12-01', paragraphs: bodyOf(WIRE_POST) })),
    '/news/books-1256': page(
      iconv.encode(newsPage({ title: 'معرض الكتاب في عمّان', outlet: 'صحيفة الرأي', date: '2026-11-30', paragraphs: bodyOf(OTHER_POST), charset: 'windows-1256' }), 'windows-1256'),
      'text/html',
    ),
    '/news/empty': page('<html><head><title>x</title></head><body><nav><a href="/">الرئيسية</a></nav></body></html>'),
    '/news/malformed': page('<html><body><div><p>نص<<<</div></span>&&& <script>while(true){}</script'),
    '/big': huge(50 * 1024 * 1024, { declareLength: true }),
    '/image.png': page(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]), 'image/png'),
  });
});
afterAll(async () => {
  await web?.close();
});

/** Counts updateFiles calls and the names passed, around a real engine. */
function countingEngine(engine: Engine) {
  const calls: string[][] = [];
  const wrapped: Engine = {
    ...engine,
    ask: (q, c) => engine.ask(q, c),
    retrieve: (q, c) => engine.retrieve(q, c),
    info: () => engine.info(),
    chunk: (id) => engine.chunk(id),
    reindex: () => engine.reindex(),
    updateFiles: (files): Promise<IndexChanges> => {
      calls.push(files);
      return engine.updateFiles(files);
    },
    close: () => engine.close(),
  };
  return { engine: wrapped, calls };
}

/** A channel post; its t.me address follows its origin key unless given. */
const post = (text: string, over: Partial<PostInput> = {}): PostInput => {
  const origin = over.origin ?? 'channel:-100900/17';
  return { kind: 'post', text, outlet: 'قناة الأخبار', date: '2026-12-01', url: `https://t.me/newsfixture/${origin.replace(/\D+/g, '_')}`, origin, source: 'channel', ...over };
};

function added(result: IntakeResult): Extract<IntakeResult, { status: 'added' | 'updated' }> {
  if (result.status !== 'added' && result.status !== 'updated') throw new Error(`expected added, got ${JSON.stringify(result)}`);
  return result;
}

let te: TestEngine;
let service: IntakeService;
let counted: ReturnType<typeof countingEngine>;
const open = (fetch: IntakeFetch = safeFetch, settings = SETTINGS) =>
  IntakeService.open({ corpusDir: te.corpusDir, engine: counted.engine, fetch, log: silentLogger(), clock: () => NOW, settings });

beforeEach(async () => {
  te = await createTestEngine();
  counted = countingEngine(te.engine);
  service = await open();
});
afterEach(async () => {
  await te.cleanup();
});

async function corpusFiles(): Promise<string[]> {
  return (await fs.readdir(te.corpusDir)).filter((n) => !/^0\d\d_/.test(n)).sort();
}

describe('posts and forwards', () => {
  it('a post becomes an article file with its metadata and is answerable at once', async () => {
    const r = added(await service.add(post(WIRE_POST)));
    expect(r.status).toBe('added');
    expect(r.title).toBe('افتتاح محطة لتحلية مياه البحر في مدينة صور الساحلية');
    expect(r.outlet).toBe('قناة الأخبار');
    expect(r.date).toBe('2026-12-01');
    expect(r.url).toBe('https://t.me/newsfixture/_100900_17');
    expect(r.chunks).toBeGreaterThan(0);
    expect(r.file).toMatch(/^2026-12-01_[0-9a-f]{12}\.txt$/);
    expect(counted.calls).toEqual([[r.file]]);
    const raw = await fs.readFile(path.join(te.corpusDir, r.file), 'utf8');
    expect(parseFrontMatter(raw)?.fields).toMatchObject({ title: r.title, outlet: 'قناة الأخبار', date: '2026-12-01', url: r.url, source: 'channel', origin: 'channel:-100900/17' });
    expect(raw).toContain('18 مليون يورو');
    const answer = await te.engine.ask('كم تنتج محطة تحلية المياه في صور يوميا؟');
    expect(answer.answered).toBe(true);
    expect(answer.citations.map((c) => c.file)).toContain(r.file);
  });

  it('the same update delivered twice adds the article once', async () => {
    const first = added(await service.add(post(OTHER_POST)));
    const second = await service.add(post(OTHER_POST));
    expect(second).toMatchObject({ status: 'duplicate', why: 'same text', of: { file: first.file } });
    expect(await corpusFiles()).toEqual([first.file]);
    expect(counted.calls).toHaveLength(1);
  });

  it('two deliveries at the same moment still add once (adds are queued)', async () => {
    const results = await Promise.all([service.add(post(OTHER_POST)), service.add(post(OTHER_POST))]);
    expect(results.map((r) => r.status).sort()).toEqual(['added', 'duplicate']);
    expect(await corpusFiles()).toHaveLength(1);
  });

  it('an edited post rewrites its file (updated), and the new text is what is answered', async () => {
    const first = added(await service.add(post(OTHER_POST)));
    const edit = added(await service.add(post(OTHER_POST_EDITED)));
    expect(edit.status).toBe('updated');
    expect(edit.file).toBe(first.file);
    expect(await corpusFiles()).toEqual([first.file]);
    const raw = await fs.readFile(path.join(te.corpusDir, first.file), 'utf8');
    expect(raw).toContain('350 دار نشر');
    expect(raw).not.toContain('300 دار نشر');
  });

  it('the same text under another origin is a duplicate of the first article', async () => {
    const first = added(await service.add(post(OTHER_POST)));
    const again = await service.add(post(OTHER_POST, { origin: 'channel:-100777/3', outlet: 'قناة أخرى', url: null }));
    expect(again).toMatchObject({ status: 'duplicate', why: 'same text', of: { file: first.file, outlet: 'قناة الأخبار' } });
  });

  it('a near-duplicate from another outlet is written with duplicate-of and not indexed twice', async () => {
    const wire = added(await service.add(post(WIRE_POST)));
    const copy = added(await service.add(post(WIRE_REPUBLISHED, { origin: 'channel:-100777/9', outlet: 'قناة الجنوب', url: 'https://t.me/southfixture/9' })));
    expect(copy.alsoOf).toMatchObject({ file: wire.file, outlet: 'قناة الأخبار' });
    expect(copy.alsoOf!.similarity).toBeGreaterThan(0.35);
    expect(copy.chunks).toBe(0);
    const raw = await fs.readFile(path.join(te.corpusDir, copy.file), 'utf8');
    expect(parseFrontMatter(raw)?.fields.duplicateOf).toBe(wire.file);
    // An unrelated story is not matched.
    const other = added(await service.add(post(OTHER_POST, { origin: 'channel:-100900/18' })));
    expect(other.alsoOf).toBeUndefined();
    // The answer quotes the story once and names the other outlet under it.
    const answer = await te.engine.ask('كم تنتج محطة تحلية المياه في صور يوميا؟');
    const files = answer.citations.map((c) => c.file);
    expect(files).toContain(wire.file);
    expect(files).not.toContain(copy.file);
    const cited = answer.citations.find((c) => c.file === wire.file)!;
    expect(cited.alsoPublishedBy).toEqual([{ file: copy.file, outlet: 'قناة الجنوب', date: '2026-12-01', url: 'https://t.me/southfixture/9' }]);
  });

  it("one outlet's templated items (near-identical texts about different places) are each indexed", async () => {
    const item = (town: string, books: number) =>
      [`مكتبة عامة جديدة في ${town}`, `افتتحت بلدية ${town} مكتبة عامة جديدة تضم ${books} كتاب بتمويل من منظمة دولية.`, `وقال رئيس البلدية إن مكتبة ${town} ستفتح أبوابها للطلاب يوميا من الثامنة صباحا حتى الثامنة مساء.`, 'وأضاف أن المشروع يشمل قاعة للمطالعة وأخرى للحواسيب.'].join('\n');
    const tyre = added(await service.add(post(item('صور', 1000), { origin: 'channel:-100900/30' })));
    const sidon = added(await service.add(post(item('صيدا', 2500), { origin: 'channel:-100900/31' })));
    expect(tyre.alsoOf).toBeUndefined();
    expect(sidon.alsoOf).toBeUndefined();
    expect(sidon.chunks).toBeGreaterThan(0);
    const answer = await te.engine.ask('كم كتابا تضم مكتبة صيدا؟');
    expect(answer.citations.map((c) => c.file)).toContain(sidon.file);
  });

  it('an empty post is rejected and nothing is written', async () => {
    const r = await service.add(post(' \n\u200f \n'));
    expect(r).toMatchObject({ status: 'rejected', code: 'empty' });
    expect(await corpusFiles()).toEqual([]);
    expect(counted.calls).toEqual([]);
  });

  it('splitPost: the first line is the headline; a one-paragraph post gives its first sentence', () => {
    expect(splitPost('عنوان الخبر\nالنص الأول.\nالنص الثاني.')).toEqual({ title: 'عنوان الخبر', paragraphs: ['النص الأول.', 'النص الثاني.'] });
    const one = splitPost('🔴 عاجل: انقطاع الكهرباء عن بيروت. وقالت الشركة إن الإصلاح يستغرق ساعات.');
    expect(one.title).toBe('عاجل: انقطاع الكهرباء عن بيروت.');
    expect(one.paragraphs).toHaveLength(1);
  });
});

describe('links', () => {
  it('a page is fetched, extracted, written with its address and answerable; the same address again is not fetched', async () => {
    const url = web.url('/news/desalination');
    const r = added(await service.addUrl(url));
    expect(r.title).toContain('تحلية');
    expect(r.outlet).toBe('الوكالة الوطنية للإعلام');
    expect(r.date).toBe('2026-12-01');
    expect(r.url).toBe(url);
    const raw = await fs.readFile(path.join(te.corpusDir, r.file), 'utf8');
    expect(raw).not.toContain('never run');
    expect(raw).not.toContain('الأكثر قراءة');
    const answer = await te.engine.ask('من موّل محطة تحلية المياه في صور؟');
    expect(answer.citations.map((c) => c.file)).toContain(r.file);

    const seen = web.count('/news/desalination');
    const again = await service.addUrl(`${url}?utm_source=telegram`);
    expect(again).toMatchObject({ status: 'duplicate', why: 'same address', of: { file: r.file } });
    expect(web.count('/news/desalination')).toBe(seen);
  });

  it('a windows-1256 page comes out as correct Arabic', async () => {
    const r = added(await service.addUrl(web.url('/news/books-1256')));
    const raw = await fs.readFile(path.join(te.corpusDir, r.file), 'utf8');
    expect(raw).toContain('فعاليات الدورة الحادية والعشرين لمعرض الكتاب');
  });

  it.each([
    ['/missing', 'fetch', /404/],
    ['/news/empty', 'not-article', /./],
    ['/big', 'too-large', /larger than/],
    ['/image.png', 'unsupported', /image/],
  ])('%s is rejected (%s) with a plain reason, nothing written', async (route, code, reason) => {
    const r = await service.addUrl(web.url(route));
    expect(r).toMatchObject({ status: 'rejected', code });
    expect((r as { reason: string }).reason).toMatch(reason);
    expect(await corpusFiles()).toEqual([]);
  });

  it('malformed HTML does not crash: it is an article or a plain rejection', async () => {
    const r = await service.addUrl(web.url('/news/malformed'));
    expect(['added', 'rejected']).toContain(r.status);
  });

  it('a private address is refused without FETCH_ALLOW_PRIVATE, and ftp:// is refused before any fetch', async () => {
    const strict = await open(safeFetch, { ...SETTINGS, fetchAllowPrivate: false });
    const before = web.requests.length;
    expect(await strict.addUrl(web.url('/news/desalination'))).toMatchObject({ status: 'rejected', code: 'refused', reason: expect.stringMatching(/FETCH_ALLOW_PRIVATE/) });
    expect(await strict.addUrl('ftp://example.org/x')).toMatchObject({ status: 'rejected', code: 'refused' });
    expect(web.requests.length).toBe(before);
  });
});

describe('feed items', () => {
  const feed = () => ({ url: web.url('/feed.xml'), title: 'صحيفة الفيد' });
  it('an item carrying its full text is added without fetching its link', async () => {
    const full = `<p>${bodyOf(WIRE_POST).join('</p>\n<p>')}</p>`;
    const r = added(
      await service.addFeedItem({ id: 'g1', link: web.url('/never-fetched'), title: 'محطة تحلية في صور', published: 'Wed, 02 Dec 2026 10:00:00 GMT', content: full, summary: null }, feed()),
    );
    expect(web.count('/never-fetched')).toBe(0);
    expect(r).toMatchObject({ title: 'محطة تحلية في صور', outlet: 'صحيفة الفيد', date: '2026-12-02', url: web.url('/never-fetched') });
    expect(await fs.readFile(path.join(te.corpusDir, r.file), 'utf8')).toContain('بتمويل من الاتحاد الأوروبي');
  });

  it('an item with a teaser only is fetched; the page\'s metadata wins; the same link again is a duplicate without a fetch', async () => {
    const item = { id: 'g2', link: web.url('/news/books-1256'), title: 'عنوان من الفيد', published: '2026-12-01T08:00:00Z', content: '<p>موجز قصير</p>', summary: 'موجز' };
    const r = added(await service.addFeedItem(item, feed()));
    expect(r.outlet).toBe('صحيفة الرأي');
    expect(r.date).toBe('2026-11-30');
    const seen = web.count('/news/books-1256');
    expect(await service.take(item, feed())).toEqual({ added: false, reason: expect.stringMatching(/^duplicate \(same address\)/) });
    expect(web.count('/news/books-1256')).toBe(seen);
  });

  it('an item whose page is gone is not added, with the reason; one whose server fails for now is thrown, to be tried again', async () => {
    const r = await service.take({ id: 'g3', link: web.url('/gone'), title: 'x', published: null, content: null, summary: null }, feed());
    expect(r).toEqual({ added: false, reason: expect.stringMatching(/404/) });
    web.route('/busy', { status: 503, body: 'busy' });
    await expect(service.take({ id: 'g4', link: web.url('/busy'), title: 'x', published: null, content: null, summary: null }, feed())).rejects.toThrow(/503/);
    expect(await corpusFiles()).toEqual([]);
  });
});

describe('inputs that must not make the service throw', () => {
  const feed = () => ({ url: web.url('/feed.xml'), title: 'صحيفة الفيد' });
  const full = (text: string, extra = '') => `<p>${bodyOf(text).join('</p>\n<p>')}${extra}</p>`;

  it('a feed date that is not a real day (30 February, year 10000) is left out; the item is added undated', async () => {
    const cases: Array<[string, string]> = [
      ['2024-02-30', WIRE_POST],
      ['2024-02-30T10:00:00Z', OTHER_POST],
      ['Sat, 01 Jan 10000 00:00:00 GMT', WIRE_REPUBLISHED],
    ];
    for (const [i, [published, text]] of cases.entries()) {
      const r = added(await service.addFeedItem({ id: `bad-date-${i}`, link: null, title: `خبر ${i}`, published, content: full(text), summary: null }, { ...feed(), title: `فيد ${i}` }));
      expect(r.date, published).toBeNull();
      expect(parseFrontMatter(await fs.readFile(path.join(te.corpusDir, r.file), 'utf8'))?.fields.date).toBeUndefined();
    }
  });

  it('numeric references that name no character (above U+10FFFF, a surrogate) are dropped, the rest of the text kept', async () => {
    const r = added(await service.addFeedItem({ id: 'cp', link: null, title: 'محطة', published: '2026-12-02', content: full(WIRE_POST, ' &#99999999; &#xD800; &#1589;&#x648;&#1585;'), summary: null }, feed()));
    const raw = await fs.readFile(path.join(te.corpusDir, r.file), 'utf8');
    expect(raw).toContain('18 مليون يورو');
    expect(raw).toContain('صور');
    expect(raw).not.toMatch(/[\uD800-\uDFFF](?![\uDC00-\uDFFF])/);
  });

  it('a failure while storing (here a clock that gives no time) is a rejected result with the reason, for every source', async () => {
    const broken = await IntakeService.open({ corpusDir: te.corpusDir, engine: counted.engine, fetch: safeFetch, log: silentLogger(), clock: () => Number.NaN, settings: SETTINGS });
    const attempts = [
      broken.addUrl(web.url('/news/desalination')),
      broken.add(post(OTHER_POST)),
      broken.addFeedItem({ id: 'c1', link: null, title: 'x', published: null, content: full(WIRE_REPUBLISHED), summary: null }, feed()),
    ];
    for (const attempt of attempts) {
      await expect(attempt).resolves.toMatchObject({ status: 'rejected', code: 'index', reason: expect.stringMatching(/could not be stored: .*Invalid time value/) });
    }
    expect(await corpusFiles()).toEqual([]);
  });
});

describe('when the index cannot be written', () => {
  /** The counted engine, with its next `failures` updateFiles calls failing. */
  const flaky = (failures: number): Engine => ({
    ...counted.engine,
    updateFiles: (files) => (failures-- > 0 ? Promise.reject(new Error('index disk full (fixture)')) : counted.engine.updateFiles(files)),
  });
  const openFlaky = (failures: number) =>
    IntakeService.open({ corpusDir: te.corpusDir, engine: flaky(failures), fetch: safeFetch, log: silentLogger(), clock: () => NOW, settings: SETTINGS });

  it('the file stays, is not a duplicate, and the next delivery of the post indexes it (into the same file)', async () => {
    const s = await openFlaky(1);
    expect(await s.add(post(WIRE_POST))).toMatchObject({ status: 'rejected', code: 'index', reason: expect.stringMatching(/not indexed: index disk full/) });
    const written = await corpusFiles();
    expect(written).toHaveLength(1);
    const again = added(await s.add(post(WIRE_POST)));
    expect(again.file).toBe(written[0]);
    expect(await corpusFiles()).toEqual(written);
    const answer = await te.engine.ask('كم تنتج محطة تحلية المياه في صور يوميا؟');
    expect(answer.citations.map((c) => c.file)).toContain(again.file);
    expect(await s.add(post(WIRE_POST))).toMatchObject({ status: 'duplicate', why: 'same text' });
  });

  it('a feed item is thrown back to the poller and added on its retry', async () => {
    const s = await openFlaky(1);
    const item = { id: 'ix', link: web.url('/news/desalination'), title: null, published: null, content: null, summary: null };
    await expect(s.take(item, { url: web.url('/feed.xml'), title: null })).rejects.toThrow(/not indexed/);
    expect(await s.take(item, { url: web.url('/feed.xml'), title: null })).toEqual({ added: true });
    expect(await corpusFiles()).toHaveLength(1);
  });

  it('the folder watcher indexes the file left behind', async () => {
    const s = await openFlaky(1);
    await s.add(post(OTHER_POST));
    const [file] = await corpusFiles();
    counted.calls.length = 0;
    await s.syncFiles([file!]);
    expect(counted.calls).toEqual([[file]]);
    expect(await s.add(post(OTHER_POST))).toMatchObject({ status: 'duplicate', of: { file } });
  });
});

describe('uploaded documents', () => {
  const doc = (fileName: string, bytes: Uint8Array | string) => ({ kind: 'document' as const, fileName, bytes: typeof bytes === 'string' ? Buffer.from(bytes) : bytes });

  it('a UTF-8 .txt is read like a scraped page (headline first) and added', async () => {
    const r = added(await service.add(doc('story.txt', `\uFEFF${OTHER_POST}\n`)));
    expect(r.title).toBe('مهرجان للكتاب في عمّان يستقبل 300 دار نشر عربية');
    expect(r.chunks).toBeGreaterThan(0);
  });

  it('an .html upload in windows-1256 is extracted as correct Arabic', async () => {
    const html = iconv.encode(newsPage({ title: 'معرض الكتاب', outlet: 'صحيفة الرأي', date: '2026-11-30', paragraphs: bodyOf(OTHER_POST), charset: 'windows-1256' }), 'windows-1256');
    const r = added(await service.add(doc('page.html', html)));
    expect(r.outlet).toBe('صحيفة الرأي');
    expect(await fs.readFile(path.join(te.corpusDir, r.file), 'utf8')).toContain('بمشاركة 300 دار نشر');
  });

  it.each([
    ['binary', 'story.txt', new Uint8Array([0x50, 0x4b, 3, 4, 0, 0, 9, 9])],
    ['encoding', 'story.txt', iconv.encode(OTHER_POST, 'windows-1256')],
    ['empty', 'story.txt', new Uint8Array(0)],
    ['unsupported', 'story.pdf', Buffer.from('%PDF-1.4')],
    ['too-large', 'story.txt', Buffer.alloc(SETTINGS.fetchMaxBytes + 1, 0x61)],
  ])('%s is rejected, nothing written', async (code, name, bytes) => {
    const r = await service.add(doc(name, bytes));
    expect(r).toMatchObject({ status: 'rejected', code });
    expect(await corpusFiles()).toEqual([]);
  });
});

describe('the corpus folder as the source of truth', () => {
  it('after a restart the tables are rebuilt from the files: same address, same text and edits are recognised', async () => {
    const link = added(await service.addUrl(web.url('/news/desalination')));
    const p = added(await service.add(post(OTHER_POST)));
    const reopened = await open();
    expect(reopened.size).toBe(service.size);
    expect(await reopened.addUrl(web.url('/news/desalination'))).toMatchObject({ status: 'duplicate', why: 'same address', of: { file: link.file } });
    expect(await reopened.add(post(OTHER_POST, { origin: 'channel:-1/1' }))).toMatchObject({ status: 'duplicate', why: 'same text', of: { file: p.file } });
    expect(await reopened.add(post(OTHER_POST_EDITED))).toMatchObject({ status: 'updated', file: p.file });
    // An article already in the folder before intake existed is a duplicate too.
    const legacy = await fs.readFile(path.join(te.corpusDir, '000_7d6114e92663cbab.txt'), 'utf8');
    expect(await reopened.add(post(legacy, { origin: 'channel:-1/2' }))).toMatchObject({ status: 'duplicate', of: { file: '000_7d6114e92663cbab.txt' } });
  });

  it('syncFiles skips the service\'s own writes and indexes files written by someone else', async () => {
    const r = added(await service.add(post(OTHER_POST)));
    counted.calls.length = 0;
    await service.syncFiles([r.file]);
    expect(counted.calls).toEqual([]);
    await fs.writeFile(path.join(te.corpusDir, 'manual.txt'), WIRE_POST);
    await service.syncFiles(['manual.txt']);
    expect(counted.calls).toEqual([['manual.txt']]);
    expect(await service.add(post(WIRE_POST, { origin: 'channel:-2/2' }))).toMatchObject({ status: 'duplicate', of: { file: 'manual.txt' } });
    await fs.rm(path.join(te.corpusDir, 'manual.txt'));
    await service.syncFiles(['manual.txt']);
    expect(counted.calls.at(-1)).toEqual(['manual.txt']);
    expect(added(await service.add(post(WIRE_POST, { origin: 'channel:-2/2' }))).status).toBe('added');
  });

  it('the watcher hands a copied-in file to the engine, debounced, and ignores temp files', async () => {
    const updates: string[][] = [];
    const watcher = watchCorpus({ dir: te.corpusDir, update: async (names) => void updates.push(names), log: silentLogger(), debounceMs: 100, stabilityMs: 100 });
    try {
      await watcher.ready;
      await fs.writeFile(path.join(te.corpusDir, 'a.txt'), WIRE_POST);
      await fs.writeFile(path.join(te.corpusDir, 'b.txt'), OTHER_POST);
      await fs.writeFile(path.join(te.corpusDir, 'c.txt.123.abcd.tmp'), 'half');
      await fs.writeFile(path.join(te.corpusDir, 'notes.md'), 'x');
      for (let i = 0; i < 100 && updates.flat().length < 2; i++) await new Promise((r) => setTimeout(r, 50));
      await watcher.idle();
      expect(updates.flat().sort()).toEqual(['a.txt', 'b.txt']);
      await fs.rm(path.join(te.corpusDir, 'a.txt'));
      for (let i = 0; i < 100 && updates.flat().length < 3; i++) await new Promise((r) => setTimeout(r, 50));
      expect(updates.at(-1)).toEqual(['a.txt']);
    } finally {
      await watcher.close();
    }
  });

  it('a file still being written is handed over once, complete', async () => {
    const seen: string[] = [];
    const watcher = watchCorpus({
      dir: te.corpusDir,
      update: async (names) => {
        for (const name of names) seen.push(await fs.readFile(path.join(te.corpusDir, name), 'utf8'));
      },
      log: silentLogger(),
      debounceMs: 50,
      stabilityMs: 300,
    });
    try {
      await watcher.ready;
      const file = path.join(te.corpusDir, 'slow.txt');
      const [head, tail] = [WIRE_POST.slice(0, 200), WIRE_POST.slice(200)];
      await fs.writeFile(file, head);
      await new Promise((r) => setTimeout(r, 100));
      await fs.appendFile(file, tail);
      for (let i = 0; i < 100 && seen.length < 1; i++) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 500));
      expect(seen).toEqual([WIRE_POST]);
    } finally {
      await watcher.close();
    }
  });
});
