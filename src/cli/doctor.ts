/**
 * `npm run doctor`: one screen that checks the set-up and says how to fix each problem.
 *
 * Checks, in order: Node.js version, settings, corpus (files read, skipped and why), index
 * (generation, checksums, model, files not indexed yet), embedding model (loaded, and its
 * sanity check on this corpus), Telegram (token; getMe and webhook info when reachable), the
 * language model endpoint when one is set (reachable, model listed, a one-token completion), and
 * the feeds configured. Exit status 1 when any check failed, 0 otherwise (warnings included).
 *
 * Nothing is changed: the index is only read (the model check may remember its result in
 * INDEX_DIR/model-check.json), and no Telegram or language model call has side effects.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import OpenAI from 'openai';
import { loadConfig, type Config } from '../config.js';
import { loadEmbedder } from '../embed.js';
import { describeError } from '../errors.js';
import { readCorpus } from '../ingest/corpus.js';
import { createLogger, redactSecrets, registerSecret, type Logger } from '../log.js';
import { hasIndex, loadIndex } from '../store.js';
import { probeTelegram } from '../bot/probe.js';
import { runCli } from './setup.js';

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'info';

/** One line of the report: what was checked, what was found, and how to fix it when needed. */
export interface DoctorCheck {
  name: string;
  status: CheckStatus;
  detail: string;
  fix?: string;
}

export interface DoctorOptions {
  /** The Node.js version to judge (default the running one). */
  nodeVersion?: string;
  /** Longest wait for Telegram and the language model, in seconds. */
  timeoutSeconds?: number;
  log?: Logger;
}

const MIN_NODE = 20;

/** Runs every check that applies to `config` and returns the report lines in order. */
export async function runDoctor(config: Config, options: DoctorOptions = {}): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const log = options.log ?? createLogger({ level: 'silent' });
  const timeout = options.timeoutSeconds ?? 10;

  const node = options.nodeVersion ?? process.versions.node;
  const major = Number(node.split('.')[0]);
  checks.push(
    major >= MIN_NODE
      ? { name: 'Node.js', status: 'ok', detail: `${node} (needs ${MIN_NODE} or newer)` }
      : { name: 'Node.js', status: 'fail', detail: `${node} is too old`, fix: `install Node.js ${MIN_NODE} or newer` },
  );
  checks.push({ name: 'settings', status: 'ok', detail: 'every setting is valid' });

  // Corpus: what the reader takes and what it skips, with the reason.
  let corpusFiles: Array<{ id: string; hash: string }> = [];
  try {
    const read = await readCorpus(config.corpusDir, log);
    corpusFiles = read.articles.map((a) => ({ id: a.id, hash: a.hash }));
    const skipped = read.skipped.map((s) => `${s.file}: ${s.reason}`);
    checks.push({
      name: 'corpus',
      status: read.articles.length === 0 ? 'warn' : read.skipped.length > 0 ? 'warn' : 'ok',
      detail:
        `${read.articles.length} article file(s) read in ${config.corpusDir}` +
        (skipped.length ? `; ${skipped.length} skipped: ${skipped.slice(0, 5).join('; ')}${skipped.length > 5 ? '; …' : ''}` : ''),
      ...(read.articles.length === 0
        ? { fix: 'put UTF-8 .txt articles into CORPUS_DIR (or add them with /add, feeds or a source channel): until then every question is refused' }
        : read.skipped.length > 0
          ? { fix: 'fix or remove the skipped files (the reason is given for each)' }
          : {}),
    });
  } catch (error) {
    checks.push({ name: 'corpus', status: 'fail', detail: describeError(error), fix: 'create the folder or set CORPUS_DIR to the folder that holds the articles' });
  }

  // Index: readable, checksums verified, and in step with the corpus.
  if (!hasIndex(config.indexDir)) {
    checks.push({ name: 'index', status: 'warn', detail: `no index in ${config.indexDir} yet`, fix: 'run `npm run ingest` (npm start also builds it)' });
  } else {
    try {
      const index = loadIndex(config.indexDir);
      const files = index.manifest.files;
      const stale = corpusFiles.filter((f) => files[f.id]?.hash !== f.hash).length;
      const gone = Object.keys(files).filter((id) => !corpusFiles.some((f) => f.id === id)).length;
      const model = index.manifest.model ? `vectors of ${index.manifest.model.id} (${index.manifest.model.dimension} dimensions)` : 'no vectors (lexical only)';
      checks.push({
        name: 'index',
        status: stale + gone > 0 ? 'warn' : 'ok',
        detail: `${index.chunks.size} chunks of ${Object.keys(files).length} files, checksums verified, ${model}, written ${index.manifest.updatedAt}${stale + gone ? `; ${stale} file(s) new or changed and ${gone} removed since` : ''}`,
        ...(stale + gone > 0 ? { fix: 'run `npm run ingest` or /reindex (a running bot picks changes up by itself)' } : {}),
      });
    } catch (error) {
      checks.push({ name: 'index', status: 'warn', detail: describeError(error), fix: 'nothing to do: it is rebuilt from the corpus on the next start (or run `npm run ingest -- --force`)' });
    }
  }

  // Embedding model: loads, and passes its check on this corpus.
  if (!config.embeddingModel) {
    checks.push({ name: 'embedding model', status: 'info', detail: 'disabled (EMBEDDING_MODEL=none): answers use lexical retrieval only' });
  } else {
    const { embedder, error, check } = await loadEmbedder(config, log);
    if (embedder) {
      checks.push({ name: 'embedding model', status: 'ok', detail: `${embedder.modelId} loaded (${embedder.dimension} dimensions); ${check?.summary ?? 'not checked'}` });
      await embedder.close();
    } else if (check?.status === 'failed') {
      checks.push({ name: 'embedding model', status: 'fail', detail: error ?? check.summary, fix: 'use a multilingual model (EMBEDDING_MODEL, MODEL_DIR) whose files are intact, or EMBEDDING_MODEL=none for lexical retrieval' });
    } else {
      checks.push({
        name: 'embedding model',
        status: 'fail',
        detail: error ?? 'not loaded',
        fix: config.modelDir ? 'check that MODEL_DIR holds config.json, tokenizer.json and onnx/model_quantized.onnx' : 'download the model folder elsewhere and set MODEL_DIR to it, or EMBEDDING_MODEL=none',
      });
    }
  }

  // Telegram.
  if (!config.telegramToken) {
    checks.push({ name: 'Telegram', status: 'info', detail: 'no TELEGRAM_BOT_TOKEN: `npm start` runs the console chat' });
  } else {
    const probe = await probeTelegram(config.telegramToken, config.telegramApiRoot, timeout);
    if (!probe.ok) {
      checks.push({ name: 'Telegram', status: 'fail', detail: `token format valid, but ${probe.reason}`, fix: probe.fix });
    } else {
      const hook = probe.webhook;
      const delivery = hook.url ? `webhook ${hook.url}` : 'no webhook (long polling)';
      const mismatch = config.webhookUrl ? hook.url !== config.webhookUrl : hook.url !== '';
      checks.push({
        name: 'Telegram',
        status: hook.lastError ? 'warn' : 'ok',
        detail:
          `@${probe.username}, inline mode ${probe.inline ? 'on' : 'off'}, ${delivery}, ${hook.pendingUpdates} update(s) waiting` +
          (hook.lastError ? `; last delivery error: ${redactSecrets(hook.lastError)}` : '') +
          (mismatch ? `; npm start will switch it to ${config.webhookUrl ? `the webhook ${config.webhookUrl}` : 'long polling'}` : ''),
        ...(hook.lastError ? { fix: 'check that WEBHOOK_URL is reachable from the internet over HTTPS and forwards to WEBHOOK_HOST:WEBHOOK_PORT' } : {}),
      });
    }
  }

  // The language model endpoint, when one is set.
  if (!config.llmBaseUrl) {
    checks.push({
      name: 'language model',
      status: 'info',
      detail: config.answerMode === 'generative' ? 'ANSWER_MODE=generative but no LLM_BASE_URL' : 'none set: answers are quoted sentences (ANSWER_MODE=extractive)',
    });
  } else {
    checks.push(await probeLanguageModel(config, timeout));
  }

  if (config.feeds.length > 0) {
    checks.push({ name: 'feeds', status: 'info', detail: `${config.feeds.length} feed(s), polled every ${config.feedIntervalMinutes} min while the bot runs; \`npm run ingest -- --feeds\` polls them once now` });
  }
  return checks;
}

/** Reachable, the model listed, and a one-token completion. */
async function probeLanguageModel(config: Config, timeoutSeconds: number): Promise<DoctorCheck> {
  const name = 'language model';
  registerSecret(config.llmApiKey);
  const client = new OpenAI({ baseURL: config.llmBaseUrl!, apiKey: config.llmApiKey ?? 'none', timeout: timeoutSeconds * 1000, maxRetries: 0 });
  const where = config.llmBaseUrl!;
  const fixFor = (error: unknown): string => {
    const status = (error as { status?: number }).status;
    if (status === 401 || status === 403) return 'check LLM_API_KEY';
    if (status === 404) return `check LLM_MODEL (the server does not know "${config.llmModel}") and that LLM_BASE_URL ends where the API starts (often …/v1)`;
    if (status === 429) return 'the server is rate-limiting: wait, or raise the plan\'s limits';
    return 'check that the server runs and LLM_BASE_URL points at it (e.g. http://localhost:11434/v1 for Ollama)';
  };
  let listed: boolean | null = null;
  try {
    const models = await client.models.list();
    listed = models.data.some((m) => m.id === config.llmModel);
  } catch (error) {
    const status = (error as { status?: number }).status;
    // Some compatible servers have no /models; the completion below still tells.
    if (status !== 404) return { name, status: 'fail', detail: `${where} could not be reached: ${redactSecrets(describeError(error))}`, fix: fixFor(error) };
  }
  const started = Date.now();
  try {
    const reply = await client.chat.completions.create({ model: config.llmModel!, messages: [{ role: 'user', content: 'Reply with one word: ok' }], max_tokens: 1 });
    if (!reply.choices?.length) return { name, status: 'fail', detail: `${where} answered a completion with no choice`, fix: 'check that the server speaks the OpenAI chat-completions protocol' };
    return {
      name,
      status: listed === false ? 'warn' : 'ok',
      detail: `${config.llmModel} at ${where}: a one-token completion in ${Date.now() - started} ms${listed === false ? '; the model is not in the server\'s /models list' : ''}; ANSWER_MODE=${config.answerMode}`,
      ...(listed === false ? { fix: 'check the spelling of LLM_MODEL against the server\'s model list' } : {}),
    };
  } catch (error) {
    return { name, status: 'fail', detail: `${config.llmModel} at ${where}: ${redactSecrets(describeError(error))}`, fix: fixFor(error) };
  }
}

const MARK: Record<CheckStatus, string> = { ok: '✓', warn: '!', fail: '✗', info: '·' };

/** The report as lines for a terminal. */
export function formatDoctor(checks: DoctorCheck[]): string {
  const width = Math.max(...checks.map((c) => c.name.length));
  const lines = checks.map((c) => `${MARK[c.status]} ${c.name.padEnd(width)}  ${c.detail}${c.fix ? `\n  ${' '.repeat(width)}  → ${c.fix}` : ''}`);
  const failed = checks.filter((c) => c.status === 'fail').length;
  const warned = checks.filter((c) => c.status === 'warn').length;
  lines.push('', failed ? `${failed} problem(s) to fix${warned ? `, ${warned} warning(s)` : ''}.` : warned ? `Ready, with ${warned} warning(s).` : 'Everything is ready.');
  return lines.join('\n') + '\n';
}

/** The entry point: prints the report, exit 1 when a check failed. */
export async function doctorMain(env?: Record<string, string | undefined>, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (error) {
    out.write(formatDoctor([{ name: 'settings', status: 'fail', detail: describeError(error), fix: 'edit .env (see .env.example)' }]));
    return 1;
  }
  const checks = await runDoctor(config);
  out.write(formatDoctor(checks));
  return checks.some((c) => c.status === 'fail') ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) runCli(() => doctorMain());
