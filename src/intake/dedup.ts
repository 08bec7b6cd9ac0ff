/**
 * Recognising an article the corpus already holds, before it is indexed a second time.
 *
 * Exact duplicates have one key each: the page's {@link canonicalUrl} (tracking parameters,
 * fragments, AMP variants and other spellings of one address folded together) and the body's
 * {@link textKey} (a hash of its normalised words, so a copy differing only in spacing,
 * punctuation, diacritics or alef forms is the same text).
 *
 * Near-duplicates are the same wire story (Reuters, AFP, Xinhua …) republished by several outlets:
 * other chrome, another intro sentence, a few sentences cut or reworded, paragraphs moved, a line
 * added. They share most of their word sequences, while two different stories on the same event
 * share names and topic words but few runs of three words. So a text becomes the set of its
 * {@link SHINGLE_WORDS}-word shingles, summarised by a {@link minhash} signature whose agreement
 * with another estimates the two sets' Jaccard similarity; {@link NearDuplicates} finds a
 * signature's closest stored match without comparing it with every stored article, by LSH
 * banding (only articles agreeing on a whole band of the signature are compared).
 *
 * The threshold {@link NEAR_DUPLICATE_THRESHOLD} was chosen with scripts/measure-dedup.ts on real
 * text (figures in docs/intake.md, "Near-duplicates").
 */
import { createHash } from 'node:crypto';
import { IntakeError } from '../errors.js';
import { normalize, words } from '../text/arabic.js';

/**
 * Query parameters that only track a visit (campaigns, click ids, share widgets), dropped by
 * {@link canonicalUrl}. Any `utm_*` parameter is dropped as well.
 */
export const TRACKING_PARAMS: ReadonlySet<string> = new Set([
  'fbclid', 'gclid', 'dclid', 'gbraid', 'wbraid', 'msclkid', 'yclid', 'twclid', 'ttclid', 'li_fat_id', 'igshid', 'igsh',
  'mc_cid', 'mc_eid', '_ga', '_gl', '_hsenc', '_hsmi', 'mkt_tok', 'oly_anon_id', 'oly_enc_id', 'vero_id', 'rb_clickid',
  's_cid', 'ocid', 'cmpid', 'icid', 'ito', 'smid', 'ref_src', 'ref_url', 'at_medium', 'at_campaign', 'at_custom1',
  'at_custom2', 'at_custom3', 'at_custom4', 'xtor', 'spm', 'amp', 'outputtype', '__twitter_impression',
]);

/** Query values of `outputType` / `amp` that ask for the AMP page («?amp=1», «?outputType=amp»). */
const AMP_VALUES = new Set(['', '1', 'true', 'amp', 'yes']);

/**
 * One spelling for every address of the same page, to recognise a link seen before: host
 * lower-cased and stripped of `www.`, `m.` and `amp.` (when a registrable name is left); no
 * fragment; no default port; no user info; tracking parameters ({@link TRACKING_PARAMS}, `utm_*`)
 * and AMP switches (`?amp=1`, `?outputType=amp`) removed, the rest sorted; an `/amp` last path
 * segment removed; a trailing slash removed (except the root); percent escapes upper-cased; a
 * Google AMP cache address (`…cdn.ampproject.org/c/s/host/path`) turned back into the page's own.
 * The scheme is kept (an http-only site must stay fetchable). Throws {@link IntakeError} for text
 * that is not an http(s) URL.
 */
export function canonicalUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url.trim());
  } catch (error) {
    throw new IntakeError(`"${url}" is not a URL: give a full address starting with https:// or http://.`, url, { cause: error });
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new IntakeError(`"${url}" is not an http(s) address: only web pages can be added.`, url);
  }
  const cached = /\.cdn\.ampproject\.org$/i.test(u.hostname) ? /^\/[a-z]\/(s\/)?([^/]+)(\/.*)?$/i.exec(u.pathname) : null;
  if (cached) {
    try {
      u = new URL(`${cached[1] ? 'https' : 'http'}://${cached[2]}${cached[3] ?? '/'}${u.search}`);
    } catch {
      // not a cache address after all: keep it as it is
    }
  }
  u.hash = '';
  u.username = '';
  u.password = '';
  let host = u.hostname.toLowerCase().replace(/\.$/, '');
  for (;;) {
    const bare = host.replace(/^(?:www\d*|m|amp|mobile)\./, '');
    if (bare === host || !hasRegistrableName(bare)) break;
    host = bare;
  }
  u.hostname = host;
  const kept: Array<[string, string]> = [];
  for (const [key, value] of u.searchParams) {
    const k = key.toLowerCase();
    if (k.startsWith('utm_')) continue;
    if ((k === 'amp' || k === 'outputtype') && !AMP_VALUES.has(value.toLowerCase())) kept.push([key, value]);
    else if (!TRACKING_PARAMS.has(k)) kept.push([key, value]);
  }
  kept.sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0));
  u.search = kept.length ? new URLSearchParams(kept).toString() : '';
  let path = u.pathname.replace(/%[0-9a-f]{2}/gi, (e) => e.toUpperCase());
  path = path.replace(/\/amp(?:\.html?)?\/?$/i, '/');
  if (path.length > 1) path = path.replace(/\/+$/, '');
  u.pathname = path || '/';
  return u.toString();
}

/** Second-level labels under which country domains register names (bbc.co.uk, ahram.org.eg). */
const COUNTRY_SECOND_LEVELS = new Set(['co', 'com', 'net', 'org', 'gov', 'edu', 'ac', 'gob', 'info', 'news', 'tv', 'sch', 'mil']);

/**
 * Whether a host still names a site once a prefix label is dropped: at least two labels, three
 * under a country domain's second level (`co.uk`, `com.eg` alone are not sites). A heuristic
 * stand-in for the public-suffix list.
 */
function hasRegistrableName(host: string): boolean {
  const labels = host.split('.');
  if (labels.length < 2) return false;
  const [second, top] = labels.slice(-2) as [string, string];
  return !(top.length === 2 && COUNTRY_SECOND_LEVELS.has(second) && labels.length < 3);
}

/**
 * The key of a text for exact duplicates: sha256 (hex) of its normalised words (src/text/arabic.ts
 * `normalize`: diacritics, tatweel, invisible marks, letter variants and case folded) joined by
 * single spaces, so whitespace, line breaks and punctuation do not count.
 */
export function textKey(text: string): string {
  return createHash('sha256').update(words(normalize(text)).join(' '), 'utf8').digest('hex');
}

/** Words a shingle spans. Three: long enough that topic words and names alone rarely repeat one. */
export const SHINGLE_WORDS = 3;
/** Length of a {@link minhash} signature (values), i.e. of hash functions. */
export const SIGNATURE_LENGTH = 128;
/** LSH: values a band holds. */
export const BAND_ROWS = 3;
/** LSH: bands compared (the last `SIGNATURE_LENGTH - BANDS * BAND_ROWS` values only count in similarity). */
export const BANDS = Math.floor(SIGNATURE_LENGTH / BAND_ROWS);

/** One seed per hash function, fixed so signatures stay comparable across runs and stored files. */
const SEEDS: Uint32Array = (() => {
  const out = new Uint32Array(SIGNATURE_LENGTH);
  let s = 0x9e3779b9;
  for (let i = 0; i < SIGNATURE_LENGTH; i++) {
    s = fmix32((s + 0x6d2b79f5) >>> 0);
    out[i] = s;
  }
  return out;
})();

/** MurmurHash3's finaliser: a fast 32-bit mixer. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** FNV-1a of a string's UTF-16 code units, mixed. */
function hashWord(word: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), 0x01000193);
  return fmix32(h >>> 0);
}

/** The distinct shingle hashes of a text: each run of {@link SHINGLE_WORDS} normalised words (the whole text when shorter). */
export function shingles(text: string): Set<number> {
  const hashes = words(normalize(text)).map(hashWord);
  const out = new Set<number>();
  const k = Math.min(SHINGLE_WORDS, hashes.length);
  for (let i = 0; k > 0 && i + k <= hashes.length; i++) {
    let h = 0;
    for (let j = 0; j < k; j++) h = fmix32((Math.imul(h, 0x2f0b3f5d) ^ hashes[i + j]!) >>> 0);
    out.add(h);
  }
  return out;
}

/**
 * The MinHash signature of a text's shingles ({@link SIGNATURE_LENGTH} values): value `i` is the
 * smallest of hash function `i` over the shingles, so the share of positions where two signatures
 * agree estimates the Jaccard similarity of the two shingle sets ({@link similarity}). A text
 * without words gives all `0xFFFFFFFF` (matches nothing).
 */
export function minhash(text: string): Uint32Array {
  const sig = new Uint32Array(SIGNATURE_LENGTH).fill(0xffffffff);
  for (const s of shingles(text)) {
    for (let i = 0; i < SIGNATURE_LENGTH; i++) {
      const v = fmix32((s ^ SEEDS[i]!) >>> 0);
      if (v < sig[i]!) sig[i] = v;
    }
  }
  return sig;
}

/** Whether a signature comes from a text without words. */
function isEmpty(sig: Uint32Array): boolean {
  return sig.every((v) => v === 0xffffffff);
}

/** Estimated Jaccard similarity of the texts behind two signatures: the share of equal values (0 for an empty text). */
export function similarity(a: Uint32Array, b: Uint32Array): number {
  if (a.length !== b.length) throw new IntakeError(`Signatures of different lengths (${a.length}, ${b.length}) cannot be compared: compute both with minhash().`);
  if (isEmpty(a) || isEmpty(b)) return 0;
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return same / a.length;
}

/**
 * Estimated Jaccard similarity of shingles at or above which two texts are the same story.
 * Measured by scripts/measure-dedup.ts (docs/intake.md, "Near-duplicates"): republications of one
 * text with chrome added, the intro changed, 5–20 % of sentences dropped or reworded, paragraphs
 * moved and a sentence appended score well above it; different stories on the same subject
 * (other paragraphs of one article, a follow-up quoting a paragraph of the first) score below.
 */
export const NEAR_DUPLICATE_THRESHOLD = 0.35;

/** A stored article's best match: its id and the estimated similarity. */
export interface NearMatch {
  id: string;
  similarity: number;
}

/** What {@link NearDuplicates.toJSON} writes: signatures as base64 of their little-endian bytes. */
export interface NearDuplicatesJSON {
  version: 1;
  signatureLength: number;
  entries: Array<[id: string, signature: string]>;
}

/** A band's bucket: one slot, or several when articles share the band. */
type Bucket = number | number[];

/**
 * The signatures of stored articles, indexed for {@link find}: each signature is cut into
 * {@link BANDS} bands of {@link BAND_ROWS} values, and only articles sharing at least one whole
 * band with the query are compared with it. With 3 rows a band, two texts at similarity 0.35 share
 * a band with probability 1 − (1 − 0.35³)^42 ≈ 0.85, at 0.5 ≈ 0.996, at 0.1 ≈ 0.04: the
 * comparisons made grow with the near matches, not with the number of articles. Memory: a 512-byte
 * signature plus one map entry a band per article (measured at 30k articles: 47 MB of heap and
 * 16 MB of signatures; `toJSON` 21 MB).
 */
export class NearDuplicates {
  private readonly slotOf = new Map<string, number>();
  private readonly ids: Array<string | undefined> = [];
  private readonly signatures: Array<Uint32Array | undefined> = [];
  private readonly free: number[] = [];
  private readonly bands: Array<Map<number, Bucket>> = Array.from({ length: BANDS }, () => new Map());

  /** Number of stored articles. */
  get size(): number {
    return this.slotOf.size;
  }

  /** Whether an article is stored. */
  has(id: string): boolean {
    return this.slotOf.has(id);
  }

  /** Stores (or replaces) an article's signature. A text without words is not stored. */
  add(id: string, sig: Uint32Array): void {
    checkLength(sig);
    this.remove(id);
    if (isEmpty(sig)) return;
    const slot = this.free.pop() ?? this.ids.length;
    this.ids[slot] = id;
    this.signatures[slot] = sig.slice();
    this.slotOf.set(id, slot);
    for (let b = 0; b < BANDS; b++) {
      const map = this.bands[b]!;
      const key = bandKey(sig, b);
      const bucket = map.get(key);
      if (bucket === undefined) map.set(key, slot);
      else if (typeof bucket === 'number') map.set(key, [bucket, slot]);
      else bucket.push(slot);
    }
  }

  /** Forgets an article (nothing happens when it is not stored). */
  remove(id: string): void {
    const slot = this.slotOf.get(id);
    if (slot === undefined) return;
    const sig = this.signatures[slot]!;
    for (let b = 0; b < BANDS; b++) {
      const map = this.bands[b]!;
      const key = bandKey(sig, b);
      const bucket = map.get(key);
      if (bucket === slot) map.delete(key);
      else if (Array.isArray(bucket)) {
        const rest = bucket.filter((s) => s !== slot);
        map.set(key, rest.length === 1 ? rest[0]! : rest);
      }
    }
    this.slotOf.delete(id);
    this.ids[slot] = undefined;
    this.signatures[slot] = undefined;
    this.free.push(slot);
  }

  /**
   * The stored article most similar to `sig` among those sharing a band with it, when its
   * estimated similarity is at least `threshold` (default {@link NEAR_DUPLICATE_THRESHOLD});
   * ties go to the lower storage slot (the earlier stored, unless slots were freed), never to
   * whichever band was looked at first. Null when there is none, or `sig` is of a text without words.
   */
  find(sig: Uint32Array, threshold: number = NEAR_DUPLICATE_THRESHOLD): NearMatch | null {
    checkLength(sig);
    if (isEmpty(sig)) return null;
    const seen = new Set<number>();
    let best: { slot: number; similarity: number } | null = null;
    for (let b = 0; b < BANDS; b++) {
      const bucket = this.bands[b]!.get(bandKey(sig, b));
      if (bucket === undefined) continue;
      for (const slot of typeof bucket === 'number' ? [bucket] : bucket) {
        if (seen.has(slot)) continue;
        seen.add(slot);
        const s = similarity(sig, this.signatures[slot]!);
        if (s >= threshold && (!best || s > best.similarity || (s === best.similarity && slot < best.slot))) best = { slot, similarity: s };
      }
    }
    return best ? { id: this.ids[best.slot]!, similarity: best.similarity } : null;
  }

  /** Every stored signature, for saving beside the index ({@link fromJSON} reads it back). */
  toJSON(): NearDuplicatesJSON {
    const entries: Array<[string, string]> = [];
    for (const [id, slot] of this.slotOf) {
      const sig = this.signatures[slot]!;
      entries.push([id, Buffer.from(sig.buffer, sig.byteOffset, sig.byteLength).toString('base64')]);
    }
    return { version: 1, signatureLength: SIGNATURE_LENGTH, entries };
  }

  /**
   * Rebuilds an index saved by {@link toJSON}. Throws {@link IntakeError} when the data is not
   * such a save or was made with another signature length (recompute the signatures then).
   */
  static fromJSON(json: unknown): NearDuplicates {
    const data = json as Partial<NearDuplicatesJSON> | null;
    if (!data || data.version !== 1 || !Array.isArray(data.entries)) {
      throw new IntakeError('Saved near-duplicate signatures are not in the expected format (version 1): delete the file to have them recomputed from the corpus.');
    }
    if (data.signatureLength !== SIGNATURE_LENGTH) {
      throw new IntakeError(`Saved near-duplicate signatures have ${data.signatureLength} values, this version uses ${SIGNATURE_LENGTH}: delete the file to have them recomputed from the corpus.`);
    }
    const out = new NearDuplicates();
    for (const entry of data.entries) {
      const [id, encoded] = entry as [unknown, unknown];
      const bytes = typeof encoded === 'string' ? Buffer.from(encoded, 'base64') : null;
      if (typeof id !== 'string' || !bytes || bytes.length !== SIGNATURE_LENGTH * 4) {
        throw new IntakeError('A saved near-duplicate signature is damaged: delete the file to have them recomputed from the corpus.');
      }
      const sig = new Uint32Array(SIGNATURE_LENGTH);
      new Uint8Array(sig.buffer).set(bytes);
      out.add(id, sig);
    }
    return out;
  }
}

/** Band `b` of a signature as a 30-bit integer (a small-integer map key). */
function bandKey(sig: Uint32Array, b: number): number {
  let h = b;
  for (let i = b * BAND_ROWS; i < (b + 1) * BAND_ROWS; i++) h = fmix32((Math.imul(h, 0x01000193) ^ sig[i]!) >>> 0);
  return h >>> 2;
}

function checkLength(sig: Uint32Array): void {
  if (sig.length !== SIGNATURE_LENGTH) {
    throw new IntakeError(`A near-duplicate signature must have ${SIGNATURE_LENGTH} values, this one has ${sig.length}: compute it with minhash().`);
  }
}
