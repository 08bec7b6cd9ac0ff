/**
 * Questions, wherever they come from:
 * - private chat: any text (commands aside);
 * - `/ask <question>` in any chat, also `/ask@BotName` and in channel posts where the bot is admin;
 * - groups and supergroups: mentions of the bot and replies to the bot's own messages (other
 *   chatter is ignored);
 * - a reply to one of the bot's answers is a follow-up: the previous question goes to the engine.
 * While the engine works: "typing…" in every chat; in a private chat, a generated answer is also
 * streamed as drafts of its checked sentences (see `draft.ts`), then sent as a normal message.
 * Inline queries are never streamed.
 * Empty `/ask` (or text with nothing visible), over-long questions and non-text messages get a
 * short helpful reply; the rate limit answers politely once per window. Forwarded text is a
 * question like any other, except forwarded copies of the bot's own messages (ignored). Edited
 * messages are not delivered (see ALLOWED_UPDATES) and would match no handler: editing never
 * asks again, so it cannot get around the rate limit.
 */
import { Composer } from 'grammy';
import type { Message, MessageEntity } from 'grammy/types';
import type { Answer, AskContext } from '../types.js';
import type { AnswerRecord, BotContext } from './context.js';
import { answerKeyboard } from './buttons.js';
import { DraftStream } from './draft.js';
import { escapeHtml, renderAnswer } from './format.js';
import { pickLang, t } from './i18n.js';
import { rateLimitKey } from './rate-limit.js';
import { sendHtml, startTyping } from './send.js';

/** Message kinds that are content a user sent (not service messages such as a member joining). */
const MEDIA_KEYS = [
  'sticker', 'photo', 'voice', 'video', 'video_note', 'audio', 'document', 'animation',
  'location', 'venue', 'contact', 'poll', 'dice', 'game', 'story', 'paid_media',
] as const;

function isMedia(message: Message): boolean {
  return MEDIA_KEYS.some((key) => key in message);
}

/** Removes mentions of the bot from a message text. */
function stripMentions(text: string, entities: MessageEntity[] | undefined, username: string, botId: number): { text: string; mentioned: boolean } {
  let mentioned = false;
  const cuts: Array<[number, number]> = [];
  for (const e of entities ?? []) {
    const piece = text.slice(e.offset, e.offset + e.length);
    if ((e.type === 'mention' && piece.toLowerCase() === `@${username.toLowerCase()}`) || (e.type === 'text_mention' && e.user.id === botId)) {
      mentioned = true;
      cuts.push([e.offset, e.offset + e.length]);
    }
  }
  let out = text;
  for (const [start, end] of cuts.sort((a, b) => b[0] - a[0])) out = `${out.slice(0, start)} ${out.slice(end)}`;
  return { text: out.replace(/\s+/g, ' ').trim(), mentioned };
}

/** The message a reply is replying to, when it is one of this bot's messages. */
function repliedBotMessage(ctx: BotContext): Message | undefined {
  const replied = ctx.msg?.reply_to_message;
  return replied && replied.from?.id === ctx.me.id ? replied : undefined;
}

/**
 * Whether text has anything a reader can see: not only spaces, zero-width and bidi marks
 * (format characters) or control characters. Text without any is treated as no question.
 */
export function hasVisibleText(text: string): boolean {
  return /[^\s\p{Cc}\p{Cf}\p{Z}]/u.test(text);
}

/** The most of an earlier answer's text a follow-up passes on. */
const PREVIOUS_ANSWER_CHARS = 2_000;

/** What the asker read of an answer, as plain text (quotes with their [n], or the generated text). */
function answerText(answer: Answer): string {
  if (!answer.answered) return '';
  const text = answer.answerMode !== 'generative' && answer.quotes.length > 0 ? answer.quotes.map((q) => `${q.text} [${q.n}]`).join('\n') : answer.answer;
  return text.slice(0, PREVIOUS_ANSWER_CHARS);
}

export interface AskOptions {
  /** The bot message being replied to (a possible follow-up). */
  replyToBot?: Message;
}

/** Answers `question` in the current chat, as a reply to the current message. */
export async function answerQuestion(ctx: BotContext, rawQuestion: string, options: AskOptions = {}): Promise<void> {
  const { services } = ctx;
  const { config, engine, log } = services;
  const message = ctx.msg!;
  const chatId = ctx.chat!.id;
  const question = rawQuestion.trim();
  const lang = pickLang({ text: question, languageCode: ctx.from?.language_code });
  const s = t(lang);
  const reply = (html: string) => sendHtml(ctx.api, chatId, html, { replyTo: message.message_id }, log);

  if (!hasVisibleText(question)) {
    await reply(s.askUsage(escapeHtml(`@${ctx.me.username}`)));
    return;
  }
  if (question.length > config.maxQuestionChars) {
    await reply(s.tooLong(config.maxQuestionChars, question.length));
    return;
  }
  const key = rateLimitKey(ctx);
  if (key) {
    const decision = services.limiter.take(key);
    if (!decision.allowed) {
      log.info({ key, retryAfterMs: decision.retryAfterMs }, 'rate limited');
      if (decision.notify) await reply(s.rateLimited(Math.max(1, Math.ceil(decision.retryAfterMs / 1000))));
      return;
    }
  }

  // A follow-up when replying to one of our answers.
  let previous: AnswerRecord | undefined;
  if (options.replyToBot) {
    const id = services.answerMessages.get(`${chatId}:${options.replyToBot.message_id}`);
    previous = id === undefined ? undefined : services.answers.get(id);
  }
  const previousAnswer = previous?.text || undefined;
  const askContext: AskContext = previous ? { previousQuestion: previous.context, ...(previousAnswer ? { previousAnswer } : {}) } : {};

  const stopTyping = startTyping(ctx.api, chatId, log);
  // Drafts are for private chats only (Telegram allows them nowhere else).
  const drafts = ctx.chat!.type === 'private'
    ? new DraftStream(ctx.api, { chatId, draftId: message.message_id, placeholder: s.draftPlaceholder, log, onShown: stopTyping })
    : null;
  if (drafts) askContext.onDraft = (text) => drafts.update(text);
  let sent: Message.TextMessage[];
  let record: AnswerRecord;
  try {
    const started = services.clock();
    let answer: Answer;
    try {
      answer = await engine.ask(question, askContext);
    } finally {
      await drafts?.stop();
    }
    const id = services.nextId();
    record = {
      id,
      question,
      context: previous ? `${previous.context.slice(-config.maxQuestionChars)}\n${question}` : question,
      files: [...new Set(answer.citations.map((c) => c.file))],
      lang: answer.lang,
      text: answerText(answer),
      ...(answer.support && answer.answerMode === 'generative' ? { support: answer.support } : {}),
    };
    services.answers.set(id, record);
    const html = renderAnswer(answer, answer.lang, { chunk: (chunkId) => engine.chunk(chunkId) });
    sent = await sendHtml(ctx.api, chatId, html, { replyTo: message.message_id, keyboard: answerKeyboard(answer, id, services) }, log);
    log.info(
      {
        chatId, answered: answer.answered, citations: answer.citations.length, mode: answer.mode, answerMode: answer.answerMode ?? 'extractive',
        fallback: answer.generation?.fallback ?? null, drafts: drafts?.count ?? 0, followUp: Boolean(previous), ms: services.clock() - started,
      },
      'answered',
    );
  } finally {
    stopTyping();
  }
  for (const m of sent) services.answerMessages.set(`${chatId}:${m.message_id}`, record.id);
}

export function questionsComposer(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  // Never react to our own inline results posted by users, nor to forwarded copies of our own
  // messages (other bots are dropped earlier, in access.ts).
  const ours = (ctx: BotContext) => {
    const origin = ctx.msg?.forward_origin;
    return ctx.msg?.via_bot?.id === ctx.me.id || (origin?.type === 'user' && origin.sender_user.id === ctx.me.id);
  };

  composer.command('ask', async (ctx) => {
    if (ours(ctx)) return;
    await answerQuestion(ctx, ctx.match, { replyToBot: repliedBotMessage(ctx) });
  });

  const privateChat = composer.chatType('private');
  privateChat.on('message:text', async (ctx) => {
    if (ours(ctx)) return;
    const text = ctx.message.text;
    if (text.startsWith('/')) {
      // A command no other handler took (commands for us are handled before this composer).
      await sendHtml(ctx.api, ctx.chat.id, t(pickLang({ languageCode: ctx.from.language_code })).unknownCommand, { replyTo: ctx.message.message_id }, ctx.services.log);
      return;
    }
    const { text: question } = stripMentions(text, ctx.message.entities, ctx.me.username, ctx.me.id);
    await answerQuestion(ctx, question, { replyToBot: repliedBotMessage(ctx) });
  });
  privateChat.on('message', async (ctx) => {
    if (ours(ctx) || !isMedia(ctx.message)) return;
    const s = t(pickLang({ text: ctx.message.caption, languageCode: ctx.from.language_code }));
    await sendHtml(ctx.api, ctx.chat.id, s.nonText, { replyTo: ctx.message.message_id }, ctx.services.log);
  });

  const groups = composer.chatType(['group', 'supergroup']);
  groups.on('message:text', async (ctx) => {
    if (ours(ctx)) return;
    const text = ctx.message.text;
    if (text.startsWith('/')) return; // commands for other bots, or not for anyone
    const replyToBot = repliedBotMessage(ctx);
    const { text: question, mentioned } = stripMentions(text, ctx.message.entities, ctx.me.username, ctx.me.id);
    if (!mentioned && !replyToBot) return; // other chatter: stay silent
    await answerQuestion(ctx, question, { replyToBot });
  });
  groups.on('message', async (ctx) => {
    if (ours(ctx) || !isMedia(ctx.message)) return;
    const mentioned = stripMentions(ctx.message.caption ?? '', ctx.message.caption_entities, ctx.me.username, ctx.me.id).mentioned;
    if (!repliedBotMessage(ctx) && !mentioned) return;
    const s = t(pickLang({ text: ctx.message.caption, languageCode: ctx.from.language_code }));
    await sendHtml(ctx.api, ctx.chat.id, s.nonText, { replyTo: ctx.message.message_id }, ctx.services.log);
  });
  // Channel posts: only /ask (handled above); everything else is the channel's own content.
  return composer;
}
