/**
 * Bench child process (`node --import tsx src/bench/child.ts '<json>'`): measurements that need a
 * fresh process, so that memory and warm caches of the bench itself do not leak into them.
 * Prints one JSON line on stdout.
 *
 * mode "scale": the product's start path over a corpus folder and an existing index (openEngine
 * reads the corpus, compares it with the index and loads the index), RSS after that, then
 * `engine.ask` for each question with its query vector computed beforehand (synthetic vectors:
 * embedding excluded), after `warmup` questions that are not measured.
 */
import { openEngine } from '../engine.js';
import { silentLogger } from '../log.js';
import { rss } from './stats.js';
import { PrecomputedQueries, SyntheticEmbedder } from './synthetic.js';

interface ScaleArgs {
  mode: 'scale';
  corpusDir: string;
  indexDir: string;
  questions: string[];
  warmup: number;
}

async function scale(args: ScaleArgs) {
  const started = performance.now();
  const embedder = new PrecomputedQueries(new SyntheticEmbedder('model-like'));
  const engine = await openEngine({ corpusDir: args.corpusDir, indexDir: args.indexDir, embedder, log: silentLogger() });
  const startS = (performance.now() - started) / 1000;
  const afterLoad = rss();
  // What stays resident once the garbage of starting (the re-read corpus) is collected.
  (globalThis as { gc?: () => void }).gc?.();
  const afterGc = rss();
  embedder.prepare(args.questions);
  for (let i = 0; i < args.warmup; i++) await engine.ask(args.questions[i % args.questions.length]!);
  const totals: number[] = [];
  const stages = { lexical: [] as number[], dense: [] as number[], fuse: [] as number[], answer: [] as number[] };
  for (const q of args.questions) {
    const a = await engine.ask(q);
    const t = a.timings;
    // Query vectors are precomputed: what embedMs holds beyond BM25 is only the await.
    totals.push(t.totalMs - Math.max(0, t.embedMs - t.lexicalMs));
    stages.lexical.push(t.lexicalMs);
    stages.dense.push(t.denseMs);
    stages.fuse.push(t.fuseMs);
    stages.answer.push(t.answerMs);
  }
  const after = rss();
  return {
    start_s: Math.round(startS * 1000) / 1000,
    rss_mb: afterLoad.rss_mb,
    rss_after_gc_mb: afterGc.rss_mb,
    rss_after_queries_mb: after.rss_mb,
    peak_rss_mb: after.peak_rss_mb,
    chunks: engine.info().chunks,
    totals_ms: totals,
    stages_ms: stages,
  };
}

const args = JSON.parse(process.argv[2] ?? '{}') as ScaleArgs;
const run = args.mode === 'scale' ? scale(args) : Promise.reject(new Error(`unknown bench child mode ${String(args.mode)}`));
run.then(
  (result) => {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.exit(0);
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
