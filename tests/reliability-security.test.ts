/**
 * Security: the bot token never reaches a log line, an error message or a chat (the product's
 * own redacting logger, capturing; failing API calls in-process and against a real HTTP server
 * on 127.0.0.1); the allowlist holds for every update type; forged callback data reads nothing
 * outside the index and never touches the file system; only ADMIN_IDS may /reindex, however
 * the command arrives; editing or forwarding cannot get around the rate limit.
 * (Corpus symlinks and files swapped for links are in tests/reliability-index.test.ts.)
 */
import fs, { promises as fsp } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Chat, Message, Update, User } from 'grammy/types';
import { createBot } from '../src/bot/create-bot.js';
import { createMemoryFeedbackSink } from '../src/bot/feedback.js';
import { t } from '../src/bot/i18n.js';
import { runBot } from '../src/bot/run.js';
import { createLogger, type Logger } from '../src/log.js';
import type { Engine, IndexChanges } from '../src/types.js';
import { ADMIN, BOT_INFO, botConfig, CHANNEL, createHarness, EN_USER, GROUP, SUPERGROUP, spyEngine, textMessage, TOKEN, updates, USER } from './helpers/bot-harness.js';
import { createTestEngine, type TestEngine } from './helpers/engine.js';
import { FakeEngine } from './helpers/fake-engine.js';
import { checkCall } from './helpers/telegram-rules.js';

const SECRET_PART = TOKEN.split(':')[1]!;

/** The product's logger (redaction included) writing every line into `lines`. */
function productLog(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  return { log: createLogger({ level: 'trace', destination: { write: (s: string) => void lines.push(s) } }), lines };
}


let te: TestEngine;
beforeAll(async () => {
  te = await createTestEngine();
});
afterAll(async () => {
  await te?.cleanup();
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe('the bot token never appears in logs or error messages', () => {
  it('failing API calls (token in the URL of the transport error, in the description) and a failing engine', async () => {
    const { log, lines } = productLog();
    let call = 0;
    const fakeFetch = async (url: string) => {
      call++;
      if (call % 3 === 1) throw Object.assign(new Error(`request to ${url} failed, reason: socket hang up`), { code: 'ECONNRESET', type: 'system', name: 'FetchError' });
      if (call % 3 === 2) return { json: async () => ({ ok: false, error_code: 401, description: `Unauthorized: bot${TOKEN} is not valid (url ${url})` }) };
      return { json: async () => ({ ok: false, error_code: 500, description: `Internal Server Error at ${url}` }) };
    };
    const engine = new FakeEngine({
      answer: () => {
        const error = new Error(`engine failed while using ${TOKEN}`);
        (error as { cause?: unknown }).cause = { deep: { deeper: { deepest: { further: { hidden: `tok ${TOKEN}` } } } } };
        throw error;
      },
    });
    const bot = createBot(botConfig(), { engine, log, feedback: createMemoryFeedbackSink(), botInfo: BOT_INFO, client: { fetch: fakeFetch as never } });
    const sent: string[] = [];
    bot.api.config.use(async (prev, method, payload, signal) => {
      sent.push(JSON.stringify(payload));
      return prev(method, payload, signal);
    });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    try {
      for (let i = 0; i < 3; i++) {
        const done = bot.handleUpdate({ update_id: i + 1, ...updates.text(`question ${i}`, { from: EN_USER }) } as Update);
        await vi.advanceTimersByTimeAsync(120_000);
        await done;
      }
    } finally {
      vi.useRealTimers();
    }
    // A deeply nested value is redacted too.
    log.info({ a: { b: { c: { d: { e: { f: { g: `x ${TOKEN} y` } } } } } } }, 'deep');
    log.error(new Error(`thrown with ${TOKEN}`));
    expect(lines.length).toBeGreaterThan(5);
    expect(lines.join('\n')).toContain('<redacted-token>');
    expect(lines.join('\n')).not.toContain(SECRET_PART);
    expect(sent.join('\n')).not.toContain(SECRET_PART);
  });

  describe('against a Bot API server on 127.0.0.1', () => {
    let server: http.Server;
    let root: string;
    let mode: 'unauthorized' | 'flaky' = 'unauthorized';
    beforeAll(async () => {
      server = http.createServer((req, res) => {
        const method = req.url!.split('/').pop();
        const json = (body: unknown, status = 200) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
        if (mode === 'unauthorized') return json({ ok: false, error_code: 401, description: `Unauthorized (${req.url})` }, 401);
        if (method === 'getMe') return json({ ok: true, result: BOT_INFO });
        if (method === 'getUpdates') return req.socket.destroy();
        return json({ ok: true, result: true });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      root = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('a rejected token: the startup error and the logs name no token', async () => {
      mode = 'unauthorized';
      const { log, lines } = productLog();
      const bot = createBot(botConfig({ telegramApiRoot: root }), { engine: new FakeEngine(), log, feedback: createMemoryFeedbackSink() });
      const error = await runBot(bot, { webhookUrl: null, webhookSecret: null, webhookHost: '127.0.0.1', webhookPort: 0 }, log, { registerCommands: false }).then(
        () => null,
        (e: unknown) => e as Error,
      );
      expect(error?.message).toMatch(/rejected the bot token/);
      expect(`${error?.message}\n${error?.stack}`).not.toContain(SECRET_PART);
      expect(lines.join('\n')).not.toContain(SECRET_PART);
    });

    it('getUpdates failing with resets, and a webhook path holding the token: nothing logged names it', async () => {
      mode = 'flaky';
      const { log, lines } = productLog();
      const bot = createBot(botConfig({ telegramApiRoot: root }), { engine: new FakeEngine(), log, feedback: createMemoryFeedbackSink() });
      const handle = await runBot(bot, { webhookUrl: null, webhookSecret: null, webhookHost: '127.0.0.1', webhookPort: 0 }, log, { registerCommands: false, pollTimeoutSeconds: 1 });
      const deadline = Date.now() + 5_000;
      while (!lines.some((l) => l.includes('getUpdates failed')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      await handle.stop();
      expect(lines.some((l) => l.includes('getUpdates failed'))).toBe(true);

      const hook = createBot(botConfig({ telegramApiRoot: root }), { engine: new FakeEngine(), log, feedback: createMemoryFeedbackSink() });
      const webhook = await runBot(
        hook,
        { webhookUrl: `https://example.org/bot${TOKEN}`, webhookSecret: 'secret_1', webhookHost: '127.0.0.1', webhookPort: 0 },
        log,
        { registerCommands: false, setWebhook: false },
      );
      await webhook.stop();
      expect(lines.some((l) => l.includes('bot running (webhook)'))).toBe(true);
      expect(lines.join('\n')).not.toContain(SECRET_PART);
    });
  });
});

describe('the allowlist holds for every update type', () => {
  const OUTSIDER: User = { id: 9999, is_bot: false, first_name: 'Out', language_code: 'en' };
  const outsiderChat: Chat.PrivateChat = { id: OUTSIDER.id, type: 'private', first_name: 'Out' };
  const FOREIGN_GROUP: Chat.GroupChat = { id: -424242, type: 'group', title: 'Foreign' };

  it('refuses outsiders everywhere, reveals nothing from the articles, and never asks the engine', async () => {
    const spied = spyEngine(te.engine);
    const h = createHarness({ engine: spied.engine, config: { allowedChatIds: new Set([GROUP.id, USER.id]) } });
    const titles = te.engine.info().articles.map((a) => a.title!).filter(Boolean);
    const answerMessage = { message_id: 5, date: 0, chat: outsiderChat, from: BOT_INFO, text: 'x' } as Message.TextMessage;
    const chunkId = [...te.engine.info().articles][0]!.file + '#0.0';
    const cases: Array<[string, Omit<Update, 'update_id'>, 'notAllowed' | 'alert' | 'emptyInline' | 'silence']> = [
      ['private question', updates.text('ماذا قال بوتين؟', { from: OUTSIDER }), 'notAllowed'],
      ['/start', updates.text('/start', { from: OUTSIDER }), 'notAllowed'],
      ['/help', updates.text('/help', { from: OUTSIDER }), 'notAllowed'],
      ['/sources', updates.text('/sources', { from: OUTSIDER }), 'notAllowed'],
      ['/status', updates.text('/status', { from: OUTSIDER }), 'notAllowed'],
      ['/reindex', updates.text('/reindex', { from: OUTSIDER }), 'notAllowed'],
      ['/ask in a foreign group', updates.text('/ask ماذا قال بوتين؟', { chat: FOREIGN_GROUP, from: OUTSIDER }), 'silence'],
      ['/sources in a foreign group', updates.text('/sources', { chat: FOREIGN_GROUP, from: OUTSIDER }), 'silence'],
      ['a mention in a foreign supergroup', updates.text(`@${BOT_INFO.username} بوتين`, { chat: SUPERGROUP, from: OUTSIDER }), 'silence'],
      ['/ask in a foreign channel', updates.channelPost('/ask بوتين', CHANNEL), 'silence'],
      ['a forwarded question', { message: { ...textMessage('ماذا قال بوتين؟', { from: OUTSIDER }), forward_origin: { type: 'user', date: 1, sender_user: USER } } } as Omit<Update, 'update_id'>, 'notAllowed'],
      ['an edited question', { edited_message: { ...textMessage('ماذا قال بوتين؟', { from: OUTSIDER }), edit_date: 2 } } as Omit<Update, 'update_id'>, 'silence'],
      ['a photo', updates.media('photo', { from: OUTSIDER }), 'notAllowed'],
      ['a source button', updates.callback(`src:${chunkId}`, answerMessage, OUTSIDER), 'alert'],
      ['a source button under an inline message', updates.callback(`src:${chunkId}`, undefined, OUTSIDER), 'alert'],
      ['a vote', updates.callback('fb:+:x', answerMessage, OUTSIDER), 'alert'],
      ['an inline query', updates.inline('ماذا قال بوتين عن الصين؟', OUTSIDER), 'emptyInline'],
    ];
    for (const [name, update, outcome] of cases) {
      const mark = h.mark();
      await h.send(update);
      const calls = h.calls.slice(mark);
      for (const c of calls) checkCall(c);
      const texts = calls.map((c) => JSON.stringify(c.payload));
      for (const title of titles) expect(texts.join('\n'), name).not.toContain(title);
      if (outcome === 'silence') expect(calls, name).toEqual([]);
      if (outcome === 'notAllowed') expect(calls.map((c) => c.payload.text), name).toEqual([t('en').notAllowed(OUTSIDER.id)]);
      if (outcome === 'alert') expect(calls.map((c) => [c.method, c.payload.text, c.payload.show_alert]), name).toEqual([['answerCallbackQuery', t('en').notAllowedShort, true]]);
      if (outcome === 'emptyInline') expect(calls.map((c) => [c.method, c.payload.results]), name).toEqual([['answerInlineQuery', []]]);
    }
    expect(spied.asks).toEqual([]);
    expect(spied.reindexes()).toBe(0);
    expect(h.feedback.entries).toEqual([]);

    // Allowed: the listed user anywhere, anyone in the listed group, administrators anywhere.
    await h.send(updates.text('ماذا قال شي عن العلاقات مع روسيا؟'));
    await h.send(updates.text('/ask ماذا قال شي عن العلاقات مع روسيا؟', { chat: GROUP, from: OUTSIDER }));
    await h.send(updates.text('ماذا قال شي عن العلاقات مع روسيا؟', { from: ADMIN }));
    await h.send(updates.inline('ماذا قال شي عن العلاقات مع روسيا؟', USER));
    expect(spied.asks).toHaveLength(4);
  });
});

describe('forged callback data reads nothing outside the index', () => {
  it('path tricks, ids of files outside the corpus, guessed keys: "source gone", no file touched, only indexed text shown', async () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'forged-'));
    const secret = 'كلمة_سرية_خارج_المجلد';
    fs.writeFileSync(path.join(outside, 'secret.txt'), `عنوان\n${secret} ${secret}.\n`);
    const h = createHarness({ engine: te.engine });
    await h.send(updates.text('ماذا قال شي عن العلاقات مع روسيا؟'));
    const answer = h.botMessage(h.sent('sendMessage')[0]!);
    const chunkIds = te.engine.info().articles.map((a) => `${a.file}#0.0`);
    const forged = [
      `src:${path.join(outside, 'secret.txt')}#0.0`,
      `src:../${path.basename(outside)}/secret.txt#0.0`,
      'src:../../../../etc/passwd#0.0',
      'src:/etc/passwd',
      `src:${chunkIds[0]}/../../secret.txt#0.0`,
      `src:${chunkIds[0]}\u0000.txt`,
      'src:secret.txt#0.0',
      'src:',
      'src:#',
      ...Array.from({ length: 40 }, (_, i) => `src:~${i.toString(36)}`),
      'src:~../../secret',
    ];
    const spies = [vi.spyOn(fsp, 'open'), vi.spyOn(fsp, 'readFile'), vi.spyOn(fs, 'openSync'), vi.spyOn(fs, 'readFileSync')];
    const mark = h.mark();
    for (const data of forged) await h.send(updates.callback(data, answer));
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    const calls = h.calls.slice(mark);
    for (const c of calls) checkCall(c);
    expect(JSON.stringify(calls)).not.toContain(secret);
    expect(JSON.stringify(calls)).not.toContain('root:');
    // Every press got the "source gone" alert (no key was ever issued for this short answer).
    const alerts = calls.filter((c) => c.method === 'answerCallbackQuery');
    expect(alerts).toHaveLength(forged.length);
    for (const a of alerts) expect(a.payload.text).toBe(t('ar').sourceGone);
    expect(h.sent('sendMessage', mark)).toEqual([]);
    fs.rmSync(outside, { recursive: true, force: true });
  });
});

describe('only ADMIN_IDS may /reindex', () => {
  it('refuses every other way of sending it, and runs one reindex at a time for an administrator', async () => {
    let release!: () => void;
    const slow = new Promise<void>((resolve) => (release = resolve));
    const changes: IndexChanges = { added: [], changed: [], removed: [], skipped: [], rebuilt: false, chunks: 1, seconds: 0 };
    const engine = new FakeEngine({ reindex: async () => (await slow, changes) });
    let reindexes = 0;
    const counted: Engine = Object.assign(Object.create(engine) as Engine, {
      reindex: () => {
        reindexes++;
        return engine.reindex();
      },
    });
    const h = createHarness({ engine: counted, config: { allowedChatIds: new Set([GROUP.id, USER.id]) } });
    const adminOnly = [t('ar').adminOnly, t('en').adminOnly];
    const refused: Array<[string, Omit<Update, 'update_id'>, 'adminOnly' | 'silence']> = [
      ['a listed user in private', updates.text('/reindex'), 'adminOnly'],
      ['in the listed group', updates.text('/reindex', { chat: GROUP }), 'adminOnly'],
      ['addressed to the bot', updates.text(`/reindex@${BOT_INFO.username}`, { chat: GROUP }), 'adminOnly'],
      ['with arguments', updates.text('/reindex --force', { chat: GROUP }), 'adminOnly'],
      ['forwarded from an administrator', { message: { ...textMessage('/reindex'), forward_origin: { type: 'user', date: 1, sender_user: ADMIN } } } as Omit<Update, 'update_id'>, 'adminOnly'],
      ['as a channel post', updates.channelPost('/reindex', { ...CHANNEL, id: GROUP.id } as Chat.ChannelChat), 'adminOnly'],
      ['an administrator editing an old message', { edited_message: { ...textMessage('/reindex', { from: ADMIN }), edit_date: 2 } } as Omit<Update, 'update_id'>, 'silence'],
      ['another bot', updates.text('/reindex', { chat: GROUP, from: { id: 5, is_bot: true, first_name: 'B', username: 'EvilBot' } }), 'silence'],
      ['an anonymous administrator of the group', { message: { ...textMessage('/reindex', { chat: SUPERGROUP, from: { id: 1087968824, is_bot: true, first_name: 'Group', username: 'GroupAnonymousBot' } }), sender_chat: GROUP } } as Omit<Update, 'update_id'>, 'adminOnly'],
    ];
    for (const [name, update, outcome] of refused) {
      const mark = h.mark();
      await h.send(update);
      const texts = h.texts(mark);
      if (outcome === 'silence') expect(h.calls.slice(mark), name).toEqual([]);
      else expect(texts.length === 1 && adminOnly.includes(texts[0]!), `${name}: ${JSON.stringify(texts)}`).toBe(true);
    }
    expect(reindexes).toBe(0);

    // An administrator: one reindex; a second request while it runs is told to wait.
    const first = h.send(updates.text('/reindex', { from: ADMIN }));
    await new Promise((r) => setTimeout(r, 10));
    const mark = h.mark();
    await h.send(updates.text('/reindex', { from: { ...ADMIN, language_code: 'en' }, chat: GROUP }));
    expect(h.texts(mark)).toEqual([t('en').reindexBusy]);
    release();
    await first;
    expect(reindexes).toBe(1);
  });
});

describe('the rate limit cannot be bypassed', () => {
  it('editing, forwarding, switching chats or sending media does not reset or skip the limit', async () => {
    const spied = spyEngine(te.engine);
    const h = createHarness({ engine: spied.engine, config: { rateLimitPerMinute: 2 } });
    const q1 = updates.text('ماذا قال بوتين؟', { from: EN_USER });
    await h.send(q1);
    await h.send(updates.text('ماذا قال شي؟', { from: EN_USER }));
    expect(spied.asks).toHaveLength(2);
    await h.send(updates.text('third question', { from: EN_USER }));
    expect(h.texts().at(-1)).toMatch(/slow down/);
    const mark = h.mark();
    // Edits of answered and of refused questions: ignored, not answered, not counted.
    for (let i = 0; i < 5; i++) {
      await h.send({ edited_message: { ...(q1.message as Message.TextMessage), text: `ماذا قال بوتين؟ ${i}`, edit_date: 10 + i } } as Omit<Update, 'update_id'>);
      await h.send({ edited_message: { ...textMessage(`@${BOT_INFO.username} edited ${i}`, { chat: GROUP, from: EN_USER }), edit_date: 10 + i } } as Omit<Update, 'update_id'>);
    }
    expect(h.calls.slice(mark)).toEqual([]);
    // Forwarded text, another chat, /ask in a group: still the same person, still limited (told once).
    await h.send({ message: { ...textMessage('ماذا قال لافروف؟', { from: EN_USER }), forward_origin: { type: 'user', date: 1, sender_user: USER } } } as Omit<Update, 'update_id'>);
    await h.send(updates.text('/ask ماذا قال لافروف؟', { chat: GROUP, from: EN_USER }));
    await h.send(updates.text(`@${BOT_INFO.username} لافروف`, { chat: SUPERGROUP, from: EN_USER }));
    expect(spied.asks).toHaveLength(2);
    expect(h.texts(mark)).toEqual([]);
    // A minute later: allowed again, exactly as many as the limit.
    h.clock.now += 60_000;
    for (let i = 0; i < 3; i++) await h.send(updates.text(`ماذا قال بوتين؟ ${i}`, { from: EN_USER }));
    expect(spied.asks).toHaveLength(4);
  });

  it('anonymous administrators are limited per group, not all together, and not as one shared bot user', async () => {
    const spied = spyEngine(te.engine);
    const h = createHarness({ engine: spied.engine, config: { rateLimitPerMinute: 1 } });
    const anon = (chat: Chat.SupergroupChat, text: string) =>
      ({ message: { ...textMessage(text, { chat, from: { id: 1087968824, is_bot: true, first_name: 'Group', username: 'GroupAnonymousBot' } }), sender_chat: chat } }) as Omit<Update, 'update_id'>;
    const other: Chat.SupergroupChat = { id: -100777, type: 'supergroup', title: 'Other' };
    await h.send(anon(SUPERGROUP, '/ask ماذا قال بوتين؟'));
    await h.send(anon(other, '/ask ماذا قال بوتين؟'));
    await h.send(anon(SUPERGROUP, '/ask ماذا قال شي؟'));
    expect(spied.asks.map((a) => a.question)).toEqual(['ماذا قال بوتين؟', 'ماذا قال بوتين؟']);
  });
});
