/**
 * Asks the Bot API whether a token works and how updates are delivered, for `npm run doctor`.
 * Read-only: `getMe` and `getWebhookInfo` change nothing on Telegram's side.
 */
import { Api, GrammyError, HttpError } from 'grammy';
import { redactSecrets } from '../log.js';
import { describeError } from '../errors.js';

/** What the Bot API said, or why it could not be asked. */
export type TelegramProbe =
  | {
      ok: true;
      username: string;
      /** Inline mode enabled in BotFather. */
      inline: boolean;
      /** The webhook Telegram delivers to ('' for long polling), with its last delivery error. */
      webhook: { url: string; pendingUpdates: number; lastError: string | null };
    }
  | { ok: false; reason: string; fix: string };

/**
 * Calls getMe and getWebhookInfo with the given token against `apiRoot` (Telegram's by
 * default). Never throws; the token never appears in what it returns.
 */
export async function probeTelegram(token: string, apiRoot: string | null, timeoutSeconds = 10): Promise<TelegramProbe> {
  const api = new Api(token, { ...(apiRoot ? { apiRoot } : {}), timeoutSeconds });
  try {
    const me = await api.getMe();
    const hook = await api.getWebhookInfo();
    return {
      ok: true,
      username: me.username ?? String(me.id),
      inline: Boolean(me.supports_inline_queries),
      webhook: { url: hook.url ?? '', pendingUpdates: hook.pending_update_count, lastError: hook.last_error_message ?? null },
    };
  } catch (error) {
    if (error instanceof GrammyError && error.error_code === 401) {
      return { ok: false, reason: 'Telegram does not accept this token (401 Unauthorized)', fix: 'copy the token again from @BotFather (/mybots → API Token) into TELEGRAM_BOT_TOKEN' };
    }
    if (error instanceof GrammyError) {
      return { ok: false, reason: `the Bot API answered ${error.error_code}: ${redactSecrets(error.description)}`, fix: 'check TELEGRAM_API_ROOT and the token' };
    }
    const what = error instanceof HttpError ? describeError(error.error) : describeError(error);
    return {
      ok: false,
      reason: `the Bot API at ${apiRoot ?? 'https://api.telegram.org'} could not be reached (${redactSecrets(what)})`,
      fix: 'check the network, a proxy, or TELEGRAM_API_ROOT',
    };
  }
}
