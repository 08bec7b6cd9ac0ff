/**
 * Inline mode: `@BotName question` in any chat offers up to 3 results, each a cited answer
 * ready to send: the full answer, then (when several sources are cited) answers built from one
 * source each. Each result fits one message (the answer is shortened quote by quote when
 * needed) and carries the source and vote buttons.
 */
import { Composer } from 'grammy';
import type { InlineQueryResult } from 'grammy/types';
import type { Answer } from '../types.js';
import type { AnswerRecord, BotContext } from './context.js';
import { answerKeyboard } from './buttons.js';
import { answerFromSource, citationOpening, MESSAGE_LIMIT, renderAnswer, shortenAnswer, sourceTitle, splitMessage, truncate } from './format.js';
import { pickLang, t } from './i18n.js';
import { rateLimitKey } from './rate-limit.js';

/** Telegram's limit on an inline query's text. */
const INLINE_QUERY_LIMIT = 256;
/** Shorter queries get a hint instead of an answer. */
const MIN_INLINE_CHARS = 3;

/** Renders an answer that fits one message, dropping quotes from the end until it does. */
function fitting(answer: Answer): { html: string; answer: Answer } {
  for (let quotes = answer.quotes.length; quotes >= 1; quotes--) {
    const shortened = shortenAnswer(answer, quotes);
    const html = renderAnswer(shortened, shortened.lang, { showQuestion: true });
    if (html.length <= MESSAGE_LIMIT) return { html, answer: shortened };
  }
  const html = renderAnswer(answer, answer.lang, { showQuestion: true });
  return { html: splitMessage(html, MESSAGE_LIMIT)[0] ?? '', answer };
}

export function inlineComposer(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.on('inline_query', async (ctx) => {
    const { services } = ctx;
    const query = ctx.inlineQuery.query.trim();
    const lang = pickLang({ text: query, languageCode: ctx.from.language_code });
    const s = t(lang);
    const hint = (text: string) =>
      ctx.answerInlineQuery([], { cache_time: 0, is_personal: true, button: { text: truncate(text, 60), start_parameter: 'help' } });
    // Telegram sends a query per pause in typing: wait for something worth answering.
    if (query.replace(/[\s\p{Cc}\p{Cf}\p{Z}]/gu, '').length < MIN_INLINE_CHARS) return void (await hint(s.inlineHint));
    const max = Math.min(services.config.maxQuestionChars, INLINE_QUERY_LIMIT);
    if (query.length > max) return void (await hint(s.inlineTooLong(max)));
    const key = rateLimitKey(ctx);
    if (key) {
      const decision = services.inlineLimiter.take(key);
      if (!decision.allowed) return void (await hint(s.inlineRateLimited(Math.max(1, Math.ceil(decision.retryAfterMs / 1000)))));
    }

    const answer = await services.engine.ask(query);
    const variants: Array<{ title: string; answer: Answer }> = [{ title: answer.answered ? s.inlineFull : s.inlineNoAnswer, answer }];
    if (answer.answered && answer.citations.length > 1) {
      for (const c of answer.citations) {
        const one = answerFromSource(answer, c.n);
        const named = sourceTitle({ title: c.title, outlet: c.outlet, opening: c.title ? null : citationOpening(c, (id) => services.engine.chunk(id)) }, answer.lang, 60);
        if (one) variants.push({ title: `${s.inlineOneSource(c.n)}: ${named}`, answer: one });
        if (variants.length >= 3) break;
      }
    }
    const results: InlineQueryResult[] = variants.map((v, i) => {
      const fit = fitting(v.answer);
      const id = services.nextId();
      const record: AnswerRecord = {
        id,
        question: query,
        context: query,
        files: [...new Set(fit.answer.citations.map((c) => c.file))],
        lang: fit.answer.lang,
      };
      services.answers.set(id, record);
      return {
        type: 'article',
        id: `${i}:${id}`,
        title: truncate(v.title, 64),
        description: truncate(fit.answer.answer, 120),
        input_message_content: { message_text: fit.html, parse_mode: 'HTML', link_preview_options: { is_disabled: true } },
        reply_markup: answerKeyboard(fit.answer, id, services),
      };
    });
    await ctx.answerInlineQuery(results, { cache_time: 30, is_personal: false });
  });
  return composer;
}
