/**
 * Brings the persisted index in line with the corpus: corpus → ingest (parse, clean, chunk) →
 * embed → index (lexical + hnsw) → store.
 *
 * Only what changed is redone: a file whose content hash is unchanged keeps its chunks and
 * vectors; an added or changed file is chunked and embedded; a removed file's chunks leave both
 * indexes. A different chunker, lexical analyser or embedding model rebuilds the affected part
 * from scratch, so vectors of two models are never mixed.
 *
 * Two ways in: {@link syncIndex} compares the whole folder with the index and, when anything
 * changed (or the journal holds updates), writes a new generation (a merge); {@link updateIndexFiles}
 * handles a few named files and appends them to the journal (src/store-journal.ts), writing
 * kilobytes instead of the whole index.
 */
import type { Embedder } from './embed.js';
import { describeError, IndexError } from './errors.js';
import { chunkArticle, chunkerSignature, DEFAULT_CHUNK_OPTIONS, type ChunkOptions } from './ingest/chunk.js';
import { readCorpus, readCorpusFile } from './ingest/corpus.js';
import type { Logger } from './log.js';
import { DenseIndex, DEFAULT_HNSW, type HnswParams } from './retrieve/dense.js';
import { ANALYZER_VERSION, DEFAULT_LEXICAL_OPTIONS, type LexicalOptions } from './retrieve/lexical.js';
import { appendJournal, CorpusIndex, hasIndex, hasOrphanGenerations, loadIndex, saveIndex } from './store.js';
import { applyRecord, lexicalFields, type JournalRecord, type JournalWriter } from './store-journal.js';
import type { Article, ArticleInfo, Chunk, DocId, IndexChanges } from './types.js';

export interface SyncOptions {
  corpusDir: string;
  indexDir: string;
  embedder: Embedder | null;
  log: Logger;
  /** The index already in memory (reindex without restart); default: load from disk. */
  current?: CorpusIndex | null;
  chunking?: ChunkOptions;
  lexical?: LexicalOptions;
  hnsw?: HnswParams;
  /** Called while embedding: chunks done of total. */
  onProgress?: (done: number, total: number) => void;
  /** Rebuild everything even if the index is current. */
  force?: boolean;
  /** Index these articles instead of reading `corpusDir` (eval builds throwaway indexes this way). */
  articles?: Article[];
}

function sameOptions(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** What the index shows of an article (its FileEntry's `info`). */
export function articleInfo(article: Article): ArticleInfo {
  return {
    file: article.id,
    title: article.title,
    outlet: article.outlet,
    agency: article.agency,
    date: article.date,
    url: article.url ?? null,
    duplicateOf: article.duplicateOf ?? null,
  };
}

/**
 * An article's chunks as the index holds them: none for a near-duplicate of another article
 * (`duplicateOf`: it is listed, shown as «also published by», not indexed twice).
 */
export function articleChunks(article: Article, chunking: ChunkOptions, embedder: Embedder | null): Chunk[] {
  if (article.duplicateOf) return [];
  const countTokens = chunking.countTokens ?? (embedder ? (t: string) => embedder.countTokens(t) : undefined);
  return chunkArticle(article, { ...chunking, countTokens });
}

/** Loads the index if it fits the current settings, or returns null saying why. */
function loadUsable(options: SyncOptions, chunker: string, lexical: LexicalOptions): CorpusIndex | null {
  if (!hasIndex(options.indexDir)) {
    if (hasOrphanGenerations(options.indexDir)) {
      options.log.warn(`The index in ${options.indexDir} has lost its CURRENT pointer; it will be rebuilt from the corpus.`);
    }
    return null;
  }
  try {
    const index = loadIndex(options.indexDir, { log: options.log });
    if (index.manifest.chunker !== chunker) {
      options.log.info({ was: index.manifest.chunker, now: chunker }, 'chunker changed: rebuilding the index');
      return null;
    }
    if (!sameOptions(index.manifest.lexical, lexical)) {
      options.log.info('lexical settings changed: rebuilding the index');
      return null;
    }
    return index;
  } catch (error) {
    options.log.warn(describeError(error));
    return null;
  }
}

export interface SyncResult {
  index: CorpusIndex;
  changes: IndexChanges;
  /** Where the time went, in milliseconds (the bench reports these). */
  phases: { read: number; chunk: number; embed: number; lexical: number; dense: number; save: number };
}

/**
 * A new dense index of at least this many vectors is built on a worker thread while this thread
 * builds the lexical index (measured: the two builds then overlap on a 2-core machine).
 */
export const PARALLEL_DENSE_MIN = 2000;

export async function syncIndex(options: SyncOptions): Promise<SyncResult> {
  const started = Date.now();
  const { log, embedder } = options;
  const chunking = options.chunking ?? DEFAULT_CHUNK_OPTIONS;
  const chunker = `${chunkerSignature(chunking)}:analyzer${ANALYZER_VERSION}`;
  const lexicalOptions = options.lexical ?? DEFAULT_LEXICAL_OPTIONS;
  const hnsw = options.hnsw ?? DEFAULT_HNSW;

  const phases: SyncResult['phases'] = { read: 0, chunk: 0, embed: 0, lexical: 0, dense: 0, save: 0 };
  let clock = performance.now();
  const lap = (phase: keyof SyncResult['phases']) => {
    const now = performance.now();
    phases[phase] += now - clock;
    clock = now;
  };
  let rebuilt = false;
  let index = options.force ? null : options.current ?? loadUsable(options, chunker, lexicalOptions);
  if (!index) {
    index = CorpusIndex.empty(chunker, lexicalOptions);
    rebuilt = true;
  }
  // Files whose content hash the index already has are read and hashed, not parsed again.
  const indexed = index.manifest.files;
  const { articles, skipped, unchanged } = options.articles
    ? { articles: options.articles, skipped: [], unchanged: [] }
    : await readCorpus(options.corpusDir, log, { unchanged: (name, hash) => indexed[name]?.hash === hash });
  const parsed = new Map(articles.map((a) => [a.id, a]));
  const present = [...articles.map((a) => ({ id: a.id, hash: a.hash })), ...unchanged].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

  // Vectors of another model are dropped wholesale, never mixed with new ones.
  let model = index.manifest.model;
  let dense = index.dense;
  let denseIsNew = false;
  // efSearch is a query-time setting: an index built with another one searches with today's.
  if (dense && model && (model.hnsw?.efSearch ?? DEFAULT_HNSW.efSearch) !== hnsw.efSearch) {
    dense.setEfSearch(hnsw.efSearch);
    model = index.manifest.model = { ...model, hnsw: { ...(model.hnsw ?? DEFAULT_HNSW), efSearch: hnsw.efSearch } };
  }
  lap('read');
  if (embedder && (!model || model.id !== embedder.modelId || model.dimension !== embedder.dimension)) {
    if (model) log.info({ was: model.id, now: embedder.modelId }, 'embedding model changed: re-embedding every chunk');
    model = { id: embedder.modelId, dimension: embedder.dimension, hnsw };
    // Room for what is indexed now; the graph grows by half when full (hnswlib reserves memory per slot).
    dense = DenseIndex.create(embedder.dimension, Math.max(64, index.chunks.size), hnsw);
    denseIsNew = true;
    for (const entry of Object.values(index.manifest.files)) entry.embedded = false;
    rebuilt = rebuilt || Object.keys(index.manifest.files).length > 0;
  }

  const files = index.manifest.files;
  const byId = new Map(present.map((a) => [a.id, a]));
  const added: string[] = [];
  const changed: string[] = [];
  const removed = Object.keys(files).filter((id) => !byId.has(id));
  const toChunk: Article[] = [];
  for (const { id, hash } of present) {
    const entry = files[id];
    if (!entry) {
      added.push(id);
      toChunk.push(parsed.get(id)!);
    } else if (entry.hash !== hash) {
      changed.push(id);
      toChunk.push(parsed.get(id)!);
    }
  }
  const fresh = new Map(toChunk.map((a) => [a.id, articleChunks(a, chunking, embedder)]));
  lap('chunk');

  // Embed first (the slow, fallible part); the indexes change only once every vector is ready.
  const vectors = new Map<Chunk, Float32Array>();
  if (embedder && dense) {
    const pending: Chunk[] = [];
    for (const { id } of present) {
      const chunks = fresh.get(id);
      if (chunks) pending.push(...chunks);
      else if (!files[id]!.embedded) pending.push(...files[id]!.labels.map((l) => index!.chunks.get(l)!));
    }
    if (pending.length > 0) {
      const embedded = await embedder.embedPassages(pending.map((c) => c.text), options.onProgress);
      pending.forEach((c, i) => vectors.set(c, embedded[i]!));
    }
  }

  lap('embed');

  for (const id of [...removed, ...changed]) {
    for (const label of files[id]!.labels) {
      index.chunks.delete(label);
      index.lexical.remove(label);
      dense?.remove(label);
    }
    delete files[id];
  }
  const lexicalAdds: Array<[number, Chunk]> = [];
  const denseAdds: Array<[number, Float32Array]> = [];
  for (const { id } of present) {
    const chunks = fresh.get(id);
    const article = parsed.get(id);
    if (chunks && article) {
      const labels: number[] = [];
      for (const chunk of chunks) {
        const label = index.manifest.nextLabel++;
        labels.push(label);
        index.chunks.set(label, chunk);
        lexicalAdds.push([label, chunk]);
        const v = vectors.get(chunk);
        if (v && dense) denseAdds.push([label, v]);
      }
      files[article.id] = {
        hash: article.hash,
        labels,
        embedded: Boolean(embedder && dense),
        info: articleInfo(article),
      };
    } else if (embedder && dense && !files[id]!.embedded) {
      for (const label of files[id]!.labels) denseAdds.push([label, vectors.get(index.chunks.get(label)!)!]);
      files[id]!.embedded = true;
    }
  }
  // A new graph of many vectors is built on a worker thread while this one builds the lexical index.
  let background: Promise<DenseIndex | null> | null = null;
  if (dense && denseIsNew && dense.count === 0 && denseAdds.length >= PARALLEL_DENSE_MIN) {
    const dimension = dense.dimension;
    const labels = Int32Array.from(denseAdds, ([label]) => label);
    const packed = new Float32Array(denseAdds.length * dimension);
    denseAdds.forEach(([, v], i) => packed.set(v, i * dimension));
    background = DenseIndex.buildInWorker(dimension, labels, packed, options.indexDir, hnsw, denseAdds.length + Math.ceil(denseAdds.length / 20) + 64).catch(
      (error: unknown) => {
        log.warn({ err: describeError(error) }, 'building the vector index on a worker thread failed; building it here');
        return null;
      },
    );
  }
  const lexicalStart = performance.now();
  for (const [label, chunk] of lexicalAdds) index.lexical.add(label, lexicalFields(chunk));
  phases.lexical = performance.now() - lexicalStart;
  const built = background ? await background : null;
  if (built) dense = built;
  else if (dense) for (const [label, v] of denseAdds) dense.add(label, v);
  // On a worker, the dense build overlaps the lexical one: its own share is the wait after it.
  phases.dense = performance.now() - lexicalStart - phases.lexical;
  clock = performance.now();
  index.manifest.model = dense ? model : null;
  index.dense = dense;

  // Updates in the journal are merged into a new generation here (start-up, /reindex): the
  // save blocks this thread for seconds at 100k chunks, which a start or a reindex may take.
  // A journal that takes no more appends (see appendJournal) gets a fresh one the same way.
  const dirty = rebuilt || added.length + changed.length + removed.length > 0 || vectors.size > 0 || index.journal.records > 0 || Boolean(index.journal.unusable);
  if (dirty) {
    saveIndex(options.indexDir, index);
  }
  lap('save');
  const changes: IndexChanges = {
    added,
    changed,
    removed,
    skipped,
    rebuilt,
    chunks: index.chunks.size,
    seconds: (Date.now() - started) / 1000,
  };
  if (dirty) log.info({ ...changes, skipped: skipped.length }, 'index updated');
  if (index.chunks.size === 0 && present.length === 0) {
    log.warn(`No readable articles in ${options.corpusDir}: every question will be answered with a refusal until articles are added.`);
  }
  return { index, changes, phases };
}


export interface UpdateFilesOptions {
  corpusDir: string;
  indexDir: string;
  /** The index in memory (updated in place) whose generation's journal is appended to. */
  index: CorpusIndex;
  /** The embedding model; vectors are added only when the index holds vectors of this model. */
  embedder: Embedder | null;
  log: Logger;
  /** The chunking the index was built with (default {@link DEFAULT_CHUNK_OPTIONS}). */
  chunking?: ChunkOptions;
  /** File names in `corpusDir`. */
  files: DocId[];
  /** The journal's file operations (default: the real ones; tests pass failing ones). */
  journalWriter?: JournalWriter;
}

export interface UpdateFilesResult {
  /**
   * The index to use from now on: the one passed in, updated in place, or (when applying an
   * update in memory failed after it was journaled) the index loaded again from disk.
   */
  index: CorpusIndex;
  changes: IndexChanges;
  /** What was appended to the journal and applied, one record per changed file. */
  records: JournalRecord[];
  /** Where the time went, in milliseconds. */
  phases: { read: number; embed: number; journal: number; apply: number };
}

/**
 * Brings the index in line with a few named corpus files, as they are in the folder now: a file
 * that is there is read with the checks of a full read (src/ingest/corpus.ts), parsed, chunked
 * and embedded, and replaces its earlier version; a missing or unusable one (or a byte-identical
 * copy of another indexed file) leaves the index; a file whose hash is indexed already is left
 * alone. The updates are appended to the journal and fsynced before the index in memory changes
 * (one synchronous step: a question sees the old or the new state), so when this resolves they
 * survive a crash. The whole corpus is neither read nor written. A failing embedding model adds
 * the articles without vectors, with a warning (answerable lexically; the next sync embeds them).
 * If applying in memory fails after the append, the index is loaded again from disk (the journal
 * holds the updates), with a warning, and returned as `index`: callers use that from then on.
 * The caller serialises calls with each other and with {@link syncIndex} on the same index.
 * @throws IndexError when the journal cannot be written (then nothing changed), or when applying
 * failed and loading the index again failed too.
 */
export async function updateIndexFiles(options: UpdateFilesOptions): Promise<UpdateFilesResult> {
  const started = Date.now();
  const { index, log } = options;
  const chunking = options.chunking ?? DEFAULT_CHUNK_OPTIONS;
  const files = index.manifest.files;
  const phases: UpdateFilesResult['phases'] = { read: 0, embed: 0, journal: 0, apply: 0 };
  let clock = performance.now();
  const lap = (phase: keyof UpdateFilesResult['phases']) => {
    const now = performance.now();
    phases[phase] += now - clock;
    clock = now;
  };
  const changes: IndexChanges = { added: [], changed: [], removed: [], skipped: [], rebuilt: false, chunks: 0, seconds: 0 };
  const records: JournalRecord[] = [];
  const puts: Array<{ article: Article; chunks: Chunk[] }> = [];
  for (const name of new Set(options.files)) {
    const read = await readCorpusFile(options.corpusDir, name, { unchanged: (n, hash) => files[n]?.hash === hash });
    if ('unchanged' in read) continue;
    if ('missing' in read) {
      if (files[name]) {
        records.push({ op: 'remove', id: name });
        changes.removed.push(name);
      }
      continue;
    }
    let reason = 'reason' in read ? read.reason : null;
    if ('article' in read) {
      const hash = read.article.hash;
      const copy = Object.keys(files).find((id) => id !== name && files[id]!.hash === hash);
      if (copy !== undefined) reason = `duplicate of ${copy} (same content)`;
    }
    if (reason !== null || !('article' in read)) {
      reason ??= 'unreadable';
      changes.skipped.push({ file: name, reason });
      log.warn({ file: name }, `Skipping corpus file ${name}: ${reason}`);
      if (files[name]) {
        records.push({ op: 'remove', id: name });
        changes.removed.push(name);
      }
      continue;
    }
    puts.push({ article: read.article, chunks: articleChunks(read.article, chunking, options.embedder) });
    (files[name] ? changes.changed : changes.added).push(name);
  }
  lap('read');

  // Embed first (the slow, fallible part): the index is untouched until every vector is ready.
  const model = index.manifest.model;
  const embedder = options.embedder;
  const embedding = embedder && index.dense && model && model.id === embedder.modelId && model.dimension === embedder.dimension ? embedder : null;
  const texts = puts.flatMap((p) => p.chunks.map((c) => c.text));
  let vectors: Float32Array[] | null = null;
  if (embedding && texts.length > 0) {
    try {
      vectors = await embedding.embedPassages(texts);
    } catch (error) {
      log.warn({ err: describeError(error), files: puts.map((p) => p.article.id) }, 'embedding updated articles failed: they are answerable by their words until the next reindex embeds them');
    }
  }
  let at = 0;
  for (const { article, chunks } of puts) {
    const own = vectors && chunks.length > 0 ? vectors.slice(at, (at += chunks.length)) : null;
    records.push({ op: 'put', id: article.id, hash: article.hash, info: articleInfo(article), chunks, vectors: own, model: own ? embedding!.modelId : null });
  }
  lap('embed');

  appendJournal(options.indexDir, index, records, options.journalWriter);
  lap('journal');
  let updated = index;
  try {
    for (const record of records) applyRecord(index, record);
  } catch (error) {
    updated = reloadAfterFailedApply(options, index, error);
  }
  lap('apply');
  changes.chunks = updated.chunks.size;
  changes.seconds = (Date.now() - started) / 1000;
  if (records.length > 0) log.info({ ...changes, skipped: changes.skipped.length, journal: updated.journal.records }, 'index updated (journal)');
  return { index: updated, changes, records, phases };
}

/**
 * Applying journaled updates in memory failed partway (src/store-journal.ts `applyRecord`): the
 * records before the failing one are in memory, it and the ones after it only on disk. The
 * journal holds them all, so the index is loaded again from disk, with a warning, and memory
 * matches disk. If that load fails too, the index in memory stays as it is (each file's old or
 * new version), its journal takes no more appends, and the update fails.
 */
function reloadAfterFailedApply(options: UpdateFilesOptions, index: CorpusIndex, error: unknown): CorpusIndex {
  const { indexDir, log } = options;
  log.warn({ err: describeError(error), indexDir }, `Applying an index update in memory failed after it was saved to the journal: loading the index again from ${indexDir}.`);
  try {
    return loadIndex(indexDir, { log });
  } catch (reload) {
    index.journal.unusable = `the index in memory missed an update and could not be loaded again (${describeError(reload)})`;
    throw new IndexError(
      `Applying an index update in memory failed (${describeError(error)}) and loading the index again from ${indexDir} failed too (${describeError(reload)}); restart the bot to load or rebuild it. The update is saved in the journal.`,
      { cause: error },
    );
  }
}
