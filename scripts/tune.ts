/**
 * Tuning on ARCD-train only (never on sample300 / all-questions, which are for reporting).
 *
 *   npx tsx scripts/tune.ts [--levers] [--threshold]
 *
 * --levers     retrieval and answer figures on ARCD-train over the 700 protocol passages for each
 *              lever (stemmer, field weights, BM25 parameters, fuzzy matching, rerank, quotes), one at a time
 *              against the product's defaults.
 * --grid       combinations of the levers that helped alone.
 * --threshold  calibrates the refusal threshold: answerable = ARCD-train over the passages (a
 *              refusal there is false), unanswerable = the same questions over the news corpus
 *              (an answer there is wrong); prints both rates for each threshold.
 * --dense-threshold
 *              for where the real model runs (MODEL_DIR or the hub): the dense similarity above
 *              which a match halves the coverage an answer needs (DENSE_THRESHOLDS in
 *              src/answer.ts). First checks that the model's similarities tell gold passages
 *              from others at all (random weights, such as the timing twin's, do not), then asks
 *              ARCD-train over its passages and over the news, the news calibration set and the
 *              dev set with each threshold. Choose the highest share of answerable questions
 *              answered with the fact that refuses as many unanswerable ones as no threshold.
 * --misses    takes apart the ARCD-train questions whose passage is not ranked first: is the first
 *              passage another paragraph of the same article, and does it hold the same question
 *              words as the gold one (then only term frequency and length can separate them).
 *              Uses the embedding model when it loads (MODEL_DIR or the hub), to show what the
 *              dense half changes; lexical otherwise.
 * Reads ../shared/external; says so and exits when it is absent. The other modes are lexical.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, PROJECT_ROOT } from '../src/config.js';
import { openEngine, type RetrievalOptions } from '../src/engine.js';
import { loadEmbedder, type Embedder } from '../src/embed.js';
import {
  denseSeparation, figures, judge, missAnatomy, parseQuestionSet, passageArticle, questionsFromSquad, rankedDocs, refusalSweep, type EvalQuestion, type Passage,
} from '../src/evaluation.js';
import { silentLogger } from '../src/log.js';
import { terms } from '../src/text/arabic.js';
import { DEFAULT_LEXICAL_OPTIONS, type LexicalOptions } from '../src/retrieve/lexical.js';
import { DEFAULT_RERANK, type RerankOptions } from '../src/retrieve/rerank.js';
import type { ChunkOptions } from '../src/ingest/chunk.js';
import type { Engine } from '../src/types.js';

const EXTERNAL = path.resolve(PROJECT_ROOT, '..', 'shared', 'external');
if (!fs.existsSync(EXTERNAL)) {
  console.error(`${EXTERNAL} is absent: tuning needs the ARCD-train questions and protocol passages from ../shared.`);
  process.exit(2);
}
const passages = fs
  .readFileSync(path.join(EXTERNAL, 'protocol', 'passages.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as Passage);
const train = questionsFromSquad(JSON.parse(fs.readFileSync(path.join(EXTERNAL, 'arcd', 'arcd-train.json'), 'utf8')), passages, 'arcd-train');
const log = silentLogger();
const articles = passages.map(passageArticle);

interface Config {
  name: string;
  chunking?: ChunkOptions;
  lexical?: Partial<LexicalOptions>;
  retrieval?: Partial<RetrievalOptions>;
}

async function engineFor(config: Config, corpus: 'passages' | 'news'): Promise<Engine> {
  const indexDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tune-'));
  return openEngine({
    corpusDir: path.join(PROJECT_ROOT, 'tests', 'fixtures', 'corpus'),
    indexDir,
    embedder: null,
    log,
    retrieval: config.retrieval,
    indexing: {
      lexical: { ...DEFAULT_LEXICAL_OPTIONS, ...config.lexical },
      ...(config.chunking ? { chunking: config.chunking } : {}),
      ...(corpus === 'passages' ? { articles } : {}),
    },
  });
}

async function evaluate(config: Config, questions: EvalQuestion[]) {
  const engine = await engineFor(config, 'passages');
  const js = [];
  const coverage: Array<{ coverage: number; words: number; matched: number; near: number }> = [];
  for (const q of questions) {
    const r = await engine.retrieve(q.q, { limit: 10 });
    const a = await engine.ask(q.q);
    coverage.push(a.evidence);
    js.push(judge(q, rankedDocs(r.hits), a));
  }
  await engine.close();
  return { f: figures(js), coverage };
}

const fmt = (x: number) => x.toFixed(3);
const rr = (o: Partial<RerankOptions>): RerankOptions => ({ ...DEFAULT_RERANK, ...o });

async function levers(): Promise<void> {
  const configs: Config[] = [
    { name: 'defaults' },
    { name: 'stemmer=snowball', lexical: { stemmer: 'snowball' } },
    { name: 'stemmer=none', lexical: { stemmer: 'none' } },
    { name: 'titleWeight=0', lexical: { titleWeight: 0 } },
    { name: 'titleWeight=1', lexical: { titleWeight: 1 } },
    { name: 'fuzzy off', lexical: { fuzzyMinSimilarity: 0 } },
    { name: 'fuzzy 0.5', lexical: { fuzzyMinSimilarity: 0.5 } },
    { name: 'bigram=0.5', lexical: { bigramWeight: 0.5 } },
    { name: 'bigram=1', lexical: { bigramWeight: 1 } },
    { name: 'surface=0.5', lexical: { surfaceWeight: 0.5 } },
    { name: 'surface=1', lexical: { surfaceWeight: 1 } },
    { name: 'bigram=0.5+surface=0.5', lexical: { bigramWeight: 0.5, surfaceWeight: 0.5 } },
    { name: 'chunk 120 tokens', chunking: { maxTokens: 120, overlapSentences: 1 } },
    { name: 'chunk 300 tokens', chunking: { maxTokens: 300, overlapSentences: 1 } },
    { name: 'chunk 450 tokens', chunking: { maxTokens: 450, overlapSentences: 1 } },
    { name: 'k1=0.9', lexical: { k1: 0.9 } },
    { name: 'k1=1.5', lexical: { k1: 1.5 } },
    { name: 'b=0.5', lexical: { b: 0.5 } },
    { name: 'b=0.9', lexical: { b: 0.9 } },
    { name: 'requireKind off (a «كم»/«متى» quote need not hold a number/date)', retrieval: { answer: { requireKind: false } } },
    { name: 'maxQuotes=1', retrieval: { answer: { maxQuotes: 1 } } },
    { name: 'maxQuotes=2', retrieval: { answer: { maxQuotes: 2 } } },
    { name: 'secondaryRatio=0.8', retrieval: { answer: { secondaryRatio: 0.8 } } },
    { name: 'secondaryRatio=0.4', retrieval: { answer: { secondaryRatio: 0.4 } } },
    { name: 'candidateChunks=3', retrieval: { answer: { candidateChunks: 3 } } },
    { name: 'candidateChunks=8', retrieval: { answer: { candidateChunks: 8 } } },
    { name: 'contextWeight=0', retrieval: { answer: { contextWeight: 0 } } },
    { name: 'rerank off', retrieval: { rerank: rr({ gramWeight: 0, titleWeight: 0 }) } },
    { name: 'rerank trigrams only', retrieval: { rerank: rr({ titleWeight: 0 }) } },
    { name: 'rerank headline only', retrieval: { rerank: rr({ gramWeight: 0 }) } },
    { name: 'rerank trigrams 0.5', retrieval: { rerank: rr({ gramWeight: 0.5 }) } },
    { name: 'rerank trigrams 1', retrieval: { rerank: rr({ gramWeight: 1 }) } },
    { name: 'rerank trigrams 1.25', retrieval: { rerank: rr({ gramWeight: 1.25 }) } },
    { name: 'rerank headline 0.5', retrieval: { rerank: rr({ titleWeight: 0.5 }) } },
    { name: 'rerank headline 1.5', retrieval: { rerank: rr({ titleWeight: 1.5 }) } },
    { name: 'rerank trigram k1 1.2', retrieval: { rerank: rr({ k1: 1.2 }) } },
    { name: 'rerank trigram b 0.75', retrieval: { rerank: rr({ b: 0.75 }) } },
    { name: 'rerank depth 10', retrieval: { rerank: rr({ depth: 10 }) } },
  ];
  const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);
  console.log('| lever | r@1 | r@5 | r@10 | mrr@10 | ans-in-citation | ans-in-answer | refused |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const c of configs.filter((c) => !only || c.name.includes(only))) {
    const { f } = await evaluate(c, train);
    console.log(`| ${c.name} | ${fmt(f['r@1'])} | ${fmt(f['r@5'])} | ${fmt(f['r@10'])} | ${fmt(f['mrr@10'])} | ${fmt(f.answer_in_citation)} | ${fmt(f.answer_in_answer)} | ${fmt(f.refused)} |`);
  }
}

async function threshold(): Promise<void> {
  const config: Config = { name: 'defaults', retrieval: { answer: { minCoverage: 0 } } };
  const answerable = (await evaluate(config, train)).coverage;
  const news = await engineFor(config, 'news');
  const unanswerable: typeof answerable = [];
  for (const q of train) unanswerable.push((await news.ask(q.q)).evidence);
  await news.close();
  const rules: Array<[string, (e: (typeof answerable)[number]) => boolean]> = [
    ['coverage only', () => true],
    ['and ≥2 words matched in the sentence (when the question has ≥2)', (e) => e.matched >= Math.min(2, e.words)],
    ['and ≥1 word in the sentence, ≥2 in it or the sentences next to it', (e) => e.matched >= 1 && e.near >= Math.min(2, e.words)],
  ];
  for (const [name, rule] of rules) {
    console.log(`\nRule: coverage ≥ minCoverage ${name}\n`);
    console.log('| minCoverage | false refusals (ARCD-train over passages) | wrong answers (ARCD-train over news corpus) |');
    console.log('|---|---|---|');
    for (let t = 0.3; t <= 0.651; t += 0.05) {
      const fr = answerable.filter((e) => !(e.coverage >= t && rule(e))).length / answerable.length;
      const wa = unanswerable.filter((e) => e.coverage >= t && rule(e)).length / unanswerable.length;
      console.log(`| ${t.toFixed(2)} | ${fmt(fr)} | ${fmt(wa)} |`);
    }
  }
}

/** A small grid over the retrieval levers that each helped alone, to find how they combine. */
async function grid(): Promise<void> {
  console.log('| chunk | titleWeight | b | bigram | surface | r@1 | r@5 | mrr@10 | ans-in-answer |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const maxTokens of [200, 300])
    for (const titleWeight of [0.5, 1])
      for (const b of [0.75, 0.9])
        for (const bigramWeight of [0, 0.3])
          for (const surfaceWeight of [0, 0.3]) {
            const { f } = await evaluate({ name: 'grid', chunking: { maxTokens, overlapSentences: 1 }, lexical: { titleWeight, b, bigramWeight, surfaceWeight } }, train);
            console.log(`| ${maxTokens} | ${titleWeight} | ${b} | ${bigramWeight} | ${surfaceWeight} | ${fmt(f['r@1'])} | ${fmt(f['r@5'])} | ${fmt(f['mrr@10'])} | ${fmt(f.answer_in_answer)} |`);
          }
}

/**
 * Says whether the model's similarities mean anything before figures are read from them: each of
 * 200 ARCD-train questions against its gold passage and a passage of another article (a fixed pick).
 */
async function checkSeparation(embedder: Embedder): Promise<void> {
  const byId = new Map(passages.map((p) => [p.id, p]));
  const probe = train.slice(0, 200).map((q, k) => {
    const gold = byId.get(q.gold[0]!)!;
    const other = passages.slice(k * 7).concat(passages).find((p) => p.title !== gold.title)!;
    return { question: q.q, gold: `${gold.title}\n${gold.text}`, other: `${other.title}\n${other.text}` };
  });
  const auc = await denseSeparation(embedder, probe);
  console.log(`Model ${embedder.modelId}: a question's vector is closer to its gold passage than to another article's with probability ${fmt(auc)} (${probe.length} questions of ARCD-train; 0.5 is chance).`);
  // Random weights still give shared words a little weight (the timing twin: 0.565), so the bar is well above chance.
  if (auc < 0.75) console.log('That is near chance: these weights do not encode meaning (the timing twin has random weights), so the figures below mean nothing.');
}

async function denseThreshold(): Promise<void> {
  const { embedder, error } = await loadEmbedder(loadConfig(), log);
  if (!embedder) {
    console.error(`--dense-threshold needs the embedding model, which did not load: ${error}`);
    process.exit(2);
  }
  const fixtures = path.join(PROJECT_ROOT, 'tests', 'fixtures');
  const indexDirs = { passages: fs.mkdtempSync(path.join(os.tmpdir(), 'tune-')), news: fs.mkdtempSync(path.join(os.tmpdir(), 'tune-')) };
  const engines = new Map<string, Engine>();
  // One engine per corpus and threshold, all sharing the embedder and, per corpus, the index
  // (built with the model's vectors on first open, loaded after).
  const engine = async (corpus: 'passages' | 'news', threshold: number | null): Promise<Engine> => {
    const key = `${corpus}:${threshold}`;
    if (!engines.has(key)) {
      engines.set(key, await openEngine({
        corpusDir: path.join(fixtures, 'corpus'),
        indexDir: indexDirs[corpus],
        embedder,
        log,
        retrieval: { answer: { denseThreshold: threshold } },
        ...(corpus === 'passages' ? { indexing: { articles } } : {}),
      }));
    }
    return engines.get(key)!;
  };
  await checkSeparation(embedder);
  const read = (file: string, origin: string) => parseQuestionSet(fs.readFileSync(path.join(fixtures, file), 'utf8'), origin);
  const sets = [
    { name: 'ARCD-train over its passages', questions: train, engine: (t: number | null) => engine('passages', t) },
    { name: 'ARCD-train over the news', questions: train.map((q) => ({ ...q, gold: [], expect: [] })), engine: (t: number | null) => engine('news', t) },
    { name: 'news calibration', questions: read('news-calibration.jsonl', 'calibration'), engine: (t: number | null) => engine('news', t) },
    { name: 'dev', questions: read('dev.jsonl', 'dev'), engine: (t: number | null) => engine('news', t) },
  ];
  const thresholds = [null, 0.8, 0.82, 0.84, 0.86, 0.88, 0.9, 0.92];
  const rows = await refusalSweep(sets, thresholds);
  const cell = (x: number | null) => (x === null ? '—' : fmt(x));
  console.log(`\n| dense threshold | ${sets.map((s) => `${s.name}: answered with the fact | refused`).join(' | ')} |`);
  console.log(`|---|${sets.map(() => '---|---').join('|')}|`);
  for (const r of rows) {
    console.log(`| ${r.denseThreshold ?? 'none (lexical rule only)'} | ${sets.map((s) => `${cell(r.sets[s.name]!.answeredWithFact)} | ${cell(r.sets[s.name]!.refused)}`).join(' | ')} |`);
  }
  await embedder.close();
}

async function misses(): Promise<void> {
  const { embedder, error } = await loadEmbedder(loadConfig(), log);
  if (embedder) {
    await checkSeparation(embedder);
    console.log('Ranking hybrid: BM25 and the model.');
  } else console.log(`Lexical ranking (the embedding model did not load: ${error}).`);
  const engine = await openEngine({
    corpusDir: path.join(PROJECT_ROOT, 'tests', 'fixtures', 'corpus'),
    indexDir: fs.mkdtempSync(path.join(os.tmpdir(), 'tune-')),
    embedder,
    log,
    indexing: { articles },
  });
  const rankings: string[][] = [];
  for (const q of train) rankings.push(rankedDocs((await engine.retrieve(q.q, { limit: 10 })).hits));
  const stemmer = DEFAULT_LEXICAL_OPTIONS.stemmer;
  const termsOf = new Map<string, ReadonlySet<string>>();
  const passageTerms = (p: Passage): ReadonlySet<string> => {
    let held = termsOf.get(p.id);
    if (!held) termsOf.set(p.id, (held = new Set(terms(`${p.title}\n${p.text}`, { stemmer, variants: true }))));
    return held;
  };
  const anatomy = missAnatomy(train, rankings, new Map(passages.map((p) => [p.id, p])), (q) => terms(q, { stemmer }), passageTerms);
  console.log(`${anatomy.missed} of ${anatomy.questions} ARCD-train questions do not rank their passage first.\n`);
  console.log('| passage ranked first | question words it and the gold passage hold | questions |\n|---|---|---|');
  for (const r of anatomy.rows) console.log(`| ${r.first} | ${r.words ?? '—'} | ${r.count} |`);
  await embedder?.close();
}

if (process.argv.includes('--threshold')) await threshold();
else if (process.argv.includes('--misses')) await misses();
else if (process.argv.includes('--dense-threshold')) await denseThreshold();
else if (process.argv.includes('--grid')) await grid();
else await levers();
