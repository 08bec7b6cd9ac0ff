/**
 * Second-stage lexical ranking. Word BM25 over light stems finds the candidates; this re-orders
 * them with two signals stems miss:
 *
 * - **Character trigrams.** BM25 over the trigrams of each word (with word-boundary marks) credits
 *   the forms a light stemmer cannot join: spelling variants of names (بلجيكا / بلجيكيا,
 *   روتشيلد / روتشليد), nisba adjectives and their country (الليبية / ليبيا), verb forms
 *   (يتزوج / تزوجت) and typos.
 * - **Headline coverage.** The IDF share of the question's words found in the chunk's headline:
 *   a question that names a story's subject (عاصمة سوريا) prefers the story about it over one
 *   that mentions it in passing. Body BM25 alone lets a long story that repeats the words win.
 *
 * The final order is `bm25 / best bm25 + gramWeight · trigram / best trigram + titleWeight ·
 * coverage`; the BM25 scores themselves are kept (the answer's checks read them). Only the
 * candidates are scored, so the cost does not grow with the corpus; trigram document frequencies
 * come from the whole corpus, or from an even sample of it past `sampleSize` chunks.
 * Chosen on ARCD-train (scripts/tune.ts --levers, docs/quality.md).
 */
import { dialectToMsa, normalize, STOPWORDS, words } from '../text/arabic.js';
import type { Chunk } from '../types.js';
import type { ChunkText } from './chunk-text.js';
import type { LexicalHit, LexicalIndex, QueryUnit } from './lexical.js';

export interface RerankOptions {
  /** Weight of the trigram BM25 score (relative to the best candidate's); 0 turns it off. */
  gramWeight: number;
  /** Weight of headline coverage (0–1 share of the question's IDF); 0 turns it off. */
  titleWeight: number;
  /** BM25 parameters of the trigram score. */
  k1: number;
  b: number;
  /** Trigram document frequencies are counted on at most this many chunks (an even sample). */
  sampleSize: number;
  /** How many of the best lexical candidates are re-ordered; the rest keep their place after them. */
  depth: number;
}

export const DEFAULT_RERANK: RerankOptions = { gramWeight: 0.75, titleWeight: 1, k1: 0.9, b: 0.9, sampleSize: 4000, depth: 20 };

/**
 * A trigram as one small integer: three letters of a compact alphabet, 8 bits each, so grams are
 * cheap Map keys and sort as numbers.
 */
type Gram = number;

/** Code unit → letter of the gram alphabet: Arabic letters, digits and Latin letters each their own, anything else shares 56 buckets. */
const LETTER = (() => {
  const table = new Uint8Array(0x10000);
  let next = 2; // 0 unused, 1 the word boundary
  const own = (from: number, to: number) => {
    for (let c = from; c <= to; c++) table[c] = next++;
  };
  own(0x0621, 0x064a); // Arabic letters (after normalisation)
  own(0x30, 0x39); // digits
  own(0x61, 0x7a); // a-z
  for (let c = 0; c < table.length; c++) if (!table[c]) table[c] = 200 + (c % 56);
  return table;
})();
const BOUNDARY = 1;

/** A word of normalised text as the word index sees it before stemming (see `wordTerms`), or null when it is not searchable. */
function contentWord(raw: string): string | null {
  const w = dialectToMsa(raw);
  return w.length > 1 && !STOPWORDS.has(raw) && !STOPWORDS.has(w) ? w : null;
}

/** The searchable words of a text as the word index sees them before stemming (see `wordTerms`). */
function contentWords(text: string): string[] {
  const out: string[] = [];
  for (const raw of words(normalize(text))) {
    const w = contentWord(raw);
    if (w !== null) out.push(w);
  }
  return out;
}

/**
 * Calls `visit` with every trigram of every content word, each word padded with a boundary mark
 * on both sides (a word of n letters has n trigrams) and its index, and returns how many there were.
 */
function forEachGram(text: string, visit: (g: Gram, i: number) => void): number {
  let n = 0;
  for (const w of contentWords(text)) n = wordGrams(w, n, visit);
  return n;
}

/** Calls `visit` with the trigrams of one content word, numbered from `n`; returns the next number. */
function wordGrams(w: string, n: number, visit: (g: Gram, i: number) => void): number {
  let a = BOUNDARY;
  let b = LETTER[w.charCodeAt(0)]!;
  for (let i = 1; i <= w.length; i++) {
    const c = i < w.length ? LETTER[w.charCodeAt(i)]! : BOUNDARY;
    visit((a << 16) | (b << 8) | c, n);
    n++;
    a = b;
    b = c;
  }
  return n;
}

/** The trigrams of a text with their counts. */
export function gramCounts(text: string): Map<Gram, number> {
  const counts = new Map<Gram, number>();
  forEachGram(text, (g) => counts.set(g, (counts.get(g) ?? 0) + 1));
  return counts;
}

/** What a chunk is matched on: its headline, sub-heading and text. */
export function chunkGramText(chunk: Chunk): string {
  return [chunk.title, chunk.heading, chunk.text].filter(Boolean).join('\n');
}

/** A chunk's trigrams, sorted (a trigram's count is the length of its run). */
export function chunkGrams(chunk: Chunk): Int32Array {
  const text = chunkGramText(chunk);
  // A word of n letters has n trigrams, so twice the text's length is room enough (NFKC may
  // lengthen a ligature or two).
  let out = new Int32Array(text.length * 2 + 16);
  const n = forEachGram(text, (g, i) => {
    if (i === out.length) {
      const grown = new Int32Array(out.length * 2);
      grown.set(out);
      out = grown;
    }
    out[i] = g;
  });
  return out.slice(0, n).sort();
}

/** Trigram document frequencies of a corpus (or of an even sample of its chunks). */
export class GramStats {
  private constructor(
    private readonly df: Map<Gram, number>,
    /** Chunks counted. */
    readonly docs: number,
    /** Average trigrams per counted chunk. */
    readonly averageLength: number,
  ) {}

  /** Counts every chunk, or every n-th when there are more than `sampleSize`. */
  static fromChunks(chunks: Iterable<Chunk>, total: number, sampleSize = DEFAULT_RERANK.sampleSize): GramStats {
    const step = Math.max(1, Math.ceil(total / Math.max(1, sampleSize)));
    const df = new Map<Gram, number>();
    let docs = 0;
    let length = 0;
    let i = 0;
    for (const chunk of chunks) {
      if (i++ % step !== 0) continue;
      const seen = new Set<Gram>();
      length += forEachGram(chunkGramText(chunk), (g) => seen.add(g));
      for (const g of seen) df.set(g, (df.get(g) ?? 0) + 1);
      docs++;
    }
    return new GramStats(df, docs, docs ? length / docs : 0);
  }

  idf(g: Gram): number {
    const df = this.df.get(g) ?? 0;
    return Math.log(1 + (this.docs - df + 0.5) / (df + 0.5));
  }
}

export interface RerankInput {
  /** The question, and an earlier one a follow-up continues (at a lower weight). */
  texts: Array<{ text: string; weight: number }>;
  /** The question's words as the lexical index resolved them (for headline coverage). */
  units: QueryUnit[];
  /** Word-BM25 candidates, best first. */
  hits: LexicalHit[];
  chunkOf: (label: number) => Chunk | undefined;
  lexical: LexicalIndex;
  stats: GramStats;
  /** Terms of a headline; pass a cached lookup to analyse each headline once. */
  titleTerms?: (title: string) => ReadonlySet<string>;
  /**
   * A chunk's normalised sentences and their words; pass a cached lookup so that the answer
   * reuses them (by default each chunk's text is normalised and split here).
   */
  text?: (chunk: Chunk) => ChunkText;
}

/**
 * Calls `visit` with the words of a chunk's headline, sub-heading and text as normalised (before
 * {@link contentWord}), in order: {@link chunkGrams} cuts the content words among them. The
 * text's come from its normalised sentences when it is its sentences joined (normalisation and
 * word splitting never reach across a space), else from the text itself.
 */
function forEachChunkWord(chunk: Chunk, text: ChunkText | undefined, visit: (raw: string) => void): void {
  if (chunk.title) for (const raw of words(normalize(chunk.title))) visit(raw);
  if (chunk.heading) for (const raw of words(normalize(chunk.heading))) visit(raw);
  if (text?.joined) {
    for (const sentence of text.normalized) for (const raw of words(sentence)) visit(raw);
  } else if (chunk.text) {
    for (const raw of words(normalize(chunk.text))) visit(raw);
  }
}

/**
 * Trigram BM25 of chunks for one question. A word's trigrams are looked up in the question's once
 * per question (news text repeats its words), so a chunk costs one lookup per word; scores are
 * summed over the question's trigrams in their order, as counting them in the chunk's sorted
 * trigrams would.
 */
class GramScorer {
  /** Question trigram → its place in {@link weights}. */
  private readonly place = new Map<Gram, number>();
  private readonly weights: number[] = [];
  /** By normalised word: its content word's length (0 when it has none) and the places of the question trigrams it holds (with repeats). */
  private readonly known = new Map<string, { length: number; hits: readonly number[] }>();
  private readonly counts: Int32Array;

  constructor(query: Map<Gram, number>, private readonly k1: number, private readonly b: number, private readonly average: number) {
    for (const [g, weight] of query) {
      this.place.set(g, this.weights.length);
      this.weights.push(weight);
    }
    this.counts = new Int32Array(this.weights.length);
  }

  private word(raw: string): { length: number; hits: readonly number[] } {
    let known = this.known.get(raw);
    if (known === undefined) {
      const w = contentWord(raw);
      const found: number[] = [];
      if (w !== null) {
        wordGrams(w, 0, (g) => {
          const at = this.place.get(g);
          if (at !== undefined) found.push(at);
        });
      }
      known = { length: w === null ? 0 : w.length, hits: found.length ? found : NO_HITS };
      this.known.set(raw, known);
    }
    return known;
  }

  score(chunk: Chunk, text: ChunkText | undefined): number {
    const { counts, k1, b } = this;
    counts.fill(0);
    let length = 0;
    forEachChunkWord(chunk, text, (raw) => {
      const w = this.word(raw);
      length += w.length;
      for (const at of w.hits) counts[at]!++;
    });
    const norm = k1 * (1 - b + (b * length) / this.average);
    let s = 0;
    for (let i = 0; i < counts.length; i++) {
      const f = counts[i]!;
      if (f) s += (this.weights[i]! * f * (k1 + 1)) / (f + norm);
    }
    return s;
  }
}

const NO_HITS: readonly number[] = Object.freeze([]);

/** The candidates re-ordered (scores unchanged); see the module comment. */
export function rerank(input: RerankInput, options: RerankOptions = DEFAULT_RERANK): LexicalHit[] {
  const { chunkOf, lexical, stats } = input;
  if (input.hits.length < 2 || (!options.gramWeight && !options.titleWeight)) return input.hits;
  const hits = input.hits.slice(0, options.depth);
  const rest = input.hits.slice(options.depth);
  const chunks = hits.map((h) => chunkOf(h.label));

  // Trigram BM25: query trigrams weighted by their IDF and the weight of the text they come from.
  const gramScores = new Float64Array(hits.length);
  if (options.gramWeight) {
    const query = new Map<Gram, number>();
    for (const { text, weight } of input.texts) {
      forEachGram(text, (g) => query.set(g, Math.max(query.get(g) ?? 0, weight)));
    }
    for (const [g, weight] of query) query.set(g, weight * stats.idf(g));
    if (query.size) {
      const scorer = new GramScorer(query, options.k1, options.b, stats.averageLength || 1);
      chunks.forEach((chunk, i) => {
        if (chunk) gramScores[i] = scorer.score(chunk, input.text?.(chunk));
      });
    }
  }

  // Headline coverage: the IDF share of the question's words its headline holds.
  const titleScores = new Float64Array(hits.length);
  if (options.titleWeight) {
    const analyse = input.titleTerms ?? ((title: string) => new Set(lexical.analyzeDocument(title)));
    const units = input.units.map((u) => ({
      u,
      idf: u.weight * Math.max(0, ...u.alternatives.map((a) => a.factor * lexical.idf(a.term))),
    }));
    const total = units.reduce((sum, x) => sum + x.idf, 0);
    if (total > 0) {
      chunks.forEach((chunk, i) => {
        if (!chunk?.title) return;
        const title = analyse(chunk.title);
        let covered = 0;
        for (const { u, idf } of units) if (u.alternatives.some((a) => title.has(a.term))) covered += idf;
        titleScores[i] = covered / total;
      });
    }
  }

  const bestLexical = Math.max(...hits.map((h) => h.score));
  const bestGram = Math.max(...gramScores);
  const combined = hits.map((h, i) => ({
    hit: h,
    i,
    score:
      (bestLexical > 0 ? h.score / bestLexical : 0) +
      (bestGram > 0 ? (options.gramWeight * gramScores[i]!) / bestGram : 0) +
      options.titleWeight * titleScores[i]!,
  }));
  combined.sort((x, y) => y.score - x.score || x.i - y.i);
  return [...combined.map((c) => c.hit), ...rest];
}
