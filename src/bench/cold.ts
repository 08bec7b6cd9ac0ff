/**
 * Cold start, measured on the product itself: `node --import tsx src/main.ts` started in a fresh
 * process with no bot token (the console chat over the same engine), an index already on disk,
 * and the model from MODEL_DIR. A question is written to its stdin at once; the bench records
 * - ready: process spawned → the console banner (settings read, model loaded, index loaded),
 * - first answer: banner → the answer to that question,
 * then sends the remaining dev questions and /quit, and reads the process's peak RSS (VmHWM,
 * reported by a preloaded hook as it exits). One warm-up start is excluded (it fills the OS
 * file cache and tsx's compile cache, as any second start of the bot would find them).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROJECT_ROOT } from '../config.js';
import { CONSOLE_BANNER } from '../bot/i18n.js';
import type { BenchContext } from './context.js';
import { Contention, percentile, round } from './stats.js';

export interface ColdRun {
  ready_ms: number;
  first_answer_ms: number;
  start_to_first_answer_ms: number;
  model_load_ms: number | null;
  peak_rss_mb: number;
  answers: number;
}

export interface ColdResult {
  cold_start_ms: number;
  first_answer_ms: number;
  start_to_first_answer_ms: number;
  model_load_ms: number | null;
  peak_rss_mb: number;
  runs: ColdRun[];
  warmup_runs: number;
  model: string;
  command: string;
  contention: number | null;
}

const HOOK = fileURLToPath(new URL('./rss-hook.ts', import.meta.url));
const MAIN = path.join(PROJECT_ROOT, 'src', 'main.ts');

export function startProduct(env: NodeJS.ProcessEnv, questions: string[]): Promise<ColdRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', 'tsx', '--import', HOOK, MAIN], {
      cwd: PROJECT_ROOT,
      env,
      stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let hook = '';
    let ready = -1;
    let answered = -1;
    const timeout = setTimeout(() => child.kill('SIGKILL'), 180_000);
    child.stdin.write(`${questions[0]}\n`);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (data: string) => {
      const now = performance.now();
      out += data;
      if (ready < 0 && out.includes(CONSOLE_BANNER)) ready = now;
      if (answered < 0 && ready >= 0 && out.slice(out.indexOf(CONSOLE_BANNER) + CONSOLE_BANNER.length).trim().length > 0) {
        answered = now;
        for (const q of questions.slice(1)) child.stdin.write(`${q}\n`);
        child.stdin.end('/quit\n');
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (data: string) => (err += data));
    (child.stdio[3] as NodeJS.ReadableStream).setEncoding('utf8');
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (data: string) => (hook += data));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timeout);
      if (code !== 0 || ready < 0 || answered < 0) {
        reject(new Error(`the product exited with ${code} before answering (stderr: ${err.slice(-800)})`));
        return;
      }
      const peak = JSON.parse(hook.trim().split('\n').pop() || '{}') as { peak_rss_kb?: number };
      const load = /embedding model loaded.*?ms=(\d+)/.exec(err);
      resolve({
        ready_ms: round(ready - started, 1),
        first_answer_ms: round(answered - ready, 1),
        start_to_first_answer_ms: round(answered - started, 1),
        model_load_ms: load ? Number(load[1]) : null,
        peak_rss_mb: round((peak.peak_rss_kb ?? NaN) / 1024, 1),
        answers: questions.length,
      });
    });
  });
}

export async function benchColdStart(ctx: BenchContext, corpusDir: string, indexDir: string): Promise<ColdResult> {
  const contention = new Contention();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TELEGRAM_BOT_TOKEN: '',
    CORPUS_DIR: corpusDir,
    INDEX_DIR: indexDir,
    LOG_LEVEL: 'info',
    FEEDBACK_LOG: path.join(ctx.tmp, 'feedback.log'),
    MODEL_CACHE_DIR: path.join(ctx.tmp, 'model-cache'),
    ...(ctx.model.dir ? { MODEL_DIR: ctx.model.dir } : { EMBEDDING_MODEL: 'none' }),
  };
  const runs: ColdRun[] = [];
  const n = ctx.quick ? 1 : 3;
  for (let i = 0; i <= n; i++) {
    ctx.say(`cold start: run ${i}/${n}${i === 0 ? ' (warm-up, excluded)' : ''}`);
    const run = await startProduct(env, ctx.questions);
    if (i > 0) runs.push(run);
  }
  const med = (f: (r: ColdRun) => number) => round(percentile(runs.map(f), 50), 1);
  const loads = runs.map((r) => r.model_load_ms).filter((x): x is number => x !== null);
  return {
    cold_start_ms: med((r) => r.ready_ms),
    first_answer_ms: med((r) => r.first_answer_ms),
    start_to_first_answer_ms: med((r) => r.start_to_first_answer_ms),
    model_load_ms: loads.length ? round(percentile(loads, 50), 0) : null,
    peak_rss_mb: Math.max(...runs.map((r) => r.peak_rss_mb)),
    runs,
    warmup_runs: 1,
    model: ctx.model.label,
    command: `node --import tsx src/main.ts (console chat, TELEGRAM_BOT_TOKEN empty, ${ctx.model.dir ? 'MODEL_DIR set' : 'EMBEDDING_MODEL=none'}, index on disk), ${ctx.questions.length} questions then /quit`,
    contention: contention.stop(),
  };
}
