/**
 * Behaviour-preserving speed-ups of text analysis: the per-word cache of `wordTerms` gives the
 * same words as analysing from scratch and stays bounded; the lexical index analyses a text once
 * and indexes exactly the terms `analyzeDocument` and `extraTerms` give.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LexicalIndex } from '../src/retrieve/lexical.js';
import { clearWordCache, normalize, searchableWord, stem, stemVariants, DIALECT_TO_MSA, terms, WORD_CACHE_GENERATION, wordCacheSize, wordTerms, words } from '../src/text/arabic.js';
import { rng } from '../src/random.js';

const corpusText = fs
  .readdirSync(path.join(__dirname, '..', 'corpus'))
  .filter((f) => f.endsWith('.txt'))
  .map((f) => fs.readFileSync(path.join(__dirname, '..', 'corpus', f), 'utf8'))
  .join('\n');
const lines = corpusText.split('\n').filter((l) => l.trim().length > 0);

/** wordTerms as it was before the cache: analysed word by word. */
function uncached(text: string, stemmer: 'light' | 'snowball' | 'none' = 'light', keepStopwords = false) {
  const out = [];
  for (const raw of words(normalize(text))) {
    // Which words are searched is searchableWord's rule (tested in text-arabic.test.ts).
    const w = keepStopwords ? DIALECT_TO_MSA[raw] ?? raw : searchableWord(raw);
    if (w === null) continue;
    const primary = stem(w, stemmer);
    out.push({ surface: w, stem: primary, variants: stemmer === 'light' ? stemVariants(w) : [primary] });
  }
  return out;
}

describe('wordTerms per-word cache', () => {
  it('gives what analysing every word from scratch gives, cold and warm, for every setting', () => {
    for (const [stemmer, keep] of [['light', false], ['light', true], ['snowball', false], ['none', true]] as const) {
      clearWordCache();
      for (const pass of [0, 1]) {
        for (const line of lines.slice(0, 300)) {
          expect(wordTerms(line, { stemmer, keepStopwords: keep }), `${stemmer} ${keep} pass ${pass}`).toEqual(uncached(line, stemmer, keep));
        }
      }
    }
    expect(terms('شو صار بين الصين وروسيا؟ والصينية', { variants: true })).toEqual(uncached('شو صار بين الصين وروسيا؟ والصينية').flatMap((w) => w.variants));
  });

  it('stays bounded however many distinct words pass through it, and still answers right', () => {
    clearWordCache();
    const random = rng(5);
    const letters = 'ابتثجحخدذرزسشصضطظعغفقكلمنهوي';
    const word = () => Array.from({ length: 4 + Math.floor(random() * 5) }, () => letters[Math.floor(random() * letters.length)]).join('');
    for (let i = 0; i < 2.5 * WORD_CACHE_GENERATION; i += 50) {
      const text = Array.from({ length: 50 }, word).join(' ');
      const got = wordTerms(text);
      if (i % 5000 === 0) expect(got).toEqual(uncached(text));
    }
    expect(wordCacheSize()).toBeLessThanOrEqual(2 * WORD_CACHE_GENERATION);
    // Words seen long ago are analysed again, identically.
    expect(wordTerms(lines[0]!)).toEqual(uncached(lines[0]!));
  });

  it('hands out analyses no caller can change', () => {
    const [w] = wordTerms('والصينية');
    expect(Object.isFrozen(w)).toBe(true);
    expect(Object.isFrozen(w!.variants)).toBe(true);
  });
});

describe('lexical index build analyses each text once', () => {
  it('indexes the terms analyzeDocument and extraTerms give, with the same frequencies and lengths', () => {
    for (const options of [{}, { bigramWeight: 0.2 }, { surfaceWeight: 0, titleWeight: 0.5 }, { titleWeight: 0 }]) {
      const index = new LexicalIndex({ ...new LexicalIndex().options, ...options });
      const docs = lines.slice(0, 120).map((text, i) => ({ text, title: i % 3 ? lines[i + 200] : null, heading: i % 5 ? null : 'عنوان فرعي', meta: i % 2 ? 'روسيا اليوم 2025 مايو' : null }));
      docs.forEach((d, label) => index.add(label, d));
      // Reference: the frequencies as the build computed them before (a map per document).
      const expected = new Map<string, Map<number, number>>();
      const lengths: number[] = [];
      docs.forEach((d, label) => {
        const tf = new Map<string, number>();
        const body = index.analyzeDocument(d.text);
        for (const t of body) tf.set(t, (tf.get(t) ?? 0) + 1);
        for (const t of index.extraTerms(d.text)) tf.set(t, (tf.get(t) ?? 0) + 1);
        let length = body.length;
        for (const extra of [d.title, d.heading, d.meta]) {
          if (!extra) continue;
          const ts = index.analyzeDocument(extra);
          for (const t of ts) tf.set(t, (tf.get(t) ?? 0) + index.options.titleWeight);
          length += ts.length * index.options.titleWeight;
        }
        lengths.push(length);
        for (const [t, n] of tf) {
          if (!expected.has(t)) expected.set(t, new Map());
          expected.get(t)!.set(label, n);
        }
      });
      const snapshot = index.toJSON();
      expect(Object.keys(snapshot.postings).sort()).toEqual([...expected.keys()].sort());
      for (const [t, [labels, tfs]] of Object.entries(snapshot.postings)) {
        expect(new Map(labels.map((l, i) => [l, tfs[i]]))).toEqual(expected.get(t));
      }
      expect(snapshot.lengths).toEqual(lengths.map((l, i) => [i, l]));
    }
  });
});

describe('chunk analysis for answer scoring', () => {
  it('analyses each sentence once and gives what separate analyses give', async () => {
    const { analyzeChunk } = await import('../src/retrieve/evidence.js');
    const { metadataText } = await import('../src/ingest/chunk.js');
    const lexical = new LexicalIndex();
    const sentences = [...lines.slice(0, 40), 'بلغ حجم التجارة ٢٥٠ في مايو ٢٠٢٥؟', 'قال.', 'وأضاف‍ المتحدث ـــ أن', 'Putin met Xi in 2025']
      .map((text, i) => ({ start: i * 1000, end: i * 1000 + text.length, text }));
    const chunk = { id: 'x#0', docId: 'x', title: 'قمة الصين وروسيا', heading: 'عنوان', outlet: 'الجزيرة', agency: null, date: '2025-05-03', text: sentences.map((s) => s.text).join(' '), sentences } as unknown as Parameters<typeof analyzeChunk>[0];
    const a = analyzeChunk(chunk, lexical);
    expect(a.sentenceTerms).toEqual(sentences.map((s) => new Set(lexical.analyzeDocument(s.text))));
    expect(a.sentenceStems).toEqual(sentences.map((s) => wordTerms(s.text).map((w) => w.stem)));
    expect(a.context).toEqual(new Set(lexical.analyzeDocument([chunk.title, chunk.heading, metadataText(chunk)].filter(Boolean).join(' '))));
    // A digit other than a lone year always makes a number (number words too: see tests/answer.test.ts).
    sentences.forEach((s, i) => /\d/.test(normalize(s.text).replace(/\b(1\d{3}|20\d{2})\b/g, '')) && expect(a.hasNumber[i]).toBe(true));
    expect(a.wordCounts).toEqual(sentences.map((s) => words(s.text).length));
    expect(a.hasNumber.at(-4)).toBe(true);
    expect(a.hasDate.at(-4)).toBe(true);
  });
});

describe('section terms without analysing chunks', () => {
  it("a chunk's text holds a term exactly when its term frequency exceeds what its headline, sub-heading and source line add", async () => {
    const { metadataText } = await import('../src/ingest/chunk.js');
    const { analyzeChunk } = await import('../src/retrieve/evidence.js');
    const { corpusChunks } = await import('./helpers/engine.js');
    for (const titleWeight of [1, 0.3, 0]) {
      const lexical = new LexicalIndex({ ...new LexicalIndex().options, titleWeight });
      const chunks = await corpusChunks();
      chunks.forEach((c, label) => lexical.add(label, { text: c.text, title: c.title, heading: c.heading, meta: metadataText(c) }));
      let checked = 0;
      chunks.forEach((chunk, label) => {
        expect(chunk.text).toBe(chunk.sentences.map((s) => s.text).join(' '));
        const fields = new Map<string, number>();
        for (const extra of [chunk.title, chunk.heading, metadataText(chunk)]) {
          if (!extra) continue;
          for (const t of lexical.analyzeDocument(extra)) fields.set(t, (fields.get(t) ?? 0) + titleWeight);
        }
        const sentences = analyzeChunk(chunk, lexical).sentenceTerms;
        for (const term of new Set([...lexical.analyzeDocument(chunk.text), ...fields.keys(), ...lexical.extraTerms(chunk.text)])) {
          const inSentences = sentences.some((s) => s.has(term));
          const byFrequency = !LexicalIndex.isExtraTerm(term) && lexical.frequency(label, term) - (fields.get(term) ?? 0) >= 0.5;
          expect(byFrequency, `${chunk.id} ${term}`).toBe(inSentences);
          checked++;
        }
      });
      expect(checked).toBeGreaterThan(1000);
    }
  });
});
