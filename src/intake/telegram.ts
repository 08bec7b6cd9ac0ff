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
 *
 * Source channels are recognised by chat id ({@link SourceChats}); @usernames are resolved to ids.
 */
import type { Chat, Message, MessageOrigin } from 'grammy/types';
import type { Config } from '../config.js';
import { describeError } from '../errors.js';
import { redactSecrets, type Logger } from '../log.js';
import { isoDay, type PostInput } from './service.js';

/** How long after a failed look-up of a source's @username it is tried again (on a later channel post). */
export const SOURCE_RESOLVE_RETRY_MS = 60_000;

/** The part of the Bot API {@link SourceChats} needs. */
export interface ChatLookup {
  getChat(chatId: string): Promise<{ id: number; type?: string }>;
}

/**
 * The channels of SOURCE_CHAT_IDS, matched by chat id only. A source listed as `@username` is
 * looked up once (`getChat`) and kept as the id it had then: a username can be given up and taken
 * by a stranger's channel, whose posts must not become articles. A look-up that fails is logged
 * with a warning and tried again on a channel post at least {@link SOURCE_RESOLVE_RETRY_MS} later;
 * until then that source's posts are not taken in.
 */
export class SourceChats {
  private readonly ids: Set<number>;
  private readonly pending: Set<string>;
  private nextTry = 0;
  private running: Promise<void> | null = null;

  constructor(sources: Config['sourceChats'] | undefined) {
    this.ids = new Set(sources?.ids ?? []);
    this.pending = new Set([...(sources?.usernames ?? [])].map((u) => u.replace(/^@/, '').toLowerCase()));
  }

  /** Whether there is any source at all (ids, or usernames still to look up). */
  get any(): boolean {
    return this.ids.size > 0 || this.pending.size > 0;
  }

  /** Whether a chat is a source, by its id. */
  has(chatId: number): boolean {
    return this.ids.has(chatId);
  }

  /**
   * Looks up the @usernames not resolved yet, when due (the first call; after a failure, not
   * before {@link SOURCE_RESOLVE_RETRY_MS}). Concurrent callers share one look-up. Never throws.
   */
  resolve(api: ChatLookup, log: Logger, now: number): Promise<void> {
    if (this.pending.size === 0) return Promise.resolve();
    if (this.running) return this.running;
    if (now < this.nextTry) return Promise.resolve();
    this.running = this.lookUp(api, log, now).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async lookUp(api: ChatLookup, log: Logger, now: number): Promise<void> {
    for (const username of [...this.pending]) {
      try {
        const chat = await api.getChat(`@${username}`);
        if (typeof chat?.id !== 'number') throw new Error('Telegram gave no chat id');
        if (chat.type !== undefined && chat.type !== 'channel') {
          log.warn({ source: `@${username}`, chatId: chat.id, type: chat.type }, 'a SOURCE_CHAT_IDS @username is not a channel: its posts cannot be taken in');
        }
        this.ids.add(chat.id);
        this.pending.delete(username);
        log.info({ source: `@${username}`, chatId: chat.id }, 'source channel resolved: its posts are matched by this id from now on');
      } catch (error) {
        log.warn(
          { source: `@${username}`, error: redactSecrets(describeError(error)) },
          `could not look up the source channel @${username}: its posts are not taken in until it is found (tried again in ${SOURCE_RESOLVE_RETRY_MS / 1000} s); check the username in SOURCE_CHAT_IDS, make the bot an administrator of the channel, or list the channel by its id`,
        );
      }
    }
    if (this.pending.size > 0) this.nextTry = now + SOURCE_RESOLVE_RETRY_MS;
  }
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
