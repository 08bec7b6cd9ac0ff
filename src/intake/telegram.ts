/**
 * Telegram messages as intake inputs: a source channel's post (or its edit), and a post an admin
 * forwards to the bot. Pure functions over the Bot API's message objects; the bot's handlers
 * (src/bot/intake.ts) decide who may add what.
 *
 * A post's text or caption is the article (its first line or sentence the headline, see
 * `splitPost`); the outlet is the channel's title (for a forward, the origin chat's title or the
 * author's name); the date is the post's date (a forward's original date); the address is
 * `https://t.me/<username>/<message id>` when the channel is public. The origin key
 * `channel:<chat id>/<message id>` is the same for the post, its edits and forwarded copies of
 * it, so each is one article.
 */
import type { Chat, Message, MessageOrigin } from 'grammy/types';
import type { Config } from '../config.js';
import { isoDay, type PostInput } from './service.js';

/** Whether a channel is one of SOURCE_CHAT_IDS (by id, or by @username, case-insensitive). */
export function isSourceChat(chat: Pick<Chat, 'id'> & { username?: string }, sources: Config['sourceChats'] | undefined): boolean {
  if (!sources) return false;
  return sources.ids.has(chat.id) || (chat.username !== undefined && sources.usernames.has(chat.username.toLowerCase()));
}

/** A message's text, or its caption; null when it has neither (media only). */
export function messageText(message: Pick<Message, 'text' | 'caption'>): string | null {
  const text = message.text ?? message.caption ?? null;
  return text && /[\p{L}\p{N}]/u.test(text) ? text : null;
}

/** The public address of a channel post, when the channel has a username. */
export function postUrl(chat: { username?: string }, messageId: number): string | null {
  return chat.username ? `https://t.me/${chat.username}/${messageId}` : null;
}

/** A source channel's post (or edited post) as an intake input; null when it carries no text. */
export function channelPostInput(post: Message): PostInput | null {
  const text = messageText(post);
  if (text === null) return null;
  const chat = post.chat as Chat.ChannelChat;
  return {
    kind: 'post',
    text,
    outlet: chat.title?.trim() || null,
    date: isoDay(post.date),
    url: postUrl(chat, post.message_id),
    origin: `channel:${chat.id}/${post.message_id}`,
    source: 'channel',
  };
}

/**
 * A forwarded message as an intake input, with outlet and date from its `forward_origin`; null
 * when it carries no text or is not a forward.
 */
export function forwardInput(message: Message): PostInput | null {
  const origin: MessageOrigin | undefined = message.forward_origin;
  const text = messageText(message);
  if (!origin || text === null) return null;
  const date = isoDay(origin.date);
  switch (origin.type) {
    case 'channel':
      return {
        kind: 'post',
        text,
        outlet: origin.chat.title?.trim() || null,
        date,
        url: postUrl(origin.chat, origin.message_id),
        origin: `channel:${origin.chat.id}/${origin.message_id}`,
        source: 'forward',
      };
    case 'chat':
      return { kind: 'post', text, outlet: origin.sender_chat.title?.trim() || null, date, url: null, origin: `forward:chat:${origin.sender_chat.id}/${origin.date}`, source: 'forward' };
    case 'user': {
      const name = [origin.sender_user.first_name, origin.sender_user.last_name].filter(Boolean).join(' ').trim();
      return { kind: 'post', text, outlet: name || null, date, url: null, origin: `forward:user:${origin.sender_user.id}/${origin.date}`, source: 'forward' };
    }
    case 'hidden_user':
      return { kind: 'post', text, outlet: origin.sender_user_name?.trim() || null, date, url: null, origin: `forward:hidden:${origin.sender_user_name}/${origin.date}`, source: 'forward' };
  }
}
