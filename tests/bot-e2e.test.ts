/**
 * End-to-end over real HTTP on 127.0.0.1 only: the telegram-test-api emulator plays the Bot API
 * server (TELEGRAM_API_ROOT points at it) and the user's client; the bot runs through the same
 * `runBot` `npm start` uses (long polling via @grammyjs/runner), over the real engine. Webhook mode
 * is exercised with updates POSTed the way Telegram does (secret header, re-delivery), the bot's
 * replies still going to the emulator. Finally `npm start`'s entry point itself is spawned, for
 * the bot (SIGTERM stops it cleanly) and for the console chat (no token, piped questions).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The package's main entry is `module.exports = TelegramServer`; the named class is typed and importable here.
import { TelegramServer } from 'telegram-test-api/lib/telegramServer.js';
import type { Update } from 'grammy/types';
import { createBot } from '../src/bot/create-bot.js';
import { createMemoryFeedbackSink } from '../src/bot/feedback.js';
import { htmlToPlain } from '../src/bot/format.js';
import { runBot, type BotHandle } from '../src/bot/run.js';
import { silentLogger } from '../src/log.js';
import type { Engine } from '../src/types.js';
import { botConfig } from './helpers/bot-harness.js';
import { createTestEngine, type TestEngine } from './helpers/engine.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const HOST = '127.0.0.1';
const TOKEN = '987654321:e2eTokenAAAAbbbbCCCCddddEEEE';
const QUESTION = 'ماذا قال شي عن العلاقات مع روسيا؟';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, HOST, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function waitFor<T>(probe: () => T | undefined | false, what: string, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

type Stored = { messageId: number; message: { chat_id: number | string; text: string; parse_mode?: string; reply_markup?: any; reply_parameters?: any; link_preview_options?: any } };

async function startEmulator(): Promise<TelegramServer> {
  const server = new TelegramServer({ port: await freePort(), host: HOST, storeTimeout: 600 });
  await server.start();
  expect(server.config.apiURL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  return server;
}

/** The bot's messages to `chatId` stored by the emulator, from index `from`. */
function botMessages(server: TelegramServer, token: string, chatId: number): Stored[] {
  return (server.storage.botMessages as unknown as Array<Stored & { botToken: string }>).filter(
    (m) => m.botToken === token && String(m.message.chat_id) === String(chatId),
  );
}

async function nextBotMessage(server: TelegramServer, token: string, chatId: number, seen: number): Promise<Stored> {
  return waitFor(() => botMessages(server, token, chatId)[seen], `bot message #${seen + 1} in chat ${chatId}`);
}

const slow = (engine: Engine, ms: number, started?: () => void): Engine => ({
  ...engine,
  ask: async (q, c) => {
    started?.();
    await new Promise((r) => setTimeout(r, ms));
    return engine.ask(q, c);
  },
  info: () => engine.info(),
  chunk: (id) => engine.chunk(id),
  retrieve: (q, c) => engine.retrieve(q, c),
  reindex: () => engine.reindex(),
  close: () => engine.close(),
});

let te: TestEngine;
beforeAll(async () => {
  te = await createTestEngine();
});
afterAll(async () => {
  await te?.cleanup();
});

describe('long polling against the emulator', () => {
  let server: TelegramServer;
  let handle: BotHandle;
  const feedback = createMemoryFeedbackSink();

  beforeAll(async () => {
    server = await startEmulator();
    const bot = createBot(botConfig({ telegramToken: TOKEN, telegramApiRoot: server.config.apiURL }), { engine: te.engine, log: silentLogger(), feedback });
    handle = await runBot(bot, { webhookUrl: null, webhookSecret: null, webhookHost: HOST, webhookPort: 0 }, silentLogger());
    expect(handle.mode).toBe('polling');
  });
  afterAll(async () => {
    await handle?.stop();
    await server?.stop();
  });

  it('/start in a private chat is answered with what the corpus covers', async () => {
    const client = server.getClient(TOKEN, { userId: 11, chatId: 11, firstName: 'Salma' });
    await client.sendCommand(client.makeCommand('/start'));
    const reply = await nextBotMessage(server, TOKEN, 11, 0);
    expect(reply.message.parse_mode).toBe('HTML');
    expect(reply.message.text).toContain(String(te.engine.info().articles.length));
    expect(reply.message.text).toContain(te.engine.info().dateRange.to!);
  });

  it('answers a private question with a citation; a source button shows the passage; 👍 is recorded', async () => {
    const client = server.getClient(TOKEN, { userId: 12, chatId: 12 });
    await client.sendMessage(client.makeMessage(QUESTION));
    const answer = await nextBotMessage(server, TOKEN, 12, 0);
    expect(answer.message.text).toMatch(/\[1\]/);
    expect(answer.message.link_preview_options).toEqual({ is_disabled: true });
    const buttons = (answer.message.reply_markup.inline_keyboard as any[][]).flat();
    const source = buttons.find((b) => b.callback_data.startsWith('src:'));
    expect(source).toBeDefined();
    const chunk = te.engine.chunk(source.callback_data.slice(4))!;

    await client.sendCallback(client.makeCallbackQuery(source.callback_data, { message: { message_id: answer.messageId, reply_markup: answer.message.reply_markup } as any }));
    const passage = await nextBotMessage(server, TOKEN, 12, 1);
    expect(htmlToPlain(passage.message.text)).toContain(chunk.text);
    expect(passage.message.reply_parameters).toMatchObject({ message_id: answer.messageId });

    const up = buttons.find((b) => b.callback_data.startsWith('fb:+:'));
    await client.sendCallback(client.makeCallbackQuery(up.callback_data, { message: { message_id: answer.messageId } as any }));
    await waitFor(() => feedback.entries.length > 0, 'a feedback entry');
    expect(feedback.entries[0]).toMatchObject({ vote: 'up', question: QUESTION, userId: 12 });
    expect(feedback.entries[0]!.files).toContain(chunk.docId);
  });

  it('answers /ask in a group with a citation and stays silent on chatter', async () => {
    const client = server.getClient(TOKEN, { userId: 13, chatId: -1013, type: 'group', chatTitle: 'Readers' });
    await client.sendMessage(client.makeMessage('مرحبا بالجميع'));
    await client.sendCommand(client.makeCommand(`/ask ${QUESTION}`));
    const answer = await nextBotMessage(server, TOKEN, -1013, 0);
    expect(answer.message.text).toMatch(/\[1\]/);
    await new Promise((r) => setTimeout(r, 700));
    expect(botMessages(server, TOKEN, -1013)).toHaveLength(1);
  });

  it('stop() stops fetching and finishes the answer in flight', async () => {
    const s2 = await startEmulator();
    const token = '987654322:e2eTokenStopStopStopStopStop';
    let asked = false;
    const bot = createBot(botConfig({ telegramToken: token, telegramApiRoot: s2.config.apiURL }), {
      engine: slow(te.engine, 600, () => (asked = true)),
      log: silentLogger(),
      feedback,
    });
    const h = await runBot(bot, { webhookUrl: null, webhookSecret: null, webhookHost: HOST, webhookPort: 0 }, silentLogger(), { registerCommands: false });
    const client = s2.getClient(token, { userId: 14, chatId: 14 });
    await client.sendMessage(client.makeMessage(QUESTION));
    await waitFor(() => asked, 'the question to reach the engine');
    expect(h.inFlight()).toBe(1);
    await h.stop();
    expect(botMessages(s2, token, 14)).toHaveLength(1);
    expect(botMessages(s2, token, 14)[0]!.message.text).toMatch(/\[1\]/);
    // Nothing is fetched any more.
    await client.sendMessage(client.makeMessage('سؤال بعد التوقف'));
    await new Promise((r) => setTimeout(r, 700));
    expect(botMessages(s2, token, 14)).toHaveLength(1);
    await s2.stop();
  });
});

describe('webhook mode', () => {
  let server: TelegramServer;
  let handle: BotHandle;
  let asks = 0;
  const token = '987654323:e2eTokenHookHookHookHookHook';
  const secret = 'hook-secret_123';
  let url: string;
  let updateId = 5000;
  const post = (update: Omit<Update, 'update_id'> & { update_id?: number }, secretHeader: string | null = secret) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(secretHeader ? { 'x-telegram-bot-api-secret-token': secretHeader } : {}) },
      body: JSON.stringify({ update_id: update.update_id ?? updateId++, ...update }),
    });
  const message = (chatId: number, text: string, messageId: number) =>
    ({
      message: { message_id: messageId, date: Math.floor(Date.now() / 1000), chat: { id: chatId, type: 'private', first_name: 'W' }, from: { id: chatId, is_bot: false, first_name: 'W' }, text },
    }) as Omit<Update, 'update_id'>;

  beforeAll(async () => {
    server = await startEmulator();
    const bot = createBot(botConfig({ telegramToken: token, telegramApiRoot: server.config.apiURL }), {
      engine: slow(te.engine, 400, () => asks++),
      log: silentLogger(),
      feedback: createMemoryFeedbackSink(),
    });
    const port = await freePort();
    handle = await runBot(
      bot,
      { webhookUrl: `https://bot.example.org/tg/hook`, webhookSecret: secret, webhookHost: HOST, webhookPort: port },
      silentLogger(),
      { setWebhook: false, registerCommands: false, webhookResponseMs: 50 },
    );
    expect(handle.mode).toBe('webhook');
    expect(handle.address?.address).toBe(HOST);
    url = `http://${HOST}:${handle.address!.port}/tg/hook`;
  });
  afterAll(async () => {
    await handle?.stop();
    await server?.stop();
  });

  it('checks the secret token header', async () => {
    expect((await post(message(21, QUESTION, 1), null)).status).toBe(401);
    expect((await post(message(21, QUESTION, 2), 'wrong')).status).toBe(401);
    expect((await fetch(`http://${HOST}:${handle.address!.port}/elsewhere`, { method: 'POST', body: '{}' })).status).toBe(404);
    await new Promise((r) => setTimeout(r, 600));
    expect(botMessages(server, token, 21)).toHaveLength(0);
    expect(asks).toBe(0);
  });

  it('answers once when Telegram re-delivers an update that takes long to answer', async () => {
    const update = { update_id: 777, ...message(22, QUESTION, 3) };
    const first = await post(update);
    expect(first.status).toBe(200); // answered after webhookResponseMs, while the answer is still being prepared
    expect(handle.inFlight()).toBe(1);
    expect((await post(update)).status).toBe(200); // the re-delivery
    await nextBotMessage(server, token, 22, 0);
    await new Promise((r) => setTimeout(r, 600));
    expect(botMessages(server, token, 22)).toHaveLength(1);
    expect(botMessages(server, token, 22)[0]!.message.text).toMatch(/\[1\]/);
  });

  it('stop() refuses new updates, finishes the answer in flight, then closes the server', async () => {
    expect((await post(message(23, QUESTION, 4))).status).toBe(200);
    expect(handle.inFlight()).toBe(1);
    const stopping = handle.stop();
    expect((await post(message(24, QUESTION, 5))).status).toBe(503);
    await stopping;
    expect(botMessages(server, token, 23)).toHaveLength(1);
    expect(botMessages(server, token, 24)).toHaveLength(0);
    await expect(fetch(url, { method: 'POST', body: '{}' })).rejects.toThrow();
  });
});

describe('npm start (src/main.ts as a child process)', () => {
  const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx');
  let tmp: string;
  beforeAll(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'bot-main-'));
  });
  afterAll(async () => {
    await fs.rm(tmp, { recursive: true, force: true });
  });
  const env = (extra: Record<string, string>) => ({
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? tmp,
    CORPUS_DIR: te.corpusDir,
    INDEX_DIR: path.join(tmp, 'index'),
    EMBEDDING_MODEL: 'none',
    MODEL_DIR: '',
    WEBHOOK_URL: '',
    WEBHOOK_SECRET: '',
    ALLOWED_CHAT_IDS: '',
    ADMIN_IDS: '',
    FEEDBACK_LOG: path.join(tmp, 'feedback.log'),
    LOG_LEVEL: 'info',
    TELEGRAM_API_ROOT: '',
    TELEGRAM_BOT_TOKEN: '',
    ...extra,
  });

  it('runs the bot with TELEGRAM_BOT_TOKEN and TELEGRAM_API_ROOT, and exits 0 on SIGTERM', async () => {
    const server = await startEmulator();
    const token = '987654324:e2eTokenMainMainMainMainMain';
    const child = spawn(tsx, ['src/main.ts'], { cwd: ROOT, env: env({ TELEGRAM_BOT_TOKEN: token, TELEGRAM_API_ROOT: server.config.apiURL }) });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', (d) => (stdout += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await waitFor(() => stderr.includes('bot running'), 'the bot to start', 150_000);
      const client = server.getClient(token, { userId: 31, chatId: 31 });
      await client.sendCommand(client.makeCommand('/start'));
      await client.sendMessage(client.makeMessage(QUESTION));
      await nextBotMessage(server, token, 31, 1);
      const [start, answer] = botMessages(server, token, 31);
      expect(start!.message.text).toContain(String(te.engine.info().articles.length));
      expect(answer!.message.text).toMatch(/\[1\]/);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(stderr).toContain('bot stopped');
      expect(stderr).toContain('engine closed');
      expect(stderr + stdout).not.toContain(token.split(':')[1]);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await server.stop();
    }
  }, 240_000); // 2-3 s here, 15-25 s on the CI host: the timeout is for a hang only

  it('runs the console chat without a token: banner, answers with sources, exit at EOF', async () => {
    const child = spawn(tsx, ['src/main.ts'], { cwd: ROOT, env: env({}) });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', () => {});
    child.stdin.end(`${QUESTION}\n/sources\n/status\n`);
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(0);
    const [banner, ...rest] = stdout.split('\n');
    expect(banner).toMatch(/TELEGRAM_BOT_TOKEN/);
    const body = rest.join('\n');
    expect(body).toMatch(/\[1\]/);
    expect(body).toContain('المصادر');
    for (const a of te.engine.info().articles) expect(body).toContain(a.file);
    expect(body).not.toMatch(/<b>|&lt;|&quot;/);
  }, 240_000); // 2-3 s here, 15-25 s on the CI host: the timeout is for a hang only
});
