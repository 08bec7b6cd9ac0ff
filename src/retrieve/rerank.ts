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
import { DIALECT_TO_MSA, forEachWord, normalize, searchableWord, STOPWORDS, words } from '../text/arabic.js';
import type { Chunk } from '../types.js';
import type { ChunkText } from './chunk-text.js';
import type { QueryUnit } from './query-words.js';
import type { TermStatistics } from './term-statistics.js';
import type { LexicalHit } from './top-k.js';

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

/** The searchable words of a text as the word index sees them before stemming (see `wordTerms`). */
function contentWords(text: string): string[] {
  const out: string[] = [];
  for (const raw of words(normalize(text))) {
    const w = searchableWord(raw);
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
  /** The lexical index's term statistics (IDF for headline coverage, headline analysis). */
  lexical: TermStatistics;
  stats: GramStats;
  /** Terms of a headline; pass a cached lookup to analyse each headline once. */
  titleTerms?: (title: string) => ReadonlySet<string>;
  /**
   * A chunk's normalised sentences and their words; pass a cached lookup so that the answer
   * reuses them (by default each chunk's text is normalised and split here).
   */
  text?: (chunk: Chunk) => ChunkText;
  /**
   * A chunk's sorted trigrams ({@link chunkGrams}) when the caller keeps them, else undefined.
   * Scoring from them is a few binary searches instead of a scan of the chunk's text: worth
   * keeping for chunks that come back (a small corpus, a popular story), not for every one.
   */
  grams?: (chunk: Chunk) => Int32Array | undefined;
}

/**
 * Calls `visit` with each normalised text of a chunk whose words are the words of its headline,
 * sub-heading and text, in order: {@link chunkGrams} cuts the content words among them. The
 * text's are its normalised sentences when it is its sentences joined (normalisation and word
 * splitting never reach across a space), else the text normalised.
 */
function forEachChunkText(chunk: Chunk, text: ChunkText | undefined, visit: (normalized: string) => void): void {
  if (chunk.title) visit(normalize(chunk.title));
  if (chunk.heading) visit(normalize(chunk.heading));
  if (text?.joined) for (const sentence of text.normalized) visit(sentence);
  else if (chunk.text) visit(normalize(chunk.text));
}

/** A word's hash for {@link SPECIAL_WORDS} (over its code units, as the scan computes it). */
function wordHash(text: string, start: number, end: number): number {
  let h = 0;
  for (let i = start; i < end; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) | 0;
  return h & 0x3fffffff;
}

/**
 * Hashes of the words {@link searchableWord} does not take as they stand: stopwords and dialect
 * words. A word whose hash is not here, and which is longer than
 * one letter, is its own content word; the others (and the few that only share a hash) go
 * through `searchableWord` itself.
 */
const SPECIAL_WORDS: ReadonlySet<number> = (() => {
  const special = new Set<number>();
  for (const w of [...STOPWORDS, ...Object.keys(DIALECT_TO_MSA)]) special.add(wordHash(w, 0, w.length));
  return special;
})();

/**
 * Trigram BM25 of chunks for one question. Each chunk's normalised text is scanned once: its
 * words' trigrams are computed from the code units and looked up in a small table of the
 * question's trigrams (no string is made for a word, except for the few that may be stopwords
 * or dialect words). Scores are summed over the question's trigrams in their order, as counting
 * them in the chunk's sorted trigrams would.
 */
class GramScorer {
  private readonly weights: number[] = [];
  /** The question's trigrams, in the order of {@link weights}. */
  private readonly grams: Gram[] = [];
  /** Open-addressing table of the question's trigrams: the trigram (0: empty) and its place in {@link weights}. */
  private readonly slots: Int32Array;
  private readonly places: Int32Array;
  private readonly mask: number;
  private readonly counts: Int32Array;
  /** Content-word length of the chunk being scored. */
  private length = 0;

  constructor(query: Map<Gram, number>, private readonly k1: number, private readonly b: number, private readonly average: number) {
    let size = 64;
    while (size < query.size * 4) size *= 2;
    this.slots = new Int32Array(size);
    this.places = new Int32Array(size);
    this.mask = size - 1;
    for (const [g, weight] of query) {
      let at = this.slotOf(g);
      while (this.slots[at] !== 0 && this.slots[at] !== g) at = (at + 1) & this.mask;
      this.slots[at] = g;
      this.places[at] = this.weights.length;
      this.weights.push(weight);
      this.grams.push(g);
    }
    this.counts = new Int32Array(this.weights.length);
  }

  private slotOf(g: Gram): number {
    return (Math.imul(g, 0x9e3779b1) >>> 16) & this.mask;
  }

  /** Counts a trigram if the question has it. */
  private count(g: Gram): void {
    const { slots, mask } = this;
    for (let at = this.slotOf(g); slots[at] !== 0; at = (at + 1) & mask) {
      if (slots[at] === g) {
        this.counts[this.places[at]!]!++;
        return;
      }
    }
  }

  /** Counts the trigrams of the content word among `text[start, end)` (a word as normalised). */
  private word(text: string, start: number, end: number): void {
    let w = text;
    if (end - start < 2 || SPECIAL_WORDS.has(wordHash(text, start, end))) {
      const content = searchableWord(text.slice(start, end));
      if (content === null) return;
      w = content;
      start = 0;
      end = content.length;
    }
    this.length += end - start;
    let a = BOUNDARY;
    let b = LETTER[w.charCodeAt(start)]!;
    for (let i = start + 1; i <= end; i++) {
      const c = i < end ? LETTER[w.charCodeAt(i)]! : BOUNDARY;
      this.count((a << 16) | (b << 8) | c);
      a = b;
      b = c;
    }
  }

  /** The chunk's score from one scan of its normalised text. */
  score(chunk: Chunk, text: ChunkText | undefined): number {
    this.counts.fill(0);
    this.length = 0;
    forEachChunkText(chunk, text, (normalized) => forEachWord(normalized, (start, end) => this.word(normalized, start, end)));
    return this.sum();
  }

  /** The same score from the chunk's sorted trigrams ({@link chunkGrams}): two binary searches a question trigram. */
  scoreSorted(sorted: Int32Array): number {
    for (let i = 0; i < this.grams.length; i++) this.counts[i] = countOf(sorted, this.grams[i]!);
    this.length = sorted.length;
    return this.sum();
  }

  /** BM25 over the counted trigrams, summed in the question's order (so both ways give the same bits). */
  private sum(): number {
    const { counts, k1, b } = this;
    const norm = k1 * (1 - b + (b * this.length) / this.average);
    let s = 0;
    for (let i = 0; i < counts.length; i++) {
      const f = counts[i]!;
      if (f) s += (this.weights[i]! * f * (k1 + 1)) / (f + norm);
    }
    return s;
  }
}

/** Occurrences of `g` in a sorted trigram array (two binary searches). */
function countOf(sorted: Int32Array, g: Gram): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < g) lo = mid + 1;
    else hi = mid;
  }
  let end = lo;
  hi = sorted.length;
  while (end < hi) {
    const mid = (end + hi) >>> 1;
    if (sorted[mid]! <= g) end = mid + 1;
    else hi = mid;
  }
  return end - lo;
}

/**
 * The trigram BM25 score of each chunk (0 for a missing one): query trigrams weighted by their IDF
 * and the weight of the text they come from; a chunk's trigrams are those {@link chunkGrams}
 * gives. `text` gives a chunk's normalised sentences (see {@link RerankInput}).
 */
export function gramBm25(
  texts: ReadonlyArray<{ text: string; weight: number }>,
  chunks: ReadonlyArray<Chunk | undefined>,
  stats: GramStats,
  options: Pick<RerankOptions, 'k1' | 'b'>,
  text?: (chunk: Chunk) => ChunkText,
  sorted?: (chunk: Chunk) => Int32Array | undefined,
): Float64Array {
  const scores = new Float64Array(chunks.length);
  const query = new Map<Gram, number>();
  for (const { text, weight } of texts) {
    forEachGram(text, (g) => query.set(g, Math.max(query.get(g) ?? 0, weight)));
  }
  for (const [g, weight] of query) query.set(g, weight * stats.idf(g));
  if (query.size) {
    const scorer = new GramScorer(query, options.k1, options.b, stats.averageLength || 1);
    chunks.forEach((chunk, i) => {
      if (!chunk) return;
      const grams = sorted?.(chunk);
      scores[i] = grams ? scorer.scoreSorted(grams) : scorer.score(chunk, text?.(chunk));
    });
  }
  return scores;
}

/** The candidates re-ordered (scores unchanged); see the module comment. */
export function rerank(input: RerankInput, options: RerankOptions = DEFAULT_RERANK): LexicalHit[] {
  const { chunkOf, lexical, stats } = input;
  if (input.hits.length < 2 || (!options.gramWeight && !options.titleWeight)) return input.hits;
  const hits = input.hits.slice(0, options.depth);
  const rest = input.hits.slice(options.depth);
  const chunks = hits.map((h) => chunkOf(h.label));

  // Trigram BM25: query trigrams weighted by their IDF and the weight of the text they come from.
  const gramScores = options.gramWeight ? gramBm25(input.texts, chunks, stats, options, input.text, input.grams) : new Float64Array(hits.length);

  // Headline coverage: the IDF share of the question's words its headline holds.
  const titleScores = new Float64Array(hits.length);
  if (options.titleWeight) {
    const analyse = input.titleTerms ?? ((title: string) => new Set(lexical.analyzeDocument(title)));
    // Ranking reads the alternatives ranking may use (not the answer-only ones).
    const units = input.units.map((u) => {
      const ranked = u.alternatives.filter((a) => !a.answerOnly);
      return { ranked, idf: u.weight * Math.max(0, ...ranked.map((a) => a.factor * lexical.idf(a.term))) };
    });
    const total = units.reduce((sum, x) => sum + x.idf, 0);
    if (total > 0) {
      chunks.forEach((chunk, i) => {
        if (!chunk?.title) return;
        const title = analyse(chunk.title);
        let covered = 0;
        for (const { ranked, idf } of units) if (ranked.some((a) => title.has(a.term))) covered += idf;
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
