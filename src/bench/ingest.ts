/**
 * Ingest costs on the real corpus: parse+chunk chunks/s, embedding throughput (the product's
 * `embedPassages` against a naive transformers.js pipeline called passage by passage, on the same
 * passages, interleaved), a full index build, and the re-index after one article changes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chunkArticle, DEFAULT_CHUNK_OPTIONS } from '../ingest/chunk.js';
import { readCorpus } from '../ingest/corpus.js';
import { openEngine } from '../engine.js';
import { syncIndex } from '../indexing.js';
import type { BenchContext } from './context.js';
import { naivePipeline } from './naive.js';
import { Contention, percentile, round, timer } from './stats.js';
import { TimedEmbedder } from './timed-embedder.js';

export interface IngestResult {
  articles: number;
  chunks: number;
  parse_chunk_chunks_per_s: number;
  parse_ms_per_article: number;
  embedding: null | {
    model: string;
    passages: number;
    mean_tokens_per_passage: number;
    chunks_per_s: number;
    tokens_per_s: number;
    naive_chunks_per_s: number | null;
    naive_tokens_per_s: number | null;
    speedup_vs_naive: number | null;
    passes: number;
    note: string;
  };
  build: {
    total_s: number;
    embedding_s: number;
    excluding_embedding_s: number;
    chunks_per_s_excluding_embedding: number;
  };
  reindex_one: {
    file: string;
    ms: number;
    embedded_chunks: number;
    article_chunks: number;
    total_chunks: number;
    touches_only_that_article: boolean;
  };
  contention: number | null;
}

/** A copy of the corpus in a fresh folder. */
export function copyCorpus(from: string, to: string): string {
  fs.mkdirSync(to, { recursive: true });
  for (const name of fs.readdirSync(from)) {
    if (name.endsWith('.txt')) fs.copyFileSync(path.join(from, name), path.join(to, name));
  }
  return to;
}

export async function benchIngest(ctx: BenchContext): Promise<IngestResult> {
  const contention = new Contention();
  const embedder = ctx.embedder;
  const countTokens = embedder ? (t: string) => embedder.countTokens(t) : undefined;

  // Parse + chunk, repeated until a second has passed (the corpus is small).
  ctx.say('ingest: parse + chunk');
  let reps = 0;
  let chunks = 0;
  let parseMs = 0;
  let articlesRead = 0;
  const total = timer();
  while (reps < 3 || total() < (ctx.quick ? 300 : 1500)) {
    const tp = timer();
    const { articles } = await readCorpus(ctx.sourceCorpus, ctx.log);
    parseMs += tp();
    articlesRead += articles.length;
    for (const a of articles) chunks += chunkArticle(a, { ...DEFAULT_CHUNK_OPTIONS, countTokens }).length;
    reps++;
  }
  const parseChunkMs = total();
  const { articles } = await readCorpus(ctx.sourceCorpus, ctx.log);
  const corpusChunks = articles.flatMap((a) => chunkArticle(a, { ...DEFAULT_CHUNK_OPTIONS, countTokens }));

  // Embedding throughput: the product's batched path vs naive per-passage pipeline calls.
  let embedding: IngestResult['embedding'] = null;
  if (embedder && ctx.model.dir && corpusChunks.length > 0) {
    ctx.say('ingest: embedding throughput (product vs naive pipeline)');
    const passes = ctx.quick ? 1 : 4;
    const texts = corpusChunks.map((c) => c.text);
    const tokens = texts.reduce((a, t) => a + embedder.countTokens(t), 0);
    const naive = ctx.model.kind === 'none' ? null : await naivePipeline(ctx.model.dir);
    const product: number[] = [];
    const baseline: number[] = [];
    await embedder.embedPassages(texts.slice(0, 4)); // warm-up, excluded
    await naive?.embed(texts.slice(0, 2));
    for (let p = 0; p < passes; p++) {
      let t = timer();
      await embedder.embedPassages(texts);
      product.push(t() / 1000);
      if (naive) {
        t = timer();
        for (const text of texts) await naive.embed([text]);
        baseline.push(t() / 1000);
      }
    }
    await naive?.close();
    const med = (xs: number[]) => percentile(xs, 50);
    const perS = (s: number) => texts.length / s;
    embedding = {
      model: ctx.model.label,
      passages: texts.length,
      mean_tokens_per_passage: round(tokens / texts.length, 1),
      chunks_per_s: round(perS(med(product)), 1),
      tokens_per_s: round(tokens / med(product), 0),
      naive_chunks_per_s: naive ? round(perS(med(baseline)), 1) : null,
      naive_tokens_per_s: naive ? round(tokens / med(baseline), 0) : null,
      speedup_vs_naive: naive ? round(med(baseline) / med(product), 2) : null,
      passes,
      note: 'median of passes over the corpus chunks, product and naive interleaved; tokens = the model tokenizer\'s count of the passage text (prefix and special tokens not counted); one warm-up batch excluded',
    };
  }

  // A full build of the real corpus, and a re-index after one article changes.
  ctx.say('ingest: full build and one-article re-index');
  const dir = path.join(ctx.tmp, 'reindex');
  const corpusDir = copyCorpus(ctx.sourceCorpus, path.join(dir, 'corpus'));
  const indexDir = path.join(dir, 'index');
  const timed = embedder ? new TimedEmbedder(embedder) : null;
  const tb = timer();
  const built = await syncIndex({ corpusDir, indexDir, embedder: timed, log: ctx.log, force: true });
  const buildMs = tb();
  const embeddingMs = timed?.passageMs ?? 0;

  const engine = await openEngine({ corpusDir, indexDir, embedder: timed, log: ctx.log });
  const files = fs.readdirSync(corpusDir).filter((f) => f.endsWith('.txt')).sort();
  const file = files[Math.min(1, files.length - 1)]!;
  const full = path.join(corpusDir, file);
  const lines = fs.readFileSync(full, 'utf8').split('\n');
  let longest = 0;
  lines.forEach((l, i) => {
    if (l.length > lines[longest]!.length) longest = i;
  });
  lines[longest] = `${lines[longest]} وأضاف المتحدث أن المحادثات ستستمر خلال الأسبوع المقبل.`;
  fs.writeFileSync(full, lines.join('\n'));
  timed?.reset();
  const tr = timer();
  const changes = await engine.reindex();
  const reindexMs = tr();
  const articleChunks = countArticleChunks(engine, file);
  await engine.close();
  const embedded = timed?.passages ?? 0;
  return {
    articles: articlesRead / reps,
    chunks: corpusChunks.length,
    parse_chunk_chunks_per_s: round((chunks / parseChunkMs) * 1000, 0),
    parse_ms_per_article: round(parseMs / articlesRead, 3),
    embedding,
    build: {
      total_s: round(buildMs / 1000, 3),
      embedding_s: round(embeddingMs / 1000, 3),
      excluding_embedding_s: round((buildMs - embeddingMs) / 1000, 3),
      chunks_per_s_excluding_embedding: round(built.changes.chunks / ((buildMs - embeddingMs) / 1000), 0),
    },
    reindex_one: {
      file,
      ms: round(reindexMs, 1),
      embedded_chunks: embedded,
      article_chunks: articleChunks,
      total_chunks: changes.chunks,
      touches_only_that_article:
        changes.changed.length === 1 && changes.changed[0] === file && changes.added.length === 0 && changes.removed.length === 0 && !changes.rebuilt &&
        (timed === null || embedded === articleChunks),
    },
    contention: contention.stop(),
  };
}

/** Chunks of one article in the engine's index (through the public seam: chunk ids are `${file}#s.o`). */
function countArticleChunks(engine: { chunk(id: string): unknown }, file: string): number {
  let n = 0;
  for (let section = 0; section < 20; section++) {
    let ordinal = 0;
    while (engine.chunk(`${file}#${section}.${ordinal}`)) ordinal++;
    n += ordinal;
  }
  return n;
}
