/**
 * What checking a generated answer costs: `checkAnswer` (src/generate/check.ts) on a five-sentence
 * answer (in Arabic, and in English; numbers, dates, names, countries) over three of the corpus
 * articles as sources: whole articles (~3,000 characters each), and one retrieved passage of
 * each (~1,000 characters, what the orchestrator passes).
 *
 *   npx tsx scripts/check-bench.ts [--runs 2000]
 *
 * Prints the median and 95th percentile of calls with the sources analysed (cached, as every
 * sentence after an answer's first and every draft finds them), the median with the sources not
 * yet analysed (the cache cleared: what the first sentence of a new answer pays), and one
 * sentence alone (`checkSentence`, as the streaming orchestrator calls it). Other benches can
 * call {@link timeCheckAnswer}.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkAnswer, checkSentence, clearCheckCache, type CheckSource } from '../src/generate/check.js';
import { parseArticle } from '../src/ingest/articles.js';
import { chunkArticle } from '../src/ingest/chunk.js';
import type { Lang } from '../src/types.js';

/** Timing of {@link checkAnswer}: first (cold) call and the distribution of the warm ones, in ms. */
export interface CheckTiming {
  firstMs: number;
  medianMs: number;
  p95Ms: number;
  runs: number;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** Times `fn` `runs` times after one first call; milliseconds. */
function time(fn: () => void, runs: number): CheckTiming {
  let t = performance.now();
  fn();
  const firstMs = performance.now() - t;
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    t = performance.now();
    fn();
    samples.push(performance.now() - t);
  }
  samples.sort((a, b) => a - b);
  return { firstMs, medianMs: quantile(samples, 0.5), p95Ms: quantile(samples, 0.95), runs };
}

/** Times {@link checkAnswer} on `answer` over `sources` (first call, then `runs` more). */
export function timeCheckAnswer(answer: string, sources: CheckSource[], lang: Lang, runs = 1000): CheckTiming {
  return time(() => void checkAnswer(answer, sources, lang), runs);
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Three corpus articles as numbered sources. */
export function benchSources(): CheckSource[] {
  const files = ['000_7d6114e92663cbab.txt', '001_e807085ce81d8918.txt', '002_7885229fa645d1c2.txt'];
  return files.map((f, i) => ({ n: i + 1, text: fs.readFileSync(path.join(ROOT, 'corpus', f), 'utf8'), title: null, outlet: 'fixture', date: null }));
}

/**
 * The same three articles as the orchestrator passes them: the retrieved passage of each (the
 * product's chunks, ~160 words, those that hold the answer's facts), with headline, outlet and
 * date.
 */
export function benchPassages(): CheckSource[] {
  return benchSources().map((s, i) => {
    const chunks = chunkArticle(parseArticle({ id: `bench-${i}`, raw: s.text }));
    const holding = chunks.filter((c) => /250|يومين|بيسكوف|13\.8/.test(c.text));
    const first = holding[0] ?? chunks[0]!;
    return { n: s.n, text: holding.map((c) => c.text).join(' … ') || first.text, title: first.title, outlet: first.outlet, date: first.date };
  });
}

/** A five-sentence answer over {@link benchSources}: two Arabic, three English sentences. */
export const BENCH_ANSWER_AR =
  'التقى بوتين نظيره الصيني شي جين بينغ في موسكو، وأشاد الطرفان بالعلاقات المتنامية [1]. ' +
  'وقال رئيس الوزراء الروسي ميخائيل ميشوستين إن التجارة الثنائية بلغت نحو 250 مليار دولار [1]. ' +
  'وصل ميشوستين إلى الصين يوم الاثنين في زيارة تستغرق يومين [2]. ' +
  'وقال المتحدث باسم الكرملين دميتري بيسكوف إن الكرملين يولي أهمية بالغة للزيارة [2]. ' +
  'وضخت روسيا للصين ١٣٫٨ مليار متر مكعب من الغاز عبر خط أنابيب قوة سيبيريا في أول 11 شهرا من عام 2022 [3].';
export const BENCH_ANSWER_EN =
  'Xi Jinping met Vladimir Putin in Moscow on 8 May 2025, and both praised the growing ties [1]. ' +
  'Russian Prime Minister Mikhail Mishustin said bilateral trade reached nearly $250 billion [1]. ' +
  'Mishustin arrived in China on Monday for a two-day visit and met Li Qiang in Hangzhou [2]. ' +
  'Kremlin spokesman Dmitry Peskov said the Kremlin attached great importance to the visit [2]. ' +
  'Russia pumped 13.8 billion cubic metres of gas through the Power of Siberia pipeline in the first 11 months of 2022 [3].';

function main(): void {
  const runsArg = process.argv.indexOf('--runs');
  const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 2000;
  const fmt = (t: CheckTiming) => `first ${t.firstMs.toFixed(2)} ms, then median ${t.medianMs.toFixed(3)} ms, p95 ${t.p95Ms.toFixed(3)} ms over ${t.runs} runs`;
  for (const [lang, answer, kind] of [
    ['ar', BENCH_ANSWER_AR, 'whole articles'],
    ['en', BENCH_ANSWER_EN, 'whole articles'],
    ['ar', BENCH_ANSWER_AR, 'passages'],
    ['en', BENCH_ANSWER_EN, 'passages'],
  ] as const) {
    const load = kind === 'passages' ? benchPassages : benchSources;
    const sources = load(); // fresh objects, same texts: the cache is keyed by text
    console.log(`${lang}, sources = ${kind} (${sources.map((x) => x.text.length).join(', ')} characters)`);
    const result = checkAnswer(answer, sources, lang);
    console.log(`  ${result.kept.length} kept, ${result.dropped.length} dropped${result.dropped.map((d) => `\n  dropped: ${d.text} — ${d.reason}`).join('')}`);
    console.log(`  checkAnswer (5 sentences, 3 sources): ${fmt(timeCheckAnswer(answer, sources, lang, runs))}`);
    const cold: number[] = [];
    for (let i = 0; i < 50; i++) {
      clearCheckCache();
      const fresh = load();
      const t = performance.now();
      checkAnswer(answer, fresh, lang);
      cold.push(performance.now() - t);
    }
    cold.sort((a, b) => a - b);
    console.log(`  checkAnswer with the three sources not yet analysed (an answer's first sentence): median ${quantile(cold, 0.5).toFixed(2)} ms over 50 runs`);
    const sentence = answer.split(/(?<=\]\.)\s+/)[2]!;
    console.log(`  checkSentence (one sentence): ${fmt(time(() => void checkSentence(sentence, sources, lang), runs))}`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
