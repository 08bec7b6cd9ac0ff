import { describe, expect, it } from 'vitest';
import { chunkArticle, estimateTokens } from '../src/ingest/chunk.js';
import { makeArticle } from './helpers/articles.js';

const sentence = (i: number) => `هذه الجملة رقم ${i} تتحدث عن العلاقات بين البلدين في مجال الطاقة والتجارة.`;

describe('chunkArticle', () => {
  const article = makeArticle('a.txt', {
    title: 'عنوان',
    date: '2024-01-02',
    outlet: 'الجزيرة',
    paragraphs: [sentence(1) + ' ' + sentence(2), { heading: 'عنوان فرعي' }, ...Array.from({ length: 20 }, (_, i) => sentence(i + 3))],
  });
  const chunks = chunkArticle(article, { maxTokens: 60, overlapSentences: 1 });

  it('keeps chunks within the token budget', () => {
    expect(chunks.length).toBeGreaterThan(3);
    for (const c of chunks) {
      const tokens = c.sentences.reduce((n, s) => n + estimateTokens(s.text), 0);
      expect(tokens <= 60 || c.sentences.length === 1).toBe(true);
    }
  });
  it('repeats one sentence between neighbouring chunks', () => {
    for (let i = 1; i < chunks.length; i++) {
      expect(chunks[i]!.sentences[0]!.start).toBe(chunks[i - 1]!.sentences.at(-1)!.start);
    }
  });
  it('covers every sentence of the body', () => {
    const covered = new Set(chunks.flatMap((c) => c.sentences.map((s) => s.text)));
    for (let i = 1; i <= 22; i++) expect(covered.has(sentence(i))).toBe(true);
  });
  it('carries document id, metadata and offsets into the original text', () => {
    for (const c of chunks) {
      expect(c.docId).toBe('a.txt');
      expect(c.title).toBe('عنوان');
      expect(c.date).toBe('2024-01-02');
      expect(c.outlet).toBe('الجزيرة');
      for (const s of c.sentences) {
        expect(article.raw.slice(s.start, s.end)).toBe(s.text);
        expect(c.text.includes(s.text)).toBe(true);
      }
      expect(c.start).toBe(c.sentences[0]!.start);
    }
    expect(new Set(chunks.map((c) => c.id)).size).toBe(chunks.length);
  });
  it('never quotes a sub-heading but records it as context', () => {
    expect(chunks.some((c) => c.text.includes('عنوان فرعي'))).toBe(false);
    expect(chunks.some((c) => c.heading === 'عنوان فرعي')).toBe(true);
  });
  it('keeps an over-long sentence whole in its own chunk', () => {
    const long = 'كلمة '.repeat(200).trim() + '.';
    const [only] = chunkArticle(makeArticle('b.txt', { paragraphs: [long] }), { maxTokens: 50, overlapSentences: 1 });
    expect(only!.text).toBe(long);
  });
});
