/**
 * Article files with a front-matter block (src/ingest/front-matter.ts) and how parseArticle reads
 * them. Real text: the corpus articles (corpus/*.txt) with a block put in front of them. The
 * synthetic page below is a fixture written for these tests (an invented story with site chrome
 * and a «اقرأ أيضاً» story after it).
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseArticle } from '../src/ingest/articles.js';
import { chunkArticle } from '../src/ingest/chunk.js';
import { readCorpus } from '../src/ingest/corpus.js';
import { silentLogger } from '../src/log.js';
import { parseFrontMatter, renderArticleFile, type FrontMatter } from '../src/ingest/front-matter.js';
import { IntakeError } from '../src/errors.js';
import type { Article } from '../src/types.js';

const CORPUS = new URL('../corpus/', import.meta.url);
const FILES = readdirSync(CORPUS).filter((f) => f.endsWith('.txt')).sort();
const read = (id: string) => readFileSync(new URL(id, CORPUS), 'utf8');

const META: FrontMatter = {
  title: 'عنوان من الواجهة',
  outlet: 'منفذ تجريبي',
  date: '2025-11-03',
  url: 'https://example.com/news/1',
  source: 'link',
  origin: 'url:https://example.com/news/1',
  duplicateOf: '003_65547c7958172f08.txt',
  added: '2026-12-04T13:00:00.000Z',
};

/** A block for `meta` followed by `body` as it is (not re-rendered), as a person might write it. */
function withBlock(meta: FrontMatter, body: string): string {
  return renderArticleFile(meta, []) + body;
}

function paragraphs(a: Article): Array<{ text: string; start: number; heading: boolean }> {
  return a.sections.flatMap((s) => s.paragraphs.map((p) => ({ text: p.text, start: p.start, heading: p.heading })));
}

describe('parseFrontMatter', () => {
  it('reads every field and where the body starts', () => {
    const raw = renderArticleFile(META, ['الفقرة الأولى.', 'الفقرة الثانية.']);
    const front = parseFrontMatter(raw);
    expect(front).not.toBeNull();
    expect(front!.fields).toEqual(META);
    expect(raw.slice(front!.bodyStart)).toBe('الفقرة الأولى.\nالفقرة الثانية.\n');
  });

  it('accepts CRLF, blank lines, spaces, upper-case keys; ignores unknown keys, a bad date or source; keeps a repeated key’s first value', () => {
    const raw = '---  \r\nTitle:   خبر عاجل  \r\n\r\nnote: كتبها محرر\r\ndate: 2025-02-30\r\nsource: rumour\r\noutlet: الأولى\r\noutlet: الثانية\r\nurl:\r\n---\r\nنص الخبر.';
    const front = parseFrontMatter(raw)!;
    expect(front.fields).toEqual({ title: 'خبر عاجل', outlet: 'الأولى' });
    expect(raw.slice(front.bodyStart)).toBe('نص الخبر.');
  });

  it('is null for text that is not a well-formed block, so such a page parses as any scraped page', () => {
    const cases = [
      'عنوان\n---\ntitle: x\n---\n', // not at the start
      '---\ntitle: x\nنص بلا إغلاق', // never closed
      '---\ntitle: x\nالمصدر: الجزيرة\n---\nنص', // a line that is not `key: value`
      '---\nnote: x\n---\nنص', // no known key
      ' ---\ntitle: x\n---\n', // fence not at column 0
      '----\ntitle: x\n---\n',
      '---\n' + 'note: x\n'.repeat(60) + 'title: x\n---\n', // far too long for a block
      '',
      '---',
    ];
    for (const raw of cases) expect(parseFrontMatter(raw), JSON.stringify(raw)).toBeNull();
  });
});

describe('renderArticleFile', () => {
  it('keeps every value on one line: a headline with line breaks and fences cannot end the block', () => {
    const hostile: FrontMatter = {
      title: 'سطر أول\n---\nurl: https://evil.example/\r\n---  \u2028 آخر\t',
      outlet: '  ---  ',
      origin: 'channel:-100123/45\u0000',
    };
    const raw = renderArticleFile(hostile, ['فقرة\nمكسورة على سطرين.', '   ', '---', 'فقرة ثالثة.']);
    expect(raw.split('\n').filter((l) => l === '---')).toHaveLength(3); // open, close, and the body's own line
    const front = parseFrontMatter(raw)!;
    expect(front.fields).toEqual({
      title: 'سطر أول --- url: https://evil.example/ --- آخر',
      outlet: '---',
      origin: 'channel:-100123/45',
    });
    expect(front.fields.url).toBeUndefined();
    expect(raw.slice(front.bodyStart)).toBe('فقرة مكسورة على سطرين.\n---\nفقرة ثالثة.\n');
  });

  it('leaves out absent and empty fields, and writes them in a fixed order', () => {
    const raw = renderArticleFile({ added: '2026-01-01T00:00:00Z', title: 'خبر', outlet: ' ', url: undefined }, ['نص.']);
    expect(raw).toBe('---\ntitle: خبر\nadded: 2026-01-01T00:00:00Z\n---\nنص.\n');
  });

  it('refuses a date or source that would be lost on reading', () => {
    expect(() => renderArticleFile({ date: '3 نوفمبر 2025' }, [])).toThrow(IntakeError);
    expect(() => renderArticleFile({ date: '2025-13-01' }, [])).toThrow(/YYYY-MM-DD/);
    expect(() => renderArticleFile({ source: 'rss' as never }, [])).toThrow(/link, feed, channel, forward, upload/);
  });
});

describe('parseArticle with front matter', () => {
  it('reads each corpus article behind a block exactly as without it, offsets shifted by the block', () => {
    for (const id of FILES) {
      const body = read(id);
      const plain = parseArticle({ id, raw: body });
      const meta: FrontMatter = { title: plain.title ?? undefined, url: `https://example.com/${id}`, source: 'upload' };
      const raw = withBlock(meta, body);
      const shift = parseFrontMatter(raw)!.bodyStart;
      const fm = parseArticle({ id, raw });
      expect(paragraphs(fm), id).toEqual(paragraphs(plain).map((p) => ({ ...p, start: p.start + shift })));
      expect(fm.sections.map((s) => [s.kind, s.title, s.outlet, s.agency, s.date]), id).toEqual(
        plain.sections.map((s) => [s.kind, s.title, s.outlet, s.agency, s.date]),
      );
      expect(fm.url).toBe(`https://example.com/${id}`);
      expect(fm.duplicateOf).toBeNull();
      // A file without a block does not gain the fields.
      expect('url' in plain).toBe(false);
    }
  });

  it('front matter wins over what the text suggests; the agency still comes from the text', () => {
    const body = read(FILES[1]!);
    const plain = parseArticle({ id: 'p.txt', raw: body });
    expect(plain.outlet).not.toBe(META.outlet); // the guess differs, so the test can fail
    const a = parseArticle({ id: 'x.txt', raw: withBlock(META, body) });
    expect(a).toMatchObject({ title: META.title, outlet: META.outlet, date: META.date, url: META.url, duplicateOf: META.duplicateOf });
    expect(a.agency).toBe(plain.agency);
    expect(a.sections[0]).toMatchObject({ title: META.title, outlet: META.outlet, date: META.date });
  });

  it('a missing outlet or date falls back to the text; a missing title is not guessed', () => {
    const body = read(FILES[0]!);
    const plain = parseArticle({ id: 'p.txt', raw: body });
    expect(plain.title).not.toBeNull();
    expect(plain.outlet).not.toBeNull();
    expect(plain.date).not.toBeNull();
    const a = parseArticle({ id: 'x.txt', raw: withBlock({ url: 'https://example.com/a', source: 'feed' }, body) });
    expect(a.title).toBeNull();
    expect(a.outlet).toBe(plain.outlet);
    expect(a.date).toBe(plain.date);
  });

  // Fixture: an invented page with chrome and a related story, written for this test.
  const page = [
    'الرئيسية / أخبار / سياسة عربية',
    'وزير الخارجية المصري يزور عمّان لبحث التعاون الإقليمي',
    'مدة القراءة: 3 دقائق',
    'عمّان - أ ف ب',
    'وصل وزير الخارجية المصري إلى العاصمة الأردنية عمّان اليوم الأحد في زيارة رسمية تستمر يومين.',
    'وقال الوزير في تصريح للصحفيين إن العلاقات بين البلدين "متينة ومتجذرة".',
    'Advertisement',
    'وبحث الجانبان ملفات التعاون الاقتصادي والأوضاع في المنطقة.',
    'شارك المقال',
    'اقرأ أيضاً',
    'البنك المركزي الأردني يثبت أسعار الفائدة',
    'أعلن البنك المركزي الأردني اليوم تثبيت أسعار الفائدة دون تغيير للمرة الثالثة على التوالي.',
  ];

  it('cleans the body and splits off «اقرأ أيضاً» stories; chunks quote the file verbatim', () => {
    const meta: FrontMatter = { title: 'وزير الخارجية المصري يزور عمّان لبحث التعاون الإقليمي', outlet: 'موقع تجريبي', date: '2024-05-12' };
    const raw = renderArticleFile(meta, page);
    const a = parseArticle({ id: 'x.txt', raw });
    expect(a.sections.map((s) => [s.kind, s.title, s.outlet, s.date])).toEqual([
      ['main', meta.title, 'موقع تجريبي', '2024-05-12'],
      ['related', 'البنك المركزي الأردني يثبت أسعار الفائدة', null, null],
    ]);
    expect(a.agency).toBe('فرانس برس');
    expect(a.sections[0]!.paragraphs.map((p) => p.text)).toEqual([page[4], page[5], page[7]]);
    const all = paragraphs(a).map((p) => p.text).join('\n');
    for (const notBody of ['الرئيسية', 'مدة القراءة', 'Advertisement', 'شارك', 'title:', 'outlet:', 'date:', '---']) expect(all).not.toContain(notBody);
    for (const p of a.sections.flatMap((s) => s.paragraphs)) expect(raw.slice(p.start, p.end)).toBe(p.text);
    const chunks = chunkArticle(a);
    expect(chunks.length).toBeGreaterThan(0);
    for (const c of chunks) {
      for (const s of c.sentences) expect(raw.slice(s.start, s.end)).toBe(s.text);
      expect(c.start).toBeGreaterThanOrEqual(parseFrontMatter(raw)!.bodyStart);
    }
    expect(chunks[0]).toMatchObject({ title: meta.title, outlet: 'موقع تجريبي', date: '2024-05-12' });
  });

  it('reaches the articles read from a corpus folder', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'front-matter-'));
    try {
      const body = read(FILES[2]!);
      writeFileSync(path.join(dir, 'a.txt'), withBlock(META, body));
      writeFileSync(path.join(dir, 'b.txt'), body);
      const { articles } = await readCorpus(dir, silentLogger());
      expect(articles.map((a) => [a.id, a.title === META.title, a.url ?? null, a.duplicateOf ?? null])).toEqual([
        ['a.txt', true, META.url, META.duplicateOf],
        ['b.txt', false, null, null],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a page that merely starts with a rule line parses as before', () => {
    const raw = ['---', 'المصدر: الجزيرة', '---', ...page].join('\n');
    const a = parseArticle({ id: 'x.txt', raw });
    expect(a.url).toBeUndefined();
    expect(a.title).toBe('وزير الخارجية المصري يزور عمّان لبحث التعاون الإقليمي');
  });
});
