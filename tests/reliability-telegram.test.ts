/**
 * Telegram failing in each documented way, underneath the whole Bot API client: the bot is built
 * by the product's createBot with a fake `fetch` (the client's own transport), so every call goes
 * through grammY's client (JSON parsing, HttpError/GrammyError, its timeout) and the product's
 * transformers (retry of unsent requests, auto-retry, the failure logger). Time is faked, so a
 * retry_after of 5 s or a 60 s timeout costs nothing. Every scenario runs next to healthy chats,
 * which must each get exactly one answer whatever happens to the failing one.
 *
 * The last block checks, against a real HTTP server on 127.0.0.1, that the error shapes of the
 * real transport (connection refused, a proxy's HTML 502 page, a reset) are classified the way
 * the fake ones are.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { Api, HttpError } from 'grammy';
import type { Chat, Message, Update } from 'grammy/types';
import { API_TIMEOUT_SECONDS, createBot, isUnsent } from '../src/bot/create-bot.js';
import { createMemoryFeedbackSink } from '../src/bot/feedback.js';
import { t } from '../src/bot/i18n.js';
import { BOT_INFO, botConfig, GROUP, TOKEN, updates } from './helpers/bot-harness.js';
import { FakeEngine } from './helpers/fake-engine.js';
import { capturingLog, checkCall } from './helpers/telegram-rules.js';

/** What the fake Bot API does with one request. */
type Reply =
  | { ok: true } // the canned success
  | { status: number; json: Record<string, unknown> } // a Bot API error answer
  | { status: number; html: string } // a proxy's error page
  | { throw: 'ECONNREFUSED' | 'ECONNRESET' | 'ENOTFOUND' } // the transport fails
  | { hang: true }; // never answers (until the client gives up)

interface Request {
  method: string;
  payload: Record<string, any>;
  /** What the fake answered. */
  reply: Reply;
}

type Script = (req: { method: string; payload: Record<string, any> }, previous: Request[]) => Reply | undefined;

const apiError = (status: number, description: string, parameters?: Record<string, unknown>): Reply => ({
  status,
  json: { ok: false, error_code: status, description, ...(parameters ? { parameters } : {}) },
});

const ERROR = { ar: t('ar').error, en: t('en').error };

let nextMessageId = 50_000;

/** A bot over a fake Bot API transport driven by `script` (undefined = success). */
function faultyBot(script: Script) {
  const requests: Request[] = [];
  const captured = capturingLog('debug');
  const fakeFetch = async (url: string, init: { body?: string; signal?: AbortSignal }) => {
    const method = String(url).split('/').pop()!;
    const payload = init.body ? (JSON.parse(init.body) as Record<string, any>) : {};
    const reply = script({ method, payload }, requests) ?? { ok: true };
    requests.push({ method, payload, reply });
    if ('throw' in reply) {
      throw Object.assign(new Error(`request to ${url} failed, reason: ${reply.throw}`), { code: reply.throw, errno: reply.throw, type: 'system', name: 'FetchError' });
    }
    if ('hang' in reply) {
      return new Promise((_, reject) => init.signal?.addEventListener('abort', () => reject(Object.assign(new Error('The user aborted a request.'), { name: 'AbortError', type: 'aborted' }))));
    }
    if ('html' in reply) {
      return { status: reply.status, json: async () => JSON.parse(reply.html) };
    }
    if ('json' in reply) return { status: reply.status, json: async () => reply.json };
    let result: unknown = true;
    if (method === 'sendMessage') {
      const chat = payload.chat_id === GROUP.id ? GROUP : { id: payload.chat_id, type: 'private', first_name: 'x' };
      result = { message_id: nextMessageId++, date: 0, chat, from: BOT_INFO, text: payload.text, ...(payload.reply_markup ? { reply_markup: payload.reply_markup } : {}) };
    }
    return { status: 200, json: async () => ({ ok: true, result }) };
  };
  const bot = createBot(botConfig({ rateLimitPerMinute: 1000 }), {
    engine: new FakeEngine(),
    log: captured.log,
    feedback: createMemoryFeedbackSink(),
    clock: () => 0,
    botInfo: BOT_INFO,
    client: { fetch: fakeFetch as never },
  });
  let updateId = 1;
  return {
    bot,
    requests,
    captured,
    /** Starts handling an update; the promise settles once the bot is done with it. */
    handle(update: Omit<Update, 'update_id'>): Promise<void> {
      return bot.handleUpdate({ update_id: updateId++, ...update } as Update);
    },
    /** sendMessage requests to `chatId` that Telegram accepted. */
    delivered(chatId: number): Request[] {
      return requests.filter((r) => r.method === 'sendMessage' && r.payload.chat_id === chatId && 'ok' in r.reply);
    },
    attempts(chatId: number, method = 'sendMessage'): Request[] {
      return requests.filter((r) => r.method === method && r.payload.chat_id === chatId);
    },
  };
}

const privateChat = (id: number): Chat.PrivateChat => ({ id, type: 'private', first_name: `u${id}` });
const ask = (chatId: number, text = 'ماذا قال بوتين عن الصين؟') =>
  updates.text(text, { chat: privateChat(chatId), from: { id: chatId, is_bot: false, first_name: `u${chatId}`, language_code: 'ar' } });

/** Lets promises and due timers run, `ms` of fake time at most. */
const advance = (ms: number) => vi.advanceTimersByTimeAsync(ms);

/** Healthy chats asked alongside each scenario. */
const HEALTHY = [201, 202, 203];

function expectHealthyServed(b: ReturnType<typeof faultyBot>): void {
  for (const id of HEALTHY) {
    const got = b.delivered(id);
    expect(got, `healthy chat ${id}`).toHaveLength(1);
    expect(got[0]!.payload.text).toContain('[1]');
  }
}

function expectValidCalls(b: ReturnType<typeof faultyBot>): void {
  for (const r of b.requests) checkCall(r);
}

/** Chat 101's answer was refused once, sent again, and delivered exactly once, with no error logged. */
function expectAnsweredOnceAfterOneRetry(b: ReturnType<typeof faultyBot>): void {
  expect(b.attempts(101)).toHaveLength(2);
  expect(b.delivered(101)).toHaveLength(1);
  expect(b.delivered(101)[0]!.payload.text).toContain('[1]');
  expect(b.captured.errors()).toEqual([]);
  expectValidCalls(b);
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('Telegram faults (fake transport, fake time)', () => {
  it('429 with retry_after: waits as told, then answers exactly once; other chats are not held up', async () => {
    const b = faultyBot((req, prev) =>
      req.method === 'sendMessage' && req.payload.chat_id === 101 && !prev.some((p) => p.payload.chat_id === 101 && p.method === 'sendMessage')
        ? apiError(429, 'Too Many Requests: retry after 5', { retry_after: 5 })
        : undefined,
    );
    const failing = b.handle(ask(101));
    const healthy = HEALTHY.map((id) => b.handle(ask(id)));
    await advance(100);
    await Promise.all(healthy);
    expectHealthyServed(b);
    expect(b.delivered(101)).toHaveLength(0); // still waiting out retry_after
    await advance(4_000);
    expect(b.delivered(101)).toHaveLength(0);
    await advance(1_000);
    await failing;
    expectAnsweredOnceAfterOneRetry(b);
  });

  it('429 with retry_after beyond 60 s: gives up without waiting, logs, and serves the next question', async () => {
    let limited = true;
    const b = faultyBot((req) => (limited && req.method === 'sendMessage' && req.payload.chat_id === 101 ? apiError(429, 'Too Many Requests: retry after 3600', { retry_after: 3600 }) : undefined));
    const failing = b.handle(ask(101));
    const healthy = HEALTHY.map((id) => b.handle(ask(id)));
    await advance(100);
    await Promise.all([failing, ...healthy]);
    expectHealthyServed(b);
    expect(b.attempts(101)).toHaveLength(2); // the answer and the apology, each refused once
    expect(b.captured.errors().map((e) => e.msg)).toEqual(['error while handling an update']);
    limited = false;
    await b.handle(ask(101));
    expect(b.delivered(101)).toHaveLength(1);
  });

  for (const [name, failure] of [
    ['500 Internal Server Error', apiError(500, 'Internal Server Error')],
    ['502 Bad Gateway (JSON)', apiError(502, 'Bad Gateway')],
    ['502 Bad Gateway (a proxy HTML page)', { status: 502, html: '<html><body><h1>502 Bad Gateway</h1></body></html>' }],
    ['connection refused', { throw: 'ECONNREFUSED' }],
    ['host not found', { throw: 'ENOTFOUND' }],
  ] as Array<[string, Reply]>) {
    it(`${name} once: retried after a pause, answered exactly once`, async () => {
      let failed = false;
      const b = faultyBot((req) => {
        if (req.method !== 'sendMessage' || req.payload.chat_id !== 101 || failed) return undefined;
        failed = true;
        return failure;
      });
      const failing = b.handle(ask(101));
      const healthy = HEALTHY.map((id) => b.handle(ask(id)));
      await advance(100);
      await Promise.all(healthy);
      expectHealthyServed(b);
      await advance(10_000);
      await failing;
      expectAnsweredOnceAfterOneRetry(b);
    });
  }

  it('5xx that never ends: a bounded number of retries, then an error log; nothing hangs', async () => {
    const b = faultyBot((req) => (req.method === 'sendMessage' && req.payload.chat_id === 101 ? apiError(500, 'Internal Server Error') : undefined));
    const failing = b.handle(ask(101));
    const healthy = HEALTHY.map((id) => b.handle(ask(id)));
    await advance(100);
    await Promise.all(healthy);
    expectHealthyServed(b);
    // auto-retry: 3 retries after pauses of 3, 6, 12 and 24 s (45 s); then the apology, the same.
    await advance(200_000);
    await failing;
    expect(b.attempts(101)).toHaveLength(8);
    expect(b.captured.errors()).toHaveLength(1);
  });

  it('connection refused that never ends: three tries of the answer and of the apology, then an error log', async () => {
    const b = faultyBot((req) => (req.method === 'sendMessage' && req.payload.chat_id === 101 ? { throw: 'ECONNREFUSED' } : undefined));
    const failing = b.handle(ask(101));
    await advance(10_000);
    await failing;
    expect(b.attempts(101)).toHaveLength(6);
    expect(b.captured.errors()).toHaveLength(1);
  });

  it('connection reset while sending the answer: not repeated (Telegram may have sent it); the user gets the apology', async () => {
    let reset = false;
    const b = faultyBot((req) => {
      if (req.method !== 'sendMessage' || req.payload.chat_id !== 101 || reset) return undefined;
      reset = true;
      return { throw: 'ECONNRESET' };
    });
    const failing = b.handle(ask(101));
    const healthy = HEALTHY.map((id) => b.handle(ask(id)));
    await advance(100);
    await Promise.all([failing, ...healthy]);
    expectHealthyServed(b);
    const sent = b.attempts(101);
    expect(sent).toHaveLength(2);
    expect(sent[1]!.payload.text).toBe(ERROR.ar);
    expect(b.delivered(101)).toHaveLength(1);
    expectValidCalls(b);
  });

  it(`a request that never gets an answer times out after ${API_TIMEOUT_SECONDS} s, then the apology; other chats are served meanwhile`, async () => {
    let hung = false;
    const b = faultyBot((req) => {
      if (req.method !== 'sendMessage' || req.payload.chat_id !== 101 || hung) return undefined;
      hung = true;
      return { hang: true };
    });
    let settled = false;
    const failing = b.handle(ask(101)).then(() => void (settled = true));
    const healthy = HEALTHY.map((id) => b.handle(ask(id)));
    await advance(100);
    await Promise.all(healthy);
    expectHealthyServed(b);
    await advance((API_TIMEOUT_SECONDS - 1) * 1000);
    expect(settled).toBe(false);
    await advance(2_000);
    await failing;
    const sent = b.attempts(101);
    expect(sent).toHaveLength(2);
    expect(sent[1]!.payload.text).toBe(ERROR.ar);
    expect(b.delivered(101)).toHaveLength(1);
  });

  it('a typing indicator that hangs or fails never delays or stops the answer', async () => {
    const b = faultyBot((req) => (req.method === 'sendChatAction' ? (req.payload.chat_id === 101 ? { hang: true } : apiError(500, 'Internal Server Error')) : undefined));
    await Promise.all([b.handle(ask(101)), b.handle(ask(102))]);
    expect(b.delivered(101)).toHaveLength(1);
    expect(b.delivered(102)).toHaveLength(1);
    expect(b.captured.errors()).toEqual([]);
    await advance(API_TIMEOUT_SECONDS * 1000); // let the hung indicator time out quietly
    expect(b.captured.errors()).toEqual([]);
  });

  for (const [name, description, chat] of [
    ['403 blocked by the user', 'Forbidden: bot was blocked by the user', 'private'],
    ['403 removed from the group', 'Forbidden: bot was kicked from the group chat', 'group'],
    ['400 chat not found', 'Bad Request: chat not found', 'private'],
  ] as const) {
    it(`${name}: no apology into a chat that cannot be written to, a warning, and every other chat served`, async () => {
      const failingChat = chat === 'group' ? GROUP.id : 101;
      const status = description.startsWith('Forbidden') ? 403 : 400;
      const b = faultyBot((req) => (req.method === 'sendMessage' && req.payload.chat_id === failingChat ? apiError(status, description) : undefined));
      const question = chat === 'group' ? updates.text('/ask ماذا قال بوتين؟', { chat: GROUP }) : ask(101);
      await Promise.all([b.handle(question), ...HEALTHY.map((id) => b.handle(ask(id)))]);
      expectHealthyServed(b);
      expect(b.attempts(failingChat)).toHaveLength(1); // the answer only: no retry, no apology
      expect(b.captured.errors()).toEqual([]);
      const warning = b.captured.records().find((r) => r.level === 40 && /cannot write to this chat/.test(r.msg));
      expect(warning).toMatchObject({ chatId: failingChat, code: status });
    });
  }

  it("400 can't parse entities: the same text goes out once more as plain text", async () => {
    const b = faultyBot((req) =>
      req.method === 'sendMessage' && req.payload.parse_mode === 'HTML' && req.payload.chat_id === 101 ? apiError(400, "Bad Request: can't parse entities: Unsupported start tag \"x\" at byte offset 0") : undefined,
    );
    await b.handle(ask(101));
    const [html, plain] = b.attempts(101);
    expect(plain!.payload.parse_mode).toBeUndefined();
    expect(plain!.payload.text).toContain('[1]');
    expect(plain!.payload.text).not.toMatch(/<\/?b>/);
    expect(b.delivered(101)).toHaveLength(1);
    expect(html!.payload.reply_markup).toEqual(plain!.payload.reply_markup);
    expect(b.captured.errors()).toEqual([]);
  });

  it('400 message to reply not found: sent again without the reply', async () => {
    const b = faultyBot((req) =>
      req.method === 'sendMessage' && req.payload.reply_parameters ? apiError(400, 'Bad Request: message to be replied not found') : undefined,
    );
    await b.handle(ask(101));
    const [withReply, without] = b.attempts(101);
    expect(withReply!.payload.reply_parameters).toBeDefined();
    expect(without!.payload.reply_parameters).toBeUndefined();
    expect(without!.payload.parse_mode).toBe('HTML');
    expect(without!.payload.text).toBe(withReply!.payload.text);
    expect(b.delivered(101)).toHaveLength(1);
    expect(b.captured.errors()).toEqual([]);
  });

  it('an unexpected 400 (e.g. "message is not modified"): logged as an error, the apology, and the bot goes on', async () => {
    let failed = false;
    const b = faultyBot((req) => {
      if (req.method !== 'sendMessage' || req.payload.chat_id !== 101 || failed) return undefined;
      failed = true;
      return apiError(400, 'Bad Request: message is not modified: specified new message content and reply markup are exactly the same');
    });
    await Promise.all([b.handle(ask(101)), ...HEALTHY.map((id) => b.handle(ask(id)))]);
    expectHealthyServed(b);
    expect(b.attempts(101).map((r) => r.payload.text)).toEqual([expect.stringContaining('[1]'), ERROR.ar]);
    expect(b.captured.errors()).toHaveLength(1);
    await b.handle(ask(101));
    expect(b.delivered(101).at(-1)!.payload.text).toContain('[1]');
    // The bot never edits messages, so the real "message is not modified" cannot arise.
    expect(b.requests.filter((r) => r.method.startsWith('edit'))).toEqual([]);
  });

  it('a button pressed too long ago (answerCallbackQuery "query is too old") still shows the passage', async () => {
    const b = faultyBot((req) => (req.method === 'answerCallbackQuery' ? apiError(400, 'Bad Request: query is too old and response timeout expired or query ID is invalid') : undefined));
    await b.handle(ask(101));
    const answer = b.delivered(101)[0]!;
    const src = (answer.payload.reply_markup.inline_keyboard as any[][]).flat().find((x) => x.callback_data.startsWith('src:'))!.callback_data;
    const message = { message_id: 9, date: 0, chat: privateChat(101), from: BOT_INFO, text: answer.payload.text, reply_markup: answer.payload.reply_markup } as Message.TextMessage;
    await b.handle(updates.callback(src, message, { id: 101, is_bot: false, first_name: 'u' }));
    expect(b.delivered(101)).toHaveLength(2);
    expect(b.delivered(101)[1]!.payload.text).toContain('<blockquote>');
    expect(b.captured.errors()).toEqual([]);
  });

  it('an inline query answered too late: a warning, nothing else', async () => {
    const b = faultyBot((req) => (req.method === 'answerInlineQuery' ? apiError(400, 'Bad Request: query is too old and response timeout expired or query ID is invalid') : undefined));
    await b.handle(updates.inline('ماذا قال بوتين؟'));
    expect(b.requests.map((r) => r.method)).toEqual(['answerInlineQuery']);
    expect(b.captured.errors()).toEqual([]);
    expect(b.captured.records().some((r) => r.level === 40 && /too old/.test(r.msg))).toBe(true);
  });

  it('flood control under load: 200 questions from 50 chats, every third message refused with 429 once; each answered exactly once, in order', async () => {
    const b = faultyBot((req, prev) => {
      if (req.method !== 'sendMessage') return undefined;
      const key = `${req.payload.chat_id}:${req.payload.reply_parameters?.message_id}`;
      const seenBefore = prev.some((p) => p.method === 'sendMessage' && `${p.payload.chat_id}:${p.payload.reply_parameters?.message_id}` === key);
      return !seenBefore && prev.filter((p) => p.method === 'sendMessage').length % 3 === 0 ? apiError(429, 'Too Many Requests: retry after 2', { retry_after: 2 }) : undefined;
    });
    const chats = Array.from({ length: 50 }, (_, i) => 400 + i);
    const asked: Array<{ chat: number; id: number }> = [];
    const all = chats.flatMap((chat) =>
      Array.from({ length: 4 }, () => {
        const update = ask(chat);
        asked.push({ chat, id: (update.message as Message).message_id });
        return b.handle(update);
      }),
    );
    await advance(5 * 60_000);
    await Promise.all(all);
    expect(b.requests.some((r) => 'json' in r.reply && r.reply.status === 429)).toBe(true);
    for (const chat of chats) {
      const replied = b.delivered(chat).map((r) => r.payload.reply_parameters.message_id);
      expect(replied).toEqual(asked.filter((a) => a.chat === chat).map((a) => a.id));
    }
    expect(b.captured.errors()).toEqual([]);
  });

  it('one chat failing in every way at once does not stop 40 others: each gets exactly one answer', async () => {
    // Chats 300-339 are healthy; 101 is blocked, 102 resets, 103 is rate limited, 104 hangs, 105 gets 500s.
    const faults: Record<number, Reply> = {
      101: apiError(403, 'Forbidden: bot was blocked by the user'),
      102: { throw: 'ECONNRESET' },
      103: apiError(429, 'Too Many Requests: retry after 7', { retry_after: 7 }),
      104: { hang: true },
      105: apiError(500, 'Internal Server Error'),
    };
    const b = faultyBot((req) => (req.method === 'sendMessage' ? faults[req.payload.chat_id as number] : undefined));
    const healthy = Array.from({ length: 40 }, (_, i) => 300 + i);
    const all = [...Object.keys(faults).map(Number), ...healthy].flatMap((id) => [b.handle(ask(id)), b.handle(ask(id, 'ومتى التقى شي ببوتين؟'))]);
    await advance(100);
    for (const id of healthy) expect(b.delivered(id), `chat ${id}`).toHaveLength(2);
    await advance(10 * 60_000);
    await Promise.all(all);
    for (const id of healthy) {
      const texts = b.delivered(id).map((r) => r.payload.text);
      expect(texts).toHaveLength(2);
      for (const text of texts) expect(text).toContain('[1]');
    }
    expectValidCalls(b);
  });
});

describe('error shapes of the real transport (127.0.0.1)', () => {
  let server: http.Server;
  let root: string;
  let closedPort: number;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url!.endsWith('/getMe')) res.writeHead(502, { 'content-type': 'text/html' }).end('<html><body>502 Bad Gateway</body></html>');
      else if (req.url!.endsWith('/getChat')) req.socket.destroy();
      else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, result: true }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    root = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const probe = http.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    closedPort = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  async function failure(apiRoot: string, call: (api: Api) => Promise<unknown>): Promise<unknown> {
    const api = new Api(TOKEN, { apiRoot, timeoutSeconds: 5 });
    return call(api).then(
      () => new Error('the call succeeded'),
      (error: unknown) => error,
    );
  }

  it('a proxy HTML page and a refused connection count as never sent; a reset does not', async () => {
    const html = await failure(root, (api) => api.getMe());
    const refused = await failure(`http://127.0.0.1:${closedPort}`, (api) => api.getMe());
    const reset = await failure(root, (api) => api.getChat(1));
    for (const e of [html, refused, reset]) expect(e).toBeInstanceOf(HttpError);
    expect(isUnsent(html)).toBe(true);
    expect(isUnsent(refused)).toBe(true);
    expect(isUnsent(reset)).toBe(false);
    // None of the messages carries the token.
    for (const e of [html, refused, reset]) expect(String((e as Error).message)).not.toContain(TOKEN.split(':')[1]);
  });
});
