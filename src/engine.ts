/**
 * The answer engine: the one seam every surface (Telegram bot, console chat, CLI, eval, bench)
 * uses. `openEngine` brings the index up to date with the corpus and returns an {@link Engine}
 * whose `ask()` runs retrieve (dense ∥ lexical → rerank → fusion → diversity) → answer.
 */
import { composeAnswer, DEFAULT_ANSWER_OPTIONS, DENSE_THRESHOLDS, sourceKey, type AnswerOptions } from './answer.js';
import type { Embedder } from './embed.js';
import { syncIndex, updateIndexFiles, type SyncOptions } from './indexing.js';
import { metadataText } from './ingest/chunk.js';
import type { Logger } from './log.js';
import { analyzeChunk, type ChunkAnalysis } from './retrieve/evidence.js';
import { diversify, fuse, DEFAULT_FUSION, type FusionOptions } from './retrieve/hybrid.js';
import { LexicalIndex, type LexicalHit, type QueryUnit, type QueryWord } from './retrieve/lexical.js';
import { chunkText, type ChunkText } from './retrieve/chunk-text.js';
import type { TermStatistics } from './retrieve/term-statistics.js';
import { preferRecent, recencyQuestion } from './retrieve/recency.js';
import { chunkGrams, DEFAULT_RERANK, GramStats, rerank, type RerankOptions } from './retrieve/rerank.js';
import { LruCache } from './cache.js';
import { duplicatesByArticle, withPublication } from './publication.js';
import { translateEnglish } from './text/crosslingual.js';
import { catchUpJournal, journalFull, loadIndex, saveIndex, type CorpusIndex } from './store.js';
import { detectLang } from './text/arabic.js';
import { JOURNAL_MERGE_BYTES, JOURNAL_MERGE_RECORDS } from './store-journal.js';
import type { Answer, ArticleInfo, AskContext, Chunk, DocId, Engine, EngineInfo, IndexChanges, Retrieval, RetrievalMode } from './types.js';

export interface RetrievalOptions {
  /** Candidates taken from each retriever before fusion. */
  candidates: number;
  /** Hits kept after diversification (the answer reads the first few). */
  keep: number;
  /** Chunks of one article admitted before others get their turn. */
  perDoc: number;
  /** Weight of an earlier question's terms in a follow-up. */
  followUpWeight: number;
  /** Questions asking for the latest prefer the newest hits that answer them (src/retrieve/recency.ts). */
  recency: boolean;
  /** Second-stage ordering of the lexical candidates (trigrams, headline coverage). */
  rerank: RerankOptions;
  fusion: FusionOptions;
  answer: Partial<AnswerOptions>;
}

export const DEFAULT_RETRIEVAL: RetrievalOptions = {
  candidates: 30,
  keep: 8,
  perDoc: 2,
  followUpWeight: 0.35,
  recency: true,
  rerank: DEFAULT_RERANK,
  fusion: DEFAULT_FUSION,
  answer: {},
};

export interface OpenEngineOptions {
  corpusDir: string;
  indexDir: string;
  /** The embedding model, or null to answer from lexical retrieval alone. */
  embedder: Embedder | null;
  /** Why there is no embedder (shown by /status), when there is none. */
  modelError?: string | null;
  log: Logger;
  retrieval?: Partial<RetrievalOptions>;
  /** Passed to indexing (chunking, lexical and hnsw settings, progress). */
  indexing?: Pick<SyncOptions, 'chunking' | 'lexical' | 'hnsw' | 'onProgress' | 'force' | 'articles' | 'current'>;
  /**
   * When the journal is merged into a new generation while running (see `updateFiles`): once it
   * holds `records` records or `bytes` bytes (src/store-journal.ts defaults), after `idleMs`
   * without a question (default {@link MERGE_IDLE_MS}); at twice the bound, at once.
   */
  merge?: { records?: number; bytes?: number; idleMs?: number };
}

/** Default quiet time before a full journal is merged while the bot runs. */
export const MERGE_IDLE_MS = 60_000;

/**
 * The document terms of a section's chunks (the terms `analyzeDocument` gives their text), as a
 * set that is filled in only as far as it is asked. `has(term)`: a term whose postings hold none
 * of the section's chunks is not there, with no analysis at all; otherwise a chunk holds it in
 * its text when its term frequency is more than its headline, sub-heading and source line add
 * (postings hold those words too, and they do not count here). The sentences of a chunk are its
 * text split at single spaces, so their terms together are the terms of its text (a chunk whose
 * text is not its sentences joined is asked through its sentence analysis).
 */
class SectionTerms implements ReadonlySet<string> {
  private readonly known = new Map<string, boolean>();
  private all: Set<string> | null = null;
  /** Headline, sub-heading and source-line term frequencies, by those three texts. */
  private readonly fieldCounts = new Map<string, Map<string, number>>();

  constructor(
    private readonly labels: readonly number[],
    /** The lexical index's term statistics (which chunks hold a term, and how often). */
    private readonly statistics: TermStatistics,
    private readonly chunkOf: (label: number) => Chunk | undefined,
    private readonly analysis: (chunk: Chunk) => ChunkAnalysis,
  ) {}

  has(term: string): boolean {
    let found = this.known.get(term);
    if (found === undefined) {
      // Phrase and surface-form terms (a close spelling can be one) are never document terms.
      found = !LexicalIndex.isExtraTerm(term) && this.labels.some((label) => {
        const lexical = this.statistics;
        if (!lexical.holds(label, term)) return false;
        const chunk = this.chunkOf(label);
        if (chunk === undefined) return false;
        // The chunk's text holds the term when its term frequency is more than its headline,
        // sub-heading and source line add (text occurrences count whole, so half a unit tells
        // them apart); its sentences together hold the terms of its text when the text is the
        // sentences joined by spaces, as chunking makes it. Otherwise, ask the sentences.
        if (lexical.options.titleWeight >= 0 && chunk.text === chunk.sentences.map((s) => s.text).join(' ')) {
          return lexical.frequency(label, term) - this.fieldFrequency(chunk, term) >= 0.5;
        }
        return this.analysis(chunk).sentenceTerms.some((s) => s.has(term));
      });
      this.known.set(term, found);
    }
    return found;
  }

  /** The term frequency a chunk's headline, sub-heading and source line add (as indexing adds it). */
  private fieldFrequency(chunk: Chunk, term: string): number {
    const meta = metadataText(chunk);
    const key = `${chunk.title ?? ''}\u0000${chunk.heading ?? ''}\u0000${meta}`;
    let counts = this.fieldCounts.get(key);
    if (!counts) {
      counts = new Map();
      const weight = this.statistics.options.titleWeight;
      for (const extra of [chunk.title, chunk.heading, meta]) {
        if (!extra) continue;
        for (const t of this.statistics.analyzeDocument(extra)) counts.set(t, (counts.get(t) ?? 0) + weight);
      }
      this.fieldCounts.set(key, counts);
    }
    return counts.get(term) ?? 0;
  }

  private full(): Set<string> {
    if (!this.all) {
      this.all = new Set();
      for (const label of this.labels) {
        const chunk = this.chunkOf(label);
        if (chunk) for (const s of this.analysis(chunk).sentenceTerms) for (const t of s) this.all.add(t);
      }
    }
    return this.all;
  }

  get size(): number {
    return this.full().size;
  }
  forEach(callback: (value: string, key: string, set: ReadonlySet<string>) => void, thisArg?: unknown): void {
    for (const t of this.full()) callback.call(thisArg, t, t, this);
  }
  entries(): SetIterator<[string, string]> {
    return this.full().entries();
  }
  keys(): SetIterator<string> {
    return this.full().keys();
  }
  values(): SetIterator<string> {
    return this.full().values();
  }
  [Symbol.iterator](): SetIterator<string> {
    return this.full()[Symbol.iterator]();
  }
}

/** Labels of the chunks of a chunk's section (its story, or a related story), in index order. */
function sectionLabels(index: CorpusIndex, chunk: Chunk): number[] {
  return (index.manifest.files[chunk.docId]?.labels ?? []).filter((l) => index.chunks.get(l)?.section === chunk.section);
}

class AnswerEngine implements Engine {
  /** Query vectors by text: inline queries and retries repeat the same text. */
  private readonly cache = new LruCache<string, Float32Array>(512);
  // Caches of what the index holds, emptied when it changes (see `reindex`).
  /** Terms of whole sections, for answer scoring, by `docId#section`. */
  private readonly sectionTermCache = new LruCache<string, ReadonlySet<string>>(2048);
  /** Terms of an untitled story's first sentence, by `docId#section` (see `ledeTerms`). */
  private readonly ledeTermCache = new LruCache<string, ReadonlySet<string>>(2048);
  /** Per-chunk analysis for answer scoring (a re-indexed chunk is a new object, so a new key). */
  private readonly analysisCache = new LruCache<Chunk, ChunkAnalysis>(4096);
  /** Headline terms, for the reranker and the answer's «near the quote» check. */
  private readonly titleTermCache = new LruCache<string, ReadonlySet<string>>(4096);
  /**
   * Each recently read chunk's normalised sentences (~2 KB a chunk): the reranker reads them for
   * its candidates, the answer for the chunks it quotes from (a question reads a few dozen).
   */
  private readonly textCache = new LruCache<Chunk, ChunkText>(1024);
  /**
   * Sorted trigrams (~6 KB a chunk) of the chunks the reranker meets a second time: a small
   * corpus's candidates come back on every question and are scored from these by binary search;
   * a large one's are mostly new and are scanned (see `rerank`'s `grams`).
   */
  private readonly gramCache = new LruCache<Chunk, Int32Array>(2048);
  /** Chunks the reranker has met once (the first meeting scans; the second keeps the trigrams). */
  private readonly gramSeen = new LruCache<Chunk, true>(8192);
  /**
   * Trigram statistics for the reranker, counted on first use. Corpus-level and barely moved by
   * one article: kept across `updateFiles`, counted again after a merge or a reindex.
   */
  private gramStats: GramStats | null = null;
  /** Near-duplicates recorded for each article («also published by»), built on first use. */
  private duplicates: Map<DocId, ArticleInfo[]> | null = null;
  private reindexing: Promise<IndexChanges> | null = null;
  /** The end of the queue that runs index changes (reindex, updateFiles, merges) one at a time. */
  private tail: Promise<unknown> = Promise.resolve();
  /** When the last question was asked (performance.now()), for merging while idle. */
  private lastQuestion = 0;
  private mergeTimer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;

  constructor(
    private index: CorpusIndex,
    private readonly options: OpenEngineOptions,
    private readonly retrieval: RetrievalOptions,
  ) {}

  private get denseReady(): boolean {
    const model = this.index.manifest.model;
    return Boolean(this.options.embedder && this.index.dense && model && model.id === this.options.embedder.modelId);
  }

  /**
   * The words of a question as query words. An English question's content words also bring
   * their Arabic glossary translations or transliterations (src/text/crosslingual.ts), so the
   * Arabic articles can be searched without the multilingual model.
   */
  private queryWords(text: string, weight: number, lexical: LexicalIndex): QueryWord[] {
    if (detectLang(text) !== 'en') {
      return LexicalIndex.merge(lexical.analyze(text).map((term) => ({ term, weight }))).map((t) => ({ terms: [t.term], weight: t.weight }));
    }
    return translateEnglish(text).map((t) => ({
      terms: [...lexical.analyze(t.english), ...lexical.analyze(t.arabic)],
      weight,
      guess: t.transliterated,
    }));
  }

  private async run(question: string, context: AskContext & { limit?: number }) {
    this.lastQuestion = performance.now();
    const q = question.trim();
    const lang = context.lang ?? detectLang(q);
    // «ما آخر …», "latest": searched without the words that ask for the order (src/retrieve/recency.ts).
    const recency = this.retrieval.recency ? recencyQuestion(q) : { latest: false, rest: q };
    const searched = recency.rest;
    const previous = context.previousQuestion?.trim() || undefined;
    const index = this.index;
    const words = this.queryWords(searched, 1, index.lexical);
    if (previous) words.push(...this.queryWords(previous, this.retrieval.followUpWeight, index.lexical));

    // The query embedding runs on ONNX Runtime's threads while BM25 runs here.
    const embedStart = performance.now();
    const embedText = previous ? `${previous}\n${q}` : q;
    let vectorPromise: Promise<Float32Array | null> = Promise.resolve(null);
    if (this.denseReady && q.length > 0) {
      const cached = this.cache.get(embedText);
      vectorPromise = cached
        ? Promise.resolve(cached)
        : this.options.embedder!.embedQueries([embedText]).then(([v]) => {
            this.cache.set(embedText, v!);
            return v!;
          });
      // A failing model must not fail the question: this one is answered lexically.
      vectorPromise = vectorPromise.catch((error: unknown) => {
        this.options.log.warn({ err: error }, 'query embedding failed; answering lexically');
        return null;
      });
    }
    const lexicalStart = performance.now();
    const query = index.lexical.expandWords(words);
    const extras = index.lexical.extraQueryTerms(searched);
    if (previous) extras.push(...index.lexical.extraQueryTerms(previous, this.retrieval.followUpWeight));
    const lexicalHits = this.rerank(index, searched, previous, query, index.lexical.search([...LexicalIndex.flatten(query), ...extras], this.retrieval.candidates));
    const lexicalMs = performance.now() - lexicalStart;
    const vector = await vectorPromise;
    const embedMs = vector ? performance.now() - embedStart : 0;

    const denseStart = performance.now();
    const denseHits = vector && index.dense ? index.dense.search(vector, this.retrieval.candidates) : [];
    const denseMs = performance.now() - denseStart;

    const fuseStart = performance.now();
    const fused = fuse(lexicalHits, denseHits, (label) => index.chunks.get(label), this.retrieval.fusion);
    const diverse = diversify(fused, context.limit ?? this.retrieval.keep, this.retrieval.perDoc);
    // The newest of the hits that answer leads.
    const hits = recency.latest ? preferRecent(diverse) : diverse;
    const fuseMs = performance.now() - fuseStart;
    const mode: RetrievalMode = vector ? 'hybrid' : 'lexical';
    return { q, lang, query, hits, mode, index, timings: { embedMs, lexicalMs, denseMs, fuseMs } };
  }

  async retrieve(question: string, context: AskContext & { limit?: number } = {}): Promise<Retrieval> {
    const { q, lang, hits, mode, timings } = await this.run(question, context);
    return { question: q, lang, hits, mode, timings };
  }

  async ask(question: string, context: AskContext = {}): Promise<Answer> {
    const startedAt = performance.now();
    const { q, lang, query, hits, mode, index, timings } = await this.run(question, context);
    const model = index.manifest.model?.id ?? '';
    const answer = composeAnswer(
      {
        question: q,
        lang,
        query,
        hits,
        lexical: index.lexical,
        mode,
        sectionTerms: (chunk) => this.sectionTerms(index, chunk),
        analysis: (chunk) => this.analysis(index, chunk),
        headlineTerms: (title) => this.headlineTerms(index, title),
        ledeTerms: (chunk) => this.ledeTerms(index, chunk),
        options: { denseThreshold: DENSE_THRESHOLDS[model] ?? DEFAULT_ANSWER_OPTIONS.denseThreshold, ...this.retrieval.answer },
      },
      { startedAt, ...timings },
    );
    const files = index.manifest.files;
    this.duplicates ??= duplicatesByArticle(Object.values(files).map((f) => f.info));
    return withPublication(answer, (file) => files[file]?.info, this.duplicates);
  }

  private rerank(index: CorpusIndex, q: string, previous: string | undefined, units: QueryUnit[], hits: LexicalHit[]): LexicalHit[] {
    const options = this.retrieval.rerank;
    if (hits.length < 2 || (!options.gramWeight && !options.titleWeight)) return hits;
    const stats = this.rerankStats(index);
    const texts = [{ text: q, weight: 1 }];
    if (previous) texts.push({ text: previous, weight: this.retrieval.followUpWeight });
    const titleTerms = (title: string) => this.headlineTerms(index, title);
    const text = (chunk: Chunk) => this.chunkText(chunk);
    const grams = (chunk: Chunk): Int32Array | undefined => {
      const kept = this.gramCache.get(chunk);
      if (kept) return kept;
      if (!this.gramSeen.get(chunk)) {
        this.gramSeen.set(chunk, true);
        return undefined;
      }
      return this.gramCache.getOrCreate(chunk, chunkGrams);
    };
    return rerank({ texts, units, hits, chunkOf: (label) => index.chunks.get(label), lexical: index.lexical, stats, titleTerms, text, grams }, options);
  }

  /** The reranker's trigram statistics, counted on first use (or by `warm`) for the current index. */
  private rerankStats(index: CorpusIndex): GramStats {
    return (this.gramStats ??= GramStats.fromChunks(index.chunks.values(), index.chunks.size, this.retrieval.rerank.sampleSize));
  }

  private headlineTerms(index: CorpusIndex, title: string): ReadonlySet<string> {
    return this.titleTermCache.getOrCreate(title, (t) => new Set(index.lexical.analyzeDocument(t)));
  }

  /** Terms of the first sentence of a chunk's story (section), for an untitled story. */
  private ledeTerms(index: CorpusIndex, chunk: Chunk): ReadonlySet<string> {
    return this.ledeTermCache.getOrCreate(sourceKey(chunk), () => {
      const first = sectionLabels(index, chunk)
        .map((l) => index.chunks.get(l))
        .find((c) => c?.ordinal === 0);
      return new Set(index.lexical.analyzeDocument(first?.sentences[0]?.text ?? ''));
    });
  }

  private analysis(index: CorpusIndex, chunk: Chunk): ChunkAnalysis {
    return this.analysisCache.getOrCreate(chunk, (c) => analyzeChunk(c, index.lexical, this.chunkText(c)));
  }

  private chunkText(chunk: Chunk): ChunkText {
    return this.textCache.getOrCreate(chunk, chunkText);
  }

  /**
   * Document terms of a chunk's whole section, for answer scoring («elsewhere in the same
   * story»). Scoring only asks whether a question word is among them, so the set answers `has`
   * lazily instead of analysing the whole section up front (measured on 100k synthetic chunks,
   * where most candidates miss the caches: that analysis was ~40% of answer time).
   */
  private sectionTerms(index: CorpusIndex, chunk: Chunk): ReadonlySet<string> {
    return this.sectionTermCache.getOrCreate(sourceKey(chunk), () => new SectionTerms(sectionLabels(index, chunk), index.lexical, (label) => index.chunks.get(label), (c) => this.analysis(index, c)));
  }

  info(): EngineInfo {
    const articles = Object.values(this.index.manifest.files).map((f) => f.info).sort((a, b) => a.file.localeCompare(b.file));
    const dates = articles.map((a) => a.date).filter((d): d is string => Boolean(d)).sort();
    return {
      articles,
      chunks: this.index.chunks.size,
      mode: this.denseReady ? 'hybrid' : 'lexical',
      model: this.denseReady ? this.options.embedder!.modelId : null,
      modelError: this.denseReady ? null : this.options.modelError ?? (this.options.embedder ? 'the index has no vectors for this model yet' : 'no embedding model'),
      dateRange: { from: dates[0] ?? null, to: dates[dates.length - 1] ?? null },
    };
  }

  chunk(id: string): Chunk | undefined {
    return this.index.chunkById(id);
  }

  /**
   * Builds now what the first question would otherwise build: the reranker's trigram statistics
   * and the vocabulary's trigram index for spelling matches (~2 s at 100k chunks, milliseconds
   * on a few articles).
   */
  warm(): void {
    if (this.retrieval.rerank.gramWeight) this.rerankStats(this.index);
    this.index.lexical.prepareFuzzy();
  }

  /** Runs index changes one at a time, in call order (a failed one does not stop the next). */
  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.tail.then(task, task);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /**
   * After some articles changed in place: the caches kept by article or story (near-duplicates,
   * section and lede terms) are emptied; per-chunk caches are keyed by chunk object and age out.
   */
  private clearStoryCaches(): void {
    this.duplicates = null;
    this.sectionTermCache.clear();
    this.ledeTermCache.clear();
  }

  /** After the index was replaced or rebuilt: every cache of what it held is emptied. */
  private clearCaches(): void {
    this.clearStoryCaches();
    this.analysisCache.clear();
    this.titleTermCache.clear();
    this.textCache.clear();
    this.gramCache.clear();
    this.gramSeen.clear();
    this.gramStats = null;
  }

  /**
   * Re-reads the corpus; concurrent calls share one run, queued behind any update in progress.
   * Questions keep being answered meanwhile. The journal is merged into a new generation here.
   */
  reindex(): Promise<IndexChanges> {
    this.reindexing ??= this.serial(() =>
      syncIndex({
        corpusDir: this.options.corpusDir,
        indexDir: this.options.indexDir,
        embedder: this.options.embedder,
        log: this.options.log,
        ...this.options.indexing,
        current: this.index,
        force: false,
      }).then(({ index, changes }) => {
        this.index = index;
        this.clearCaches();
        this.warm();
        return changes;
      }),
    ).finally(() => {
      this.reindexing = null;
    });
    return this.reindexing;
  }

  /**
   * Brings the index in line with these corpus files as they are now (added, changed or
   * removed), without re-reading the folder or rewriting the index: each change is appended to
   * the journal and fsynced, then applied in memory (src/indexing.ts `updateIndexFiles`). Runs
   * one at a time with reindex; questions keep being answered meanwhile and see each file's old
   * or new version, never half. Caches: the reranker's trigram statistics are kept (counted
   * again at the next merge); per-chunk caches are keyed by chunk object, so removed chunks age
   * out; the per-story caches (by document id) are emptied. Should applying an update in memory
   * fail after it was journaled, the index is loaded again from disk and every cache emptied.
   *
   * Merging: once the journal passes its bound (src/store-journal.ts), the whole index is saved
   * as a new generation. That save blocks this thread for seconds at 100k chunks, so it waits
   * until no question has been asked for `merge.idleMs` (or for the next start or reindex, which
   * merge anyway); a journal twice over the bound is merged at once.
   */
  updateFiles(files: DocId[]): Promise<IndexChanges> {
    return this.serial(async () => {
      this.catchUp();
      const { index, changes } = await updateIndexFiles({
        corpusDir: this.options.corpusDir,
        indexDir: this.options.indexDir,
        index: this.index,
        embedder: this.options.embedder,
        log: this.options.log,
        chunking: this.options.indexing?.chunking,
        files,
      });
      if (index !== this.index) {
        // Applying in memory failed and the index was loaded again from disk (see updateIndexFiles).
        this.index = index;
        this.clearCaches();
        this.warm();
      } else if (changes.added.length + changes.changed.length + changes.removed.length > 0) {
        this.clearStoryCaches();
      }
      const bound = this.options.merge ?? {};
      const twice = { records: 2 * (bound.records ?? JOURNAL_MERGE_RECORDS), bytes: 2 * (bound.bytes ?? JOURNAL_MERGE_BYTES) };
      if (journalFull(this.index, twice)) {
        // The update is durable in the journal already: a failed merge is retried later.
        try {
          this.merge();
        } catch (error) {
          this.options.log.warn({ err: error }, 'merging the index journal failed; it is kept and replayed on the next start');
        }
      } else if (journalFull(this.index, bound)) this.scheduleMerge();
      return changes;
    });
  }

  /** Takes in what another process wrote to the index folder since (see `catchUpJournal`). */
  private catchUp(): void {
    const state = catchUpJournal(this.options.indexDir, this.index);
    if (state === 'caught-up') {
      this.clearStoryCaches();
    } else if (state === 'stale') {
      this.options.log.info(`The index in ${this.options.indexDir} was rewritten by another process: loading it again.`);
      this.index = loadIndex(this.options.indexDir, { log: this.options.log });
      this.clearCaches();
      this.warm();
    }
  }

  /** Saves the index as a new generation (its journal starts empty); blocks this thread. */
  private merge(): void {
    if (this.mergeTimer) clearTimeout(this.mergeTimer);
    this.mergeTimer = null;
    if (this.index.journal.records === 0) return;
    const started = performance.now();
    saveIndex(this.options.indexDir, this.index);
    this.gramStats = null;
    this.warm();
    this.options.log.info({ ms: Math.round(performance.now() - started), chunks: this.index.chunks.size }, 'index journal merged into a new generation');
  }

  /** Merges once no question has been asked for `merge.idleMs`. */
  private scheduleMerge(): void {
    if (this.mergeTimer || this.closed) return;
    const idle = this.options.merge?.idleMs ?? MERGE_IDLE_MS;
    const check = () => {
      const quiet = performance.now() - this.lastQuestion;
      if (quiet < idle) {
        this.mergeTimer = setTimeout(check, idle - quiet + 10);
        this.mergeTimer.unref?.();
        return;
      }
      this.mergeTimer = null;
      void this.serial(async () => this.merge()).catch((error: unknown) => {
        this.options.log.warn({ err: error }, 'merging the index journal failed; it is kept and replayed on the next start');
      });
    };
    this.mergeTimer = setTimeout(check, idle);
    this.mergeTimer.unref?.();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.mergeTimer) clearTimeout(this.mergeTimer);
    this.mergeTimer = null;
    await this.tail.catch(() => undefined);
    await this.options.embedder?.close();
  }
}

/** Loads (or builds, or updates) the index and returns a ready engine. */
export async function openEngine(options: OpenEngineOptions): Promise<Engine> {
  const retrieval: RetrievalOptions = {
    ...DEFAULT_RETRIEVAL,
    ...options.retrieval,
    fusion: { ...DEFAULT_RETRIEVAL.fusion, ...options.retrieval?.fusion },
    answer: { ...DEFAULT_RETRIEVAL.answer, ...options.retrieval?.answer },
    rerank: { ...DEFAULT_RETRIEVAL.rerank, ...options.retrieval?.rerank },
  };
  const { index } = await syncIndex({
    corpusDir: options.corpusDir,
    indexDir: options.indexDir,
    embedder: options.embedder,
    log: options.log,
    ...options.indexing,
  });
  const engine = new AnswerEngine(index, options, retrieval);
  engine.warm();
  return engine;
}
