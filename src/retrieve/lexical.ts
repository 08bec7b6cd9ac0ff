/**
 * BM25 over Arabic-normalised, stemmed terms, through an inverted index: a query touches only
 * the postings of its own terms, never every chunk. Documents are addressed by numeric labels
 * (the same labels the dense index uses) and can be added and removed one at a time, so a
 * changed article re-indexes only its own chunks.
 *
 * Fields: a chunk's sentences count fully; its section headline and sub-heading count with
 * `titleWeight` (they repeat across an article's chunks, so they act as an article-level prior).
 */
import { terms, wordTerms, type StemmerName } from '../text/arabic.js';

/**
 * Bump when the terms produced for the same text change (normalisation, stemming, stopwords,
 * metadata words): an index built by another version is rebuilt.
 */
export const ANALYZER_VERSION = 3;

export interface LexicalOptions {
  k1: number;
  b: number;
  /** Weight of headline and sub-heading terms relative to body terms. */
  titleWeight: number;
  stemmer: StemmerName;
  /**
   * A query term the corpus never uses is matched to corpus terms whose character trigrams
   * overlap at least this much (Dice), e.g. جينبينغ ~ جين بينج variants, يستقبل ~ استقبل;
   * 0 turns fuzzy matching off.
   */
  fuzzyMinSimilarity: number;
  /**
   * Query weight of adjacent word pairs (stems of neighbouring content words, indexed as
   * phrase terms); rewards passages that keep the question's words together. 0 = off.
   */
  bigramWeight: number;
  /** Query weight of exact (normalised, unstemmed) word forms, indexed beside stems. 0 = off. */
  surfaceWeight: number;
}

/** Chosen on ARCD-train (scripts/tune.ts --levers / --grid); see docs/quality.md. */
export const DEFAULT_LEXICAL_OPTIONS: LexicalOptions = {
  k1: 0.9,
  b: 0.9,
  titleWeight: 1,
  stemmer: 'light',
  fuzzyMinSimilarity: 0.6,
  bigramWeight: 0,
  surfaceWeight: 0.3,
};

/** Phrase and surface terms live beside stems in one index, in their own namespaces. */
const BIGRAM = '\u0001';
const SURFACE = '=';

/**
 * One word of a query with the corpus terms that stand for it: the term itself when the corpus
 * has it, otherwise close spellings (each with the similarity it is credited at).
 */
export interface QueryUnit {
  term: string;
  weight: number;
  alternatives: Array<{ term: string; factor: number }>;
  /**
   * The unit's own term is a guess at a spelling (a transliterated English name): when the corpus
   * has a close spelling, that spelling's weight counts, not the guess's absence.
   */
  guess?: boolean;
}

/** Several spellings or translations that stand for one word of a question. */
export interface QueryWord {
  /** Corpus-side terms, the first being the word's own. */
  terms: string[];
  weight: number;
  guess?: boolean;
}

/** Character trigrams of a term, with word-boundary markers. */
export function trigrams(term: string): Set<string> {
  const padded = `#${term}#`;
  const out = new Set<string>();
  for (let i = 0; i + 3 <= padded.length; i++) out.add(padded.slice(i, i + 3));
  return out;
}

export interface LexicalFields {
  text: string;
  title?: string | null;
  heading?: string | null;
  /** Outlet, agency and date words: lets «ما مصدر…» / «مايو 2025» questions match metadata. */
  meta?: string | null;
}

export interface WeightedTerm {
  term: string;
  weight: number;
}

export interface LexicalHit {
  label: number;
  score: number;
}

interface Postings {
  labels: number[];
  tfs: number[];
}

/** Serialised form (JSON-safe). */
export interface LexicalSnapshot {
  options: LexicalOptions;
  lengths: Array<[number, number]>;
  postings: Record<string, [number[], number[]]>;
}

export class LexicalIndex {
  private readonly postings = new Map<string, Postings>();
  private readonly lengths = new Map<number, number>();
  /** Labels removed since their postings were last compacted away. */
  private readonly removed = new Set<number>();
  private totalLength = 0;
  private scratch = new Float64Array(0);
  /** Document lengths by label, for the search loop (a Map lookup per posting is the slow part). */
  private lengthByLabel = new Float64Array(0);
  /** Whether some postings list is out of label order (then search scans instead of pruning). */
  private unsorted = false;
  /** trigram → vocabulary terms containing it; built on the first fuzzy lookup. */
  private trigramIndex: Map<string, string[]> | null = null;

  constructor(readonly options: LexicalOptions = DEFAULT_LEXICAL_OPTIONS) {}

  /** Number of live documents. */
  get size(): number {
    return this.lengths.size;
  }

  /** Query terms of a text under this index's settings (one stem per word). */
  analyze(text: string): string[] {
    return terms(text, { stemmer: this.options.stemmer });
  }

  /** Document terms of a text: every stem variant, so ambiguous prefixes match either reading. */
  analyzeDocument(text: string): string[] {
    return terms(text, { stemmer: this.options.stemmer, variants: true });
  }

  /** Phrase (adjacent stem pairs) and surface-form terms of a text, as the options ask. */
  extraTerms(text: string): string[] {
    const { bigramWeight, surfaceWeight } = this.options;
    if (!bigramWeight && !surfaceWeight) return [];
    const seq = wordTerms(text, { stemmer: this.options.stemmer });
    const out: string[] = [];
    if (bigramWeight) for (let i = 1; i < seq.length; i++) out.push(seq[i - 1]!.stem + BIGRAM + seq[i]!.stem);
    if (surfaceWeight) for (const w of seq) out.push(SURFACE + w.surface);
    return out;
  }

  /** The phrase and surface query terms of a question, weighted by the options. */
  extraQueryTerms(text: string, weight = 1): WeightedTerm[] {
    return this.extraTerms(text).map((term) => ({
      term,
      weight: weight * (term.startsWith(SURFACE) ? this.options.surfaceWeight : this.options.bigramWeight),
    }));
  }

  add(label: number, fields: LexicalFields): void {
    if (this.lengths.has(label)) this.remove(label);
    if (this.removed.has(label)) this.compact();
    const tf = new Map<string, number>();
    const body = this.analyzeDocument(fields.text);
    for (const t of body) tf.set(t, (tf.get(t) ?? 0) + 1);
    for (const t of this.extraTerms(fields.text)) tf.set(t, (tf.get(t) ?? 0) + 1);
    let length = body.length;
    for (const extra of [fields.title, fields.heading, fields.meta]) {
      if (!extra) continue;
      const ts = this.analyzeDocument(extra);
      for (const t of ts) tf.set(t, (tf.get(t) ?? 0) + this.options.titleWeight);
      length += ts.length * this.options.titleWeight;
    }
    for (const [term, count] of tf) {
      let p = this.postings.get(term);
      if (!p) {
        this.postings.set(term, (p = { labels: [], tfs: [] }));
        if (this.trigramIndex) this.indexTrigrams(term);
      }
      if (p.labels.length > 0 && p.labels[p.labels.length - 1]! > label) this.unsorted = true;
      p.labels.push(label);
      p.tfs.push(count);
    }
    this.lengths.set(label, length);
    this.setLength(label, length);
    this.totalLength += length;
  }

  remove(label: number): void {
    const length = this.lengths.get(label);
    if (length === undefined) return;
    this.lengths.delete(label);
    this.totalLength -= length;
    this.removed.add(label);
    if (this.removed.size > 1000 && this.removed.size > this.lengths.size / 4) this.compact();
  }

  /** Drops postings of removed labels. */
  compact(): void {
    if (this.removed.size === 0) return;
    for (const [term, p] of this.postings) {
      const labels: number[] = [];
      const tfs: number[] = [];
      for (let i = 0; i < p.labels.length; i++) {
        if (!this.removed.has(p.labels[i]!)) {
          labels.push(p.labels[i]!);
          tfs.push(p.tfs[i]!);
        }
      }
      if (labels.length === 0) this.postings.delete(term);
      else this.postings.set(term, { labels, tfs });
    }
    this.removed.clear();
  }

  /** Number of live documents containing the term. */
  docFreq(term: string): number {
    const p = this.postings.get(term);
    if (!p) return 0;
    if (this.removed.size === 0) return p.labels.length;
    let n = 0;
    for (const l of p.labels) if (!this.removed.has(l)) n++;
    return n;
  }

  /** Whether a live document holds the term, in any field (a binary search in the term's postings). */
  holds(label: number, term: string): boolean {
    const p = this.postings.get(term);
    if (!p || this.removed.has(label)) return false;
    return this.unsorted ? p.labels.includes(label) : findLabel(p.labels, label) >= 0;
  }

  /** BM25 inverse document frequency (always positive). */
  idf(term: string): number {
    const n = this.size;
    const df = this.docFreq(term);
    return Math.log(1 + (n - df + 0.5) / (df + 0.5));
  }

  /** Query terms with their weights merged (a repeated term counts once, at the summed weight). */
  static merge(weighted: WeightedTerm[]): WeightedTerm[] {
    const m = new Map<string, number>();
    for (const { term, weight } of weighted) m.set(term, (m.get(term) ?? 0) + weight);
    return [...m].map(([term, weight]) => ({ term, weight }));
  }

  private indexTrigrams(term: string): void {
    for (const g of trigrams(term)) {
      const list = this.trigramIndex!.get(g);
      if (list) list.push(term);
      else this.trigramIndex!.set(g, [term]);
    }
  }

  /**
   * Corpus terms spelled like `term` (trigram Dice ≥ fuzzyMinSimilarity), best first. Looks
   * only at terms sharing a trigram with it, never at the whole vocabulary.
   */
  similarTerms(term: string, limit = 3): Array<{ term: string; factor: number }> {
    const min = this.options.fuzzyMinSimilarity;
    if (!min || term.length < 4) return [];
    if (!this.trigramIndex) {
      this.trigramIndex = new Map();
      for (const t of this.postings.keys()) this.indexTrigrams(t);
    }
    const grams = trigrams(term);
    const shared = new Map<string, number>();
    for (const g of grams) for (const t of this.trigramIndex.get(g) ?? []) shared.set(t, (shared.get(t) ?? 0) + 1);
    const out: Array<{ term: string; factor: number }> = [];
    for (const [t, n] of shared) {
      const dice = (2 * n) / (grams.size + trigrams(t).size);
      if (dice >= min && this.docFreq(t) > 0) out.push({ term: t, factor: dice });
    }
    return out.sort((a, b) => b.factor - a.factor || a.term.localeCompare(b.term)).slice(0, limit);
  }

  /** Resolves query terms (one spelling each) to the corpus terms that stand for them. */
  expandQuery(query: WeightedTerm[]): QueryUnit[] {
    return this.expandWords(LexicalIndex.merge(query).map(({ term, weight }) => ({ terms: [term], weight })));
  }

  /**
   * Resolves words that each have several candidate terms (an English word's Arabic
   * translations): the ones the corpus uses, else close spellings of any of them.
   */
  expandWords(words: QueryWord[]): QueryUnit[] {
    return words
      .filter((w) => w.terms.length > 0)
      .map((w) => {
        let known = [...new Set(w.terms)].filter((t) => this.docFreq(t) > 0).map((term) => ({ term, factor: 1 }));
        // An unknown word with a preposition the stemmer leaves on (بميشوستين, لروسيا): the
        // rest of it, when the corpus knows that. Only ب and ل, and only before 4+ letters: a
        // shorter rest or another letter is too often part of the word (سكان is not س+كان).
        if (known.length === 0) {
          known = w.terms
            .filter((t) => /^[بل][\u0621-\u064A]{4,}$/u.test(t) && this.docFreq(t.slice(1)) > 0)
            .map((t) => ({ term: t.slice(1), factor: 1 }));
        }
        const alternatives = known.length
          ? known
          : w.terms.flatMap((t) => this.similarTerms(t)).sort((a, b) => b.factor - a.factor).slice(0, 3);
        return { term: w.terms[0]!, weight: w.weight, alternatives, ...(w.guess ? { guess: true } : {}) };
      });
  }

  /** Flattens query units into weighted terms for {@link search}. */
  static flatten(units: QueryUnit[]): WeightedTerm[] {
    return units.flatMap((u) => u.alternatives.map((a) => ({ term: a.term, weight: u.weight * a.factor })));
  }

  /**
   * Top `k` documents by BM25 for the weighted query terms: exactly the ranking of scoring every
   * document that holds a query term, without doing so. Terms are taken rarest-first (by their
   * highest possible contribution, idf·weight·(k1+1)); once the k-th best score so far beats what
   * all remaining terms together could add, no document outside the candidates can enter the
   * top k, so the remaining (common, long) postings lists are only probed for the candidates
   * (binary search) instead of walked. A question holding «الخبر» or a year then costs what its
   * rare words cost, not a pass over every chunk. The top k are finally re-scored term by term in
   * query order, so scores are bit-identical to the exhaustive sum.
   */
  search(query: WeightedTerm[], k: number): LexicalHit[] {
    if (this.size === 0 || query.length === 0 || k <= 0) return [];
    const { k1, b } = this.options;
    const avg = this.totalLength / this.size || 1;
    const lists: Array<{ p: Postings; idf: number; bound: number }> = [];
    for (const { term, weight } of LexicalIndex.merge(query)) {
      const p = this.postings.get(term);
      if (!p) continue;
      const idf = this.idf(term) * weight;
      lists.push({ p, idf, bound: idf * (k1 + 1) });
    }
    if (lists.length === 0) return [];
    const removed = this.removed.size > 0 ? this.removed : null;
    const lengths = this.lengthByLabel;
    const score = (idf: number, tf: number, label: number) => (idf * tf * (k1 + 1)) / (tf + k1 * (1 - b + (b * lengths[label]!) / avg));
    // Pruning needs non-negative contributions bounded by idf·(k1+1), and sorted postings.
    const prunable = !this.unsorted && k1 >= 0 && b >= 0 && b <= 1 && lists.every((l) => l.idf >= 0 && Number.isFinite(l.idf));
    const order = prunable ? [...lists].sort((x, y) => y.bound - x.bound) : lists;
    let remaining = 0;
    for (const l of order) remaining += l.bound;

    const touched: number[] = [];
    let candidates: number[] | null = null;
    let best = 0;
    for (const { p, idf, bound } of order) {
      if (candidates === null && prunable && touched.length >= k && remaining < best) {
        const threshold = kthLargest(touched.map((l) => this.scratch[l]!), k);
        if (remaining < threshold * (1 - 1e-9)) {
          // Only documents already seen can still reach the top k.
          candidates = touched.filter((l) => this.scratch[l]! + remaining >= threshold * (1 - 1e-9));
        }
      }
      if (candidates === null) {
        for (let i = 0; i < p.labels.length; i++) {
          const label = p.labels[i]!;
          if (removed?.has(label)) continue;
          if (label >= this.scratch.length) this.grow(label);
          if (this.scratch[label] === 0) touched.push(label);
          const total = (this.scratch[label]! += score(idf, p.tfs[i]!, label));
          if (total > best) best = total;
        }
      } else {
        for (const label of candidates) {
          const i = findLabel(p.labels, label);
          if (i >= 0) this.scratch[label]! += score(idf, p.tfs[i]!, label);
        }
      }
      remaining -= bound;
    }
    const pool = candidates ?? touched;
    const scored = pool.map((label) => ({ label, score: this.scratch[label]! }));
    for (const l of touched) this.scratch[l] = 0;
    const top = topK(scored, k);
    if (!prunable || top.length === 0) return top;
    // Re-score the top k (and anything within rounding of the k-th) in query order.
    const kth = top[top.length - 1]!.score;
    const band = top.length < k ? scored : scored.filter((h) => h.score >= kth - Math.abs(kth) * 1e-9 - 1e-12);
    for (const h of band) {
      let total = 0;
      for (const { p, idf } of lists) {
        const i = findLabel(p.labels, h.label);
        if (i >= 0) total += score(idf, p.tfs[i]!, h.label);
      }
      h.score = total;
    }
    band.sort((x, y) => y.score - x.score || x.label - y.label);
    return band.slice(0, k);
  }

  private setLength(label: number, length: number): void {
    if (label >= this.lengthByLabel.length) {
      const next = new Float64Array(Math.max(label + 1, this.lengthByLabel.length * 2, 1024));
      next.set(this.lengthByLabel);
      this.lengthByLabel = next;
    }
    this.lengthByLabel[label] = length;
  }

  private grow(label: number): void {
    const next = new Float64Array(Math.max(label + 1, this.scratch.length * 2, 1024));
    next.set(this.scratch);
    this.scratch = next;
  }

  toJSON(): LexicalSnapshot {
    this.compact();
    const postings: LexicalSnapshot['postings'] = {};
    for (const [term, p] of this.postings) postings[term] = [p.labels, p.tfs];
    return { options: this.options, lengths: [...this.lengths], postings };
  }

  static fromJSON(snapshot: LexicalSnapshot): LexicalIndex {
    const index = new LexicalIndex(snapshot.options);
    for (const [label, length] of snapshot.lengths) {
      index.lengths.set(label, length);
      index.setLength(label, length);
      index.totalLength += length;
    }
    for (const [term, [labels, tfs]] of Object.entries(snapshot.postings)) {
      if (labels.length !== tfs.length) throw new Error(`lexical index: postings of "${term}" are inconsistent`);
      for (let i = 1; i < labels.length && !index.unsorted; i++) if (labels[i - 1]! > labels[i]!) index.unsorted = true;
      index.postings.set(term, { labels, tfs });
    }
    return index;
  }
}

/** Index of `label` in ascending `labels`, or -1. */
function findLabel(labels: number[], label: number): number {
  let lo = 0;
  let hi = labels.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = labels[mid]!;
    if (v === label) return mid;
    if (v < label) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** The k-th largest of `values` (k ≤ length), by quickselect; reorders `values`. */
function kthLargest(values: number[], k: number): number {
  let lo = 0;
  let hi = values.length - 1;
  const target = k - 1;
  while (lo < hi) {
    const pivot = values[(lo + hi) >>> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i]! > pivot) i++;
      while (values[j]! < pivot) j--;
      if (i <= j) {
        const t = values[i]!;
        values[i] = values[j]!;
        values[j] = t;
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return values[target]!;
  }
  return values[target]!;
}

/** The k best hits (score descending, then label ascending), without sorting all of them. */
function topK(hits: LexicalHit[], k: number): LexicalHit[] {
  const better = (x: LexicalHit, y: LexicalHit) => x.score > y.score || (x.score === y.score && x.label < y.label);
  if (hits.length <= k * 4) return hits.sort((x, y) => y.score - x.score || x.label - y.label).slice(0, k);
  // A min-heap (worst of the best k on top).
  const heap: LexicalHit[] = [];
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && better(heap[m]!, heap[l]!)) m = l;
      if (r < heap.length && better(heap[m]!, heap[r]!)) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m]!, heap[i]!];
      i = m;
    }
  };
  for (const h of hits) {
    if (heap.length < k) {
      heap.push(h);
      for (let i = heap.length - 1; i > 0; ) {
        const parent = (i - 1) >> 1;
        if (!better(heap[parent]!, heap[i]!)) break;
        [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
        i = parent;
      }
    } else if (better(h, heap[0]!)) {
      heap[0] = h;
      down(0);
    }
  }
  return heap.sort((x, y) => y.score - x.score || x.label - y.label);
}
