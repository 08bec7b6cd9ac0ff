/**
 * BM25 over Arabic-normalised, stemmed terms, through an inverted index: a query touches only
 * the postings of its own terms, never every chunk. Documents are addressed by numeric labels
 * (the same labels the dense index uses) and can be added and removed one at a time, so a
 * changed article re-indexes only its own chunks.
 *
 * Fields: a chunk's sentences count fully; its section headline and sub-heading count with
 * `titleWeight` (they repeat across an article's chunks, so they act as an article-level prior).
 */
import { terms, wordTerms, type StemmerName, type WordTerms } from '../text/arabic.js';
import { FuzzyVocabulary } from './fuzzy.js';
import { decodeBinary, decodeSnapshot, encodeBinary, encodeSnapshot, findLabel, grown, PostingsStore, type LexicalHeader, type LexicalSnapshot } from './postings.js';
import { expandQuery, expandWords, flattenUnits, mergeTerms, type QueryUnit, type QueryWord, type WeightedTerm } from './query-words.js';
import type { TermStatistics } from './term-statistics.js';
import { TopKSearch, type LexicalHit, type QueryList, type SearchCorpus } from './top-k.js';

export { trigrams } from './fuzzy.js';
export type { LexicalHeader, LexicalSnapshot } from './postings.js';
export type { QueryAlternative, QueryUnit, QueryWord, WeightedTerm } from './query-words.js';
export type { LexicalHit } from './top-k.js';

/**
 * Bump when the terms produced for the same text change (normalisation, stemming, stopwords,
 * metadata words): an index built by another version is rebuilt.
 */
export const ANALYZER_VERSION = 9;

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

export interface LexicalFields {
  text: string;
  title?: string | null;
  heading?: string | null;
  /** Outlet, agency and date words: lets «ما مصدر…» / «مايو 2025» questions match metadata. */
  meta?: string | null;
}

/**
 * The index the engine keeps: the postings of every chunk's terms (postings.ts), its documents'
 * lengths, and the entry points callers use: adding and removing documents, analysing text as it
 * does, term statistics, query-word resolution (query-words.ts, fuzzy.ts), top-k search
 * (top-k.ts) and saving and loading. The answer stage reads it as {@link TermStatistics}.
 */
export class LexicalIndex implements TermStatistics {
  private readonly postings = new PostingsStore();
  private readonly lengths = new Map<number, number>();
  /** Labels removed since their postings were last compacted away. */
  private readonly removed = new Set<number>();
  private totalLength = 0;
  /** Document lengths by label, for the search loop (a Map lookup per posting is the slow part). */
  private lengthByLabel = new Float64Array(0);
  /** Changes whenever a length is set (invalidates the search's length norms). */
  private lengthVersion = 0;
  /** The search, with its scratch space and cached bounds. */
  private readonly searcher = new TopKSearch();
  /** Term frequencies of the document being added, by term id (valid where tfStamp = addStamp). */
  private tfById = new Float64Array(0);
  private tfStamp = new Int32Array(0);
  private addStamp = 0;
  /** The vocabulary by trigram, for close spellings; built on the first fuzzy lookup. */
  private readonly fuzzy = new FuzzyVocabulary();

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
    return this.extraTermsOf(wordTerms(text, { stemmer: this.options.stemmer }));
  }

  /** {@link extraTerms} of a text's analysed words. */
  private extraTermsOf(seq: readonly WordTerms[]): string[] {
    const { bigramWeight, surfaceWeight } = this.options;
    if (!bigramWeight && !surfaceWeight) return [];
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
    // Term frequencies by term id, in order of first occurrence (the order terms are interned
    // and appended in): one lookup per occurrence, no map per document.
    if (this.addStamp >= 0x3fffffff) {
      this.tfStamp.fill(0);
      this.addStamp = 0;
    }
    const stamp = ++this.addStamp;
    const touched: number[] = [];
    const count = (term: string, by: number) => {
      const id = this.termId(term);
      if (id >= this.tfById.length) {
        this.tfById = grown(this.tfById, Math.max(1024, id + 1, this.tfById.length * 2));
        this.tfStamp = grown(this.tfStamp, this.tfById.length);
      }
      if (this.tfStamp[id] !== stamp) {
        this.tfStamp[id] = stamp;
        this.tfById[id] = 0;
        touched.push(id);
      }
      this.tfById[id] = this.tfById[id]! + by;
    };
    // The text is analysed once: its words give the document terms (every stem variant) and
    // the phrase and surface terms (what analyzeDocument and extraTerms give, in that order).
    const seq = wordTerms(fields.text, { stemmer: this.options.stemmer });
    let length = 0;
    for (const w of seq) {
      for (const t of w.variants) count(t, 1);
      length += w.variants.length;
    }
    for (const t of this.extraTermsOf(seq)) count(t, 1);
    for (const extra of [fields.title, fields.heading, fields.meta]) {
      if (!extra) continue;
      const ts = this.analyzeDocument(extra);
      for (const t of ts) count(t, this.options.titleWeight);
      length += ts.length * this.options.titleWeight;
    }
    for (const id of touched) this.postings.append(id, label, this.tfById[id]!);
    this.lengths.set(label, length);
    this.setLength(label, length);
    this.totalLength += length;
  }

  /** The id of a term, interning it when new. */
  private termId(term: string): number {
    const id = this.postings.ids.get(term);
    if (id !== undefined) return id;
    const added = this.postings.intern(term).id;
    this.fuzzy.add(term);
    return added;
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
    this.fuzzy.dropped();
    this.postings.compact(this.removed);
    this.removed.clear();
  }

  /** Number of live documents containing the term. */
  docFreq(term: string): number {
    if (this.removed.size === 0) return this.postings.count(term);
    const p = this.postings.get(term);
    if (!p) return 0;
    let n = 0;
    for (const l of p.labels) if (!this.removed.has(l)) n++;
    return n;
  }

  /** Whether a live document holds the term, in any field (a binary search in the term's postings). */
  holds(label: number, term: string): boolean {
    const p = this.postings.get(term);
    if (!p || this.removed.has(label)) return false;
    return this.postings.unsorted ? p.labels.includes(label) : findLabel(p.labels, label) >= 0;
  }

  /**
   * The term frequency a live document has for the term (0 when it does not hold it): body
   * occurrences count 1, headline, sub-heading and source-line occurrences `titleWeight`.
   */
  frequency(label: number, term: string): number {
    const p = this.postings.get(term);
    if (!p || this.removed.has(label)) return 0;
    const i = this.postings.unsorted ? p.labels.indexOf(label) : findLabel(p.labels, label);
    return i >= 0 ? p.tfs[i]! * p.scale : 0;
  }

  /** BM25 inverse document frequency (always positive). */
  idf(term: string): number {
    const n = this.size;
    const df = this.docFreq(term);
    return Math.log(1 + (n - df + 0.5) / (df + 0.5));
  }

  /** Query terms with their weights merged (a repeated term counts once, at the summed weight). */
  static merge(weighted: WeightedTerm[]): WeightedTerm[] {
    return mergeTerms(weighted);
  }

  /**
   * Builds the trigram index of the vocabulary that {@link similarTerms} looks in, if it is not
   * built yet (otherwise the first question with an unknown word pays for it: ~1 s at 100k chunks).
   */
  prepareFuzzy(): void {
    if (!this.options.fuzzyMinSimilarity) return;
    this.fuzzy.build(this.postings.terms);
  }

  /**
   * Corpus terms spelled like `term` (trigram Dice ≥ fuzzyMinSimilarity), best first. Looks
   * only at terms sharing a trigram with it, never at the whole vocabulary.
   */
  similarTerms(term: string, limit = 3): Array<{ term: string; factor: number }> {
    const min = this.options.fuzzyMinSimilarity;
    if (!min || term.length < 4) return [];
    this.prepareFuzzy();
    return this.fuzzy.similar(term, min, limit, (t) => this.docFreq(t));
  }

  /** Resolves query terms (one spelling each) to the corpus terms that stand for them. */
  expandQuery(query: WeightedTerm[]): QueryUnit[] {
    return expandQuery(query, this);
  }

  /**
   * Resolves words that each have several candidate terms (an English word's Arabic
   * translations): the ones the corpus uses, else close spellings of any of them.
   */
  expandWords(words: QueryWord[]): QueryUnit[] {
    return expandWords(words, this);
  }

  /**
   * Whether a term is a phrase or surface-form term (their own namespaces beside the stems):
   * postings hold them for a document's text, but `analyzeDocument` never gives them.
   */
  static isExtraTerm(term: string): boolean {
    return term.startsWith(SURFACE) || term.includes(BIGRAM);
  }

  /** Flattens query units into weighted terms for {@link search}. */
  static flatten(units: QueryUnit[]): WeightedTerm[] {
    return flattenUnits(units);
  }

  /** Top `k` documents by BM25 for the weighted query terms (see {@link TopKSearch.search}). */
  search(query: WeightedTerm[], k: number): LexicalHit[] {
    if (this.size === 0 || query.length === 0 || k <= 0) return [];
    return this.searcher.search(this.searchCorpus(), this.queryLists(query), k);
  }

  /** {@link search} term at a time (see {@link TopKSearch.searchTermAtATime}). */
  searchTermAtATime(query: WeightedTerm[], k: number): LexicalHit[] {
    if (this.size === 0 || query.length === 0 || k <= 0) return [];
    return this.searcher.searchTermAtATime(this.searchCorpus(), this.queryLists(query), k);
  }

  /** What the search reads of the index, as it is now. */
  private searchCorpus(): SearchCorpus {
    const { k1, b } = this.options;
    return { k1, b, documents: this.size, totalLength: this.totalLength, lengthByLabel: this.lengthByLabel, lengthVersion: this.lengthVersion, removed: this.removed, postings: this.postings };
  }

  /** The postings of each query term the index holds (merged weights), with its id and IDF times its weight. */
  private queryLists(query: WeightedTerm[]): QueryList[] {
    const lists: QueryList[] = [];
    for (const { term, weight } of mergeTerms(query)) {
      const p = this.postings.get(term);
      if (p) lists.push({ p, id: this.postings.ids.get(term)!, idf: this.idf(term) * weight });
    }
    return lists;
  }

  private setLength(label: number, length: number): void {
    if (label >= this.lengthByLabel.length) {
      const next = new Float64Array(Math.max(label + 1, this.lengthByLabel.length * 2, 1024));
      next.set(this.lengthByLabel);
      this.lengthByLabel = next;
    }
    this.lengthByLabel[label] = length;
    this.lengthVersion++;
  }

  /** Number of terms with postings. */
  get vocabularySize(): number {
    this.compact();
    return this.postings.terms.length;
  }

  toJSON(): LexicalSnapshot {
    this.compact();
    return encodeSnapshot(this.options, [...this.lengths], this.postings);
  }

  static fromJSON(snapshot: LexicalSnapshot): LexicalIndex {
    const index = new LexicalIndex(snapshot.options);
    for (const [label, length] of snapshot.lengths) index.keepLength(label, length);
    decodeSnapshot(snapshot, index.postings);
    return index;
  }

  /** The index as a JSON header and a compact buffer (see {@link LexicalHeader}). */
  toBinary(): { header: LexicalHeader; data: Buffer } {
    this.compact();
    return encodeBinary(this.options, [...this.lengths], this.postings);
  }

  static fromBinary(header: LexicalHeader, data: Uint8Array): LexicalIndex {
    const index = new LexicalIndex(header.options);
    const { docLabels, docLengths } = decodeBinary(header, data, index.postings);
    for (let i = 0; i < docLabels.length; i++) index.keepLength(docLabels[i]!, docLengths[i]!);
    return index;
  }

  /** Records a loaded document's length. */
  private keepLength(label: number, length: number): void {
    this.lengths.set(label, length);
    this.setLength(label, length);
    this.totalLength += length;
  }
}
