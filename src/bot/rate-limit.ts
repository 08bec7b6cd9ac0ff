/**
 * Per-key sliding-window rate limiting of questions (a key per user; per chat for channel
 * posts, which have no sender). The clock is injected so tests can move time. A limited key is
 * told once per window (`notify`), then ignored silently until it may ask again, so a flood
 * does not turn into a flood of "slow down" messages.
 */
import type { Context } from 'grammy';

export interface RateDecision {
  allowed: boolean;
  /** Milliseconds until the key may ask again (0 when allowed). */
  retryAfterMs: number;
  /** True for the first refusal of a window: tell the user once. */
  notify: boolean;
}

export interface RateLimiter {
  take(key: string): RateDecision;
}

export interface RateLimiterOptions {
  /** Questions allowed per window. */
  limit: number;
  windowMs?: number;
  clock?: () => number;
  /** Keys tracked at most (the least recently seen are forgotten). */
  maxKeys?: number;
}

export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const windowMs = options.windowMs ?? 60_000;
  const clock = options.clock ?? Date.now;
  const maxKeys = options.maxKeys ?? 50_000;
  const hits = new Map<string, { times: number[]; notified: boolean }>();
  return {
    take(key) {
      const now = clock();
      let entry = hits.get(key);
      if (entry) hits.delete(key);
      else entry = { times: [], notified: false };
      hits.set(key, entry);
      if (hits.size > maxKeys) hits.delete(hits.keys().next().value as string);
      entry.times = entry.times.filter((t) => now - t < windowMs);
      if (entry.times.length < options.limit) {
        entry.times.push(now);
        entry.notified = false;
        return { allowed: true, retryAfterMs: 0, notify: false };
      }
      const retryAfterMs = Math.max(0, entry.times[0]! + windowMs - now);
      const notify = !entry.notified;
      entry.notified = true;
      return { allowed: false, retryAfterMs, notify };
    },
  };
}

/**
 * The rate-limit key of an update: the sender; the sending chat for channel posts and for
 * messages written on behalf of a chat (anonymous group administrators, channels posting in a
 * group), whose `from` is a placeholder bot shared by every such chat.
 */
export function rateLimitKey(ctx: Context): string | undefined {
  if (ctx.senderChat) return `chat:${ctx.senderChat.id}`;
  if (ctx.channelPost) return `chat:${ctx.chat!.id}`;
  if (ctx.from) return `user:${ctx.from.id}`;
  if (ctx.chat) return `chat:${ctx.chat.id}`;
  return undefined;
}
