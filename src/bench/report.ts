/**
 * The bench's verdicts and its printed tables. Every target of the issue is a row: measured
 * value, target, and MET / MISSED / n/a (not measured in this run, e.g. 100k in --quick mode).
 */
import type { BotResult } from './bot.js';
import type { ColdResult } from './cold.js';
import type { IngestResult } from './ingest.js';
import type { QueryResult } from './query.js';
import type { ScaleEntry } from './scale.js';

export interface Results {
  quick: boolean;
  cold: ColdResult | null;
  query: QueryResult | null;
  ingest: IngestResult | null;
  scale: Record<string, ScaleEntry>;
  bot: BotResult | null;
  botHybrid: BotResult | null;
}

export interface Verdict {
  id: string;
  what: string;
  target: string;
  value: string;
  status: 'MET' | 'MISSED' | 'n/a';
}

const fmt = (x: number | null | undefined, digits = 1, unit = '') =>
  x === null || x === undefined || !Number.isFinite(x) ? '—' : `${x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 })}${unit}`;

function verdict(id: string, what: string, target: string, value: number | null | undefined, ok: (v: number) => boolean, shown?: string, note?: string): Verdict {
  if (value === null || value === undefined || !Number.isFinite(value)) return { id, what, target, value: note ?? 'not measured', status: 'n/a' };
  return { id, what, target, value: shown ?? fmt(value, 2), status: ok(value) ? 'MET' : 'MISSED' };
}

/** The 100k entry only when it really is 100k chunks (quick runs measure smaller corpora). */
function full100k(r: Results): ScaleEntry | null {
  const e = r.scale['100k'];
  return e && e.target_chunks >= 100_000 ? e : null;
}

export function verdicts(r: Results): Verdict[] {
  const big = full100k(r);
  const quickNote = r.quick ? 'n/a in --quick (100k not built)' : undefined;
  const e = r.ingest?.embedding;
  const small = r.scale['10k'];
  const out: Verdict[] = [
    verdict('ask_p50', 'End-to-end ask p50, current corpus, embedding included', '≤ 8 ms', r.query?.p50_ms, (v) => v <= 8, fmt(r.query?.p50_ms, 2, ' ms')),
    verdict('ask_p95', 'End-to-end ask p95, current corpus, embedding included', '≤ 12 ms', r.query?.p95_ms, (v) => v <= 12, fmt(r.query?.p95_ms, 2, ' ms')),
    verdict(
      'embed_throughput',
      'Ingest embedding throughput vs naive pipeline (same passages, same run)',
      '≥ 1.3×',
      e?.speedup_vs_naive,
      (v) => v >= 1.3,
      e ? `${fmt(e.speedup_vs_naive, 2)}× (${fmt(e.tokens_per_s, 0)} vs ${fmt(e.naive_tokens_per_s, 0)} tokens/s)` : undefined,
    ),
    verdict('cold_start', 'Process start → first answer, model load included', '≤ 2.5 s', r.cold?.start_to_first_answer_ms, (v) => v <= 2500, fmt(r.cold ? r.cold.start_to_first_answer_ms / 1000 : null, 2, ' s')),
    verdict('peak_rss', 'Peak RSS, current corpus, model loaded', '≤ 400 MB', r.cold?.peak_rss_mb, (v) => v <= 400, fmt(r.cold?.peak_rss_mb, 0, ' MB')),
    verdict('scale_query_p95', 'Retrieval + answer p95 at 100k chunks, embedding excluded', '≤ 5 ms', big?.query_p95_ms, (v) => v <= 5, fmt(big?.query_p95_ms, 2, ' ms'), quickNote),
    verdict('scale_build', 'Lexical + hnsw build of 100k chunks', '≤ 30 s', big?.index_build_s, (v) => v <= 30, fmt(big?.index_build_s, 1, ' s'), quickNote),
    verdict(
      'reindex_one',
      'Re-index after one changed article touches only it',
      'only its chunks',
      r.ingest ? (r.ingest.reindex_one.touches_only_that_article ? 1 : 0) : null,
      (v) => v === 1,
      r.ingest ? `${r.ingest.reindex_one.embedded_chunks} of ${r.ingest.reindex_one.total_chunks} chunks re-embedded (the article has ${r.ingest.reindex_one.article_chunks}), ${fmt(r.ingest.reindex_one.ms, 0)} ms` : undefined,
    ),
    verdict(
      'scale_rss',
      'RSS with 100k chunks loaded (product started, start-up garbage collected)',
      '≤ 1 GB',
      big?.rss_mb,
      (v) => v <= 1024,
      big ? `${fmt(big.rss_mb, 0)} MB (${fmt(big.rss_at_start_mb, 0)} MB right after start, peak ${fmt(big.peak_rss_mb, 0)} MB)` : undefined,
      quickNote,
    ),
    verdict('bot', 'Bot answers/s in process, 50 chats at once, embedding excluded (lexical)', '≥ 50/s', r.bot?.answers_per_s, (v) => v >= 50, fmt(r.bot?.answers_per_s, 1, '/s')),
    verdict(
      'flat',
      'Per-query cost flat in corpus size (p50 at 100k ÷ p50 at 10k)',
      '≪ 10× (inverted index, hnsw)',
      big && small ? big.query_p50_ms / small.query_p50_ms : null,
      (v) => v < 3,
      big && small ? `${fmt(big.query_p50_ms / small.query_p50_ms, 2)}× for 10× the chunks` : undefined,
      quickNote,
    ),
    verdict('recall', 'hnsw recall@10 against exact search at 100k', '≥ 0.99', big?.hnsw_recall_at_10, (v) => v >= 0.99, fmt(big?.hnsw_recall_at_10, 4), quickNote),
  ];
  return out;
}

export function verdictTable(vs: Verdict[]): string {
  const lines = ['| Target | Goal | Measured | |', '|---|---|---|---|'];
  for (const v of vs) lines.push(`| ${v.what} | ${v.target} | ${v.value} | ${v.status === 'MET' ? '✅ met' : v.status === 'MISSED' ? '❌ MISSED' : 'n/a'} |`);
  return lines.join('\n');
}

/** Stage table of the current-corpus query latency. */
export function stageTable(q: QueryResult): string {
  const lines = ['| Stage | p50 ms | p95 ms | p99 ms |', '|---|---|---|---|'];
  for (const [name, d] of Object.entries(q.stages)) lines.push(`| ${name} | ${fmt(d.p50_ms, 2)} | ${fmt(d.p95_ms, 2)} | ${fmt(d.p99_ms, 2)} |`);
  lines.push(`| total − embed (retrieval + answer) | ${fmt(q.excluding_embedding.p50_ms, 2)} | ${fmt(q.excluding_embedding.p95_ms, 2)} | ${fmt(q.excluding_embedding.p99_ms, 2)} |`);
  lines.push(`| retrieve() alone (embedding included) | ${fmt(q.retrieval_only.p50_ms, 2)} | ${fmt(q.retrieval_only.p95_ms, 2)} | ${fmt(q.retrieval_only.p99_ms, 2)} |`);
  return lines.join('\n');
}

export function scaleTable(scale: Record<string, ScaleEntry>): string {
  const entries = Object.entries(scale);
  if (entries.length === 0) return '';
  const head = ['', ...entries.map(([k, e]) => (e.target_chunks === Number(k.replace('k', '')) * 1000 ? k : `${k} (quick: ${e.target_chunks.toLocaleString('en-US')})`))];
  const row = (name: string, f: (e: ScaleEntry) => string) => `| ${name} | ${entries.map(([, e]) => f(e)).join(' | ')} |`;
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    row('chunks / articles', (e) => `${e.chunks.toLocaleString('en-US')} / ${e.articles.toLocaleString('en-US')}`),
    row('vocabulary (index terms)', (e) => e.vocabulary_terms.toLocaleString('en-US')),
    row('lexical + hnsw build', (e) => `${fmt(e.index_build_s, 1)} s`),
    row('build, embedding excluded (chunk, lexical ∥ hnsw, save)', (e) => `${fmt(e.build_s, 1)} s (${fmt(e.build_phases_s.chunk, 1)} + ${fmt(e.build_phases_s.lexical, 1)} + ${fmt(e.build_phases_s.dense_wait, 1)} + ${fmt(e.build_phases_s.save, 1)})`),
    row('index on disk', (e) => `${fmt(e.index_mb, 0)} MB`),
    row('index load (loadIndex)', (e) => `${fmt(e.load_index_s, 2)} s`),
    row('product start (read corpus + load), fresh process', (e) => `${fmt(e.start_s, 1)} s`),
    row('RSS after start (after its garbage is collected) / peak', (e) => `${fmt(e.rss_at_start_mb, 0)} (${fmt(e.rss_mb, 0)}) / ${fmt(e.peak_rss_mb, 0)} MB`),
    row('query p50 / p95 (retrieval + answer)', (e) => `${fmt(e.query_p50_ms, 2)} / ${fmt(e.query_p95_ms, 2)} ms`),
    row('  p95 by stage: lexical / dense / fuse / answer', (e) => `${fmt(e.query_stages_p95_ms.lexical, 2)} / ${fmt(e.query_stages_p95_ms.dense, 2)} / ${fmt(e.query_stages_p95_ms.fuse, 2)} / ${fmt(e.query_stages_p95_ms.answer, 2)}`),
    row('hnsw recall@10 (model-like vectors)', (e) => `${fmt(e.hnsw_recall_at_10, 4)} (M ${e.hnsw.m}, efC ${e.hnsw.efConstruction}, ef ${e.hnsw.efSearch})`),
    row('  stress: recall, 64-d latent / isotropic', (e) => (e.recall_stress ? `${fmt(e.recall_stress.latent64, 4)} / ${fmt(e.recall_stress.isotropic, 4)}` : '—')),
    row('re-index one article (embedding excluded)', (e) => `${fmt(e.reindex_one_s, 2)} s, ${e.reindex_embedded_chunks} chunks embedded`),
  ].join('\n');
}
