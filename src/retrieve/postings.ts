/**
 * The lexical index's postings: every term's documents and term frequencies in flat typed arrays
 * that take appended documents without rewriting them ({@link PostingsStore}), and the two forms
 * an index is saved in (JSON, {@link LexicalSnapshot}; binary, {@link LexicalHeader}). The
 * formats are read and written byte for byte as before they moved here: a saved index loads unchanged.
 */
import type { LexicalOptions } from './lexical.js';

/** One term's postings: labels (ascending unless {@link PostingsStore.unsorted}) and term frequencies. */
export interface Postings {
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
export class PostingsStore {
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
export function grown<T extends Int32Array | Float64Array>(array: T, size: number, fill = 0): T {
  const next = new (array.constructor as new (n: number) => T)(size);
  next.set(array);
  if (fill !== 0) next.fill(fill, array.length);
  return next;
}

/** Index of `label` in ascending `labels`, or -1. */
export function findLabel(labels: ArrayLike<number>, label: number): number {
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

/** The JSON form of an index: its settings, its documents' [label, length] pairs and every term's postings. */
export function encodeSnapshot(options: LexicalOptions, lengths: Array<[number, number]>, store: PostingsStore): LexicalSnapshot {
  const postings: LexicalSnapshot['postings'] = {};
  for (const [term, p] of store.entries()) postings[term] = [Array.from(p.labels), Array.from(p.tfs, (tf) => tf * p.scale)];
  return { options, lengths, postings };
}

/** Loads the postings of a JSON form into `store` (its lengths are the caller's). */
export function decodeSnapshot(snapshot: LexicalSnapshot, store: PostingsStore): void {
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
  store.load(terms, rows, labels, tfs, 1);
}

/** An index as a JSON header and a compact buffer (see {@link LexicalHeader}); `docs` are its [label, length] pairs. */
export function encodeBinary(options: LexicalOptions, docs: Array<[number, number]>, store: PostingsStore): { header: LexicalHeader; data: Buffer } {
  const { terms, rows, labels, tfs, scale } = store.raw();
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
  const header: LexicalHeader = { options, terms, documents: docs.length, postings: labels.length, tfEncoding: half ? 'half-byte' : 'f64', layout };
  return { header, data };
}

/**
 * Loads the postings of a binary form into `store`, and gives its documents' labels and lengths
 * (in the same order) for the caller to keep.
 */
export function decodeBinary(header: LexicalHeader, data: Uint8Array, store: PostingsStore): { docLabels: Int32Array; docLengths: Float64Array } {
  const part = (name: keyof LexicalHeader['layout']): ArrayBuffer => {
    const [offset, length] = header.layout[name];
    if (!(offset >= 0 && length >= 0 && offset + length <= data.byteLength)) throw new Error(`lexical index: ${name} lies outside the data`);
    const copy = new ArrayBuffer(length);
    new Uint8Array(copy).set(data.subarray(offset, offset + length));
    return copy;
  };
  const docLabels = new Int32Array(part('docLabels'));
  const docLengths = new Float64Array(part('docLengths'));
  if (docLabels.length !== header.documents || docLengths.length !== header.documents) throw new Error('lexical index: document lengths are inconsistent');
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
  store.load(header.terms, rows, labels, half ? new Uint8Array(part('tfs')) : new Float64Array(part('tfs')), half ? 0.5 : 1);
  return { docLabels, docLengths };
}
