/**
 * Articles arriving through Telegram, and the newest ones listed:
 * - posts (and edited posts) of the channels in SOURCE_CHAT_IDS (matched by id; @usernames are
 *   looked up once, on the first channel post) become articles silently (the
 *   bot posts nothing in the channel; a `/ask` there is passed on and answered as before; a post
 *   with only media is skipped);
 * - in a private chat an admin (ADMIN_IDS) may forward a post, send a `.txt`/`.html` document
 *   (refused by its announced size before anything is downloaded), or `/add <url>`; the reply
 *   says what was understood (headline, outlet, date, chunks, now answerable) or exactly why
 *   nothing was added. Anyone else's `/add` or document gets a clear refusal and nothing is
 *   fetched; anyone else's forward is a question, as before;
 * - `/latest` lists the newest articles with outlet and date, for everyone;
 * - `/add` and `/latest` typed in a channel get no answer there (nothing is posted in channels
 *   but answers to `/ask`).
 */
import { Composer } from 'grammy';
import type { Message } from 'grammy/types';
import { describeError, IntakeError } from '../errors.js';
import { isSupportedDocument, type IntakeResult } from '../intake/service.js';
import { channelPostInput, forwardInput, SourceChats } from '../intake/telegram.js';
import { redactSecrets } from '../log.js';
import type { Lang } from '../types.js';
import type { BotContext } from './context.js';
import { escapeHtml, latestArticles, renderLatest, renderSourceLine } from './format.js';
import { pickLang, t } from './i18n.js';
import { sendHtml, startTyping } from './send.js';


/** Default largest document accepted when FETCH_MAX_BYTES is not passed to the bot. */
const DEFAULT_MAX_DOCUMENT_BYTES = 5 * 1024 * 1024;

/** Default longest wait for a document download when FETCH_TIMEOUT_MS is not passed to the bot. */
export const DEFAULT_DOWNLOAD_TIMEOUT_MS = 15_000;

/**
 * Downloads a file from the Bot API's file server with `fetchImpl`, refusing more than
 * `maxBytes` (by Content-Length before reading, and while reading) and giving up after
 * `timeoutMs` (FETCH_TIMEOUT_MS), headers and body together, so a stalled server cannot hold the
 * admin's chat. Errors never hold the URL: it contains the bot token.
 */
export async function downloadFile(fetchImpl: typeof fetch, url: string, maxBytes: number, timeoutMs = DEFAULT_DOWNLOAD_TIMEOUT_MS): Promise<Uint8Array> {
  const signal = AbortSignal.timeout(timeoutMs);
  const failed = (error: unknown) =>
    signal.aborted
      ? new IntakeError(`the download from Telegram took longer than ${timeoutMs} ms (FETCH_TIMEOUT_MS); send the file again`)
      : new IntakeError(`the download from Telegram failed (${redactSecrets(describeError(error))}); send the file again`);
  let response: Response;
  try {
    response = await fetchImpl(url, { signal });
  } catch (error) {
    throw failed(error);
  }
  if (!response.ok) throw new IntakeError(`Telegram's file server answered HTTP ${response.status}; send the file again`);
  const announced = Number(response.headers.get('content-length') ?? NaN);
  if (announced > maxBytes) throw new IntakeError(`too large: ${announced} bytes, the limit is ${maxBytes} (FETCH_MAX_BYTES)`);
  const parts: Uint8Array[] = [];
  let total = 0;
  const body = response.body as unknown as AsyncIterable<Uint8Array> | null;
  try {
    if (body && Symbol.asyncIterator in body) {
      for await (const part of body) {
        total += part.byteLength;
        if (total > maxBytes) throw new IntakeError(`too large: more than ${maxBytes} bytes (FETCH_MAX_BYTES)`);
        parts.push(part);
      }
      return Buffer.concat(parts);
    }
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (bytes.byteLength > maxBytes) throw new IntakeError(`too large: ${bytes.byteLength} bytes, the limit is ${maxBytes} (FETCH_MAX_BYTES)`);
    return bytes;
  } catch (error) {
    throw error instanceof IntakeError ? error : failed(error);
  }
}

/** The reply describing an intake result, in HTML. */
export function renderIntakeResult(result: IntakeResult, lang: Lang): string {
  const s = t(lang);
  const ref = (r: { file: string; title: string | null; outlet: string | null; date: string | null }) =>
    `${renderSourceLine(r, lang)} (<code>${escapeHtml(r.file)}</code>)`;
  switch (result.status) {
    case 'added':
    case 'updated':
      return s.intakeAdded({
        updated: result.status === 'updated',
        titleHtml: `<b>${escapeHtml(result.title ?? s.untitled)}</b>`,
        outletHtml: escapeHtml(result.outlet ?? s.none),
        dateHtml: escapeHtml(result.date ?? s.undated),
        chunks: result.chunks,
        fileHtml: escapeHtml(result.file),
        alsoOfHtml: result.alsoOf ? ref(result.alsoOf) : null,
      });
    case 'duplicate':
      return s.intakeDuplicate({ sameAddress: result.why === 'same address', ofHtml: ref(result.of) });
    case 'rejected':
      return s.intakeRejected({ code: result.code, detailHtml: escapeHtml(redactSecrets(result.reason)) });
  }
}

/** Whether the update comes from a channel (where the bot posts nothing but /ask answers). */
const inChannel = (ctx: BotContext) => ctx.chat?.type === 'channel';

const isAdmin = (ctx: BotContext) => ctx.from !== undefined && ctx.services.config.adminIds.has(ctx.from.id);

async function reply(ctx: BotContext, html: string): Promise<void> {
  await sendHtml(ctx.api, ctx.chat!.id, html, { replyTo: ctx.msg?.message_id }, ctx.services.log);
}

/** Takes in a source channel's post or edit; says nothing in the channel. */
async function takeChannelPost(ctx: BotContext, post: Message, edited: boolean): Promise<void> {
  const { intake, log } = ctx.services;
  const source = `channel:${post.chat.id}/${post.message_id}`;
  const input = channelPostInput(post);
  if (!input) {
    log.debug({ source }, 'channel post without text (media only): skipped');
    return;
  }
  const result = await intake!.add(input);
  if (result.status === 'rejected') log.warn({ source, reason: result.reason }, 'channel post not added');
  else log.info({ source, status: result.status, file: 'file' in result ? result.file : result.of.file, edited }, 'channel post taken in');
}

/** Whether a channel post is a command (a `/ask` there is a question, not an article). */
function isCommand(post: Message): boolean {
  return (post.entities ?? []).some((e) => e.type === 'bot_command' && e.offset === 0);
}

export function intakeComposer(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  // Built on the first channel post (the config comes with the context); @usernames are looked up then.
  let sources: SourceChats | null = null;
  const fromSource = async (ctx: BotContext): Promise<boolean> => {
    if (ctx.services.intake === null || ctx.chat === undefined) return false;
    sources ??= new SourceChats(ctx.services.config.sourceChats);
    if (!sources.any) return false;
    await sources.resolve(ctx.api, ctx.services.log, ctx.services.clock());
    return sources.has(ctx.chat.id);
  };

  composer.on('channel_post', async (ctx, next) => {
    if (isCommand(ctx.channelPost) || !(await fromSource(ctx))) return next();
    await takeChannelPost(ctx, ctx.channelPost, false);
  });
  composer.on('edited_channel_post', async (ctx, next) => {
    if (isCommand(ctx.editedChannelPost) || !(await fromSource(ctx))) return next();
    await takeChannelPost(ctx, ctx.editedChannelPost, true);
  });

  // A command typed in a channel is seen by all its readers: /latest and /add stay silent there
  // (and add nothing); only /ask is answered in channels (questions.ts).
  composer.command('latest', async (ctx) => {
    if (inChannel(ctx)) return;
    const lang = pickLang({ languageCode: ctx.from?.language_code });
    await reply(ctx, renderLatest(latestArticles(ctx.services.engine.info().articles), lang));
  });

  composer.command('add', async (ctx) => {
    if (inChannel(ctx)) {
      ctx.services.log.info({ chatId: ctx.chat.id }, '/add in a channel ignored: articles are added in a private chat with the bot');
      return;
    }
    const lang = pickLang({ languageCode: ctx.from?.language_code });
    const s = t(lang);
    if (!isAdmin(ctx)) {
      ctx.services.log.info({ userId: ctx.from?.id, chatId: ctx.chat.id }, '/add refused: not an admin');
      await reply(ctx, s.addAdminOnly);
      return;
    }
    const intake = ctx.services.intake;
    if (!intake) {
      await reply(ctx, s.intakeOff);
      return;
    }
    const url = ctx.match.trim().split(/\s+/)[0] ?? '';
    if (!url) {
      await reply(ctx, s.addUsage);
      return;
    }
    const stopTyping = startTyping(ctx.api, ctx.chat.id, ctx.services.log);
    let result: IntakeResult;
    try {
      result = await intake.addUrl(url);
    } finally {
      stopTyping();
    }
    await reply(ctx, renderIntakeResult(result, lang));
  });

  const privateChat = composer.chatType('private');

  privateChat.on('message:document', async (ctx, next) => {
    const lang = pickLang({ languageCode: ctx.from.language_code });
    const s = t(lang);
    if (!isAdmin(ctx)) {
      await reply(ctx, s.addAdminOnly);
      return;
    }
    const { intake, config, log } = ctx.services;
    if (!intake) return next();
    const doc = ctx.message.document;
    const maxBytes = config.fetchMaxBytes ?? DEFAULT_MAX_DOCUMENT_BYTES;
    const fileName = doc.file_name ?? 'document';
    if (!isSupportedDocument(fileName)) {
      await reply(ctx, renderIntakeResult({ status: 'rejected', code: 'unsupported', reason: `"${fileName}" is not a .txt, .html or .htm file` }, lang));
      return;
    }
    if (doc.file_size !== undefined && doc.file_size > maxBytes) {
      log.info({ source: fileName, bytes: doc.file_size }, 'document refused before download: too large');
      await reply(ctx, renderIntakeResult({ status: 'rejected', code: 'too-large', reason: `"${fileName}" is ${doc.file_size} bytes, the limit is ${maxBytes} (FETCH_MAX_BYTES)` }, lang));
      return;
    }
    let bytes: Uint8Array;
    try {
      const file = await ctx.api.getFile(doc.file_id);
      if (!file.file_path) throw new Error('Telegram gave no file path for it (files over 20 MB cannot be downloaded by bots)');
      const root = config.telegramApiRoot ?? 'https://api.telegram.org';
      bytes = await ctx.services.download(`${root}/file/bot${config.telegramToken}/${file.file_path}`, maxBytes);
    } catch (error) {
      const reason = redactSecrets(describeError(error));
      log.warn({ source: fileName, error: reason }, 'document could not be downloaded');
      const tooLarge = /too large/i.test(reason);
      await reply(ctx, renderIntakeResult({ status: 'rejected', code: tooLarge ? 'too-large' : 'fetch', reason: `"${fileName}": ${reason}` }, lang));
      return;
    }
    const result = await intake.add({ kind: 'document', bytes, fileName, mimeType: doc.mime_type ?? null });
    await reply(ctx, renderIntakeResult(result, lang));
  });

  privateChat.on('message', async (ctx, next) => {
    if (!ctx.message.forward_origin || !isAdmin(ctx) || !ctx.services.intake) return next();
    // Copies of the bot's own messages are not articles (questions.ts ignores them too).
    const origin = ctx.message.forward_origin;
    if (origin.type === 'user' && origin.sender_user.id === ctx.me.id) return next();
    const lang = pickLang({ languageCode: ctx.from.language_code });
    const input = forwardInput(ctx.message);
    if (!input) {
      await reply(ctx, renderIntakeResult({ status: 'rejected', code: 'empty', reason: 'the forwarded post has no text or caption' }, lang));
      return;
    }
    const result = await ctx.services.intake.add(input);
    await reply(ctx, renderIntakeResult(result, lang));
  });

  return composer;
}
