/**
 * `npm run eval` — answer quality on a question set.
 *
 *   npm run eval                                  corpus/ with ../shared/qa/dev.jsonl (or the repo copy)
 *   npm run eval -- --set FILE                    another JSON-lines set over corpus/
 *   npm run eval -- --passages P.jsonl --set S    a throwaway index of passages (one document each)
 *   --set may also be SQuAD JSON (ARCD, XQuAD) when --passages is given: gold = the passage with its text
 *   --retrieval     rankings only (no answer composition)
 *   --json          one JSON object on stdout: {overall, by_source, ci95, ...}
 *   --report [F]    write/update a section of docs/quality.md (or F)
 *   --limit N       first N questions
 *   --answer-mode generative   answers from the language model at LLM_BASE_URL / LLM_MODEL, each
 *                   sentence checked; adds a table per question kind: fact, citation support,
 *                   sentences dropped, fallbacks, refusals, latency (works against any endpoint)
 *   Levers for tuning (defaults are the product's): --stemmer light|snowball|none, --title-weight X,
 *   --k1 X, --b X, --fuzzy X, --surface X, --chunk-tokens N, --min-coverage X, --max-quotes N,
 *   --secondary-ratio X, --no-require-kind, --candidates N, --rerank-grams X, --rerank-title X, --no-rerank,
 *   --no-recency;
 *   --baseline = a plain BM25 (light stemming, whole passages, no rerank)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT, loadConfig } from '../config.js';
import { loadEmbedder } from '../embed.js';
import { openEngine, type RetrievalOptions } from '../engine.js';
import * as checker from '../generate/check.js';
import { withGeneration } from '../generate/generate.js';
import { createLlmClient } from '../generate/llm.js';
import {
  bootstrap, figures, generativeKindTable, judge, judgeGenerative, kindTable, parseQuestionSet, passageArticle, questionsFromSquad, rankedDocs,
  type EvalQuestion, type Figures, type GenerativeJudgement, type Judgement, type Passage,
} from '../evaluation.js';
import { DEFAULT_CHUNK_OPTIONS } from '../ingest/chunk.js';
import { DEFAULT_LEXICAL_OPTIONS, type LexicalOptions } from '../retrieve/lexical.js';
import { DEFAULT_RERANK } from '../retrieve/rerank.js';
import type { StemmerName } from '../text/arabic.js';
import { cliLogger, runCli } from './setup.js';

interface Args {
  set: string | null;
  passages: string | null;
  retrievalOnly: boolean;
  json: boolean;
  report: string | null;
  limit: number | null;
  lexical: LexicalOptions;
  retrieval: Partial<RetrievalOptions> & Pick<RetrievalOptions, 'rerank'>;
  chunkTokens: number | null;
  answerMode: 'extractive' | 'generative';
}

function parseArgs(argv: string[]): Args {
  const args: Args = { set: null, passages: null, retrievalOnly: false, json: false, report: null, limit: null, lexical: { ...DEFAULT_LEXICAL_OPTIONS }, retrieval: { answer: {}, rerank: { ...DEFAULT_RERANK } }, chunkTokens: null, answerMode: 'extractive' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--set') args.set = value();
    else if (a === '--passages') args.passages = value();
    else if (a === '--retrieval') args.retrievalOnly = true;
    else if (a === '--json') args.json = true;
    else if (a === '--report') args.report = argv[i + 1] && !argv[i + 1]!.startsWith('--') ? value() : path.join(PROJECT_ROOT, 'docs', 'quality.md');
    else if (a === '--limit') args.limit = Number(value());
    else if (a === '--answer-mode') {
      const mode = value();
      if (mode !== 'extractive' && mode !== 'generative') throw new Error(`--answer-mode ${mode}: use extractive or generative`);
      args.answerMode = mode;
    }
    else if (a === '--no-recency') args.retrieval.recency = false;
    else if (a === '--stemmer') args.lexical.stemmer = value() as StemmerName;
    else if (a === '--title-weight') args.lexical.titleWeight = Number(value());
    else if (a === '--k1') args.lexical.k1 = Number(value());
    else if (a === '--b') args.lexical.b = Number(value());
    else if (a === '--min-coverage') args.retrieval.answer!.minCoverage = Number(value());
    else if (a === '--max-quotes') args.retrieval.answer!.maxQuotes = Number(value());
    else if (a === '--secondary-ratio') args.retrieval.answer!.secondaryRatio = Number(value());
    else if (a === '--no-require-kind') args.retrieval.answer!.requireKind = false;
    else if (a === '--candidates') args.retrieval.candidates = Number(value());
    else if (a === '--fuzzy') args.lexical.fuzzyMinSimilarity = Number(value());
    else if (a === '--surface') args.lexical.surfaceWeight = Number(value());
    else if (a === '--chunk-tokens') args.chunkTokens = Number(value());
    else if (a === '--rerank-grams') args.retrieval.rerank.gramWeight = Number(value());
    else if (a === '--rerank-title') args.retrieval.rerank.titleWeight = Number(value());
    else if (a === '--no-rerank') Object.assign(args.retrieval.rerank, { gramWeight: 0, titleWeight: 0 });
    else if (a === '--baseline') {
      // A plain BM25: normalisation and light stemming, passages as whole documents, nothing else.
      Object.assign(args.lexical, { k1: 1.2, b: 0.75, titleWeight: 0, fuzzyMinSimilarity: 0, surfaceWeight: 0, bigramWeight: 0 });
      Object.assign(args.retrieval.rerank, { gramWeight: 0, titleWeight: 0 });
      args.chunkTokens = 100_000;
    }
    else throw new Error(`unknown option ${a} (see the header of src/cli/eval.ts)`);
  }
  return args;
}

const SHARED_DEV = path.resolve(PROJECT_ROOT, '..', 'shared', 'qa', 'dev.jsonl');
const REPO_DEV = path.join(PROJECT_ROOT, 'tests', 'fixtures', 'dev.jsonl');

function readJsonl<T>(file: string): T[] {
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as T);
}

const pct = (x: number) => (x * 100).toFixed(1).padStart(5);

function printFigures(title: string, rows: Array<[string, Figures]>, retrievalOnly: boolean): string {
  const cols = retrievalOnly ? ['r@1', 'r@5', 'r@10', 'mrr@10'] : ['r@1', 'r@5', 'r@10', 'mrr@10', 'answer_in_citation', 'answer_in_answer', 'refused'];
  const lines = [`| ${title} | n | ${cols.join(' | ')} |`, `|---|---|${cols.map(() => '---').join('|')}|`];
  for (const [name, f] of rows) lines.push(`| ${name} | ${f.n} | ${cols.map((c) => (f[c as keyof Figures] as number).toFixed(3)).join(' | ')} |`);
  return lines.join('\n');
}

function writeReport(file: string, key: string, body: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const start = `<!-- eval:${key} -->`;
  const end = `<!-- /eval:${key} -->`;
  const block = `${start}\n${body}\n${end}`;
  let text = fs.existsSync(file)
    ? fs.readFileSync(file, 'utf8')
    : '# Answer quality\n\nWritten by `npm run eval -- ... --report`; each section is replaced when its set is re-run.\n';
  const re = new RegExp(`${start}[\\s\\S]*?${end}`);
  text = re.test(text) ? text.replace(re, block) : `${text.trimEnd()}\n\n${block}\n`;
  fs.writeFileSync(file, text);
}

runCli(async () => {
  const args = parseArgs(process.argv.slice(2));
  const config = loadConfig();
  const log = cliLogger({ logLevel: config.logLevel === 'info' ? 'warn' : config.logLevel });

  let passages: Passage[] | null = null;
  if (args.passages) {
    if (!fs.existsSync(args.passages)) throw new Error(`--passages ${args.passages} not found (the protocol files live in ../shared/external/protocol/)`);
    passages = readJsonl<Passage>(args.passages);
  }
  let setFile = args.set;
  if (!setFile) {
    if (passages) throw new Error('--passages needs --set (e.g. ../shared/external/protocol/sample300.jsonl)');
    setFile = fs.existsSync(SHARED_DEV) ? SHARED_DEV : REPO_DEV;
    if (setFile === REPO_DEV) process.stderr.write(`note: ${SHARED_DEV} is absent; using the repository copy ${REPO_DEV}\n`);
  }
  if (!fs.existsSync(setFile)) throw new Error(`question set ${setFile} not found`);
  const raw = fs.readFileSync(setFile, 'utf8');
  let questions: EvalQuestion[];
  if (setFile.endsWith('.json')) {
    if (!passages) throw new Error('a SQuAD-format --set needs --passages to find gold passages');
    questions = questionsFromSquad(JSON.parse(raw), passages, path.basename(setFile, '.json'));
  } else questions = parseQuestionSet(raw, setFile);
  if (args.limit) questions = questions.slice(0, args.limit);

  const { embedder, error } = await loadEmbedder(config, log);
  const tmp = passages ? fs.mkdtempSync(path.join(os.tmpdir(), 'eval-index-')) : null;
  const started = Date.now();
  const engine = await openEngine({
    corpusDir: config.corpusDir,
    indexDir: tmp ?? fs.mkdtempSync(path.join(os.tmpdir(), 'eval-corpus-index-')),
    embedder,
    modelError: error,
    log,
    retrieval: args.retrieval,
    indexing: {
      lexical: args.lexical,
      ...(args.chunkTokens ? { chunking: { ...DEFAULT_CHUNK_OPTIONS, maxTokens: args.chunkTokens } } : {}),
      ...(passages ? { articles: passages.map(passageArticle) } : {}),
    },
  });
  const buildSeconds = (Date.now() - started) / 1000;
  const judgements: Judgement[] = [];
  const generative: GenerativeJudgement[] = [];
  let asker = engine;
  if (args.answerMode === 'generative') {
    if (!config.llmBaseUrl || !config.llmModel) throw new Error('--answer-mode generative needs LLM_BASE_URL and LLM_MODEL (e.g. LLM_BASE_URL=http://localhost:11434/v1 LLM_MODEL=llama3.1:8b)');
    const client = createLlmClient({ baseUrl: config.llmBaseUrl, model: config.llmModel, apiKey: config.llmApiKey, timeoutMs: config.llmTimeoutMs, maxConcurrency: config.llmMaxConcurrency }, log);
    asker = withGeneration(engine, { client, log, model: config.llmModel, cacheSize: 1 });
  }
  try {
    for (const q of questions) {
      const retrieval = await engine.retrieve(q.q, { limit: 10 });
      const answer = args.retrievalOnly ? null : await asker.ask(q.q);
      judgements.push(judge(q, rankedDocs(retrieval.hits), answer));
      if (answer && args.answerMode === 'generative') generative.push(judgeGenerative(q, answer, checker));
    }
  } finally {
    await engine.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  }

  const info = engine.info();
  const sources = [...new Set(judgements.map((j) => j.source))];
  const overall = figures(judgements);
  const bySource = Object.fromEntries(sources.map((s) => [s, figures(judgements.filter((j) => j.source === s))]));
  const ci95 = bootstrap(judgements);
  const settings = { set: path.relative(PROJECT_ROOT, setFile), passages: args.passages ? path.relative(PROJECT_ROOT, args.passages) : null, mode: info.mode, model: info.model, lexical: args.lexical, retrieval: args.retrieval };
  const kinds = kindTable(judgements);
  const ms = judgements.map((j) => j.totalMs).sort((a, b) => a - b);

  const generativeKinds = args.answerMode === 'generative' ? generativeKindTable(generative) : null;
  if (args.json) {
    process.stdout.write(JSON.stringify({
      overall, by_source: bySource, ci95, by_kind: kinds, settings, index_seconds: buildSeconds, questions: judgements.length,
      ...(generativeKinds ? { answer_mode: 'generative', llm: { base_url: config.llmBaseUrl, model: config.llmModel }, generative_by_kind: generativeKinds } : {}),
    }) + '\n');
  }
  const sections: string[] = [];
  sections.push(`Set \`${settings.set}\`${settings.passages ? ` over passages \`${settings.passages}\`` : ' over corpus/'}; ${judgements.length} questions; retrieval ${info.mode}${info.model ? ` (${info.model})` : ' (no embedding model: lexical only)'}; ${new Date().toISOString().slice(0, 10)}.`);
  sections.push(printFigures('source', [...Object.entries(bySource), ['overall', overall]], args.retrievalOnly));
  sections.push('95% bootstrap intervals (1000 resamples, seed 13), overall: ' + Object.entries(ci95).filter(([k]) => !args.retrievalOnly || k.startsWith('r') || k.startsWith('m')).map(([k, [lo, hi]]) => `${k} ${lo.toFixed(3)}–${hi.toFixed(3)}`).join('; '));
  if (!args.retrievalOnly) {
    const lines = ['| kind | n | hit@1 | hit@3 | fact | refused (unanswerable) | false refusals |', '|---|---|---|---|---|---|---|'];
    for (const r of kinds) lines.push(`| ${r.kind} | ${r.n} | ${pct(r.hit1)}% | ${pct(r.hit3)}% | ${pct(r.fact)}% | ${r.refused} | ${r.falseRefusals} |`);
    sections.push(lines.join('\n'));
    sections.push(`hit@k: a gold file among the answer's top-k citations; fact: an expected string in the answer (Arabic-normalised). Latency per question: p50 ${ms[Math.floor(ms.length / 2)]?.toFixed(1)} ms, p95 ${ms[Math.floor(ms.length * 0.95)]?.toFixed(1)} ms. Index built in ${buildSeconds.toFixed(1)} s.`);
  }
  if (generativeKinds) {
    const lines = [
      `Generated answers from \`${config.llmModel}\` at \`${config.llmBaseUrl}\` (each sentence checked against the source it cites):`,
      '',
      '| kind | n | fact | citation support | generated | fallbacks | sentences dropped | kept of the model\'s | refused (unanswerable) | false refusals | p50 ms | p50 first token ms |',
      '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ];
    for (const r of generativeKinds) {
      lines.push(`| ${r.kind} | ${r.n} | ${pct(r.fact)}% | ${pct(r.citationSupport)}% | ${r.generated} | ${r.fallbacks} | ${r.dropped} | ${pct(r.keptShare)}% | ${r.refused} | ${r.falseRefusals} | ${r.p50Ms.toFixed(0)} | ${r.p50FirstTokenMs === null ? '—' : r.p50FirstTokenMs.toFixed(0)} |`);
    }
    const reasons = new Map<string, number>();
    for (const g of generative) if (g.fallback) reasons.set(g.fallback, (reasons.get(g.fallback) ?? 0) + 1);
    lines.push('', `fact: an expected string in the answer shown; citation support: the share of cited sentences shown whose sources hold their numbers and names (src/generate/check.ts); fallbacks: the quoted answer was shown instead${reasons.size ? ` (${[...reasons].map(([r, n]) => `${r}: ${n}`).join('; ')})` : ''}.`);
    sections.push(lines.join('\n'));
  }
  sections.push(`Settings: \`${JSON.stringify({ lexical: args.lexical, retrieval: args.retrieval, chunkTokens: args.chunkTokens ?? DEFAULT_CHUNK_OPTIONS.maxTokens })}\``);
  const text = sections.join('\n\n');
  if (!args.json) process.stdout.write(text + '\n');
  if (args.report) {
    const key = path.basename(setFile).replace(/\.[^.]+$/, '') + (args.retrievalOnly ? '-retrieval' : '') + (args.answerMode === 'generative' ? '-generative' : '') + (process.argv.includes('--baseline') ? '-baseline' : '');
    const reproduce = `Reproduce: \`npm run eval -- ${process.argv.slice(2).filter((a, i, all) => a !== '--report' && all[i - 1] !== '--report' && a !== '--json').join(' ')}\``;
    writeReport(args.report, key, `## ${key}\n\n${text}\n\n${reproduce}`);
    process.stderr.write(`report written to ${args.report}\n`);
  }
});
