/**
 * BM25 search (MaxScore, document at a time in windows of labels) against scoring every document,
 * on random corpora built to stress it: tiny vocabularies (many ties, every term common), sparse
 * labels across many windows, removals, zero and uneven weights, k beyond the matches, postings
 * appended after a search, and postings out of label order (the exhaustive fallback).
 */
import { describe, expect, it } from 'vitest';
import { LexicalIndex, type WeightedTerm } from '../src/retrieve/lexical.js';
import { rng } from '../src/random.js';

const internals = (lexical: LexicalIndex) =>
  lexical as unknown as {
    postings: { get(term: string): { labels: Int32Array; tfs: ArrayLike<number>; scale: number } | undefined };
    removed: Set<number>;
    lengths: Map<number, number>;
    totalLength: number;
  };

/** Scores every document holding a query term, in query order, and sorts (the definition). */
function exhaustive(lexical: LexicalIndex, query: WeightedTerm[], k: number) {
  const { postings, removed, lengths, totalLength } = internals(lexical);
  const { k1, b } = lexical.options;
  const avg = totalLength / lexical.size || 1;
  const scores = new Map<number, number>();
  for (const { term, weight } of LexicalIndex.merge(query)) {
    const p = postings.get(term);
    if (!p) continue;
    const idf = lexical.idf(term) * weight;
    p.labels.forEach((label, i) => {
      if (removed.has(label)) return;
      const tf = p.tfs[i]! * p.scale;
      const s = (idf * tf * (k1 + 1)) / (tf + k1 * (1 - b + (b * lengths.get(label)!) / avg));
      scores.set(label, (scores.get(label) ?? 0) + s);
    });
  }
  return [...scores].map(([label, score]) => ({ label, score })).sort((x, y) => y.score - x.score || x.label - y.label).slice(0, k);
}

const ALPHABET = 'ابتثجحخدرزسشصضطعغفقكلمنهوي';

function randomCorpus(seed: number, options: { docs: number; vocabulary: number; gap: number; titles: boolean; lexical?: Partial<LexicalIndex['options']> }) {
  const random = rng(seed);
  const vocabulary = Array.from({ length: options.vocabulary }, (_, i) => `${ALPHABET[i % ALPHABET.length]}${ALPHABET[Math.floor(i / ALPHABET.length) % ALPHABET.length]}كتب${i}`);
  // Zipf-like: low ranks in most documents.
  const word = () => vocabulary[Math.min(vocabulary.length - 1, Math.floor(vocabulary.length * random() ** 3))]!;
  const lexical = new LexicalIndex({ ...new LexicalIndex().options, ...options.lexical });
  const labels: number[] = [];
  let label = 0;
  for (let d = 0; d < options.docs; d++) {
    label += 1 + Math.floor(random() * options.gap);
    labels.push(label);
    const text = Array.from({ length: 1 + Math.floor(random() * 30) }, word).join(' ');
    lexical.add(label, { text, title: options.titles && random() < 0.5 ? Array.from({ length: 3 }, word).join(' ') : null });
  }
  const query = (): WeightedTerm[] => {
    const n = 1 + Math.floor(random() * 12);
    return Array.from({ length: n }, () => ({ term: lexical.analyze(word())[0] ?? 'x', weight: [1, 1, 0.3, 0.35, 0, 2.5][Math.floor(random() * 6)]! }));
  };
  return { lexical, labels, query, random, word };
}

describe('BM25 search equals exhaustive scoring', () => {
  const cases = [
    { name: 'tiny vocabulary: every term common, many ties', seed: 1, docs: 3000, vocabulary: 12, gap: 1, titles: false },
    { name: 'larger vocabulary with titles', seed: 2, docs: 4000, vocabulary: 800, gap: 2, titles: true },
    { name: 'sparse labels across many windows', seed: 3, docs: 1500, vocabulary: 60, gap: 900, titles: true },
    { name: 'other BM25 settings and weights', seed: 4, docs: 2500, vocabulary: 150, gap: 3, titles: true, lexical: { k1: 1.6, b: 0.3, titleWeight: 0.3, bigramWeight: 0.2 } },
    { name: 'b = 1', seed: 5, docs: 2000, vocabulary: 40, gap: 1, titles: false, lexical: { b: 1 } },
    { name: 'b = 0', seed: 6, docs: 2000, vocabulary: 40, gap: 1, titles: false, lexical: { b: 0 } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { lexical, labels, query, random, word } = randomCorpus(c.seed, c);
      const check = (rounds: number) => {
        for (let r = 0; r < rounds; r++) {
          const q = query();
          for (const k of [1, 3, 10, 30, 5000]) expect(lexical.search(q, k)).toEqual(exhaustive(lexical, q, k));
        }
      };
      check(30);
      // Removals (not yet compacted), then documents added after searching.
      for (const l of labels) if (random() < 0.1) lexical.remove(l);
      check(20);
      const last = labels[labels.length - 1]!;
      for (let d = 1; d <= 50; d++) lexical.add(last + d * 7, { text: Array.from({ length: 10 }, word).join(' ') });
      check(20);
      // A document re-added under a lower label puts postings out of order: the exhaustive path.
      lexical.add(0, { text: Array.from({ length: 10 }, word).join(' ') });
      check(20);
    });
  }

  it('identical documents tie and are ordered by label, whatever k', () => {
    const lexical = new LexicalIndex();
    for (let l = 0; l < 9000; l += 3) lexical.add(l, { text: 'الصين وروسيا تعاون الصين' });
    for (let l = 1; l < 9000; l += 97) lexical.add(l, { text: 'الصين' });
    const q = lexical.analyze('الصين روسيا تعاون').map((term) => ({ term, weight: 1 }));
    for (const k of [1, 7, 30, 100]) expect(lexical.search(q, k)).toEqual(exhaustive(lexical, q, k));
  });
});

describe('close spellings (fuzzy lookup)', () => {
  it('finds what counting every term on the query trigrams finds, in the same order', async () => {
    const { trigrams } = await import('../src/retrieve/lexical.js');
    const random = rng(11);
    // G letters (غ ج ق ك) among the frequent ones: spellings that differ only in them compare as one.
    const letters = 'ابجقكغتدرسشعلمنه';
    const word = () => Array.from({ length: 3 + Math.floor(random() * 6) }, () => letters[Math.floor(random() * 8 + random() * 8)]).join('');
    for (const min of [0.6, 0.4, 0.85]) {
      const lexical = new LexicalIndex({ ...new LexicalIndex().options, fuzzyMinSimilarity: min });
      for (let l = 0; l < 1500; l++) lexical.add(l, { text: Array.from({ length: 12 }, word).join(' ') });
      const { fuzzy } = lexical as unknown as { fuzzy: { exhaustive(g: Set<string>, m: number, k: number, docFreq: (t: string) => number): unknown } };
      const exhaustive = (t: string, k = 3) => fuzzy.exhaustive(trigrams(t), min, k, (x) => lexical.docFreq(x));
      for (let i = 0; i < 400; i++) {
        const probe = word() + (random() < 0.5 ? word().slice(0, 2) : '');
        if (probe.length < 4) continue;
        expect(lexical.similarTerms(probe), probe).toEqual(exhaustive(probe));
        expect(lexical.similarTerms(probe, 50), probe).toEqual(exhaustive(probe, 50));
      }
    }
  }, 180_000); // 7-9 s here, 24 s beside four busy loops: the timeout is for a hang only
});
