/**
 * Synthetic corpora for the scale bench, generated from the real articles so that sentence
 * lengths, word lengths, punctuation and metadata stay realistic:
 *
 * - Sentences of the real articles are recombined into new articles (paragraphs of 1–3
 *   sentences, article lengths drawn from the real ones), each with a real headline, an outlet
 *   and a date.
 * - A corpus built from five articles alone would have a tiny vocabulary in which every word
 *   occurs in a large share of chunks, and thousands of near-identical chunks (unlike an archive,
 *   where vocabulary keeps growing and stories differ). So half of the longer words are replaced
 *   by words of a synthetic lexicon (keeping the word's clitic prefix, e.g. «وال» + stem): each
 *   article has a topic (topics are Zipf-distributed), and a replaced word comes from the topic's
 *   own Zipf-ranked words or, as often, from the general Zipf-ranked lexicon. The vocabulary then
 *   grows with the corpus as real text does (Heaps' law), term frequencies are skewed, and
 *   articles on one topic share words. The bench reports the resulting vocabulary.
 *
 * Vectors: {@link SyntheticEmbedder} stands in for the model where embedding is excluded from
 * the figures. It gives 384-dimensional unit vectors (mE5-small's size, so hnsw costs are
 * faithful) derived from the text: hashed signed features of the words' stems plus a shared
 * component (mE5's cosine similarities sit in a narrow band, roughly 0.7–0.9, and so do these).
 * Texts sharing words are near each other, so the index sees clustered data like real
 * embeddings rather than uniform noise. They carry no meaning beyond word overlap.
 */
import { createHash } from 'node:crypto';
import { estimateTokens } from '../ingest/chunk.js';
import type { Embedder } from '../embed.js';
import { lightStem, normalize, splitSentences, STOPWORDS, words } from '../text/arabic.js';
import type { Article, Paragraph } from '../types.js';
import { gaussian, hash32, pick, rng, zipf } from './random.js';

/** What the generator draws from: the real corpus, taken apart. */
export interface SentencePool {
  sentences: string[];
  titles: string[];
  /** Body sentences per real article (article lengths are drawn from these). */
  lengths: number[];
  outlets: string[];
  agencies: Array<string | null>;
}

export function sentencePool(articles: Article[]): SentencePool {
  const sentences: string[] = [];
  const titles: string[] = [];
  const lengths: number[] = [];
  const outlets = new Set<string>();
  const agencies = new Set<string | null>([null]);
  for (const article of articles) {
    let n = 0;
    for (const section of article.sections) {
      if (section.title) titles.push(section.title);
      if (section.outlet) outlets.add(section.outlet);
      if (section.agency) agencies.add(section.agency);
      for (const p of section.paragraphs) {
        if (p.heading) continue;
        for (const s of splitSentences(p.text)) {
          sentences.push(s.text);
          n++;
        }
      }
    }
    lengths.push(n);
  }
  if (sentences.length === 0) throw new Error('the corpus has no sentences to build a synthetic corpus from');
  if (titles.length === 0) titles.push(sentences[0]!.slice(0, 60));
  return { sentences, titles, lengths, outlets: [...outlets].length ? [...outlets] : ['الجزيرة'], agencies: [...agencies] };
}

export interface SyntheticOptions {
  /** Stop once the articles hold at least this many chunks (as the product's chunker cuts them). */
  chunks: number;
  seed?: number;
  /** Share of words of 4+ letters replaced by lexicon words. */
  mutation?: number;
  /** Size of the synthetic lexicon (Zipf-distributed). */
  lexicon?: number;
  /** Number of topics, and the words each topic favours. */
  topics?: number;
  topicWords?: number;
  /** Counts the chunks an article yields (the product's chunker). */
  countChunks: (article: Article) => number;
}

const LETTERS = 'ابتثجحخدذرزسشصضطظعغفقكلمنهوي';
const PREFIXES = ['وال', 'بال', 'ال'];
const ARABIC_WORD = /^[\u0621-\u064A]{4,}$/;

/** The lexicon's word of a given rank: 3–6 letters, deterministic. */
export function lexiconWord(rank: number): string {
  const r = rng(rank * 2654435761 + 17);
  const length = 3 + (rank % 4);
  let w = '';
  for (let i = 0; i < length; i++) w += LETTERS[pick(r, LETTERS.length)];
  return w;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Builds one article from paragraphs (headline line, then one line per paragraph, exact offsets). */
function makeArticle(id: string, title: string, outlet: string, agency: string | null, date: string, paragraphs: string[]): Article {
  let raw = `${title}\n`;
  const out: Paragraph[] = [];
  for (const text of paragraphs) {
    out.push({ start: raw.length, end: raw.length + text.length, text, heading: false });
    raw += text + '\n';
  }
  return {
    id,
    path: `/synthetic/${id}`,
    raw,
    hash: sha256(raw),
    title,
    outlet,
    agency,
    date,
    sections: [{ index: 0, kind: 'main', title, outlet, agency, date, paragraphs: out }],
  };
}

export interface SyntheticCorpus {
  articles: Article[];
  chunks: number;
  /** Text of every sentence drawn (questions are cut from these). */
  sample: string[];
}

/** Generates articles until they hold `options.chunks` chunks (or a few more: whole articles). */
export function syntheticCorpus(pool: SentencePool, options: SyntheticOptions): SyntheticCorpus {
  const random = rng(options.seed ?? 42);
  const mutation = options.mutation ?? 0.75;
  const size = options.lexicon ?? 100_000;
  const general = zipf(size, 1.1, random);
  const topicOf = zipf(options.topics ?? 2000, 0.8, random);
  const topical = zipf(options.topicWords ?? 3000, 1.0, random);
  const cache = new Map<number, string>();
  const word = (rank: number) => {
    let w = cache.get(rank);
    if (w === undefined) cache.set(rank, (w = lexiconWord(rank)));
    return w;
  };
  let topic = 0;
  const draw = () => (random() < 0.5 ? general() : Number((BigInt(topic) * 7919n + BigInt(topical()) * 104729n + 1000n) % BigInt(size)));
  const mutate = (sentence: string): string =>
    sentence
      .split(' ')
      .map((token) => {
        if (!ARABIC_WORD.test(token) || random() >= mutation) return token;
        const prefix = PREFIXES.find((p) => token.startsWith(p) && token.length - p.length >= 3) ?? '';
        return prefix + word(draw());
      })
      .join(' ');

  const articles: Article[] = [];
  const sample: string[] = [];
  let chunks = 0;
  while (chunks < options.chunks) {
    const n = articles.length;
    topic = topicOf();
    const base = pool.lengths[pick(random, pool.lengths.length)]!;
    const count = Math.max(3, Math.round(base * (0.6 + 0.8 * random())));
    const paragraphs: string[] = [];
    for (let i = 0; i < count; ) {
      const size = Math.min(count - i, 1 + pick(random, 3));
      const parts: string[] = [];
      for (let k = 0; k < size; k++) parts.push(mutate(pool.sentences[pick(random, pool.sentences.length)]!));
      paragraphs.push(parts.join(' '));
      i += size;
    }
    if (sample.length < 5000) sample.push(...paragraphs.slice(0, 2));
    const title = mutate(pool.titles[pick(random, pool.titles.length)]!);
    const year = 2015 + pick(random, 11);
    const date = `${year}-${String(1 + pick(random, 12)).padStart(2, '0')}-${String(1 + pick(random, 28)).padStart(2, '0')}`;
    const article = makeArticle(
      `syn_${String(n).padStart(6, '0')}.txt`,
      title,
      pool.outlets[pick(random, pool.outlets.length)]!,
      pool.agencies[pick(random, pool.agencies.length)]!,
      date,
      paragraphs,
    );
    chunks += options.countChunks(article);
    articles.push(article);
  }
  return { articles, chunks, sample };
}

/** The same article with one paragraph replaced (a changed file for the re-index measurement). */
export function editArticle(article: Article, replacement: string): Article {
  const section = article.sections[0]!;
  const paragraphs = section.paragraphs.map((p) => p.text);
  paragraphs[Math.floor(paragraphs.length / 2)] = replacement;
  return makeArticle(article.id, section.title ?? '', section.outlet ?? '', section.agency, section.date ?? '2025-01-01', paragraphs);
}

/**
 * Questions cut from the synthetic text: 5–10 consecutive words of a sentence, so each has
 * matching chunks (as a user's question about the archive would).
 */
export function syntheticQuestions(sample: string[], n: number, seed = 7): string[] {
  const random = rng(seed);
  const out: string[] = [];
  while (out.length < n) {
    const sentences = splitSentences(sample[pick(random, sample.length)]!);
    const s = sentences[pick(random, sentences.length)];
    if (!s) continue;
    const ws = s.text.split(/\s+/).filter(Boolean);
    if (ws.length < 5) continue;
    const len = Math.min(ws.length, 5 + pick(random, 6));
    const start = pick(random, ws.length - len + 1);
    out.push(ws.slice(start, start + len).join(' ').replace(/[.،؛:!؟?]+$/u, '') + '؟');
  }
  return out;
}

export const SYNTHETIC_DIMENSION = 384;
/** Hashed features per word, latent topic dimensions, and the weight of the shared component. */
const FEATURES = 8;
const DEFAULT_LATENT = 32;
const SHARED = 0.85;
/** Share of a text vector's topical energy that is isotropic (not in the latent subspace). */
const RESIDUAL = 0.2;

/**
 * Two vector distributions:
 * - `model-like`: each word stem has a random point in a latent space of `latent` dimensions
 *   (default 32), mapped into 384 dimensions by a fixed random projection, plus a 20% isotropic
 *   residual: text vectors then lie near a low-dimensional subspace, as sentence embeddings do
 *   (published intrinsic-dimension estimates for transformer sentence embeddings are mostly
 *   10–40). How hard approximate search is depends strongly on this, and mE5's own geometry
 *   cannot be measured here (no real weights), so the bench also reports recall for a
 *   64-dimensional latent and for the isotropic case.
 * - `isotropic`: hashed signed word features spread over all 384 dimensions: no low-dimensional
 *   structure at all, harder for hnsw than any trained embedding model.
 */
export type VectorKind = 'model-like' | 'isotropic';

/**
 * A stand-in {@link Embedder}: text-derived 384-d unit vectors (see module doc), for measuring
 * index costs with embedding excluded. Records the time it spends so callers can subtract it.
 */
export class SyntheticEmbedder implements Embedder {
  readonly dimension = SYNTHETIC_DIMENSION;
  readonly modelId: string;
  /** Milliseconds spent computing vectors (excluded from build figures). */
  spentMs = 0;
  passages = 0;
  queries = 0;
  private readonly shared: Float32Array;
  private readonly projection: Float32Array;
  private readonly latent = new Map<string, Float32Array>();

  constructor(
    readonly kind: VectorKind = 'model-like',
    readonly latentDimension = DEFAULT_LATENT,
  ) {
    this.modelId = kind === 'model-like' ? `synthetic-latent${latentDimension}-384` : `synthetic-${kind}-384`;
    const r = rng(99);
    const v = new Float32Array(SYNTHETIC_DIMENSION).map(() => gaussian(r));
    const norm = Math.hypot(...v);
    this.shared = v.map((x) => x / norm);
    this.projection = new Float32Array(SYNTHETIC_DIMENSION * latentDimension).map(() => gaussian(r));
  }

  private latentOf(stem: string): Float32Array {
    let z = this.latent.get(stem);
    if (!z) {
      const r = rng(hash32(stem));
      z = new Float32Array(this.latentDimension).map(() => gaussian(r));
      this.latent.set(stem, z);
    }
    return z;
  }

  vector(text: string): Float32Array {
    const residual = new Float32Array(SYNTHETIC_DIMENSION);
    const latent = this.latentDimension;
    const z = new Float32Array(latent);
    for (const w of words(normalize(text))) {
      if (w.length < 2 || STOPWORDS.has(w)) continue;
      const stem = lightStem(w);
      let h = hash32(stem);
      for (let j = 0; j < FEATURES; j++) {
        h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0;
        residual[h % SYNTHETIC_DIMENSION]! += h & 0x10000 ? 1 : -1;
      }
      if (this.kind === 'model-like') {
        const l = this.latentOf(stem);
        for (let k = 0; k < latent; k++) z[k]! += l[k]!;
      }
    }
    const u = new Float32Array(SYNTHETIC_DIMENSION);
    if (this.kind === 'model-like') {
      const t = new Float32Array(SYNTHETIC_DIMENSION);
      for (let i = 0; i < SYNTHETIC_DIMENSION; i++) {
        let s = 0;
        const o = i * latent;
        for (let k = 0; k < latent; k++) s += this.projection[o + k]! * z[k]!;
        t[i] = s;
      }
      const tn = Math.hypot(...t) || 1;
      const rn = Math.hypot(...residual) || 1;
      const a = Math.sqrt(1 - RESIDUAL);
      const b = Math.sqrt(RESIDUAL);
      for (let i = 0; i < SYNTHETIC_DIMENSION; i++) u[i] = (a * t[i]!) / tn + (b * residual[i]!) / rn;
    } else {
      const rn = Math.hypot(...residual) || 1;
      for (let i = 0; i < SYNTHETIC_DIMENSION; i++) u[i] = residual[i]! / rn;
    }
    const un = Math.hypot(...u) || 1;
    const topical = Math.sqrt(1 - SHARED * SHARED);
    const v = new Float32Array(SYNTHETIC_DIMENSION);
    let n2 = 0;
    for (let i = 0; i < v.length; i++) {
      v[i] = SHARED * this.shared[i]! + (topical * u[i]!) / un;
      n2 += v[i]! * v[i]!;
    }
    const inv = 1 / Math.sqrt(n2);
    for (let i = 0; i < v.length; i++) v[i]! *= inv;
    return v;
  }

  countTokens(text: string): number {
    return estimateTokens(text);
  }

  async embedQueries(texts: string[]): Promise<Float32Array[]> {
    const start = performance.now();
    const out = texts.map((t) => this.vector(t));
    this.queries += texts.length;
    this.spentMs += performance.now() - start;
    return out;
  }

  async embedPassages(texts: string[], onProgress?: (done: number, total: number) => void): Promise<Float32Array[]> {
    const start = performance.now();
    const out = texts.map((t) => this.vector(t));
    this.passages += texts.length;
    this.spentMs += performance.now() - start;
    onProgress?.(texts.length, texts.length);
    return out;
  }

  async close(): Promise<void> {}
}

/**
 * An embedder that answers queries from vectors computed beforehand (so a query's latency
 * holds no embedding work at all) and computes anything else with {@link SyntheticEmbedder}.
 */
export class PrecomputedQueries implements Embedder {
  private readonly vectors = new Map<string, Float32Array>();
  constructor(private readonly inner: SyntheticEmbedder) {}
  get modelId(): string {
    return this.inner.modelId;
  }
  get dimension(): number {
    return this.inner.dimension;
  }
  /** Computes and stores the vectors of these query texts (the engine embeds the trimmed question). */
  prepare(texts: string[]): void {
    for (const t of texts) this.vectors.set(t.trim(), this.inner.vector(t.trim()));
  }
  countTokens(text: string): number {
    return this.inner.countTokens(text);
  }
  async embedQueries(texts: string[]): Promise<Float32Array[]> {
    return texts.map((t) => this.vectors.get(t) ?? this.inner.vector(t));
  }
  embedPassages(texts: string[], onProgress?: (done: number, total: number) => void): Promise<Float32Array[]> {
    return this.inner.embedPassages(texts, onProgress);
  }
  async close(): Promise<void> {}
}
