/**
 * The buttons under an answer and what pressing them does.
 *
 * - `src:<chunkId>[+<ordinal>…]`: shows the full cited passage with its headline, outlet and
 *   date (as a reply to the answer; as an alert, shortened, under an answer sent inline); under
 *   a generated answer, first the exact sentences of that source the answer relies on (its
 *   `support[n]`, kept in a bounded table while the answer is remembered). A button is labelled
 *   `[n]` and the headline, or for an untitled story the outlet and its opening words. A
 *   source quoted from several chunks of its section names the first and adds the others'
 *   ordinals (`src:000_x.txt#0.1+2`). Data that would pass Telegram's 64-byte limit is replaced
 *   by `src:~<key>`, a key into a bounded in-memory table.
 * - `fb:+:<answerId>` / `fb:-:<answerId>`: a vote, appended with the question and cited files
 *   to the feedback log. When the answer is no longer in memory (after a restart), the question
 *   is read from the message the answer replied to and the files from its source buttons.
 */
import { Composer, InlineKeyboard } from 'grammy';
import type { InlineKeyboardMarkup, Message } from 'grammy/types';
import type { Answer } from '../types.js';
import type { BotContext, BotServices } from './context.js';
import { citationOpening, htmlToPlain, renderPassage, sourceTitle, storyOpening, truncate } from './format.js';
import { pickLang, t } from './i18n.js';
import { sendHtml } from './send.js';
import { describeError } from '../errors.js';
import { redactSecrets } from '../log.js';

/** Telegram's limit on callback data, in bytes. */
export const CALLBACK_DATA_LIMIT = 64;

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

/** What a source button refers to: a citation's chunks, the first by id and the rest by ordinal. */
export function sourceRef(chunkIds: readonly string[]): string {
  const [first, ...rest] = chunkIds;
  return first + rest.map((id) => `+${id.slice(id.lastIndexOf('.') + 1)}`).join('');
}

/** The chunk ids of a source reference (see {@link sourceRef}); ids that do not parse are returned as they are, to be found missing. */
export function chunkIdsOfRef(ref: string): string[] {
  const m = /^(.*#\d+\.)(\d+)((?:\+\d+)*)$/.exec(ref);
  if (!m) return [ref];
  return [m[2]!, ...m[3]!.split('+').filter(Boolean)].map((ordinal) => m[1]! + ordinal);
}

/** The callback data of a source button for a source reference (always within 64 bytes). */
export function sourceData(ref: string, services: Pick<BotServices, 'chunkKeys' | 'nextId'>): string {
  const direct = `src:${ref}`;
  if (bytes(direct) <= CALLBACK_DATA_LIMIT) return direct;
  const key = services.nextId();
  services.chunkKeys.set(key, ref);
  return `src:~${key}`;
}

/** The source reference a source button's data holds, or undefined when forgotten. */
export function refFromData(data: string, services: Pick<BotServices, 'chunkKeys'>): string | undefined {
  const ref = data.slice('src:'.length);
  return ref.startsWith('~') ? services.chunkKeys.get(ref.slice(1)) : ref;
}

/** How many characters of a source button's label follow its «[n] ». */
export const BUTTON_TITLE_CHARS = 40;

/**
 * One button per source, then 👍/👎. A source without a headline is labelled with its outlet and
 * opening words (read through `services.engine` when given, else its passage's), never its file name.
 */
export function answerKeyboard(
  answer: Answer,
  answerId: string,
  services: Pick<BotServices, 'chunkKeys' | 'nextId'> & Partial<Pick<BotServices, 'engine'>>,
): InlineKeyboardMarkup | undefined {
  const keyboard = new InlineKeyboard();
  const chunk = services.engine ? (id: string) => services.engine!.chunk(id) : undefined;
  if (answer.answered) {
    for (const c of answer.citations) {
      const opening = c.title ? null : citationOpening(c, chunk);
      const label = `[${c.n}] ${sourceTitle({ title: c.title, outlet: c.outlet, opening }, answer.lang, BUTTON_TITLE_CHARS)}`;
      keyboard.text(label, sourceData(sourceRef(c.chunkIds), services)).row();
    }
  }
  keyboard.text('👍', `fb:+:${answerId}`).text('👎', `fb:-:${answerId}`);
  return keyboard;
}

/** The sentences of source `n` that answer `answerId` relies on, when remembered. */
export function supportOf(services: Pick<BotServices, 'answers'>, answerId: string | undefined, n: number | null): string[] | undefined {
  if (answerId === undefined || n === null) return undefined;
  return services.answers.get(answerId)?.support?.[n];
}

function buttonsOf(message: Message | undefined): Array<{ text: string; data: string }> {
  const markup = message && 'reply_markup' in message ? message.reply_markup : undefined;
  const rows = markup?.inline_keyboard ?? [];
  return rows.flat().flatMap((b) => ('callback_data' in b && b.callback_data ? [{ text: b.text, data: b.callback_data }] : []));
}

/**
 * Answers the button press (stops the spinner, or shows a notice). Best-effort: Telegram refuses
 * presses older than a few minutes ("query is too old"), which must not stop the passage or the
 * vote from going through.
 */
async function acknowledge(ctx: BotContext, options?: { text: string; show_alert?: boolean }): Promise<void> {
  try {
    await ctx.answerCallbackQuery(options);
  } catch (error) {
    ctx.services.log.warn({ error: redactSecrets(describeError(error)) }, 'answerCallbackQuery failed (ignored)');
  }
}

export function buttonsComposer(): Composer<BotContext> {
  const composer = new Composer<BotContext>();

  composer.callbackQuery(/^src:/, async (ctx) => {
    const { services } = ctx;
    const data = ctx.callbackQuery.data;
    const message = ctx.callbackQuery.message as Message | undefined;
    const ref = refFromData(data, services);
    const chunks = (ref === undefined ? [] : chunkIdsOfRef(ref)).map((id) => services.engine.chunk(id)).filter((c) => c !== undefined);
    const lang = pickLang({ text: message && 'text' in message ? message.text : chunks[0]?.text, languageCode: ctx.from.language_code });
    const s = t(lang);
    if (chunks.length === 0) {
      await acknowledge(ctx, { text: s.sourceGone, show_alert: true });
      return;
    }
    const label = buttonsOf(message).find((b) => b.data === data)?.text;
    const n = label ? Number(/^\[(\d+)\]/.exec(label)?.[1]) || null : null;
    const answerId = message ? services.answerMessages.get(`${message.chat.id}:${message.message_id}`) : undefined;
    const first = chunks[0]!;
    const html = renderPassage(chunks, n, lang, {
      support: supportOf(services, answerId, n),
      opening: first.title ? null : storyOpening(first.id, (id) => services.engine.chunk(id)),
    });
    if (!message) {
      // Under an answer sent inline there is no chat to write to: show what fits in an alert.
      await acknowledge(ctx, { text: truncate(htmlToPlain(html), 200), show_alert: true });
      return;
    }
    await acknowledge(ctx);
    await sendHtml(ctx.api, message.chat.id, html, { replyTo: message.message_id }, services.log);
  });

  composer.callbackQuery(/^fb:([+-]):(.+)$/, async (ctx) => {
    const { services } = ctx;
    const vote = ctx.match[1] === '+' ? 'up' : 'down';
    const record = services.answers.get(ctx.match[2]!);
    const message = ctx.callbackQuery.message as Message | undefined;
    let question = record?.question ?? null;
    let files = record?.files ?? [];
    if (!record && message) {
      const asked = 'reply_to_message' in message ? message.reply_to_message : undefined;
      question = asked && 'text' in asked && asked.text ? asked.text : null;
      files = [
        ...new Set(
          buttonsOf(message)
            .filter((b) => b.data.startsWith('src:'))
            .map((b) => refFromData(b.data, services)?.split('#')[0])
            .filter((f): f is string => Boolean(f)),
        ),
      ];
    }
    const lang = record?.lang ?? pickLang({ text: question, languageCode: ctx.from.language_code });
    const s = t(lang);
    if (!record && !message) {
      await acknowledge(ctx, { text: s.feedbackGone });
      return;
    }
    try {
      await services.feedback.record({
        ts: new Date(services.clock()).toISOString(),
        chatId: message?.chat.id ?? null,
        userId: ctx.from.id,
        vote,
        question,
        files,
      });
    } catch (error) {
      services.log.error({ error: redactSecrets(describeError(error)) }, 'feedback not recorded');
      await acknowledge(ctx, { text: s.error });
      return;
    }
    await acknowledge(ctx, { text: vote === 'up' ? s.feedbackThanksUp : s.feedbackThanksDown });
  });

  // Stale or foreign buttons: stop the spinner.
  composer.on('callback_query:data', (ctx) => acknowledge(ctx));
  return composer;
}
