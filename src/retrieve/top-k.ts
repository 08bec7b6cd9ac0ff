/**
 * Top-k BM25 search over the lexical index's postings: document at a time with MaxScore
 * ({@link TopKSearch.search}), or term at a time ({@link TopKSearch.searchTermAtATime}), both
 * giving exactly the ranking and the scores of scoring every document that holds a query term.
 * The search keeps its scratch space and cached bounds between questions; what it reads of the
 * index is passed in ({@link SearchCorpus}).
 */
import { findLabel, type Postings, type PostingsStore } from './postings.js';

/** A document and its BM25 score. */
export interface LexicalHit {
  label: number;
  score: number;
}

/** One query term as the search reads it: its postings, its term id and its IDF times its query weight. */
export interface QueryList {
  p: Postings;
  id: number;
  idf: number;
}

/** What a search reads of the index besides the query's lists. */
export interface SearchCorpus {
  k1: number;
  b: number;
  /** Number of live documents, and the sum of their lengths. */
  documents: number;
  totalLength: number;
  /** Document lengths by label (a Map lookup per posting is the slow part of the search loop). */
  lengthByLabel: Float64Array;
  /** Changes whenever a length is set (invalidates the cached length norms). */
  lengthVersion: number;
  /** Labels removed since their postings were last compacted away. */
  removed: ReadonlySet<number>;
  /** The postings (whether they are in label order, their version and number of terms). */
  postings: PostingsStore;
}

/** BM25 top-k search with its scratch space and caches (one per index). */
export class TopKSearch {
  private scratch = new Float64Array(0);
  /** Which labels {@link searchTermAtATime} has touched (1), beside their sums in `scratch`. */
  private touchedMark = new Uint8Array(0);
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

  /**
   * Top `k` documents by BM25 for the query's terms (`lists`, merged weights): exactly the ranking of scoring every
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
  search(corpus: SearchCorpus, lists: QueryList[], k: number): LexicalHit[] {
    const { k1, b } = corpus;
    const avg = corpus.totalLength / corpus.documents || 1;
    if (lists.length === 0) return [];
    const prunable = !corpus.postings.unsorted && k1 >= 0 && b >= 0 && b <= 1 && lists.every((l) => l.idf >= 0 && Number.isFinite(l.idf));
    if (!prunable) return this.searchTermAtATime(corpus, lists, k);
    const removed = corpus.removed.size > 0 ? corpus.removed : null;
    const norm = this.lengthNorms(corpus, k1, b, avg);
    const k1p1 = k1 + 1;
    const score = (idf: number, tf: number, label: number) => (idf * tf * k1p1) / (tf + norm[label]!);

    // Lists by ascending bound; bounds[i] = the sum of the bounds of lists 0..i.
    const order = lists.map((l) => ({ ...l, bound: l.idf * this.maxPart(corpus.postings, l.id, l.p, norm, k1p1) })).sort((x, y) => x.bound - y.bound);
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
    let bar = this.primeBar(order, k, score, corpus.removed);
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
  private primeBar(
    order: ReadonlyArray<{ p: Postings; idf: number }>,
    k: number,
    score: (idf: number, tf: number, label: number) => number,
    removedLabels: ReadonlySet<number>,
  ): number {
    const docs = new Set<number>();
    for (let i = order.length - 1; i >= 0 && docs.size < PRIME_DOCUMENTS; i--) {
      const { labels } = order[i]!.p;
      for (let j = 0; j < labels.length && docs.size < PRIME_DOCUMENTS; j++) if (!removedLabels.has(labels[j]!)) docs.add(labels[j]!);
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
  private maxPart(postings: PostingsStore, id: number, p: Postings, norm: Float64Array, k1p1: number): number {
    let cache = this.maxParts;
    if (!cache || cache.norm !== norm || cache.version !== postings.version || cache.k1p1 !== k1p1 || id >= cache.values.length) {
      cache = this.maxParts = { norm, version: postings.version, k1p1, values: new Float64Array(postings.terms.length).fill(-1) };
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

  /**
   * {@link search} term at a time: terms rarest-first (by idf·weight·(k1+1)); once the k-th
   * best partial score beats what the remaining terms could add, long lists are only probed
   * (binary search) for the candidates; exhaustive when the bounds do not hold.
   */
  searchTermAtATime(corpus: SearchCorpus, queryLists: QueryList[], k: number): LexicalHit[] {
    const { k1, b } = corpus;
    const avg = corpus.totalLength / corpus.documents || 1;
    const lists = queryLists.map(({ p, idf }) => ({ p, idf, bound: idf * (k1 + 1) }));
    if (lists.length === 0) return [];
    const removed = corpus.removed.size > 0 ? corpus.removed : null;
    // k1·(1 − b + b·len/avg) of every document, computed once per index state: the same
    // arithmetic as scoring term by term, so the same scores.
    const norm = this.lengthNorms(corpus, k1, b, avg);
    const k1p1 = k1 + 1;
    const score = (idf: number, tf: number, label: number) => (idf * tf * k1p1) / (tf + norm[label]!);
    // Pruning needs non-negative contributions bounded by idf·(k1+1), and sorted postings.
    const prunable = !corpus.postings.unsorted && k1 >= 0 && b >= 0 && b <= 1 && lists.every((l) => l.idf >= 0 && Number.isFinite(l.idf));
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
  private lengthNorms(corpus: SearchCorpus, k1: number, b: number, avg: number): Float64Array {
    const key = `${k1}:${b}:${avg}:${corpus.documents}:${corpus.lengthByLabel.length}:${corpus.lengthVersion}`;
    if (this.norms?.key !== key) {
      const lengths = corpus.lengthByLabel;
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

  private grow(label: number): void {
    const next = new Float64Array(Math.max(label + 1, this.scratch.length * 2, 1024));
    next.set(this.scratch);
    this.scratch = next;
    const mark = new Uint8Array(next.length);
    mark.set(this.touchedMark);
    this.touchedMark = mark;
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
