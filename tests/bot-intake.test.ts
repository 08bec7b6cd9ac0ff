/**
 * Articles arriving through the bot, through `bot.handleUpdate` (tests/helpers/bot-harness.ts
 * captures the Bot API calls): source channels' posts and edits, admins' forwards and documents,
 * /add and /latest, and who may do what. Pages come from the FIXTURE web server on 127.0.0.1;
 * document downloads from a fake fetch standing in for Telegram's file server. The engine is real
 * (lexical, over a temporary copy of the test corpus).
 */
import fs from 'node:fs/promises';
import type { Chat, Message, Update } from 'grammy/types';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { htmlToPlain } from '../src/bot/format.js';
import { safeFetch } from '../src/intake/fetch.js';
import { IntakeService } from '../src/intake/service.js';
import { createLogger, silentLogger } from '../src/log.js';
import { SOURCE_RESOLVE_RETRY_MS } from '../src/intake/telegram.js';
import { ADMIN, CHANNEL, createHarness, spyEngine, updates, USER, type Harness } from './helpers/bot-harness.js';
import { createTestEngine, type TestEngine } from './helpers/engine.js';
import { bodyOf, newsPage, OTHER_POST, OTHER_POST_EDITED, WIRE_POST } from './helpers/intake-fixtures.js';
import { page, startWebServer, type WebServer } from './helpers/web-server.js';

const SOURCE: Chat.ChannelChat = { id: -100901, type: 'channel', title: 'قناة المصدر', username: 'SourceFixture' } as Chat.ChannelChat;
const PRIVATE_SOURCE: Chat.ChannelChat = { id: -100902, type: 'channel', title: 'قناة خاصة' };
const MAX_BYTES = 64 * 1024;

let web: WebServer;
beforeAll(async () => {
  web = await startWebServer({
    '/news/books': page(newsPage({ title: 'معرض الكتاب في عمّان', outlet: 'صحيفة الرأي', date: '2026-11-30', paragraphs: bodyOf(OTHER_POST) })),
  });
});
afterAll(async () => {
  await web?.close();
});

let te: TestEngine;
let h: Harness;
let spy: ReturnType<typeof spyEngine>;
/** Bytes the fake Telegram file server serves, by file path. */
let files: Map<string, Uint8Array>;
let downloads: string[];
let messageId = 5000;
/** The FIXTURE Bot API's getChat: which chat each @username is now (undefined: "chat not found"). */
let chatsByUsername: Map<string, Chat>;
/** Warnings the bot logged. */
let warnings: Array<{ msg: string; source?: string }>;

/** Paths the fake file server stalls on: before answering, or after the first bytes of the body (until the request is aborted). */
let stalls: Map<string, 'headers' | 'body'>;

beforeEach(async () => {
  te = await createTestEngine();
  spy = spyEngine(te.engine);
  await build();
});

/** The intake service and the bot over the test engine, with FETCH_TIMEOUT_MS = `fetchTimeoutMs`. */
async function build(fetchTimeoutMs = 5_000): Promise<void> {
  const intake = await IntakeService.open({
    corpusDir: te.corpusDir,
    engine: spy.engine,
    fetch: safeFetch,
    log: silentLogger(),
    settings: { fetchAllowPrivate: true, fetchTimeoutMs, fetchMaxBytes: MAX_BYTES },
  });
  stalls = new Map();
  files = new Map();
  downloads = [];
  chatsByUsername = new Map([['@sourcefixture', SOURCE]]);
  warnings = [];
  const log = createLogger({ level: 'warn', destination: { write: (line: string) => void warnings.push(JSON.parse(line)) } });
  const fakeFetch = (async (url: string, init?: RequestInit) => {
    downloads.push(String(url));
    const path = String(url).replace(/^.*\/file\/bot[^/]+\//, '');
    const signal = init?.signal;
    const stall = stalls.get(path);
    if (stall === 'headers') {
      return new Promise<Response>((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason), { once: true }));
    }
    if (stall === 'body') {
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('افتتاح محطة'));
          signal?.addEventListener('abort', () => controller.error(signal.reason), { once: true });
        },
      });
      return new Response(body);
    }
    const bytes = files.get(path);
    return bytes ? new Response(Buffer.from(bytes)) : new Response('not found', { status: 404 });
  }) as unknown as typeof fetch;
  h = createHarness({
    engine: spy.engine,
    config: { sourceChats: { ids: new Set([PRIVATE_SOURCE.id]), usernames: new Set(['sourcefixture']) }, fetchMaxBytes: MAX_BYTES },
    deps: { intake, client: { fetch: fakeFetch } },
    log,
    respond: (call) => {
      if (call.method === 'getChat') {
        const chat = chatsByUsername.get(String(call.payload.chat_id).toLowerCase());
        return chat ? { ok: true, result: chat } : { ok: false, error_code: 400, description: 'Bad Request: chat not found' };
      }
      if (call.method !== 'getFile') return undefined;
      const path = `documents/${call.payload.file_id}`;
      return { ok: true, result: { file_id: call.payload.file_id, file_unique_id: 'u', file_path: path, file_size: files.get(path)?.length } };
    },
  });
}
afterEach(async () => {
  await te.cleanup();
});

async function intakeFiles(): Promise<string[]> {
  return (await fs.readdir(te.corpusDir)).filter((n) => !/^0\d\d_/.test(n)).sort();
}

function post(chat: Chat.ChannelChat, text: string | undefined, id = messageId++, extra: Partial<Message> = {}): Message {
  return { message_id: id, date: 1_764_500_000, chat, sender_chat: chat, ...(text === undefined ? {} : { text }), ...extra } as Message;
}

const plain = (h: Harness, from = 0) => h.texts(from).map(htmlToPlain);

describe('source channels', () => {
  it('a post becomes an article (headline, outlet = channel title, date, t.me link) and nothing is posted in the channel', async () => {
    await h.send({ channel_post: post(SOURCE, WIRE_POST, 41) } as Omit<Update, 'update_id'>);
    const [file] = await intakeFiles();
    expect(file).toBeDefined();
    const raw = await fs.readFile(`${te.corpusDir}/${file}`, 'utf8');
    expect(raw).toContain('title: افتتاح محطة لتحلية مياه البحر في مدينة صور الساحلية');
    expect(raw).toContain('outlet: قناة المصدر');
    expect(raw).toContain(`date: ${new Date(1_764_500_000_000).toISOString().slice(0, 10)}`);
    expect(raw).toContain('url: https://t.me/SourceFixture/41');
    expect(h.sent('sendMessage')).toEqual([]);
    const answer = await te.engine.ask('كم تنتج محطة تحلية المياه في صور يوميا؟');
    expect(answer.citations.map((c) => c.file)).toContain(file);
  });

  it('a private source channel (listed by id) has no link; an edit rewrites the article; a repeated update adds once', async () => {
    const original = post(PRIVATE_SOURCE, OTHER_POST, 7);
    await h.send({ channel_post: original } as Omit<Update, 'update_id'>);
    await h.send({ channel_post: original } as Omit<Update, 'update_id'>);
    const [file, ...rest] = await intakeFiles();
    expect(rest).toEqual([]);
    expect(await fs.readFile(`${te.corpusDir}/${file}`, 'utf8')).not.toContain('url:');
    await h.send({ edited_channel_post: { ...original, text: OTHER_POST_EDITED, edit_date: 1_764_500_600 } } as Omit<Update, 'update_id'>);
    expect(await intakeFiles()).toEqual([file]);
    expect(await fs.readFile(`${te.corpusDir}/${file}`, 'utf8')).toContain('350 دار نشر');
  });

  it('a media-only post is skipped; a captioned photo is an article', async () => {
    await h.send({ channel_post: post(SOURCE, undefined, messageId++, { photo: [{ file_id: 'p', file_unique_id: 'p', width: 1, height: 1 }] }) } as Omit<Update, 'update_id'>);
    expect(await intakeFiles()).toEqual([]);
    await h.send({ channel_post: post(SOURCE, undefined, messageId++, { photo: [{ file_id: 'p', file_unique_id: 'p', width: 1, height: 1 }], caption: WIRE_POST }) } as Omit<Update, 'update_id'>);
    expect(await intakeFiles()).toHaveLength(1);
  });

  it('/ask in a source channel is still answered there, and is not an article', async () => {
    const ask = { ...post(SOURCE, '/ask كم تنتج محطة التحلية؟'), entities: [{ type: 'bot_command', offset: 0, length: 4 }] } as Message;
    await h.send({ channel_post: ask } as Omit<Update, 'update_id'>);
    expect(spy.asks).toHaveLength(1);
    expect(h.sent('sendMessage').map((c) => c.payload.chat_id)).toEqual([SOURCE.id]);
    expect(await intakeFiles()).toEqual([]);
  });

  it('a source listed as @username is matched by the id it had at start: a channel that takes the username over later is not a source', async () => {
    await h.send({ channel_post: post(SOURCE, WIRE_POST, 42) } as Omit<Update, 'update_id'>);
    expect(await intakeFiles()).toHaveLength(1);
    // The outlet gives up its username; a stranger's channel takes it.
    const stranger = { id: -100666, type: 'channel', title: 'قناة أخرى', username: 'SourceFixture' } as Chat.ChannelChat;
    chatsByUsername.set('@sourcefixture', stranger);
    await h.send({ channel_post: post(stranger, OTHER_POST, 1) } as Omit<Update, 'update_id'>);
    expect(await intakeFiles()).toHaveLength(1);
    // The username was looked up once, through the Bot API.
    expect(h.sent('getChat').map((c) => c.payload.chat_id)).toEqual(['@sourcefixture']);
    expect(h.sent('sendMessage')).toEqual([]);
  });

  it('a @username that cannot be looked up is warned about, and tried again on a later post', async () => {
    chatsByUsername.clear();
    await h.send({ channel_post: post(SOURCE, WIRE_POST, 43) } as Omit<Update, 'update_id'>);
    expect(await intakeFiles()).toEqual([]);
    expect(warnings.find((w) => w.source === '@sourcefixture')?.msg).toMatch(/could not look up the source channel @sourcefixture.*SOURCE_CHAT_IDS/);
    // Not asked again on every post…
    await h.send({ channel_post: post(SOURCE, OTHER_POST, 44) } as Omit<Update, 'update_id'>);
    expect(h.sent('getChat')).toHaveLength(1);
    // …but after the retry delay, and then the source's posts are taken in.
    chatsByUsername.set('@sourcefixture', SOURCE);
    h.clock.now += SOURCE_RESOLVE_RETRY_MS;
    await h.send({ channel_post: post(SOURCE, WIRE_POST, 45) } as Omit<Update, 'update_id'>);
    expect(h.sent('getChat')).toHaveLength(2);
    expect(await intakeFiles()).toHaveLength(1);
  });

  it('posts of channels not in SOURCE_CHAT_IDS are not taken in', async () => {
    await h.send(updates.channelPost(WIRE_POST, CHANNEL));
    expect(await intakeFiles()).toEqual([]);
  });
});

describe('admins in a private chat', () => {
  /** A forward of a channel post; `text: null` forwards a photo without caption. */
  const forward = (from = ADMIN, text: string | null = OTHER_POST): Omit<Update, 'update_id'> =>
    ({
      message: {
        message_id: messageId++,
        date: 1_764_600_000,
        chat: { id: from.id, type: 'private', first_name: from.first_name },
        from,
        ...(text === null ? { photo: [{ file_id: 'p', file_unique_id: 'p', width: 1, height: 1 }] } : { text }),
        forward_origin: { type: 'channel', chat: { id: -100555, type: 'channel', title: 'الأخبار العاجلة', username: 'breakingfixture' }, message_id: 77, date: 1_764_400_000 },
      },
    }) as Omit<Update, 'update_id'>;

  it('a forwarded post is added with the origin channel as outlet and its date, and the reply says so', async () => {
    await h.send(forward());
    const [reply] = plain(h);
    expect(reply).toContain('مهرجان للكتاب في عمّان يستقبل 300 دار نشر عربية');
    expect(reply).toContain('الأخبار العاجلة');
    expect(reply).toContain(new Date(1_764_400_000_000).toISOString().slice(0, 10));
    expect(reply).toMatch(/المقاطع المفهرسة: [1-9]/);
    expect(reply).toContain('يمكن الآن السؤال عنه');
    expect(spy.asks).toEqual([]);
    const [file] = await intakeFiles();
    expect(await fs.readFile(`${te.corpusDir}/${file}`, 'utf8')).toContain('url: https://t.me/breakingfixture/77');
    // The same forward again: the reply names the article it duplicates.
    const mark = h.mark();
    await h.send(forward());
    expect(plain(h, mark)[0]).toMatch(/لم يُضف: النص نفسه موجود بالفعل في مهرجان للكتاب/);
    expect(await intakeFiles()).toEqual([file]);
  });

  it('a forward without text says why it was not added', async () => {
    await h.send(forward(ADMIN, null));
    expect(plain(h)[0]).toMatch(/لم يُضف: النص فارغ/);
  });

  it("anyone else's forward is a question, as before, and adds nothing", async () => {
    await h.send(forward(USER, 'ماذا قال وزير الطاقة؟'));
    expect(spy.asks.map((a) => a.question)).toEqual(['ماذا قال وزير الطاقة؟']);
    expect(await intakeFiles()).toEqual([]);
  });

  const documentUpdate = (fileId: string, fileName: string, size: number, from = ADMIN): Omit<Update, 'update_id'> =>
    ({
      message: {
        message_id: messageId++,
        date: 1_764_600_000,
        chat: { id: from.id, type: 'private', first_name: from.first_name },
        from: { ...from, language_code: 'en' },
        document: { file_id: fileId, file_unique_id: fileId, file_name: fileName, mime_type: 'text/plain', file_size: size },
      },
    }) as Omit<Update, 'update_id'>;

  it('a .txt document is downloaded through the API root and added', async () => {
    const bytes = Buffer.from(WIRE_POST);
    files.set('documents/d1', bytes);
    await h.send(documentUpdate('d1', 'story.txt', bytes.length));
    expect(downloads).toEqual([`https://api.telegram.org/file/bot${'123456789:AAbbCCddEEffGGhhIIjjKKllMMnnOOppQQ'}/documents/d1`]);
    const [reply] = plain(h);
    expect(reply).toContain('Article added');
    expect(reply).toContain('افتتاح محطة لتحلية مياه البحر');
    expect(reply).toMatch(/Indexed passages: [1-9]/);
    expect(await intakeFiles()).toHaveLength(1);
  });

  it('a 50 MB document is refused by its size before anything is downloaded', async () => {
    await h.send(documentUpdate('big', 'huge.txt', 50 * 1024 * 1024));
    expect(h.sent('getFile')).toEqual([]);
    expect(downloads).toEqual([]);
    expect(plain(h)[0]).toMatch(/Not added: the file or page is too large/);
  });

  it('a document whose size was not announced is still cut at the limit while downloading', async () => {
    files.set('documents/big2', Buffer.alloc(MAX_BYTES + 10, 0x61));
    await h.send(documentUpdate('big2', 'huge.txt', undefined as unknown as number));
    expect(plain(h)[0]).toMatch(/too large/);
    expect(await intakeFiles()).toEqual([]);
  });

  it.each([
    ['binary', 'x.txt', new Uint8Array([0x50, 0x4b, 3, 4, 0, 0]), /a binary file/],
    ['not UTF-8', 'x.txt', Buffer.from([0xe3, 0xd5, 0xd1, 0x20, 0xc7, 0xe1, 0xdb, 0xcf]), /unreadable text encoding/],
    ['not a page', 'x.html', Buffer.from('<html><body><nav>menu</nav></body></html>'), /no article found/],
    ['a PDF', 'x.pdf', Buffer.from('%PDF-1.4'), /unsupported kind/],
  ])('a %s document gets the exact reason', async (_what, name, bytes, reason) => {
    files.set('documents/bad', bytes);
    await h.send(documentUpdate('bad', name, bytes.length));
    expect(plain(h)[0]).toMatch(reason);
    expect(await intakeFiles()).toEqual([]);
  });

  it.each([['before answering', 'headers'], ['in the middle of the file', 'body']] as const)(
    'a file server that stalls %s is given up after FETCH_TIMEOUT_MS, and the admin is told',
    async (_when, stall) => {
      await build(150);
      stalls.set('documents/slow', stall);
      await h.send(documentUpdate('slow', 'story.txt', 100));
      expect(plain(h)[0]).toMatch(/Not added: the page could not be fetched[\s\S]*took longer than 150 ms \(FETCH_TIMEOUT_MS\); send the file again/);
      expect(await intakeFiles()).toEqual([]);
    },
  );

  it("anyone else's document is refused and nothing is downloaded", async () => {
    files.set('documents/d2', Buffer.from(WIRE_POST));
    await h.send(documentUpdate('d2', 'story.txt', 100, USER));
    expect(plain(h)[0]).toMatch(/administrators/);
    expect(h.sent('getFile')).toEqual([]);
    expect(downloads).toEqual([]);
  });
});

describe('/add and /latest', () => {
  it('/add by an admin fetches and adds the page; again it names the article it duplicates', async () => {
    await h.send(updates.text(`/add ${web.url('/news/books')}`, { from: ADMIN }));
    const [reply] = plain(h);
    expect(reply).toContain('معرض الكتاب في عمّان');
    expect(reply).toContain('صحيفة الرأي');
    expect(reply).toContain('2026-11-30');
    const mark = h.mark();
    await h.send(updates.text(`/add ${web.url('/news/books')}`, { from: ADMIN }));
    expect(plain(h, mark)[0]).toMatch(/لم يُضف: الرابط نفسه موجود بالفعل في معرض الكتاب في عمّان — صحيفة الرأي · 2026-11-30/);
  });

  it('/add of a missing page says HTTP 404; /add without an address shows the usage', async () => {
    await h.send(updates.text(`/add ${web.url('/missing')}`, { from: ADMIN }));
    expect(plain(h)[0]).toMatch(/تعذّر جلب الصفحة[\s\S]*404/);
    const mark = h.mark();
    await h.send(updates.text('/add', { from: ADMIN }));
    expect(plain(h, mark)[0]).toContain('/add https://example.org/news/123');
  });

  it('/add by anyone else is refused and nothing is fetched', async () => {
    const before = web.requests.length;
    await h.send(updates.text(`/add ${web.url('/news/books')}`, { from: USER }));
    expect(plain(h)[0]).toContain('للمشرفين فقط');
    expect(web.requests.length).toBe(before);
    expect(await intakeFiles()).toEqual([]);
  });

  it('/add and /latest typed in a channel (a source or not) post nothing there and fetch nothing', async () => {
    const before = web.requests.length;
    for (const chat of [SOURCE, CHANNEL]) {
      await h.send(updates.channelPost(`/add ${web.url('/news/books')}`, chat));
      await h.send(updates.channelPost('/latest', chat));
      await h.send(updates.channelPost('/latest@NewsQaBot', chat));
    }
    expect(h.sent('sendMessage')).toEqual([]);
    expect(web.requests.length).toBe(before);
    expect(await intakeFiles()).toEqual([]);
    // /ask in a channel is still answered there.
    await h.send(updates.channelPost('/ask كم تنتج محطة التحلية؟', CHANNEL));
    expect(h.sent('sendMessage').map((c) => c.payload.chat_id)).toEqual([CHANNEL.id]);
  });

  it('an error while taking in a channel post is logged, and no apology is posted in the channel', async () => {
    const failing = { add: () => Promise.reject(new Error('intake exploded (fixture)')) } as unknown as IntakeService;
    const errors: string[] = [];
    const log = createLogger({ level: 'error', destination: { write: (line: string) => void errors.push(line) } });
    const bot = createHarness({ engine: spy.engine, config: { sourceChats: { ids: new Set([CHANNEL.id]), usernames: new Set() } }, deps: { intake: failing }, log });
    await bot.send(updates.channelPost(WIRE_POST, CHANNEL));
    expect(errors.join('\n')).toMatch(/intake exploded/);
    expect(bot.sent('sendMessage')).toEqual([]);
  });

  it('/latest lists the newest articles first, with outlet and date, for everyone', async () => {
    await h.send(updates.text(`/add ${web.url('/news/books')}`, { from: ADMIN }));
    const mark = h.mark();
    await h.send(updates.text('/latest', { from: USER }));
    const text = plain(h, mark)[0]!;
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/أحدث المقالات \(6\)/);
    expect(lines[1]).toMatch(/^1\. معرض الكتاب في عمّان — صحيفة الرأي · 2026-11-30/);
    const dates = lines.slice(1).map((l) => /(\d{4}-\d{2}-\d{2})/.exec(l)?.[1] ?? '');
    expect([...dates].sort().reverse()).toEqual(dates);
    expect(h.texts(mark)[0]).toContain(`<a href="${web.url('/news/books')}">`);
  });
});
