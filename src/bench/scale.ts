/**
 * Scale: synthetic corpora of 10k and 100k chunks (src/bench/synthetic.ts), indexed by the
 * product's `syncIndex` with 384-dimensional synthetic vectors (embedding excluded from every
 * figure here), then:
 * - build time by phase, index size on disk;
 * - hnsw recall@10 against exact search (brute force over every vector) at the product's
 *   efSearch, for the model-like vectors (and, at 10k in a full run, two harder distributions);
 * - the re-index after one article changes (only its chunks are embedded and indexed; the whole
 *   generation is rewritten on disk, as every save does);
 * - in a fresh child process (src/bench/child.ts): the product's start path `openEngine` over
 *   the corpus folder and the index (load time, RSS after load), then `engine.ask` latency for
 *   dev and synthetic questions with precomputed query vectors: retrieval + answer composition;
 * - live intake (`intake`): new articles written into the corpus folder and added one at a time
 *   through the product's `engine.updateFiles` (read, parse, chunk, embed, journal append +
 *   fsync, lexical and hnsw insert), with the embedding cost of the bench's model (the timing
 *   twin) paid on every chunk, and memory (after a forced collection) before, after and every 20 adds.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { fileURLToPath } from 'node:url';
import { PROJECT_ROOT } from '../config.js';
import { chunkArticle, DEFAULT_CHUNK_OPTIONS } from '../ingest/chunk.js';
import { readCorpus } from '../ingest/corpus.js';
import type { Embedder } from '../embed.js';
import { openEngine } from '../engine.js';
import { syncIndex } from '../indexing.js';
import { DenseIndex, DEFAULT_HNSW, type HnswParams } from '../retrieve/dense.js';
import { loadIndex } from '../store.js';
import type { BenchContext } from './context.js';
import { exactSearch, packVectors, recallAtK } from './recall.js';
import { Contention, folderBytes, mb, percentile, round, timer } from './stats.js';
import { editArticle, sentencePool, syntheticCorpus, syntheticQuestions, SyntheticEmbedder, type VectorKind } from './synthetic.js';

export interface ScaleEntry {
  target_chunks: number;
  chunks: number;
  articles: number;
  vocabulary_terms: number;
  generate_s: number;
  /** Everything `syncIndex` did except embedding (chunking, lexical, hnsw, save). */
  build_s: number;
  /** Lexical + hnsw only (the dense graph is built on a worker thread while the lexical index is built). */
  index_build_s: number;
  build_phases_s: { chunk: number; lexical: number; dense_wait: number; save: number; embedding_excluded: number };
  build_chunks_per_s: number;
  index_mb: number;
  index_files_mb: Record<string, number>;
  load_index_s: number;
  /** Child process: openEngine over the corpus folder (reads and parses every article) and the index. */
  start_s: number;
  /** RSS once started and the garbage of starting collected (a forced GC): what a serving bot keeps. */
  rss_mb: number;
  /** RSS right after start, before that collection. */
  rss_at_start_mb: number;
  rss_after_queries_mb: number;
  peak_rss_mb: number;
  query_p50_ms: number;
  query_p95_ms: number;
  query_p99_ms: number;
  query_stages_p95_ms: { lexical: number; dense: number; fuse: number; answer: number };
  queries: number;
  warmup_queries: number;
  hnsw: HnswParams;
  hnsw_recall_at_10: number;
  recall_queries: number;
  recall_stress: Record<string, number> | null;
  dense_search_p95_ms: number;
  exact_search_ms_per_query: number;
  reindex_one_s: number;
  reindex_embedded_chunks: number;
  reindex_article_chunks: number;
  vectors: string;
  contention: number | null;
  intake: IntakeEntry | null;
}

/** Adding articles one at a time to the built index through `engine.updateFiles`. */
export interface IntakeEntry {
  articles: number;
  chunks_per_article: number;
  /** `updateFiles([name])` wall time, embedding included. */
  add_one_ms_p50: number;
  add_one_ms_p95: number;
  add_one_ms_max: number;
  /** Of which the embedding of the article's chunks. */
  embed_ms_p50: number;
  /** The first question after each add (pays for merging the new postings in). */
  first_query_after_add_ms_p50: number;
  first_query_after_add_ms_p95: number;
  journal_kb: number;
  /** The index folder gained only the journal: no generation was written. */
  generations_written: number;
  /** Memory before and after the adds, each read after a forced garbage collection. */
  rss_before_mb: number;
  rss_after_mb: number;
  heap_before_mb: number;
  heap_after_mb: number;
  /**
   * Growth per added article after a forced collection (what stays, not garbage), from the
   * reading after 20 adds when there are 40 or more (the first adds pay one-off costs: the
   * graph's capacity, the append buffer, caches filling), else from before the first.
   */
  heap_kb_per_article: number;
  rss_kb_per_article: number;
  /** Memory after a forced collection every 20 adds (0: before the first). */
  memory_by_adds: Array<{ adds: number } & Memory>;
  embedding: string;
}

/** Process memory in MB. */
export interface Memory {
  heap_mb: number;
  external_mb: number;
  array_buffers_mb: number;
  rss_mb: number;
}

/**
 * Synthetic vectors (the index's model) at the cost of a real model: every passage is also
 * embedded by `costly` (the timing twin), whose vectors are dropped.
 */
class CostedEmbedder implements Embedder {
  passageMs = 0;
  constructor(
    private readonly vectors: SyntheticEmbedder,
    private readonly costly: Embedder | null,
  ) {}
  get modelId(): string {
    return this.vectors.modelId;
  }
  get dimension(): number {
    return this.vectors.dimension;
  }
  countTokens(text: string): number {
    return this.vectors.countTokens(text);
  }
  embedQueries(texts: string[]): Promise<Float32Array[]> {
    return this.vectors.embedQueries(texts);
  }
  async embedPassages(texts: string[]): Promise<Float32Array[]> {
    const start = performance.now();
    if (this.costly) await this.costly.embedPassages(texts);
    const out = await this.vectors.embedPassages(texts);
    this.passageMs += performance.now() - start;
    return out;
  }
  /** The bench closes the model it loaded. */
  async close(): Promise<void> {}
}

/**
 * The garbage collector, to read memory without garbage: `global.gc` under `node --expose-gc`,
 * otherwise exposed at run time (the bench runs under plain `tsx`).
 */
function collector(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return exposed;
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

/** Memory after a forced collection. */
function memory(): Memory {
  collector()();
  const m = process.memoryUsage();
  return { heap_mb: mb(m.heapUsed), external_mb: mb(m.external), array_buffers_mb: mb(m.arrayBuffers), rss_mb: mb(m.rss) };
}

/**
 * Adds `n` new synthetic articles one at a time to the index in memory (and its folder) through
 * the product's engine: each is written into the corpus folder, then `updateFiles([name])` is
 * timed, then one question is asked.
 */
async function measureIntake(
  ctx: BenchContext,
  corpusDir: string,
  indexDir: string,
  index: Awaited<ReturnType<typeof syncIndex>>['index'],
  articles: Parameters<typeof syncIndex>[0]['articles'],
  pool: ReturnType<typeof sentencePool>,
  vectors: SyntheticEmbedder,
  hnsw: HnswParams,
  n: number,
): Promise<IntakeEntry> {
  const embedder = new CostedEmbedder(vectors, ctx.embedder);
  // The engine starts over the index already in memory (nothing to read again or save).
  const engine = await openEngine({ corpusDir, indexDir, embedder, log: ctx.log, indexing: { current: index, articles, hnsw } });
  const gens = () => fs.readdirSync(indexDir).filter((f) => f.startsWith('gen-')).length;
  const gensBefore = gens();
  const fresh = syntheticCorpus(pool, { chunks: n * 4, seed: 2026, countChunks: (a) => chunkArticle(a, DEFAULT_CHUNK_OPTIONS).length }).articles.slice(0, n);
  const questions = syntheticQuestions(fresh.map((a) => a.raw), n, 5);
  const adds: number[] = [];
  const embeds: number[] = [];
  const queries: number[] = [];
  const before = memory();
  const byAdds: IntakeEntry['memory_by_adds'] = [{ adds: 0, ...before }];
  try {
    for (const [i, article] of fresh.entries()) {
      const name = `intake_${String(i).padStart(4, '0')}.txt`;
      fs.writeFileSync(path.join(corpusDir, name), article.raw);
      const embedBefore = embedder.passageMs;
      const t = timer();
      const changes = await engine.updateFiles([name]);
      adds.push(t());
      embeds.push(embedder.passageMs - embedBefore);
      if (changes.added.length !== 1) throw new Error(`updateFiles did not add ${name}: ${JSON.stringify(changes.skipped)}`);
      const tq = timer();
      await engine.ask(questions[i]!);
      queries.push(tq());
      if ((i + 1) % 20 === 0) byAdds.push({ adds: i + 1, ...memory() });
    }
  } finally {
    await engine.close();
  }
  const after = memory();
  const from = byAdds.length > 2 ? byAdds[1]! : { adds: 0, ...before };
  const perArticle = (x: number, y: number) => round(((y - x) * 1024) / (fresh.length - from.adds), 1);
  const chunks = fresh.reduce((sum, _, i) => sum + (index.manifest.files[`intake_${String(i).padStart(4, '0')}.txt`]?.labels.length ?? 0), 0);
  const journal = path.join(indexDir, index.generation ?? '', 'journal.log');
  const q = (xs: number[], p: number) => round(percentile(xs, p), 1);
  return {
    articles: fresh.length,
    chunks_per_article: round(chunks / fresh.length, 2),
    add_one_ms_p50: q(adds, 50),
    add_one_ms_p95: q(adds, 95),
    add_one_ms_max: round(Math.max(...adds), 1),
    embed_ms_p50: q(embeds, 50),
    first_query_after_add_ms_p50: q(queries, 50),
    first_query_after_add_ms_p95: q(queries, 95),
    journal_kb: fs.existsSync(journal) ? round(fs.statSync(journal).size / 1024, 1) : 0,
    generations_written: gens() - gensBefore,
    rss_before_mb: before.rss_mb,
    rss_after_mb: after.rss_mb,
    heap_before_mb: before.heap_mb,
    heap_after_mb: after.heap_mb,
    heap_kb_per_article: perArticle(from.heap_mb, after.heap_mb),
    rss_kb_per_article: perArticle(from.rss_mb, after.rss_mb),
    memory_by_adds: byAdds,
    embedding: ctx.embedder
      ? `${ctx.model.label}: paid on every chunk; the index keeps ${vectors.modelId} vectors`
      : `no model loaded: ${vectors.modelId} vectors only, embedding cost excluded`,
  };
}

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));

/** Runs the bench child and returns its JSON line. */
export function runChild<T>(args: Record<string, unknown>): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', CHILD, JSON.stringify(args)], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{')) reject(new Error(`bench child failed (${code}): ${err.slice(-1000)}`));
      else resolve(JSON.parse(line) as T);
    });
  });
}

export interface ChildScaleResult {
  start_s: number;
  rss_mb: number;
  rss_after_gc_mb: number;
  rss_after_queries_mb: number;
  peak_rss_mb: number;
  chunks: number;
  totals_ms: number[];
  stages_ms: { lexical: number[]; dense: number[]; fuse: number[]; answer: number[] };
}

function writeCorpus(dir: string, articles: Array<{ id: string; raw: string }>): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const a of articles) fs.writeFileSync(path.join(dir, a.id), a.raw);
}

/** Recall@10 of a graph built from `rows` with `params`, at its efSearch, for `queries`. */
function measureRecall(index: DenseIndex, table: ReturnType<typeof packVectors>, queries: Float32Array[]) {
  const exactTimer = timer();
  const exact = queries.map((q) => exactSearch(table, q, 10));
  const exactMs = exactTimer() / (queries.length || 1);
  const latencies: number[] = [];
  let recall = 0;
  queries.forEach((q, i) => {
    const t = timer();
    const hits = index.search(q, 10);
    latencies.push(t());
    recall += recallAtK(exact[i]!, hits, 10);
  });
  return { recall: round(recall / (queries.length || 1), 4), p95: round(percentile(latencies, 95), 3), exactMs: round(exactMs, 1) };
}

/** `intakeAdds`: articles added one at a time in the intake measurement (default 20, 5 quick). */
export async function benchScale(ctx: BenchContext, label: string, target: number, options: { stress: boolean; hnsw?: HnswParams; intakeAdds?: number }): Promise<ScaleEntry> {
  const contention = new Contention();
  const hnsw = options.hnsw ?? DEFAULT_HNSW;
  const dir = path.join(ctx.tmp, `scale-${label}`);
  const corpusDir = path.join(dir, 'corpus');
  const indexDir = path.join(dir, 'index');

  ctx.say(`scale ${label}: generating ${target} chunks`);
  const tg = timer();
  const { articles: real } = await readCorpus(ctx.sourceCorpus, ctx.log);
  const corpus = syntheticCorpus(sentencePool(real), { chunks: target, countChunks: (a) => chunkArticle(a, DEFAULT_CHUNK_OPTIONS).length });
  writeCorpus(corpusDir, corpus.articles);
  const generateS = tg() / 1000;

  ctx.say(`scale ${label}: building (${corpus.chunks} chunks, ${corpus.articles.length} articles)`);
  const embedder = new SyntheticEmbedder('model-like');
  const tb = timer();
  // Built from the Article objects (parsing is an ingest cost, measured on the real corpus).
  const { index, phases } = await syncIndex({ corpusDir, indexDir, embedder, log: ctx.log, articles: corpus.articles, hnsw });
  const buildMs = tb() - phases.embed;
  const indexBuildMs = phases.lexical + phases.dense;
  const gen = fs.readFileSync(path.join(indexDir, 'CURRENT'), 'utf8').trim().split(/\s+/)[0]!;
  const files: Record<string, number> = {};
  for (const f of fs.readdirSync(path.join(indexDir, gen))) files[f] = mb(fs.statSync(path.join(indexDir, gen, f)).size);
  const indexBytes = folderBytes(path.join(indexDir, gen));
  const vocabularyTerms = index.lexical.vocabularySize;

  const tl = timer();
  loadIndex(indexDir);
  const loadIndexS = tl() / 1000;

  // Recall against exact search.
  ctx.say(`scale ${label}: hnsw recall@10 against exact search`);
  const nRecall = ctx.quick ? 30 : target >= 50_000 ? 100 : 200;
  const questions = [...ctx.questions, ...syntheticQuestions(corpus.sample, Math.max(0, nRecall - ctx.questions.length))].slice(0, nRecall);
  const rows: Array<[number, Float32Array]> = [];
  for (const [l, chunk] of index.chunks) rows.push([l, embedder.vector(chunk.text)]);
  const table = packVectors(rows, embedder.dimension);
  const main = measureRecall(index.dense!, table, questions.map((q) => embedder.vector(q)));
  let stress: Record<string, number> | null = null;
  if (options.stress) {
    stress = {};
    for (const [name, kind, latent] of [['latent64', 'model-like', 64], ['isotropic', 'isotropic', 0]] as Array<[string, VectorKind, number]>) {
      ctx.say(`scale ${label}: recall stress row (${name} vectors)`);
      const other = new SyntheticEmbedder(kind, latent || undefined);
      const otherRows: Array<[number, Float32Array]> = rows.map(([l]) => [l, other.vector(index.chunks.get(l)!.text)]);
      const graph = DenseIndex.create(other.dimension, otherRows.length, hnsw);
      for (const [l, v] of otherRows) graph.add(l, v);
      stress[name] = measureRecall(graph, packVectors(otherRows, other.dimension), questions.map((q) => other.vector(q))).recall;
    }
  }

  // Re-index after one article changes.
  ctx.say(`scale ${label}: re-index after one article changes`);
  const victim = corpus.articles[Math.floor(corpus.articles.length / 2)]!;
  const edited = editArticle(victim, 'وأضاف المتحدث أن المحادثات ستستمر خلال الأسبوع المقبل في العاصمة.');
  const passagesBefore = embedder.passages;
  const tr = timer();
  const articles = corpus.articles.map((a) => (a === victim ? edited : a));
  const re = await syncIndex({ corpusDir, indexDir, embedder, log: ctx.log, articles, current: index, hnsw });
  const reindexS = (tr() - re.phases.embed) / 1000;
  const reEmbedded = embedder.passages - passagesBefore;
  const articleChunks = re.index.manifest.files[victim.id]?.labels.length ?? 0;
  fs.writeFileSync(path.join(corpusDir, edited.id), edited.raw);

  // Load and query in a fresh process.
  ctx.say(`scale ${label}: start + queries in a fresh process (the product re-reads every article on start)`);
  const nQueries = ctx.quick ? 40 : 300;
  const queryTexts = [...ctx.questions, ...syntheticQuestions(corpus.sample, nQueries, 11)].slice(0, nQueries);
  const child = await runChild<ChildScaleResult>({ mode: 'scale', corpusDir, indexDir, questions: queryTexts, warmup: ctx.quick ? 5 : 30 });
  if (child.chunks !== re.index.chunks.size) throw new Error(`the started engine has ${child.chunks} chunks, the index ${re.index.chunks.size}: it re-indexed on start`);
  const q = (xs: number[], p: number) => round(percentile(xs, p), 3);

  // Live intake: articles added one at a time (after the child, which must see the index as built).
  const nIntake = options.intakeAdds ?? (ctx.quick ? 5 : 20);
  ctx.say(`scale ${label}: adding ${nIntake} articles one at a time through updateFiles`);
  const intake = await measureIntake(ctx, corpusDir, indexDir, re.index, articles, sentencePool(real), embedder, hnsw, nIntake);
  fs.rmSync(corpusDir, { recursive: true, force: true });
  return {
    target_chunks: target,
    chunks: corpus.chunks,
    articles: corpus.articles.length,
    vocabulary_terms: vocabularyTerms,
    generate_s: round(generateS, 2),
    build_s: round(buildMs / 1000, 2),
    index_build_s: round(indexBuildMs / 1000, 2),
    build_phases_s: {
      chunk: round(phases.chunk / 1000, 2),
      lexical: round(phases.lexical / 1000, 2),
      dense_wait: round(phases.dense / 1000, 2),
      save: round(phases.save / 1000, 2),
      embedding_excluded: round(phases.embed / 1000, 2),
    },
    build_chunks_per_s: round(corpus.chunks / (buildMs / 1000), 0),
    index_mb: mb(indexBytes),
    index_files_mb: files,
    load_index_s: round(loadIndexS, 2),
    start_s: child.start_s,
    rss_mb: child.rss_after_gc_mb,
    rss_at_start_mb: child.rss_mb,
    rss_after_queries_mb: child.rss_after_queries_mb,
    peak_rss_mb: child.peak_rss_mb,
    query_p50_ms: q(child.totals_ms, 50),
    query_p95_ms: q(child.totals_ms, 95),
    query_p99_ms: q(child.totals_ms, 99),
    query_stages_p95_ms: {
      lexical: q(child.stages_ms.lexical, 95),
      dense: q(child.stages_ms.dense, 95),
      fuse: q(child.stages_ms.fuse, 95),
      answer: q(child.stages_ms.answer, 95),
    },
    queries: child.totals_ms.length,
    warmup_queries: ctx.quick ? 5 : 30,
    hnsw,
    hnsw_recall_at_10: main.recall,
    recall_queries: questions.length,
    recall_stress: stress,
    dense_search_p95_ms: main.p95,
    exact_search_ms_per_query: main.exactMs,
    reindex_one_s: round(reindexS, 2),
    reindex_embedded_chunks: reEmbedded,
    reindex_article_chunks: articleChunks,
    vectors: `${embedder.modelId}: synthetic text-derived unit vectors (src/bench/synthetic.ts), embedding excluded`,
    contention: contention.stop(),
    intake,
  };
}
