/**
 * In-process harness for the bot's tests: a bot built by the product's `createBot` with known
 * `botInfo` (no getMe), every outgoing Bot API call captured by a transformer and answered with
 * a plausible result, builders for the updates Telegram sends, and a movable clock.
 */
import { expect } from 'vitest';
import type { Update, UserFromGetMe, Message, MessageEntity, Chat, User } from 'grammy/types';
import { createBot, type BotConfig, type BotDeps } from '../../src/bot/create-bot.js';
import { createMemoryFeedbackSink } from '../../src/bot/feedback.js';
import { silentLogger, type Logger } from '../../src/log.js';
import type { AskContext, Engine } from '../../src/types.js';

export const TOKEN = '123456789:AAbbCCddEEffGGhhIIjjKKllMMnnOOppQQ';

export const BOT_INFO: UserFromGetMe = {
  id: 4242,
  is_bot: true,
  first_name: 'News QA',
  username: 'NewsQaBot',
  can_join_groups: true,
  can_read_all_group_messages: false,
  supports_inline_queries: true,
  can_connect_to_business: false,
  has_main_web_app: false,
} as UserFromGetMe;

export const USER: User = { id: 1001, is_bot: false, first_name: 'Salma', language_code: 'ar' };
export const EN_USER: User = { id: 1002, is_bot: false, first_name: 'John', language_code: 'en' };
export const ADMIN: User = { id: 7, is_bot: false, first_name: 'Admin' };
export const GROUP: Chat.GroupChat = { id: -500, type: 'group', title: 'Group <b>' };
export const SUPERGROUP: Chat.SupergroupChat = { id: -100500, type: 'supergroup', title: 'Super' };
export const CHANNEL: Chat.ChannelChat = { id: -100900, type: 'channel', title: 'News channel' };

export function botConfig(overrides: Partial<BotConfig> = {}): BotConfig {
  return {
    telegramToken: TOKEN,
    telegramApiRoot: null,
    allowedChatIds: null,
    adminIds: new Set([ADMIN.id]),
    rateLimitPerMinute: 100,
    maxQuestionChars: 500,
    feedbackLog: '/nonexistent/feedback.log',
    ...overrides,
  };
}

export interface Call {
  method: string;
  payload: Record<string, any>;
  /** What the fake API answered (the sent message, for sendMessage). */
  result?: any;
}

export type Responder = (call: Call, index: number) => { ok: true; result: unknown } | { ok: false; error_code: number; description: string } | undefined;

export interface HarnessOptions {
  engine: Engine;
  config?: Partial<BotConfig>;
  /** Override the canned response of some calls (return undefined for the default). */
  respond?: Responder;
  log?: Logger;
  /** More dependencies for createBot (the intake service, a fake fetch for file downloads). */
  deps?: Partial<Pick<BotDeps, 'intake' | 'client'>>;
}

let nextUpdateId = 1;
let nextMessageId = 1000;

export function createHarness(options: HarnessOptions) {
  const calls: Call[] = [];
  const clock = { now: Date.parse('2025-06-01T12:00:00Z') };
  const feedback = createMemoryFeedbackSink();
  const bot = createBot(botConfig(options.config), {
    engine: options.engine,
    log: options.log ?? silentLogger(),
    feedback,
    clock: () => clock.now,
    botInfo: BOT_INFO,
    ...options.deps,
  });
  bot.api.config.use(async (_prev, method, payload) => {
    const call: Call = { method, payload: (payload ?? {}) as Record<string, any> };
    calls.push(call);
    const custom = options.respond?.(call, calls.length - 1);
    if (custom) return custom as any;
    if (method === 'sendMessage') {
      const p = call.payload;
      const chat = [GROUP, SUPERGROUP, CHANNEL].find((c) => c.id === p.chat_id) ?? { id: p.chat_id, type: 'private', first_name: 'x' };
      const result: Message.TextMessage = {
        message_id: nextMessageId++,
        date: Math.floor(clock.now / 1000),
        chat: chat as Chat,
        from: BOT_INFO,
        text: p.text,
        ...(p.reply_markup ? { reply_markup: p.reply_markup } : {}),
        ...(p.reply_parameters ? { reply_to_message: { message_id: p.reply_parameters.message_id, date: 0, chat, text: '' } } : {}),
      } as Message.TextMessage;
      call.result = result;
      return { ok: true, result } as any;
    }
    return { ok: true, result: true } as any;
  });

  const h = {
    bot,
    calls,
    clock,
    feedback,
    engine: options.engine,
    async send(update: Omit<Update, 'update_id'>): Promise<void> {
      await bot.handleUpdate({ update_id: nextUpdateId++, ...update } as Update);
    },
    /** Calls of one method since index `from`. */
    sent(method: string, from = 0): Call[] {
      return calls.slice(from).filter((c) => c.method === method);
    },
    /** Texts of the sendMessage calls since `from`. */
    texts(from = 0): string[] {
      return h.sent('sendMessage', from).map((c) => String(c.payload.text));
    },
    /** The message the bot sent with a sendMessage call (as the fake API returned it). */
    botMessage(call: Call): Message.TextMessage {
      if (!call.result) throw new Error(`no message for ${call.method}`);
      return call.result as Message.TextMessage;
    },
    mark(): number {
      return calls.length;
    },
  };
  return h;
}

export type Harness = ReturnType<typeof createHarness>;

/** Entities Telegram would attach: a leading /command and @mentions. */
function entitiesOf(text: string): MessageEntity[] {
  const entities: MessageEntity[] = [];
  const command = /^\/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?/.exec(text);
  if (command) entities.push({ type: 'bot_command', offset: 0, length: command[0].length });
  for (const m of text.matchAll(/@[A-Za-z0-9_]{5,}/g)) {
    if (command && m.index! < command[0].length) continue;
    entities.push({ type: 'mention', offset: m.index!, length: m[0].length });
  }
  return entities;
}

export interface MessageOptions {
  chat?: Chat;
  from?: User;
  replyTo?: Message;
  messageId?: number;
}

export function textMessage(text: string, options: MessageOptions = {}): Message.TextMessage {
  const from = options.from ?? USER;
  const chat = options.chat ?? ({ id: from.id, type: 'private', first_name: from.first_name } as Chat.PrivateChat);
  const entities = entitiesOf(text);
  return {
    message_id: options.messageId ?? nextMessageId++,
    date: 1_748_779_200,
    chat,
    ...(chat.type === 'channel' ? { sender_chat: chat } : { from }),
    text,
    ...(entities.length ? { entities } : {}),
    ...(options.replyTo ? { reply_to_message: options.replyTo } : {}),
  } as Message.TextMessage;
}

export const updates = {
  text(text: string, options: MessageOptions = {}): Omit<Update, 'update_id'> {
    return { message: textMessage(text, options) } as Omit<Update, 'update_id'>;
  },
  channelPost(text: string, chat: Chat.ChannelChat = CHANNEL): Omit<Update, 'update_id'> {
    return { channel_post: textMessage(text, { chat }) } as Omit<Update, 'update_id'>;
  },
  media(kind: 'sticker' | 'photo' | 'voice', options: MessageOptions = {}): Omit<Update, 'update_id'> {
    const from = options.from ?? USER;
    const chat = options.chat ?? ({ id: from.id, type: 'private', first_name: from.first_name } as Chat.PrivateChat);
    const media = {
      sticker: { sticker: { file_id: 's', file_unique_id: 's', type: 'regular', width: 1, height: 1, is_animated: false, is_video: false } },
      photo: { photo: [{ file_id: 'p', file_unique_id: 'p', width: 1, height: 1 }] },
      voice: { voice: { file_id: 'v', file_unique_id: 'v', duration: 1 } },
    }[kind];
    return {
      message: { message_id: nextMessageId++, date: 1_748_779_200, chat, from, ...media, ...(options.replyTo ? { reply_to_message: options.replyTo } : {}) },
    } as Omit<Update, 'update_id'>;
  },
  callback(data: string, message: Message | undefined, from: User = USER): Omit<Update, 'update_id'> {
    return {
      callback_query: {
        id: String(nextUpdateId * 10),
        from,
        chat_instance: 'ci',
        data,
        ...(message ? { message } : { inline_message_id: 'inline-1' }),
      },
    } as Omit<Update, 'update_id'>;
  },
  inline(query: string, from: User = USER): Omit<Update, 'update_id'> {
    return { inline_query: { id: `iq${nextUpdateId}`, from, query, offset: '' } } as Omit<Update, 'update_id'>;
  },
};

/** All callback_data values of an inline keyboard. */
export function callbackData(markup: any): string[] {
  return ((markup?.inline_keyboard ?? []) as any[][]).flat().map((b) => b.callback_data).filter(Boolean);
}

const ALLOWED_TAGS = new Set(['b', 'i', 'code', 'blockquote', 'a', 'u', 's', 'pre']);

/** Asserts every tag in `html` is a Telegram tag, tags nest and close, and every & starts an entity. */
export function assertBalanced(html: string): void {
  const stack: string[] = [];
  for (const m of html.matchAll(/<(\/?)([a-zA-Z][a-zA-Z0-9-]*)(?:\s[^>]*)?>/g)) {
    const name = m[2]!.toLowerCase();
    expect(ALLOWED_TAGS.has(name), `unexpected tag <${name}> in ${html.slice(0, 200)}`).toBe(true);
    if (m[1]) expect(stack.pop(), `</${name}> closes the wrong tag`).toBe(name);
    else stack.push(name);
  }
  expect(stack, 'unclosed tags').toEqual([]);
  expect(html.replace(/<\/?[a-zA-Z][^>]*>/g, '')).not.toMatch(/[<>]|&(?!(?:amp|lt|gt|quot|#\d+|#x[0-9a-fA-F]+);)/);
}

/** Wraps an engine, recording every ask() and counting reindex() calls. */
export function spyEngine(engine: Engine) {
  const asks: Array<{ question: string; context: AskContext | undefined }> = [];
  let reindexes = 0;
  const wrapped: Engine = {
    ask: (question, context) => {
      asks.push({ question, context });
      return engine.ask(question, context);
    },
    retrieve: (q, c) => engine.retrieve(q, c),
    info: () => engine.info(),
    chunk: (id) => engine.chunk(id),
    reindex: () => {
      reindexes++;
      return engine.reindex();
    },
    updateFiles: (files) => engine.updateFiles(files),
    close: () => engine.close(),
  };
  return { engine: wrapped, asks, reindexes: () => reindexes };
}
