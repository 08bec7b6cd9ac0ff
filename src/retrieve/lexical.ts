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

/**
 * Bump when the terms produced for the same text change (normalisation, stemming, stopwords,
 * metadata words): an index built by another version is rebuilt.
 */
export const ANALYZER_VERSION = 9;

/**
 * The other tense of a derived-form verb stem: a perfect that starts with «ا» (forms IV, VII,
 * VIII, X: اعلن، انسحب، اجتمع، استقبل) as its imperfect with «ي» / «ت», and an imperfect of forms
 * VII, VIII, X (ينسحب، يجتمع، يستقبل) as its perfect. Nouns that match the pattern (اتفاق) have
 * no such form in the corpus, so callers keep only the forms it holds. ARCD-train MRR@10 0.834 →
 * 0.836, answer-in-answer 0.782 → 0.784.
 */
function otherTense(term: string): string[] {
  if (/^ا[\u0621-\u064A]{4,}$/u.test(term)) return [`ي${term.slice(1)}`, `ت${term.slice(1)}`];
  if (/^[يت](ست|ن|[\u0621-\u064A]ت)[\u0621-\u064A]{2,}$/u.test(term)) return [`ا${term.slice(1)}`];
  return [];
}

/**
 * An imperfect verb in its other gender («يقع» / «تقع», «يبلغ» / «تبلغ»). For the answer's sentences
 * only (ARCD-train answer-in-answer 0.784 → 0.797, false refusals 6.6% → 6.2%, rankings
 * unchanged; used in ranking too, MRR@10 fell 0.836 → 0.834).
 */
function otherGender(term: string): string[] {
  return /^[يت][\u0621-\u064A]{2,}$/u.test(term) ? [`${term[0] === 'ي' ? 'ت' : 'ي'}${term.slice(1)}`] : [];
}

/**
 * An unknown word without a proclitic the stemmer leaves on: the preposition ب / ل (بميشوستين,
 * لبوتين, لشي) or the conjunction و, which stays on three-letter words so that وصل / وقف stay
 * whole (بوتين وشي). Other letters are too often part of the word (سكان is not س+كان). A rest of
 * 2+ letters rather than 4+: ARCD-train answer-in-answer 0.776 → 0.779, false refusals 7.6% →
 * 7.2%, wrong answers over the news 2.2% → 2.3% (docs/quality.md).
 */
function withoutProclitic(term: string): string[] {
  return /^[بلو][\u0621-\u064A]{2,}$/u.test(term) ? [term.slice(1)] : [];
}

/**
 * An unknown three-letter ة noun as its form before a suffix: a ة is written ت there, and the
 * final-ت rule leaves three-letter stems, so «مرة» (مره) finds «مرتين» (مرت) and «سنة» «سنتين».
 * (Indexing the ه form beside every such ت stem instead lengthened every story that names
 * «بوتين», whose stem is بوت.)
 */
function taForm(term: string): string[] {
  return /^[\u0621-\u064A]{2}ه$/u.test(term) ? [`${term.slice(0, 2)}ت`] : [];
}

/**
 * The other side of an Arabic derived-verb pair, for a word the corpus does not know: a form II
 * imperfect and its verbal noun (تعزز / يعزز ↔ تعزيز, يطور ↔ تطوير, توقع ↔ توقيع).
 */
export function masdarForms(term: string): string[] {
  const verb = /^[يتنا]([\u0621-\u064A])([\u0621-\u064A])([\u0621-\u064A])$/u.exec(term);
  if (verb) return [`ت${verb[1]}${verb[2]}ي${verb[3]}`];
  const noun = /^ت([\u0621-\u064A])([\u0621-\u064A])ي([\u0621-\u064A])$/u.exec(term);
  if (noun) return [`ي${noun[1]}${noun[2]}${noun[3]}`, `ت${noun[1]}${noun[2]}${noun[3]}`];
  return [];
}

/**
 * Other forms of a word the corpus does not know, tried in this order until one gives forms the
 * corpus has: without its proclitic, a ة noun's ت form, a form II verb's verbal noun or back
 * («تعزز» for «تعزيز», neutral on ARCD-train, see docs/quality.md).
 */
const UNKNOWN_WORD_FORMS: ReadonlyArray<(term: string) => string[]> = [withoutProclitic, taForm, masdarForms];

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

/** A corpus term that stands for a query word, and how fully (1: the word itself). */
export interface QueryAlternative {
  term: string;
  factor: number;
  /**
   * Counts when the answer weighs sentences, not when chunks are ranked (a verb's other gender,
   * «يقع» / «تقع»: in ranking it cost ARCD-train MRR, in the answer it finds the sentence).
   */
  answerOnly?: boolean;
}

/**
 * One word of a query with the corpus terms that stand for it: the term itself when the corpus
 * has it, otherwise close spellings (each with the similarity it is credited at).
 */
export interface QueryUnit {
  term: string;
  weight: number;
  alternatives: QueryAlternative[];
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

/**
 * Letters that write one foreign sound in transliterated names (G: لوفيغارو / لوفيجارو,
 * بينغ / بينج / بينق), made one letter when spellings are compared; never in the index terms.
 */
const G_LETTERS = /[غجقك]/g;

/** A term as spelling similarity sees it. */
function spellingKey(term: string): string {
  return term.replace(G_LETTERS, 'ج');
}

/** Character trigrams of a term's spelling key, with word-boundary markers. */
export function trigrams(term: string): Set<string> {
  const padded = `#${spellingKey(term)}#`;
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

/** One term's postings: labels (ascending unless {@link PostingsStore.unsorted}) and term frequencies. */
interface Postings {
  labels: Int32Array;
  /** Term frequencies are `tfs[i] * scale`. */
  tfs: Float64Array | Uint8Array;
  scale: number;
}

/** Whether a term frequency is kept exactly as one byte of tf×2 (the default field weights give halves). */
const isHalf = (tf: number) => tf >= 0 && tf <= 127.5 && Number.isInteger(tf * 2);

/** Serialised form (JSON-safe). */
export interface LexicalSnapshot {
  options: LexicalOptions;
  lengths: Array<[number, number]>;
  postings: Record<string, [number[], number[]]>;
}

/**
 * Binary serialised form: this header (JSON) plus a buffer it describes. Labels are stored per
 * term as zigzag varints of their differences (ascending labels: mostly one or two bytes), term
 * frequencies as one byte of tf×2 when all are halves up to 127.5 (the default weights), else
 * as float64.
 */
export interface LexicalHeader {
  options: LexicalOptions;
  terms: string[];
  documents: number;
  postings: number;
  tfEncoding: 'half-byte' | 'f64';
  /** [byte offset, byte length] of each part of the buffer. */
  layout: Record<'docLabels' | 'docLengths' | 'rows' | 'labels' | 'tfs', [number, number]>;
}

/** Most postings kept as joined copies at once (12 bytes each: ~12 MB). */
const JOINED_MAX = 1 << 20;

/**
 * Every term's postings in flat typed arrays, in rows by term id (compressed sparse rows): 5
 * bytes a posting (a label, and tf×2 in a byte while every tf is a half up to 127.5, as the
 * default weights give; 12 bytes otherwise) and a few dozen bytes a term, all outside the
 * garbage collector's way (a JS array pair per term cost ~6× the memory at 100k chunks and
 * slowed building down with GC).
 * Postings added since the last read wait in an append buffer and are merged into the rows on
 * the next read, in one pass (building adds everything, then reads). A few added to a large
 * index (one article at 100k chunks: ~700 postings beside ~10M) are not merged: that pass
 * rewrites every row (~1 s at 100k). A term they touch is read as its row and its appended
 * postings joined (a copy of that term only, kept until it changes); the rows are rebuilt once
 * the buffer passes 1/16 of them, or when everything is read (saving, compaction).
 */
class PostingsStore {
  readonly ids = new Map<string, number>();
  terms: string[] = [];
  /** Row of term id t: [rows[t], rows[t + 1]) in labels/tfs; covers the first `rowCount` ids. */
  private rows: Uint32Array = new Uint32Array(1);
  private rowCount = 0;
  private labels: Int32Array = new Int32Array(0);
  private tfs: Float64Array | Uint8Array = new Uint8Array(0);
  /** 0.5 while `tfs` holds tf×2 as bytes, 1 when it holds tfs as float64. */
  private tfScale = 0.5;
  /** Last label appended to each term (to notice a list going out of label order). */
  private last = new Int32Array(0);
  private pendingTerm = new Int32Array(0);
  private pendingLabel = new Int32Array(0);
  private pendingTf = new Float64Array(0);
  private pending = 0;
  /** Positions in the append buffer, by term id, while it is not merged (see `get`). */
  private pendingOf = new Map<number, number[]>();
  /** Row and appended postings joined, by term id, for terms read since they last changed. */
  private joined = new Map<number, Postings>();
  /** Postings held in `joined` (emptied past {@link JOINED_MAX} so the copies stay small). */
  private joinedPostings = 0;
  /** Whether some term's labels are not ascending (then search scans instead of pruning). */
  unsorted = false;
  /** Changes whenever the rows change (merges, compaction, loading). */
  version = 0;

  /** The id of a term, adding it when new; `isNew` tells the caller. */
  intern(term: string): { id: number; isNew: boolean } {
    let id = this.ids.get(term);
    if (id !== undefined) return { id, isNew: false };
    id = this.terms.length;
    this.terms.push(term);
    this.ids.set(term, id);
    if (id >= this.last.length) this.last = grown(this.last, Math.max(1024, this.last.length * 2), -1);
    else this.last[id] = -1;
    return { id, isNew: true };
  }

  append(id: number, label: number, tf: number): void {
    if (this.last[id]! > label) this.unsorted = true;
    this.last[id] = label;
    if (this.pending >= this.pendingTerm.length) {
      const size = Math.max(1024, this.pending * 2);
      this.pendingTerm = grown(this.pendingTerm, size);
      this.pendingLabel = grown(this.pendingLabel, size);
      this.pendingTf = grown(this.pendingTf, size);
    }
    this.pendingTerm[this.pending] = id;
    this.pendingLabel[this.pending] = label;
    this.pendingTf[this.pending] = tf;
    // Tracked only beside existing rows (a build from nothing merges everything at once).
    if (this.rowCount > 0) {
      const positions = this.pendingOf.get(id);
      if (positions) positions.push(this.pending);
      else this.pendingOf.set(id, [this.pending]);
      const stale = this.joined.get(id);
      if (stale) {
        this.joined.delete(id);
        this.joinedPostings -= stale.labels.length;
      }
    }
    this.pending++;
    this.version++;
  }

  /** Whether the append buffer is small beside the rows: read terms by joining instead of merging. */
  private joinable(): boolean {
    return this.pending > 0 && this.rowCount > 0 && this.pending * 16 <= this.labels.length;
  }

  /** A term's row and its appended postings joined (tfs as float64, scale 1). */
  private join(id: number): Postings {
    let p = this.joined.get(id);
    if (p) return p;
    const from = id < this.rowCount ? this.rows[id]! : 0;
    const to = id < this.rowCount ? this.rows[id + 1]! : 0;
    const positions = this.pendingOf.get(id) ?? [];
    const labels = new Int32Array(to - from + positions.length);
    const tfs = new Float64Array(labels.length);
    labels.set(this.labels.subarray(from, to));
    for (let i = from; i < to; i++) tfs[i - from] = this.tfs[i]! * this.tfScale;
    positions.forEach((at, k) => {
      labels[to - from + k] = this.pendingLabel[at]!;
      tfs[to - from + k] = this.pendingTf[at]!;
    });
    p = { labels, tfs, scale: 1 };
    if (this.joinedPostings + labels.length > JOINED_MAX) {
      this.joined.clear();
      this.joinedPostings = 0;
    }
    this.joined.set(id, p);
    this.joinedPostings += labels.length;
    return p;
  }

  /** Merges appended postings into the rows (after what each term already has). */
  private flush(): void {
    if (this.pending === 0 && this.rowCount === this.terms.length) return;
    const n = this.terms.length;
    const counts = new Uint32Array(n + 1);
    for (let t = 0; t < this.rowCount; t++) counts[t] = this.rows[t + 1]! - this.rows[t]!;
    for (let i = 0; i < this.pending; i++) counts[this.pendingTerm[i]!]!++;
    const rows = new Uint32Array(n + 1);
    for (let t = 0; t < n; t++) rows[t + 1] = rows[t]! + counts[t]!;
    const labels = new Int32Array(rows[n]!);
    let half = this.tfScale === 0.5;
    for (let i = 0; i < this.pending && half; i++) half = isHalf(this.pendingTf[i]!);
    const tfs = half ? new Uint8Array(rows[n]!) : new Float64Array(rows[n]!);
    const fill = new Uint32Array(n);
    for (let t = 0; t < this.rowCount; t++) {
      const from = this.rows[t]!;
      const to = this.rows[t + 1]!;
      labels.set(this.labels.subarray(from, to), rows[t]!);
      if (half || this.tfScale === 1) tfs.set(this.tfs.subarray(from, to), rows[t]!);
      else for (let i = from; i < to; i++) tfs[rows[t]! + i - from] = this.tfs[i]! * this.tfScale;
      fill[t] = to - from;
    }
    for (let i = 0; i < this.pending; i++) {
      const t = this.pendingTerm[i]!;
      const at = rows[t]! + fill[t]!++;
      labels[at] = this.pendingLabel[i]!;
      tfs[at] = half ? this.pendingTf[i]! * 2 : this.pendingTf[i]!;
    }
    this.rows = rows;
    this.rowCount = n;
    this.labels = labels;
    this.tfs = tfs;
    this.tfScale = half ? 0.5 : 1;
    this.version++;
    this.pending = 0;
    this.pendingTerm = new Int32Array(0);
    this.pendingLabel = new Int32Array(0);
    this.pendingTf = new Float64Array(0);
    this.pendingOf.clear();
    this.joined.clear();
    this.joinedPostings = 0;
  }

  /** A term's postings (views into the rows), or undefined for a term never seen. */
  get(term: string): Postings | undefined {
    const id = this.ids.get(term);
    if (id === undefined) return undefined;
    if (this.joinable()) {
      if (this.pendingOf.has(id)) return this.join(id);
      if (id < this.rowCount) {
        const from = this.rows[id]!;
        const to = this.rows[id + 1]!;
        return { labels: this.labels.subarray(from, to), tfs: this.tfs.subarray(from, to), scale: this.tfScale };
      }
    }
    this.flush();
    const from = this.rows[id]!;
    const to = this.rows[id + 1]!;
    return { labels: this.labels.subarray(from, to), tfs: this.tfs.subarray(from, to), scale: this.tfScale };
  }

  /** Number of postings of a term (removed documents included). */
  count(term: string): number {
    const id = this.ids.get(term);
    if (id === undefined) return 0;
    if (this.joinable()) return (id < this.rowCount ? this.rows[id + 1]! - this.rows[id]! : 0) + (this.pendingOf.get(id)?.length ?? 0);
    this.flush();
    return this.rows[id + 1]! - this.rows[id]!;
  }

  get size(): number {
    this.flush();
    return this.rows[this.rowCount]!;
  }

  /** Drops the postings of removed labels, and terms left with none. */
  compact(removed: ReadonlySet<number>): void {
    this.flush();
    const keep: number[] = [];
    const rows = [0];
    const labels = new Int32Array(this.labels.length);
    const tfs = this.tfScale === 0.5 ? new Uint8Array(this.tfs.length) : new Float64Array(this.tfs.length);
    let at = 0;
    for (let t = 0; t < this.rowCount; t++) {
      const start = at;
      for (let i = this.rows[t]!; i < this.rows[t + 1]!; i++) {
        if (removed.has(this.labels[i]!)) continue;
        labels[at] = this.labels[i]!;
        tfs[at++] = this.tfs[i]!;
      }
      if (at > start) {
        keep.push(t);
        rows.push(at);
      }
    }
    const terms = keep.map((t) => this.terms[t]!);
    const last = new Int32Array(terms.length);
    keep.forEach((t, i) => (last[i] = this.last[t]!));
    this.terms = terms;
    this.ids.clear();
    terms.forEach((term, i) => this.ids.set(term, i));
    this.rows = Uint32Array.from(rows);
    this.rowCount = terms.length;
    this.labels = labels.slice(0, at);
    this.tfs = tfs.slice(0, at);
    this.last = last;
    this.version++;
  }

  /** Every term with its postings, in id order. */
  *entries(): Generator<[string, Postings]> {
    this.flush();
    for (let t = 0; t < this.rowCount; t++) {
      const from = this.rows[t]!;
      const to = this.rows[t + 1]!;
      yield [this.terms[t]!, { labels: this.labels.subarray(from, to), tfs: this.tfs.subarray(from, to), scale: this.tfScale }];
    }
  }

  /** The rows as they are (for serialising). */
  raw(): { terms: string[]; rows: Uint32Array; labels: Int32Array; tfs: Float64Array | Uint8Array; scale: number } {
    this.flush();
    return { terms: this.terms, rows: this.rows, labels: this.labels, tfs: this.tfs, scale: this.tfScale };
  }

  /** Replaces everything with these rows (labels of each row ascending unless `unsorted`). */
  load(terms: string[], rows: Uint32Array, labels: Int32Array, tfs: Float64Array | Uint8Array, scale: number): void {
    if (rows.length !== terms.length + 1 || rows[terms.length] !== labels.length || labels.length !== tfs.length) {
      throw new Error('lexical index: postings rows are inconsistent');
    }
    this.terms = terms;
    this.ids.clear();
    terms.forEach((term, i) => {
      if (this.ids.has(term)) throw new Error(`lexical index: term "${term}" appears twice`);
      this.ids.set(term, i);
    });
    this.rows = rows;
    this.rowCount = terms.length;
    this.labels = labels;
    this.tfs = tfs;
    this.tfScale = scale;
    this.version++;
    this.last = new Int32Array(terms.length);
    for (let t = 0; t < terms.length; t++) {
      const from = rows[t]!;
      const to = rows[t + 1]!;
      if (to < from) throw new Error('lexical index: postings rows are inconsistent');
      for (let i = from + 1; i < to && !this.unsorted; i++) if (labels[i - 1]! > labels[i]!) this.unsorted = true;
      this.last[t] = to > from ? labels[to - 1]! : -1;
    }
  }
}

/** A copy of a typed array with room for `size` elements (new room filled with `fill`). */
function grown<T extends Int32Array | Float64Array>(array: T, size: number, fill = 0): T {
  const next = new (array.constructor as new (n: number) => T)(size);
  next.set(array);
  if (fill !== 0) next.fill(fill, array.length);
  return next;
}

export class LexicalIndex {
  private readonly postings = new PostingsStore();
  private readonly lengths = new Map<number, number>();
  /** Labels removed since their postings were last compacted away. */
  private readonly removed = new Set<number>();
  private totalLength = 0;
  private scratch = new Float64Array(0);
  /** Which labels {@link searchTermAtATime} has touched (1), beside their sums in `scratch`. */
  private touchedMark = new Uint8Array(0);
  /** Document lengths by label, for the search loop (a Map lookup per posting is the slow part). */
  private lengthByLabel = new Float64Array(0);
  /** Changes whenever a length is set (invalidates {@link norms}). */
  private lengthVersion = 0;
  /** BM25 length normalisation by label, for the current lengths and settings. */
  private norms: { key: string; values: Float64Array } | null = null;
  /** Each term's highest tf·(k1+1)/(tf+norm), by term id (-1: not computed yet). */
  private maxParts: { norm: Float64Array; version: number; k1p1: number; values: Float64Array } | null = null;
  /** Search scratch: scores, stamps and offsets of the documents of one window of labels. */
  private readonly windowScores = new Float64Array(WINDOW);
  private readonly windowStamps = new Int32Array(WINDOW);
  private readonly windowFound = new Int32Array(WINDOW);
  private windowRound = 0;
  /** Scratch space for selecting the k-th best score. */
  private selection = new Float64Array(0);
  /** Term frequencies of the document being added, by term id (valid where tfStamp = addStamp). */
  private tfById = new Float64Array(0);
  private tfStamp = new Int32Array(0);
  private addStamp = 0;
  /** trigram → vocabulary terms containing it; built on the first fuzzy lookup. */
  private trigramIndex: Map<string, string[]> | null = null;
  /**
   * Set when postings were compacted after the trigram index was built: terms dropped then stay
   * listed, and one added again would be listed twice, so fuzzy lookups count list entries.
   */
  private trigramStale = false;

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
    if (this.trigramIndex) this.indexTrigrams(term);
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
    if (this.trigramIndex) this.trigramStale = true;
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
   * Builds the trigram index of the vocabulary that {@link similarTerms} looks in, if it is not
   * built yet (otherwise the first question with an unknown word pays for it: ~1 s at 100k chunks).
   */
  prepareFuzzy(): void {
    if (this.trigramIndex || !this.options.fuzzyMinSimilarity) return;
    this.trigramIndex = new Map();
    this.trigramStale = false;
    for (const t of this.postings.terms) this.indexTrigrams(t);
  }

  /**
   * Corpus terms spelled like `term` (trigram Dice ≥ fuzzyMinSimilarity), best first. Looks
   * only at terms sharing a trigram with it, never at the whole vocabulary.
   */
  similarTerms(term: string, limit = 3): Array<{ term: string; factor: number }> {
    const min = this.options.fuzzyMinSimilarity;
    if (!min || term.length < 4) return [];
    this.prepareFuzzy();
    const grams = trigrams(term);
    if (this.trigramStale || !(min > 0)) return this.similarTermsExhaustive(grams, min, limit);
    // A term sharing n of the query's grams has Dice 2n/(|A|+|B|) ≥ min only if n ≥ min·|A|/(2−min)
    // (as n ≤ |B|): then it is in at least one of any |A| − that + 1 of the query's gram lists,
    // so the shortest ones are enough to find every candidate; each is then scored exactly as
    // the full count would score it (the lists name each term once).
    const need = Math.max(1, Math.ceil((min * grams.size) / (2 - min) - 1e-9));
    const lists = [...grams].map((g) => this.trigramIndex!.get(g) ?? []).sort((x, y) => x.length - y.length);
    const candidates = new Set<string>();
    for (const list of lists.slice(0, Math.max(0, grams.size - need + 1))) for (const t of list) candidates.add(t);
    const query = new Set<number>();
    for (const g of grams) query.add(gramCode(g, 0));
    const out: Array<{ term: string; factor: number }> = [];
    const own: number[] = [];
    for (const t of candidates) {
      // The candidate's distinct trigrams (as numbers, no strings made) and how many the query has.
      const padded = `#${spellingKey(t)}#`;
      own.length = 0;
      let n = 0;
      for (let i = 0; i + 3 <= padded.length; i++) {
        const code = gramCode(padded, i);
        if (own.includes(code)) continue;
        own.push(code);
        if (query.has(code)) n++;
      }
      const dice = (2 * n) / (grams.size + own.length);
      if (dice >= min && this.docFreq(t) > 0) out.push({ term: t, factor: dice });
    }
    // Ties beyond the spelling order keep the order a scan of the query's lists meets them in.
    const met = (t: string): [number, number] => {
      let i = 0;
      for (const g of grams) {
        const at = (this.trigramIndex!.get(g) ?? []).indexOf(t);
        if (at >= 0) return [i, at];
        i++;
      }
      return [i, 0];
    };
    return out
      .sort((a, b) => {
        const order = b.factor - a.factor || a.term.localeCompare(b.term);
        if (order !== 0 || a.term === b.term) return order;
        const [ma, mb] = [met(a.term), met(b.term)];
        return ma[0] - mb[0] || ma[1] - mb[1];
      })
      .slice(0, limit);
  }

  /** {@link similarTerms} by counting every term on the query's gram lists. */
  private similarTermsExhaustive(grams: Set<string>, min: number, limit: number): Array<{ term: string; factor: number }> {
    const shared = new Map<string, number>();
    for (const g of grams) for (const t of this.trigramIndex!.get(g) ?? []) shared.set(t, (shared.get(t) ?? 0) + 1);
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
        let known: QueryAlternative[] = [...new Set(w.terms)].filter((t) => this.docFreq(t) > 0).map((term) => ({ term, factor: 1 }));
        // An unknown word: the first of its other forms (UNKNOWN_WORD_FORMS, in order) the corpus has.
        for (const forms of UNKNOWN_WORD_FORMS) {
          if (known.length > 0) break;
          known = w.terms.flatMap(forms).filter((t) => this.docFreq(t) > 0).map((term) => ({ term, factor: 1 }));
        }
        // A known verb: also its other tense, and its other gender for the answer only, when the
        // corpus has them. (For an unknown word the other tense lost a calibration answer.)
        if (known.length > 0) {
          const add = (term: string, answerOnly: boolean) => {
            if (this.docFreq(term) > 0 && !known.some((k) => k.term === term)) known.push(answerOnly ? { term, factor: 1, answerOnly } : { term, factor: 1 });
          };
          for (const t of w.terms) {
            for (const other of otherTense(t)) add(other, false);
            for (const other of otherGender(t)) add(other, true);
          }
        }
        const alternatives = known.length
          ? known
          : w.terms.flatMap((t) => this.similarTerms(t)).sort((a, b) => b.factor - a.factor).slice(0, 3);
        return { term: w.terms[0]!, weight: w.weight, alternatives, ...(w.guess ? { guess: true } : {}) };
      });
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
    return units.flatMap((u) => u.alternatives.filter((a) => !a.answerOnly).map((a) => ({ term: a.term, weight: u.weight * a.factor })));
  }

  /**
   * Top `k` documents by BM25 for the weighted query terms: exactly the ranking of scoring every
   * document that holds a query term, without doing so. Document at a time with MaxScore: each
   * term's highest contribution to any document (idf·weight times its postings' best
   * tf·(k1+1)/(tf+norm), computed once per term and index state) bounds what it can add; terms
   * are ordered by that bound, and once the k-th best score so far beats the summed bounds of the
   * weakest terms, a document holding only those terms cannot enter the top k, so their (long,
   * common) lists are no longer walked, only advanced (galloping) to the documents the other
   * lists bring, and a document stops being scored as soon as what its remaining terms could add
   * cannot lift it into the top k. The first bar comes from fully scoring a few documents of the
   * rarest lists; the walked lists are summed a window of labels at a time. A question holding
   * «الخبر» or a year then costs what its rare words cost, not a pass over every chunk. The top k (and anything within rounding of the k-th)
   * are finally re-scored term by term in query order, so scores are bit-identical to the
   * exhaustive sum. Falls back to {@link searchTermAtATime} when the bounds do not hold
   * (negative weights, postings out of label order).
   */
  search(query: WeightedTerm[], k: number): LexicalHit[] {
    if (this.size === 0 || query.length === 0 || k <= 0) return [];
    const { k1, b } = this.options;
    const avg = this.totalLength / this.size || 1;
    const lists = this.queryLists(query);
    if (lists.length === 0) return [];
    const prunable = !this.postings.unsorted && k1 >= 0 && b >= 0 && b <= 1 && lists.every((l) => l.idf >= 0 && Number.isFinite(l.idf));
    if (!prunable) return this.searchTermAtATime(query, k);
    const removed = this.removed.size > 0 ? this.removed : null;
    const norm = this.lengthNorms(k1, b, avg);
    const k1p1 = k1 + 1;
    const score = (idf: number, tf: number, label: number) => (idf * tf * k1p1) / (tf + norm[label]!);

    // Lists by ascending bound; bounds[i] = the sum of the bounds of lists 0..i.
    const order = lists.map((l) => ({ ...l, bound: l.idf * this.maxPart(l.id, l.p, norm, k1p1) })).sort((x, y) => x.bound - y.bound);
    const n = order.length;
    const labels = order.map((l) => l.p.labels);
    const tfs = order.map((l) => l.p.tfs);
    const scales = order.map((l) => l.p.scale);
    const idfs = order.map((l) => l.idf);
    const bounds = new Float64Array(n);
    for (let i = 0, sum = 0; i < n; i++) bounds[i] = sum += order[i]!.bound;
    const at = new Int32Array(n);
    // Top k so far (min-heap by score, then label descending), and the bar a document must
    // clear to enter it (with room for rounding: scores here are summed in another order).
    const hs = new Float64Array(k);
    const hl = new Int32Array(k);
    let size = 0;
    // A first bar from the documents of the strongest (rarest) lists, scored in full: the k-th
    // best of them is a score k real documents reach, so the final k-th best is at least as
    // high, and the common lists can be left out of the walk from its start.
    let bar = this.primeBar(order, k, score);
    // Lists [essential, n) bring candidates; lists below it only add to them.
    let essential = 0;
    while (essential < n && bounds[essential]! < bar) essential++;
    const bandLabels: number[] = [];
    const bandScores: number[] = [];
    // Windows of WINDOW labels: the essential lists' postings in the window are summed into an
    // accumulator (no per-document merge of the lists), then each document found there, in label
    // order, gets the other lists' contributions while it can still reach the top k.
    const acc = this.windowScores;
    const stamp = this.windowStamps;
    const found = this.windowFound;
    for (;;) {
      let base = 0x7fffffff;
      for (let i = essential; i < n; i++) {
        const j = at[i]!;
        if (j < labels[i]!.length && labels[i]![j]! < base) base = labels[i]![j]!;
      }
      if (base === 0x7fffffff) break;
      const end = base + WINDOW;
      if (++this.windowRound >= 0x3fffffff) {
        stamp.fill(0);
        this.windowRound = 1;
      }
      const round = this.windowRound;
      let count = 0;
      const first = essential;
      for (let i = n - 1; i >= first; i--) {
        const ls = labels[i]!;
        const ts = tfs[i]!;
        const scale = scales[i]!;
        const idf = idfs[i]!;
        let j = at[i]!;
        for (; j < ls.length; j++) {
          const doc = ls[j]!;
          if (doc >= end) break;
          const o = doc - base;
          if (stamp[o] !== round) {
            stamp[o] = round;
            acc[o] = 0;
            found[count++] = o;
          }
          acc[o] = acc[o]! + score(idf, ts[j]! * scale, doc);
        }
        at[i] = j;
      }
      const offsets = found.subarray(0, count).sort();
      for (let f = 0; f < count; f++) {
        const doc = base + offsets[f]!;
        if (removed?.has(doc)) continue;
        let total = acc[offsets[f]!]!;
        let i = first - 1;
        for (; i >= 0; i--) {
          if (total + bounds[i]! < bar) break;
          const j = seek(labels[i]!, at[i]!, doc);
          at[i] = j;
          if (j < labels[i]!.length && labels[i]![j] === doc) total += score(idfs[i]!, tfs[i]![j]! * scales[i]!, doc);
        }
        if (i >= 0 || total < bar) continue;
        bandLabels.push(doc);
        bandScores.push(total);
        if (size < k) {
          heapPush(hs, hl, size++, total, doc);
        } else if (below(hs[0]!, hl[0]!, total, doc)) {
          heapReplaceTop(hs, hl, size, total, doc);
        }
        if (size === k && hs[0]! * (1 - 1e-9) > bar) {
          bar = hs[0]! * (1 - 1e-9);
          while (essential < n && bounds[essential]! < bar) essential++;
        }
      }
    }
    if (size === 0) return [];
    // Re-score the top k (and anything within rounding of the k-th) in query order.
    let kth = Infinity;
    for (let j = 0; j < size; j++) kth = Math.min(kth, hs[j]!);
    const band: LexicalHit[] = [];
    for (let j = 0; j < bandLabels.length; j++) {
      if (size < k || bandScores[j]! >= kth - Math.abs(kth) * 1e-9 - 1e-12) band.push({ label: bandLabels[j]!, score: 0 });
    }
    return rescoreBand(band, lists, score, k);
  }

  /**
   * A lower bound (less room for rounding) on the final k-th best score: the k-th best full
   * score of up to {@link PRIME_DOCUMENTS} documents taken from the lists with the highest
   * bounds (the last of `order`); 0 when they are fewer than k.
   */
  private primeBar(order: ReadonlyArray<{ p: Postings; idf: number }>, k: number, score: (idf: number, tf: number, label: number) => number): number {
    const docs = new Set<number>();
    for (let i = order.length - 1; i >= 0 && docs.size < PRIME_DOCUMENTS; i--) {
      const { labels } = order[i]!.p;
      for (let j = 0; j < labels.length && docs.size < PRIME_DOCUMENTS; j++) if (!this.removed.has(labels[j]!)) docs.add(labels[j]!);
    }
    if (docs.size < k) return 0;
    const values = this.selectBuffer(docs.size);
    let m = 0;
    for (const label of docs) {
      let total = 0;
      for (const { p, idf } of order) {
        const j = findLabel(p.labels, label);
        if (j >= 0) total += score(idf, p.tfs[j]! * p.scale, label);
      }
      values[m++] = total;
    }
    return kthLargest(values, m, k) * (1 - 1e-9);
  }

  /**
   * The highest tf·(k1+1)/(tf+norm) over a term's postings (its contribution to any document is
   * at most idf·weight times this), computed on first use and kept until the postings or the
   * length norms change.
   */
  private maxPart(id: number, p: Postings, norm: Float64Array, k1p1: number): number {
    let cache = this.maxParts;
    if (!cache || cache.norm !== norm || cache.version !== this.postings.version || cache.k1p1 !== k1p1 || id >= cache.values.length) {
      cache = this.maxParts = { norm, version: this.postings.version, k1p1, values: new Float64Array(this.postings.terms.length).fill(-1) };
    }
    let best = cache.values[id]!;
    if (best < 0) {
      best = 0;
      const { labels, tfs, scale } = p;
      for (let i = 0; i < labels.length; i++) {
        const tf = tfs[i]! * scale;
        const part = (tf * k1p1) / (tf + norm[labels[i]!]!);
        if (part > best) best = part;
      }
      // Room for rounding: idf·part and (idf·tf·(k1+1))/(tf+norm) may differ in the last bit.
      best *= 1 + 1e-12;
      cache.values[id] = best;
    }
    return best;
  }

  /** The postings of each query term the index holds (merged weights), with its id and IDF times its weight. */
  private queryLists(query: WeightedTerm[]): Array<{ p: Postings; id: number; idf: number }> {
    const lists: Array<{ p: Postings; id: number; idf: number }> = [];
    for (const { term, weight } of LexicalIndex.merge(query)) {
      const p = this.postings.get(term);
      if (p) lists.push({ p, id: this.postings.ids.get(term)!, idf: this.idf(term) * weight });
    }
    return lists;
  }

  /**
   * {@link search} term at a time: terms rarest-first (by idf·weight·(k1+1)); once the k-th
   * best partial score beats what the remaining terms could add, long lists are only probed
   * (binary search) for the candidates; exhaustive when the bounds do not hold.
   */
  searchTermAtATime(query: WeightedTerm[], k: number): LexicalHit[] {
    if (this.size === 0 || query.length === 0 || k <= 0) return [];
    const { k1, b } = this.options;
    const avg = this.totalLength / this.size || 1;
    const lists = this.queryLists(query).map(({ p, idf }) => ({ p, idf, bound: idf * (k1 + 1) }));
    if (lists.length === 0) return [];
    const removed = this.removed.size > 0 ? this.removed : null;
    // k1·(1 − b + b·len/avg) of every document, computed once per index state: the same
    // arithmetic as scoring term by term, so the same scores.
    const norm = this.lengthNorms(k1, b, avg);
    const k1p1 = k1 + 1;
    const score = (idf: number, tf: number, label: number) => (idf * tf * k1p1) / (tf + norm[label]!);
    // Pruning needs non-negative contributions bounded by idf·(k1+1), and sorted postings.
    const prunable = !this.postings.unsorted && k1 >= 0 && b >= 0 && b <= 1 && lists.every((l) => l.idf >= 0 && Number.isFinite(l.idf));
    const order = prunable ? [...lists].sort((x, y) => y.bound - x.bound) : lists;
    let remaining = 0;
    for (const l of order) remaining += l.bound;

    const touched: number[] = [];
    let candidates: number[] | null = null;
    let best = 0;
    for (const { p, idf, bound } of order) {
      if (candidates === null && prunable && touched.length >= k && remaining < best) {
        const values = this.selectBuffer(touched.length);
        for (let i = 0; i < touched.length; i++) values[i] = this.scratch[touched[i]!]!;
        const threshold = kthLargest(values, touched.length, k);
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
          // Marked, not told by a zero sum: a contribution can be 0 (a term weighted 0).
          if (this.touchedMark[label] === 0) {
            this.touchedMark[label] = 1;
            touched.push(label);
          }
          const total = (this.scratch[label]! += score(idf, p.tfs[i]! * p.scale, label));
          if (total > best) best = total;
        }
      } else {
        for (const label of candidates) {
          const i = findLabel(p.labels, label);
          if (i >= 0) this.scratch[label]! += score(idf, p.tfs[i]! * p.scale, label);
        }
      }
      remaining -= bound;
    }
    const pool = candidates ?? touched;
    const top = topK(pool, this.scratch, k);
    if (!prunable || top.length === 0) {
      for (const l of touched) this.scratch[l] = this.touchedMark[l] = 0;
      return top;
    }
    // Re-score the top k (and anything within rounding of the k-th) in query order.
    const kth = top[top.length - 1]!.score;
    const band: LexicalHit[] = [];
    for (const label of pool) {
      const s = this.scratch[label]!;
      if (top.length < k || s >= kth - Math.abs(kth) * 1e-9 - 1e-12) band.push({ label, score: s });
    }
    for (const l of touched) this.scratch[l] = this.touchedMark[l] = 0;
    return rescoreBand(band, lists, score, k);
  }

  /** k1·(1 − b + b·len/avg) by label, cached until the lengths or settings change. */
  private lengthNorms(k1: number, b: number, avg: number): Float64Array {
    const key = `${k1}:${b}:${avg}:${this.size}:${this.lengthByLabel.length}:${this.lengthVersion}`;
    if (this.norms?.key !== key) {
      const lengths = this.lengthByLabel;
      const values = new Float64Array(lengths.length);
      for (let l = 0; l < lengths.length; l++) values[l] = k1 * (1 - b + (b * lengths[l]!) / avg);
      this.norms = { key, values };
    }
    return this.norms.values;
  }

  private selectBuffer(size: number): Float64Array {
    if (this.selection.length < size) this.selection = new Float64Array(Math.max(size, this.selection.length * 2));
    return this.selection;
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

  private grow(label: number): void {
    const next = new Float64Array(Math.max(label + 1, this.scratch.length * 2, 1024));
    next.set(this.scratch);
    this.scratch = next;
    const mark = new Uint8Array(next.length);
    mark.set(this.touchedMark);
    this.touchedMark = mark;
  }

  /** Number of terms with postings. */
  get vocabularySize(): number {
    this.compact();
    return this.postings.terms.length;
  }

  toJSON(): LexicalSnapshot {
    this.compact();
    const postings: LexicalSnapshot['postings'] = {};
    for (const [term, p] of this.postings.entries()) postings[term] = [Array.from(p.labels), Array.from(p.tfs, (tf) => tf * p.scale)];
    return { options: this.options, lengths: [...this.lengths], postings };
  }

  static fromJSON(snapshot: LexicalSnapshot): LexicalIndex {
    const index = new LexicalIndex(snapshot.options);
    for (const [label, length] of snapshot.lengths) {
      index.lengths.set(label, length);
      index.setLength(label, length);
      index.totalLength += length;
    }
    const terms = Object.keys(snapshot.postings);
    const rows = new Uint32Array(terms.length + 1);
    terms.forEach((term, t) => {
      const [labels, tfs] = snapshot.postings[term]!;
      if (labels.length !== tfs.length) throw new Error(`lexical index: postings of "${term}" are inconsistent`);
      rows[t + 1] = rows[t]! + labels.length;
    });
    const labels = new Int32Array(rows[terms.length]!);
    const tfs = new Float64Array(rows[terms.length]!);
    terms.forEach((term, t) => {
      labels.set(snapshot.postings[term]![0], rows[t]!);
      tfs.set(snapshot.postings[term]![1], rows[t]!);
    });
    index.postings.load(terms, rows, labels, tfs, 1);
    return index;
  }

  /** The index as a JSON header and a compact buffer (see {@link LexicalHeader}). */
  toBinary(): { header: LexicalHeader; data: Buffer } {
    this.compact();
    const { terms, rows, labels, tfs, scale } = this.postings.raw();
    const docs = [...this.lengths];
    const half = scale === 0.5 || tfs.every((tf) => isHalf(tf * scale));
    const varints = Buffer.allocUnsafe(labels.length * 5 + 16);
    let v = 0;
    for (let t = 0; t < terms.length; t++) {
      let previous = 0;
      for (let i = rows[t]!; i < rows[t + 1]!; i++) {
        const delta = labels[i]! - previous;
        previous = labels[i]!;
        let z = delta >= 0 ? delta * 2 : -delta * 2 - 1;
        while (z >= 0x80) {
          varints[v++] = (z % 0x80) | 0x80;
          z = Math.floor(z / 0x80);
        }
        varints[v++] = z;
      }
    }
    const parts: Array<[keyof LexicalHeader['layout'], Uint8Array]> = [
      ['docLabels', new Uint8Array(Int32Array.from(docs, ([l]) => l).buffer)],
      ['docLengths', new Uint8Array(Float64Array.from(docs, ([, len]) => len).buffer)],
      ['rows', new Uint8Array(rows.buffer, rows.byteOffset, rows.byteLength)],
      ['labels', varints.subarray(0, v)],
      ['tfs', scale === 0.5 ? (tfs as Uint8Array) : half ? Uint8Array.from(tfs, (tf) => tf * 2) : new Uint8Array(tfs.buffer, tfs.byteOffset, tfs.byteLength)],
    ];
    const layout = {} as LexicalHeader['layout'];
    let offset = 0;
    for (const [name, bytes] of parts) {
      offset = Math.ceil(offset / 8) * 8;
      layout[name] = [offset, bytes.byteLength];
      offset += bytes.byteLength;
    }
    const data = Buffer.alloc(offset);
    for (const [name, bytes] of parts) data.set(bytes, layout[name][0]);
    const header: LexicalHeader = { options: this.options, terms, documents: docs.length, postings: labels.length, tfEncoding: half ? 'half-byte' : 'f64', layout };
    return { header, data };
  }

  static fromBinary(header: LexicalHeader, data: Uint8Array): LexicalIndex {
    const part = (name: keyof LexicalHeader['layout']): ArrayBuffer => {
      const [offset, length] = header.layout[name];
      if (!(offset >= 0 && length >= 0 && offset + length <= data.byteLength)) throw new Error(`lexical index: ${name} lies outside the data`);
      const copy = new ArrayBuffer(length);
      new Uint8Array(copy).set(data.subarray(offset, offset + length));
      return copy;
    };
    const index = new LexicalIndex(header.options);
    const docLabels = new Int32Array(part('docLabels'));
    const docLengths = new Float64Array(part('docLengths'));
    if (docLabels.length !== header.documents || docLengths.length !== header.documents) throw new Error('lexical index: document lengths are inconsistent');
    for (let i = 0; i < docLabels.length; i++) {
      index.lengths.set(docLabels[i]!, docLengths[i]!);
      index.setLength(docLabels[i]!, docLengths[i]!);
      index.totalLength += docLengths[i]!;
    }
    const rows = new Uint32Array(part('rows'));
    const bytes = new Uint8Array(part('labels'));
    const labels = new Int32Array(header.postings);
    let v = 0;
    for (let t = 0; t + 1 < rows.length; t++) {
      let previous = 0;
      for (let i = rows[t]!; i < rows[t + 1]! && i < labels.length; i++) {
        let z = 0;
        let scale = 1;
        for (;;) {
          if (v >= bytes.length) throw new Error('lexical index: labels end early');
          const byte = bytes[v++]!;
          z += (byte & 0x7f) * scale;
          if (byte < 0x80) break;
          scale *= 0x80;
        }
        previous += z % 2 === 0 ? z / 2 : -(z + 1) / 2;
        labels[i] = previous;
      }
    }
    if (v !== bytes.length) throw new Error('lexical index: labels do not match their rows');
    const half = header.tfEncoding === 'half-byte';
    index.postings.load(header.terms, rows, labels, half ? new Uint8Array(part('tfs')) : new Float64Array(part('tfs')), half ? 0.5 : 1);
    return index;
  }
}

/**
 * The final scores of the documents that can be in the top k, summed over the query's lists in
 * query order (so they are the same numbers exhaustive scoring gives), best first.
 */
function rescoreBand(
  band: LexicalHit[],
  lists: ReadonlyArray<{ p: Postings; idf: number }>,
  score: (idf: number, tf: number, label: number) => number,
  k: number,
): LexicalHit[] {
  for (const h of band) {
    let total = 0;
    for (const { p, idf } of lists) {
      const i = findLabel(p.labels, h.label);
      if (i >= 0) total += score(idf, p.tfs[i]! * p.scale, h.label);
    }
    h.score = total;
  }
  band.sort((x, y) => y.score - x.score || x.label - y.label);
  return band.slice(0, k);
}

/** The three UTF-16 code units from `at` as one number (equal numbers: equal trigrams). */
function gramCode(text: string, at: number): number {
  return text.charCodeAt(at) * 4294967296 + text.charCodeAt(at + 1) * 65536 + text.charCodeAt(at + 2);
}

/** Labels per window of the search's accumulation. */
const WINDOW = 4096;

/** Documents scored up front to give the search its first bar (see `primeBar`). */
const PRIME_DOCUMENTS = 64;

/** The first index from `from` on whose label is ≥ `target` (ascending labels; galloping). */
function seek(labels: Int32Array, from: number, target: number): number {
  const n = labels.length;
  if (from >= n || labels[from]! >= target) return from;
  let lo = from;
  let step = 1;
  let hi = from + 1;
  while (hi < n && labels[hi]! < target) {
    lo = hi;
    step *= 2;
    hi = from + step;
  }
  if (hi > n) hi = n;
  while (lo + 1 < hi) {
    const mid = (lo + hi) >>> 1;
    if (labels[mid]! < target) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** "a ranks below b": lower score, or the same score and a higher label. */
const below = (sa: number, la: number, sb: number, lb: number) => sa < sb || (sa === sb && la > lb);

/** Adds to a min-heap (by {@link below}) of `size` entries in typed arrays. */
function heapPush(hs: Float64Array, hl: Int32Array, size: number, score: number, label: number): void {
  let i = size;
  hs[i] = score;
  hl[i] = label;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (!below(hs[i]!, hl[i]!, hs[parent]!, hl[parent]!)) break;
    heapSwap(hs, hl, i, parent);
    i = parent;
  }
}

/** Replaces the lowest entry of a full min-heap. */
function heapReplaceTop(hs: Float64Array, hl: Int32Array, size: number, score: number, label: number): void {
  hs[0] = score;
  hl[0] = label;
  for (let i = 0; ; ) {
    const l = 2 * i + 1;
    const r = l + 1;
    let m = i;
    if (l < size && below(hs[l]!, hl[l]!, hs[m]!, hl[m]!)) m = l;
    if (r < size && below(hs[r]!, hl[r]!, hs[m]!, hl[m]!)) m = r;
    if (m === i) break;
    heapSwap(hs, hl, i, m);
    i = m;
  }
}

function heapSwap(hs: Float64Array, hl: Int32Array, i: number, j: number): void {
  const s = hs[i]!;
  hs[i] = hs[j]!;
  hs[j] = s;
  const l = hl[i]!;
  hl[i] = hl[j]!;
  hl[j] = l;
}

/** Index of `label` in ascending `labels`, or -1. */
function findLabel(labels: ArrayLike<number>, label: number): number {
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

/** The k-th largest of the first `n` values (k ≤ n), by quickselect; reorders them. */
function kthLargest(values: Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
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

/**
 * The k best of `labels` by `scores[label]` (descending, then label ascending), as hits, without
 * sorting or allocating for all of them (a min-heap of the best k in typed arrays).
 */
function topK(labels: readonly number[], scores: Float64Array, k: number): LexicalHit[] {
  if (labels.length <= k * 4) {
    return labels.map((label) => ({ label, score: scores[label]! })).sort((x, y) => y.score - x.score || x.label - y.label).slice(0, k);
  }
  const hs = new Float64Array(k);
  const hl = new Int32Array(k);
  let size = 0;
  for (const label of labels) {
    const s = scores[label]!;
    if (size < k) heapPush(hs, hl, size++, s, label);
    else if (below(hs[0]!, hl[0]!, s, label)) heapReplaceTop(hs, hl, size, s, label);
  }
  const out: LexicalHit[] = [];
  for (let i = 0; i < size; i++) out.push({ label: hl[i]!, score: hs[i]! });
  return out.sort((x, y) => y.score - x.score || x.label - y.label);
}

