/**
 * Query latency on the real corpus with the model: every dev question, several rounds, split into
 * the engine's stages. Each round opens a fresh engine on the same index, so no question is
 * answered from the engine's query-vector cache (every measured ask embeds its question). The
 * first round is a warm-up and is excluded from the percentiles.
 *
 * Steady state, as in a bot that has been answering for a while: each fresh engine is first
 * asked every question once in another spelling (a trailing « .», which changes the text the
 * model embeds but not the words matched), not measured; its lazy lookups (fuzzy-spelling
 * trigrams, per-chunk answer analysis) are then built, while every measured question is still
 * embedded (the vector cache is keyed by the exact text).
 *
 * Stage times come from `Answer.timings`. The engine starts the query embedding, runs BM25, then
 * awaits the vector; ONNX Runtime runs the model on the same thread, so the two happen one after
 * the other and `embedMs` (start → vector ready) includes the BM25 time: embed = embedMs − lexicalMs.
 */
import path from 'node:path';
import { openEngine, type OpenEngineOptions } from '../engine.js';
import type { Answer } from '../types.js';
import type { BenchContext } from './context.js';
import { copyCorpus } from './ingest.js';
import { Contention, distribution, round, timer, type Distribution } from './stats.js';

export interface QueryResult {
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  n: number;
  rounds: number;
  warmup_rounds: number;
  mode: string;
  model: string;
  stages: Record<'embed' | 'lexical' | 'dense' | 'fuse' | 'answer' | 'total' | 'wall', Distribution>;
  /** Retrieval and answer composition without the embedding (total − embed). */
  excluding_embedding: Distribution;
  /** engine.retrieve() alone (fused, diversified hits; no answer), embedding included. */
  retrieval_only: Distribution;
  answered: number;
  contention: number | null;
}

export async function benchQueries(ctx: BenchContext, indexing?: OpenEngineOptions['indexing']): Promise<QueryResult> {
  const contention = new Contention();
  const dir = path.join(ctx.tmp, 'query');
  const corpusDir = copyCorpus(ctx.sourceCorpus, path.join(dir, 'corpus'));
  const indexDir = path.join(dir, 'index');
  const rounds = ctx.quick ? 2 : 10;
  const open = async () => {
    const engine = await openEngine({ corpusDir, indexDir, embedder: ctx.embedder, log: ctx.log, indexing });
    for (const q of ctx.questions) await engine.ask(`${q} .`);
    return engine;
  };
  await open(); // builds the index (not measured here); engines are dropped, not closed (that would close the shared model)

  const samples: Array<{ wall: number; answer: Answer }> = [];
  const retrieval: number[] = [];
  let mode = 'lexical';
  for (let r = 0; r <= rounds; r++) {
    ctx.say(`query: round ${r}/${rounds}${r === 0 ? ' (warm-up, excluded)' : ''}`);
    const engine = await open();
    for (const q of ctx.questions) {
      const t = timer();
      const answer = await engine.ask(q);
      const wall = t();
      if (r > 0) samples.push({ wall, answer });
      mode = answer.mode;
    }
    // Retrieval alone, on a fresh engine too (no cached vectors).
    const fresh = await open();
    for (const q of ctx.questions) {
      const t = timer();
      await fresh.retrieve(q);
      if (r > 0) retrieval.push(t());
    }
  }
  const embed = samples.map((s) => Math.max(0, s.answer.timings.embedMs - s.answer.timings.lexicalMs));
  const totals = samples.map((s) => s.answer.timings.totalMs);
  const total = distribution(totals);
  return {
    p50_ms: total.p50_ms,
    p95_ms: total.p95_ms,
    p99_ms: total.p99_ms,
    n: samples.length,
    rounds,
    warmup_rounds: 1,
    mode,
    model: ctx.embedder ? ctx.model.label : 'none (lexical only)',
    stages: {
      embed: distribution(embed),
      lexical: distribution(samples.map((s) => s.answer.timings.lexicalMs)),
      dense: distribution(samples.map((s) => s.answer.timings.denseMs)),
      fuse: distribution(samples.map((s) => s.answer.timings.fuseMs)),
      answer: distribution(samples.map((s) => s.answer.timings.answerMs)),
      total,
      wall: distribution(samples.map((s) => s.wall)),
    },
    excluding_embedding: distribution(totals.map((t, i) => t - embed[i]!)),
    retrieval_only: distribution(retrieval),
    answered: round(samples.filter((s) => s.answer.answered).length / (samples.length || 1), 3),
    contention: contention.stop(),
  };
}
