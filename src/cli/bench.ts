/**
 * `npm run bench` — what answering costs, and how it grows with the corpus.
 *
 *   npm run bench                      full run (a few minutes): writes bench/results.json
 *   npm run bench -- --quick           under a minute, smaller scale corpora: bench/results-quick.json
 *   --out FILE                         where the JSON goes
 *   --model DIR|none                   the embedding model (default: MODEL_DIR, else the timing twin
 *                                      in ../shared, else the repository's test-encoder fixture)
 *   --shared DIR                       where to look for the timing twin (default ../shared)
 *   --only cold,query,ingest,bot,scale,generate  sections to run (default all)
 *   --corpus DIR                       the articles (default corpus/)
 *   --intake-adds N                    articles added one at a time in each scale's intake
 *                                      measurement (default 20, quick 5; memory read every 20)
 *
 * Sections: ingest (parse+chunk, embedding throughput vs a naive pipeline, build, one-article
 * re-index) · query latency by stage on the real corpus with the model · cold start of the
 * product in a fresh process (start → ready → first answer, peak RSS) · bot throughput through
 * handleUpdate, 50 chats at once · scale: synthetic 10k and 100k chunks (build, size, load, RSS,
 * latency, recall@10 against exact search) · generate: the claim check's cost per generated answer and
 * first token → first draft, against the fake model server (a fixture; no model speed measured). Every embedding figure names the model it was
 * measured with; figures that exclude embedding say so.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../config.js';
import { loadEmbedder, EMBEDDING_SETTINGS } from '../embed.js';
import { openEngine, DEFAULT_RETRIEVAL } from '../engine.js';
import { describeError } from '../errors.js';
import { parseQuestionSet } from '../evaluation.js';
import { DEFAULT_CHUNK_OPTIONS } from '../ingest/chunk.js';
import { PARALLEL_DENSE_MIN } from '../indexing.js';
import { silentLogger } from '../log.js';
import { DEFAULT_HNSW } from '../retrieve/dense.js';
import { benchBot, type BotResult } from '../bench/bot.js';
import { benchColdStart, type ColdResult } from '../bench/cold.js';
import type { BenchContext } from '../bench/context.js';
import { benchGenerate, type GenerateResult } from '../bench/generate.js';
import { benchIngest, copyCorpus } from '../bench/ingest.js';
import { resolveBenchModel } from '../bench/model.js';
import { benchQueries } from '../bench/query.js';
import { scaleTable, stageTable, verdicts, verdictTable, type Results } from '../bench/report.js';
import { benchScale, type ScaleEntry } from '../bench/scale.js';
import { Contention, machine, round, timer } from '../bench/stats.js';
import { runCli } from './setup.js';

const SECTIONS = ['ingest', 'query', 'cold', 'bot', 'scale', 'generate'] as const;
type Section = (typeof SECTIONS)[number];

interface Args {
  quick: boolean;
  out: string | null;
  model: string | null;
  shared: string;
  only: Set<Section>;
  corpus: string;
  intakeAdds: number | undefined;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    quick: false,
    out: null,
    model: null,
    shared: path.resolve(PROJECT_ROOT, '..', 'shared'),
    only: new Set(SECTIONS),
    corpus: path.join(PROJECT_ROOT, 'corpus'),
    intakeAdds: undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--quick') args.quick = true;
    else if (a === '--out') args.out = path.resolve(value());
    else if (a === '--model') args.model = value();
    else if (a === '--shared') args.shared = path.resolve(value());
    else if (a === '--corpus') args.corpus = path.resolve(value());
    else if (a === '--intake-adds') {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 1) throw new Error(`--intake-adds needs a whole number of articles, 1 or more`);
      args.intakeAdds = n;
    }    else if (a === '--only') {
      const list = value().split(',').map((s) => s.trim()) as Section[];
      for (const s of list) if (!SECTIONS.includes(s)) throw new Error(`--only: unknown section ${s} (${SECTIONS.join(', ')})`);
      args.only = new Set(list);
    } else throw new Error(`unknown option ${a} (see the header of src/cli/bench.ts)`);
  }
  return args;
}

function devQuestions(): { file: string; questions: string[] } {
  const shared = path.resolve(PROJECT_ROOT, '..', 'shared', 'qa', 'dev.jsonl');
  const file = fs.existsSync(shared) ? shared : path.join(PROJECT_ROOT, 'tests', 'fixtures', 'dev.jsonl');
  return { file, questions: parseQuestionSet(fs.readFileSync(file, 'utf8'), file).map((q) => q.q) };
}

/** Runs a section; a failure is recorded and the bench goes on. */
async function section<T>(name: string, errors: Record<string, string>, say: (s: string) => void, run: () => Promise<T>): Promise<T | null> {
  try {
    return await run();
  } catch (error) {
    errors[name] = describeError(error);
    say(`${name}: FAILED: ${errors[name]}`);
    if (error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    return null;
  }
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const out = args.out ?? path.join(PROJECT_ROOT, 'bench', args.quick ? 'results-quick.json' : 'results.json');
  const say = (line: string) => process.stderr.write(`bench: ${line}\n`);
  const started = timer();
  const overall = new Contention();
  const log = silentLogger();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'news-bench-'));
  const model = resolveBenchModel({ model: args.model, sharedDir: args.shared });
  say(`${args.quick ? 'QUICK' : 'FULL'} run on ${os.cpus().length} CPUs, Node ${process.version}`);
  say(`model: ${model.label}`);
  say(`  (${model.reason})`);

  let embedder = null;
  let modelError: string | null = null;
  if (model.dir) {
    const loaded = await loadEmbedder({ embeddingModel: path.basename(model.dir), modelDir: model.dir, modelCacheDir: path.join(tmp, 'cache') }, log);
    embedder = loaded.embedder;
    modelError = loaded.error;
    if (!embedder) say(`model did not load (${modelError}): measuring without it`);
  }
  const { file: questionsFile, questions } = devQuestions();
  const ctx: BenchContext = { quick: args.quick, model, embedder, sourceCorpus: args.corpus, tmp, questions, questionsFile, log, say };
  const errors: Record<string, string> = {};
  const results: Results = { quick: args.quick, cold: null, query: null, ingest: null, scale: {}, bot: null, botHybrid: null };
  let generate: GenerateResult | null = null;

  try {
    if (args.only.has('ingest')) results.ingest = await section('ingest', errors, say, () => benchIngest(ctx));
    if (args.only.has('query') || args.only.has('cold')) results.query = await section('query', errors, say, () => benchQueries(ctx));
    if (args.only.has('cold')) {
      results.cold = await section<ColdResult>('cold', errors, say, () => benchColdStart(ctx, path.join(tmp, 'query', 'corpus'), path.join(tmp, 'query', 'index')));
    }
    if (args.only.has('bot')) {
      const perChat = args.quick ? 2 : 6;
      results.bot = await section<BotResult>('bot', errors, say, async () => {
        say('bot: 50 chats at once, lexical engine (embedding excluded)');
        const dir = path.join(tmp, 'bot-lexical');
        const engine = await openEngine({ corpusDir: copyCorpus(args.corpus, path.join(dir, 'corpus')), indexDir: path.join(dir, 'index'), embedder: null, log });
        return benchBot(engine, log, { chats: 50, perChat, questions });
      });
      if (embedder) {
        results.botHybrid = await section<BotResult>('bot_hybrid', errors, say, async () => {
          say('bot: 50 chats at once, with the model (every question embedded)');
          const dir = path.join(tmp, 'bot-hybrid');
          const engine = await openEngine({ corpusDir: copyCorpus(args.corpus, path.join(dir, 'corpus')), indexDir: path.join(dir, 'index'), embedder, log });
          return benchBot(engine, log, { chats: 50, perChat, questions });
        });
      }
    }
    if (args.only.has('generate')) generate = await section('generate', errors, say, () => benchGenerate(ctx));
    if (args.only.has('scale')) {
      const sizes: Array<[string, number]> = args.quick ? [['10k', 1_000], ['100k', 3_000]] : [['10k', 10_000], ['100k', 100_000]];
      for (const [label, n] of sizes) {
        const entry = await section<ScaleEntry>(`scale_${label}`, errors, say, () => benchScale(ctx, label, n, { stress: !args.quick && n <= 10_000, intakeAdds: args.intakeAdds }));
        if (entry) results.scale[label] = entry;
      }
    }
  } finally {
    await embedder?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }

  const vs = verdicts(results);
  const q = results.query;
  const json = {
    schema: 1,
    date: new Date().toISOString(),
    mode: args.quick ? 'quick' : 'full',
    duration_s: round(started() / 1000, 1),
    machine: machine(),
    node: process.version,
    model: { kind: model.kind, dir: model.dir, label: model.label, reason: model.reason, id: embedder?.modelId ?? null, dimension: embedder?.dimension ?? null, error: modelError },
    settings: {
      chunking: { maxTokens: DEFAULT_CHUNK_OPTIONS.maxTokens, overlapSentences: DEFAULT_CHUNK_OPTIONS.overlapSentences },
      retrieval: { candidates: DEFAULT_RETRIEVAL.candidates, keep: DEFAULT_RETRIEVAL.keep, perDoc: DEFAULT_RETRIEVAL.perDoc },
      hnsw: DEFAULT_HNSW,
      embedding: EMBEDDING_SETTINGS,
      parallel_dense_min: PARALLEL_DENSE_MIN,
      questions: { file: questionsFile, count: questions.length },
      corpus: args.corpus,
    },
    /** Share of the machine's CPU other processes used during the whole run (0.5 = one core of two). */
    contention: overall.stop(),
    cold_start_ms: results.cold?.cold_start_ms ?? NaN,
    first_answer_ms: results.cold?.first_answer_ms ?? NaN,
    start_to_first_answer_ms: results.cold?.start_to_first_answer_ms ?? NaN,
    peak_rss_mb: results.cold?.peak_rss_mb ?? NaN,
    cold: results.cold,
    query: q ?? { p50_ms: NaN, p95_ms: NaN, p99_ms: NaN },
    ingest: results.ingest,
    scale: results.scale,
    bot: results.bot ?? { answers_per_s: NaN },
    bot_hybrid: results.botHybrid,
    generate,
    targets: vs,
    errors,
  };
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const tmpOut = `${out}.tmp${process.pid}`;
  fs.writeFileSync(tmpOut, `${JSON.stringify(json, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`);
  fs.renameSync(tmpOut, out);

  const lines: string[] = [];
  lines.push(`## Bench (${args.quick ? 'quick' : 'full'}) — ${json.date}`);
  lines.push('');
  lines.push(`Machine: ${json.machine.cpus} × ${json.machine.cpu_model}, ${json.machine.memory_gb} GB, ${json.machine.os}, Node ${process.version}.`);
  lines.push(`Embedding model: ${model.label}.`);
  lines.push(`Other processes used ${json.contention === null ? '?' : Math.round(json.contention * 100)}% of the machine's CPU during the run.`);
  lines.push('');
  lines.push(verdictTable(vs));
  if (q) {
    lines.push('');
    lines.push(`Query latency on the current corpus (${q.n} asks = ${q.rounds} rounds of the dev questions after ${q.warmup_rounds} warm-up round, mode ${q.mode}):`);
    lines.push('');
    lines.push(stageTable(q));
  }
  if (results.cold) {
    lines.push('');
    lines.push(`Cold start (${results.cold.runs.length} runs after ${results.cold.warmup_runs} warm-up, median): ready ${results.cold.cold_start_ms} ms (model load ${results.cold.model_load_ms ?? '?'} ms), first answer ${results.cold.first_answer_ms} ms after ready, peak RSS ${results.cold.peak_rss_mb} MB.`);
  }
  const ing = results.ingest;
  if (ing) {
    lines.push('');
    lines.push(`Ingest: parse+chunk ${ing.parse_chunk_chunks_per_s} chunks/s; full build of the corpus ${ing.build.total_s} s (${ing.build.embedding_s} s embedding); one-article re-index ${ing.reindex_one.ms} ms.`);
    if (ing.embedding) lines.push(`Embedding (${ing.embedding.model}): ${ing.embedding.chunks_per_s} chunks/s, ${ing.embedding.tokens_per_s} tokens/s; naive pipeline ${ing.embedding.naive_chunks_per_s} chunks/s, ${ing.embedding.naive_tokens_per_s} tokens/s.`);
  }
  if (results.bot) lines.push(`Bot: ${results.bot.answers_per_s} answers/s lexical${results.botHybrid ? `, ${results.botHybrid.answers_per_s} answers/s with the model` : ''} (${results.bot.chats} chats at once).`);
  const st = scaleTable(results.scale);
  if (st) {
    lines.push('');
    lines.push('Scale (synthetic corpora, 384-d synthetic vectors, embedding excluded):');
    lines.push('');
    lines.push(st);
    for (const [label, entry] of Object.entries(results.scale)) {
      const i = entry.intake;
      if (!i) continue;
      lines.push('');
      lines.push(
        `Intake at ${label} (${i.articles} articles added one at a time through updateFiles, ${i.embedding}): ` +
          `p50 ${i.add_one_ms_p50} ms, p95 ${i.add_one_ms_p95} ms (embedding p50 ${i.embed_ms_p50} ms); first question after an add p95 ${i.first_query_after_add_ms_p95} ms; ` +
          `RSS ${i.rss_before_mb} → ${i.rss_after_mb} MB; ${i.generations_written} generations written, journal ${i.journal_kb} KB.`,
      );
    }
  }
  if (generate) {
    lines.push('');
    lines.push(
      `Generated answers, against the FAKE model server (a fixture that streams instantly: this code's cost, not a model's speed), ${generate.answers} answers of ${generate.sentences_per_answer} sentences (${generate.dropped_per_answer} dropped): ` +
        `claim check per answer, passages seen before p50 ${generate.check_ms_per_answer.p50_ms} ms, p95 ${generate.check_ms_per_answer.p95_ms} ms; on first sight of the passages p50 ${generate.check_ms_per_answer_first_sight.p50_ms} ms, p95 ${generate.check_ms_per_answer_first_sight.p95_ms} ms after analysing them while the request is in flight (p50 ${generate.prepare_ms_first_sight.p50_ms} ms, p95 ${generate.prepare_ms_first_sight.p95_ms} ms, overlapping the model's time to its first token); ` +
        `first token → first draft p50 ${generate.first_token_to_first_draft_ms.p50_ms} ms, p95 ${generate.first_token_to_first_draft_ms.p95_ms} ms (add a real model's time to write its first sentence).`,
    );
  }
  if (Object.keys(errors).length > 0) {
    lines.push('');
    for (const [name, message] of Object.entries(errors)) lines.push(`FAILED ${name}: ${message}`);
  }
  lines.push('');
  lines.push(`Written to ${path.relative(process.cwd(), out) || out} in ${json.duration_s} s.`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return Object.keys(errors).length > 0 ? 1 : 0;
}

runCli(main);
