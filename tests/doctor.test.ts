/**
 * `npm run doctor` (src/cli/doctor.ts): each check says what it found and how to fix a problem,
 * and the exit status is non-zero exactly when something must be fixed. Telegram is a small fake
 * Bot API on 127.0.0.1 (a FIXTURE: it answers getMe and getWebhookInfo only).
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { doctorMain, formatDoctor, runDoctor, type DoctorCheck } from '../src/cli/doctor.js';
import { REPO_CORPUS, TEST_ENCODER_DIR } from './helpers/engine.js';
import { syncIndex } from '../src/indexing.js';
import { silentLogger } from '../src/log.js';
import { scenarios, startFakeLlm } from './fixtures/fake-llm/server.js';

const TOKEN = '123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef';
let tmp: string;
let telegram: http.Server;
let telegramRoot: string;
let webhookError: string | null = null;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'doctor-'));
  // FIXTURE: a fake Bot API that knows one token.
  telegram = http.createServer((req, res) => {
    const [, bot, method] = /^\/bot([^/]+)\/(\w+)/.exec(req.url ?? '') ?? [];
    res.setHeader('content-type', 'application/json');
    if (bot !== TOKEN) return res.end(JSON.stringify({ ok: false, error_code: 401, description: 'Unauthorized' }));
    if (method === 'getMe') return res.end(JSON.stringify({ ok: true, result: { id: 1, is_bot: true, first_name: 'News', username: 'news_test_bot', supports_inline_queries: true } }));
    if (method === 'getWebhookInfo') {
      return res.end(JSON.stringify({ ok: true, result: { url: '', has_custom_certificate: false, pending_update_count: 3, ...(webhookError ? { last_error_message: webhookError, last_error_date: 1 } : {}) } }));
    }
    res.end(JSON.stringify({ ok: false, error_code: 404, description: 'Not Found' }));
  });
  await new Promise<void>((resolve) => telegram.listen(0, '127.0.0.1', resolve));
  telegramRoot = `http://127.0.0.1:${(telegram.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => telegram.close(resolve));
  fs.rmSync(tmp, { recursive: true, force: true });
});

function config(env: Record<string, string> = {}) {
  return loadConfig({ CORPUS_DIR: REPO_CORPUS, INDEX_DIR: path.join(tmp, 'no-index'), EMBEDDING_MODEL: 'none', ...env });
}
const find = (checks: DoctorCheck[], name: string) => checks.find((c) => c.name === name)!;

describe('npm run doctor', () => {
  it('on a plain set-up: corpus read, no index yet, model disabled, console chat; nothing failed', async () => {
    const checks = await runDoctor(config());
    expect(find(checks, 'corpus')).toMatchObject({ status: 'ok', detail: expect.stringMatching(/^5 article file/) });
    expect(find(checks, 'index')).toMatchObject({ status: 'warn', fix: expect.stringContaining('npm run ingest') });
    expect(find(checks, 'embedding model').status).toBe('info');
    expect(find(checks, 'Telegram').detail).toMatch(/console chat/);
    expect(checks.some((c) => c.status === 'fail')).toBe(false);
  });

  it('fails an old Node.js, names skipped corpus files and why, and sees an index out of step with the corpus', async () => {
    const corpus = path.join(tmp, 'corpus-bad');
    fs.cpSync(REPO_CORPUS, corpus, { recursive: true });
    const indexDir = path.join(tmp, 'index-step');
    await syncIndex({ corpusDir: corpus, indexDir, embedder: null, log: silentLogger() });
    fs.writeFileSync(path.join(corpus, 'binary.txt'), Buffer.from([0x00, 0x01, 0x02, 0x41]));
    fs.writeFileSync(path.join(corpus, 'new.txt'), 'عنوان جديد\nنص جديد عن موضوع جديد يكفي ليكون مقالا قصيرا، وفيه جملة ثانية كاملة أيضا.\n');
    const checks = await runDoctor(config({ CORPUS_DIR: corpus, INDEX_DIR: indexDir }), { nodeVersion: '18.19.0' });
    expect(find(checks, 'Node.js')).toMatchObject({ status: 'fail', fix: expect.stringContaining('20') });
    expect(find(checks, 'corpus')).toMatchObject({ status: 'warn', detail: expect.stringContaining('binary.txt') });
    expect(find(checks, 'index')).toMatchObject({ status: 'warn', detail: expect.stringMatching(/checksums verified.*1 file\(s\) new or changed/) });
  });

  it('checks the embedding model: the test encoder loads and passes its check; a folder without a model fails with the fix', async () => {
    const good = await runDoctor(config({ EMBEDDING_MODEL: 'test-encoder', MODEL_DIR: TEST_ENCODER_DIR, MODEL_CACHE_DIR: tmp }));
    expect(find(good, 'embedding model')).toMatchObject({ status: 'ok', detail: expect.stringContaining('passed its check') });
    const bad = await runDoctor(config({ EMBEDDING_MODEL: 'missing', MODEL_DIR: path.join(tmp, 'empty-model'), MODEL_CACHE_DIR: tmp }));
    expect(find(bad, 'embedding model')).toMatchObject({ status: 'fail', fix: expect.stringContaining('MODEL_DIR') });
  }, 60_000);

  it('asks Telegram: the bot, inline mode and webhook; a last delivery error is a warning; a wrong token or no answer fails', async () => {
    const ok = await runDoctor(config({ TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: telegramRoot }));
    expect(find(ok, 'Telegram')).toMatchObject({ status: 'ok', detail: expect.stringMatching(/@news_test_bot, inline mode on, no webhook \(long polling\), 3 update/) });
    webhookError = 'Connection refused';
    const warned = await runDoctor(config({ TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: telegramRoot }));
    webhookError = null;
    expect(find(warned, 'Telegram')).toMatchObject({ status: 'warn', detail: expect.stringContaining('Connection refused') });
    const wrong = await runDoctor(config({ TELEGRAM_BOT_TOKEN: '999:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef', TELEGRAM_API_ROOT: telegramRoot }));
    expect(find(wrong, 'Telegram')).toMatchObject({ status: 'fail', fix: expect.stringContaining('@BotFather') });
    // A port nothing listens on.
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const down = await runDoctor(config({ TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: `http://127.0.0.1:${port}` }), { timeoutSeconds: 5 });
    expect(find(down, 'Telegram')).toMatchObject({ status: 'fail', detail: expect.stringContaining('could not be reached') });
    for (const c of [...ok, ...wrong, ...down]) expect(c.detail + (c.fix ?? '')).not.toContain('ABCDEFGHIJKLMNOPQRSTUVWXYZ');
  }, 30_000);

  it('checks a language model endpoint: a one-token completion; a model the server does not list is a warning; a 500 fails', async () => {
    const fake = await startFakeLlm(scenarios.faithful(), 'llama3.1:8b');
    try {
      const ok = await runDoctor(config({ LLM_BASE_URL: fake.baseUrl, LLM_MODEL: 'llama3.1:8b', LLM_API_KEY: 'local-secret-key-123' }));
      expect(find(ok, 'language model')).toMatchObject({ status: 'ok', detail: expect.stringMatching(/llama3\.1:8b at .*one-token completion/) });
      expect(fake.requests.some((r) => r.body?.max_tokens === 1)).toBe(true);
      const unlisted = await runDoctor(config({ LLM_BASE_URL: fake.baseUrl, LLM_MODEL: 'qwen3:4b' }));
      expect(find(unlisted, 'language model')).toMatchObject({ status: 'warn', fix: expect.stringContaining('LLM_MODEL') });
      fake.use(scenarios.serverError());
      const failing = await runDoctor(config({ LLM_BASE_URL: fake.baseUrl, LLM_MODEL: 'llama3.1:8b', LLM_API_KEY: 'local-secret-key-123' }));
      expect(find(failing, 'language model').status).toBe('fail');
      for (const c of [...ok, ...failing]) expect(c.detail + (c.fix ?? '')).not.toContain('local-secret-key-123');
    } finally {
      await fake.close();
    }
  }, 30_000);

  it('fails an unreachable language model endpoint, saying how to fix it', async () => {
    const checks = await runDoctor(config({ LLM_BASE_URL: 'http://127.0.0.1:9/v1', LLM_MODEL: 'llama3.1:8b' }), { timeoutSeconds: 3 });
    expect(find(checks, 'language model')).toMatchObject({ status: 'fail', fix: expect.stringContaining('LLM_BASE_URL') });
  }, 20_000);

  it('prints one screen and exits 1 on a bad setting or a failed check, 0 otherwise', async () => {
    let out = '';
    const sink = { write: (s: string) => ((out += s), true) } as unknown as NodeJS.WritableStream;
    expect(await doctorMain({ CORPUS_DIR: REPO_CORPUS, INDEX_DIR: path.join(tmp, 'x'), LOG_LEVEL: 'loud' }, sink)).toBe(1);
    expect(out).toMatch(/✗ settings +LOG_LEVEL="loud" is not valid/);
    out = '';
    expect(await doctorMain({ CORPUS_DIR: REPO_CORPUS, INDEX_DIR: path.join(tmp, 'x'), EMBEDDING_MODEL: 'none' }, sink)).toBe(0);
    expect(out).toMatch(/Ready, with 1 warning/);
    expect(formatDoctor([{ name: 'a', status: 'fail', detail: 'd', fix: 'f' }])).toMatch(/✗ a  d\n +→ f\n\n1 problem/);
  });
});
