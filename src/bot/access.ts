/**
 * ALLOWED_CHAT_IDS: when set, only those chats and users may use the bot, for every update type
 * (messages, channel posts, button presses, inline queries). An update passes when its chat or
 * its sender is listed; administrators always pass. Refusals are short and only where someone
 * asked the bot directly (a private chat, a button, an inline query); other chatter in a group
 * that is not allowed is ignored silently. Updates from other bots are ignored before the
 * allowlist is even looked at.
 */
import { Composer } from 'grammy';
import type { BotContext } from './context.js';
import { pickLang, t } from './i18n.js';

/**
 * Whether an update comes from another bot. Bots are never answered (two bots could otherwise
 * talk to each other forever), whatever they send: questions, mentions or commands. Messages an
 * anonymous group administrator or a channel writes in a group carry a bot as `from`
 * (@GroupAnonymousBot, @Channel_Bot) and the real sender in `sender_chat`: those are people.
 */
export function isFromOtherBot(ctx: BotContext): boolean {
  return ctx.from?.is_bot === true && ctx.from.id !== ctx.me.id && !ctx.senderChat;
}

export function isAllowed(ctx: BotContext): boolean {
  const { allowedChatIds, adminIds } = ctx.services.config;
  if (allowedChatIds === null) return true;
  const ids = [ctx.chat?.id, ctx.from?.id, ctx.senderChat?.id].filter((id): id is number => id !== undefined);
  return ids.some((id) => allowedChatIds.has(id) || adminIds.has(id));
}

export function accessComposer(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.use(async (ctx, next) => {
    if (isFromOtherBot(ctx)) return; // silence, before anything else
    if (isAllowed(ctx)) return next();
    const lang = pickLang({ languageCode: ctx.from?.language_code });
    const s = t(lang);
    ctx.services.log.info({ chatId: ctx.chat?.id, userId: ctx.from?.id, updateId: ctx.update.update_id }, 'update refused: not in ALLOWED_CHAT_IDS');
    if (ctx.callbackQuery) {
      await ctx.answerCallbackQuery({ text: s.notAllowedShort, show_alert: true });
    } else if (ctx.inlineQuery) {
      await ctx.answerInlineQuery([], { cache_time: 0, is_personal: true });
    } else if (ctx.chat?.type === 'private' && ctx.message) {
      await ctx.reply(s.notAllowed(ctx.from?.id ?? ctx.chat.id));
    }
  });
  return composer;
}
