/**
 * Sending: HTML with link previews off, as a reply (that still goes out if the question was
 * deleted), split into parts of at most 4096 characters. If Telegram rejects the formatting
 * ("can't parse entities"), the same text is sent again as plain text; if it says the message
 * to reply to is gone (despite `allow_sending_without_reply`), it is sent again without the
 * reply. The typing indicator is best-effort: never awaited by the answer, failures only logged.
 */
import { GrammyError, type Api } from 'grammy';
import type { InlineKeyboardMarkup, Message } from 'grammy/types';
import type { Logger } from '../log.js';
import { redactSecrets } from '../log.js';
import { describeError } from '../errors.js';
import { htmlToPlain, MESSAGE_LIMIT, splitMessage } from './format.js';

export interface SendOptions {
  /** Message to reply to. */
  replyTo?: number;
  /** Keyboard attached to the last part. */
  keyboard?: InlineKeyboardMarkup;
}

/** Whether an error is Telegram refusing the message's HTML. */
export function isParseError(error: unknown): boolean {
  return error instanceof GrammyError && error.error_code === 400 && /can't parse entities|unsupported start tag|can't find end tag|unclosed/i.test(error.description);
}

/** Whether an error is Telegram saying the message to reply to does not exist (any more). */
export function isReplyGone(error: unknown): boolean {
  return error instanceof GrammyError && error.error_code === 400 && /(message to (be )?(reply|replied)|replied message) not found/i.test(error.description);
}

/**
 * Sends `html` to `chatId`, split when longer than Telegram allows. Returns the messages sent,
 * in order. Once one part falls back to plain text, the rest are sent plain too.
 */
export async function sendHtml(api: Api, chatId: number, html: string, options: SendOptions, log: Logger): Promise<Message.TextMessage[]> {
  const parts = splitMessage(html, MESSAGE_LIMIT);
  const sent: Message.TextMessage[] = [];
  let plain = false;
  let reply = options.replyTo !== undefined;
  for (const [index, part] of parts.entries()) {
    const base = () => ({
      link_preview_options: { is_disabled: true },
      ...(index === 0 && reply ? { reply_parameters: { message_id: options.replyTo!, allow_sending_without_reply: true } } : {}),
      ...(index === parts.length - 1 && options.keyboard ? { reply_markup: options.keyboard } : {}),
    });
    // At most three tries per part: HTML, then plain text and/or without the reply.
    for (let attempt = 0; ; attempt++) {
      try {
        sent.push(await (plain ? api.sendMessage(chatId, htmlToPlain(part), base()) : api.sendMessage(chatId, part, { ...base(), parse_mode: 'HTML' })));
        break;
      } catch (error) {
        if (attempt < 2 && !plain && isParseError(error)) {
          log.warn({ chatId, error: redactSecrets(describeError(error)) }, 'Telegram rejected the HTML; resending as plain text');
          plain = true;
        } else if (attempt < 2 && reply && index === 0 && isReplyGone(error)) {
          log.warn({ chatId }, 'the message to reply to is gone; sending without the reply');
          reply = false;
        } else {
          throw error;
        }
      }
    }
  }
  return sent;
}

/**
 * Shows "typing…" in `chatId` until the returned function is called (Telegram clears the
 * indicator after about 5 seconds, so it is renewed every 4). Never throws, never blocks.
 */
export function startTyping(api: Api, chatId: number, log: Logger): () => void {
  const send = () => {
    api.sendChatAction(chatId, 'typing').catch((error: unknown) => {
      log.debug({ chatId, error: redactSecrets(describeError(error)) }, 'typing indicator failed (ignored)');
    });
  };
  send();
  const timer = setInterval(send, 4_000);
  timer.unref?.();
  return () => clearInterval(timer);
}
