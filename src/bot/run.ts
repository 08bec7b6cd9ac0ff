/**
 * Running the bot: long polling through @grammyjs/runner (concurrent, sequentialized per chat by
 * `createBot`), or a webhook when `WEBHOOK_URL` is set (a node:http server, Telegram's secret
 * token header checked by grammY's `webhookCallback`).
 *
 * Both modes share an update gate in front of `bot.handleUpdate`:
 * - it drops an update_id it has already taken (bounded memory), so an update Telegram
 *   re-delivers because the first delivery took long to answer is not answered twice;
 * - it tracks updates in flight, so `stop()` can stop fetching, let every answer in flight
 *   finish, then resolve.
 *
 * Against a Bot API server that returns empty `getUpdates` batches at once instead of waiting
 * `timeout` seconds (the test emulator), polling sleeps briefly between empty batches.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { webhookCallback, type Bot } from 'grammy';
import type { Update } from 'grammy/types';
import { run, type RunnerHandle } from '@grammyjs/runner';
import type { Config } from '../config.js';
import { describeError, TelegramError } from '../errors.js';
import type { Logger } from '../log.js';
import { redactSecrets } from '../log.js';
import type { BotContext } from './context.js';
import { registerCommandMenus } from './commands.js';

export type RunConfig = Pick<Config, 'webhookUrl' | 'webhookSecret' | 'webhookHost' | 'webhookPort'>;

/** Update types the bot asks Telegram for. */
export const ALLOWED_UPDATES = ['message', 'channel_post', 'edited_channel_post', 'callback_query', 'inline_query'] as const;

export interface RunOptions {
  /** Long-poll timeout in seconds (default 30). */
  pollTimeoutSeconds?: number;
  /** Pause after an empty batch that came back early (default 300 ms). */
  idlePauseMs?: number;
  /** Webhook: answer Telegram after this long even if the update is still being handled (default 8 s). */
  webhookResponseMs?: number;
  /** Longest wait for answers in flight on stop (default 30 s). */
  drainTimeoutMs?: number;
  /** Register the ar/en command menus on start (default true; failures are logged and ignored). */
  registerCommands?: boolean;
  /** Webhook: call setWebhook on start (default true). */
  setWebhook?: boolean;
}

export interface BotHandle {
  readonly mode: 'polling' | 'webhook';
  /** Webhook mode: the address the HTTP server listens on. */
  readonly address?: AddressInfo;
  /** Number of updates being handled right now. */
  inFlight(): number;
  /** Rejects if polling stops on an unrecoverable error (bad token, another instance). */
  readonly done: Promise<void>;
  /** Stops fetching updates, waits for the updates in flight, then resolves. Idempotent. */
  stop(): Promise<void>;
}

/** Remembers the last `capacity` update ids. */
class SeenUpdates {
  private readonly ids = new Set<number>();
  constructor(private readonly capacity = 10_000) {}
  /** True the first time an id is offered. */
  add(id: number): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    if (this.ids.size > this.capacity) this.ids.delete(this.ids.values().next().value as number);
    return true;
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Gate in front of handleUpdate: de-duplication and in-flight tracking. */
function createGate(bot: Bot<BotContext>, log: Logger) {
  const seen = new SeenUpdates();
  const inFlight = new Set<Promise<void>>();
  const handle = (update: Update, webhookReplyEnvelope?: Parameters<Bot<BotContext>['handleUpdate']>[1]): Promise<void> => {
    if (!seen.add(update.update_id)) {
      log.info({ updateId: update.update_id }, 'duplicate update ignored');
      return Promise.resolve();
    }
    const task = bot.handleUpdate(update, webhookReplyEnvelope).finally(() => inFlight.delete(task));
    inFlight.add(task);
    return task;
  };
  const drain = async (timeoutMs: number): Promise<boolean> => {
    const deadline = Date.now() + timeoutMs;
    while (inFlight.size > 0) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await Promise.race([Promise.allSettled([...inFlight]), sleep(left)]);
    }
    return true;
  };
  return { handle, drain, size: () => inFlight.size };
}

async function initBot(bot: Bot<BotContext>, log: Logger): Promise<void> {
  try {
    await bot.init();
  } catch (error) {
    const message = redactSecrets(describeError(error));
    if (/401|Unauthorized|404: Not Found/i.test(message)) {
      throw new TelegramError('Telegram rejected the bot token (getMe failed): copy TELEGRAM_BOT_TOKEN again from @BotFather.', { cause: error });
    }
    throw new TelegramError(`Could not reach the Telegram Bot API (getMe failed: ${message}). Check the network, or TELEGRAM_API_ROOT if set.`, { cause: error });
  }
  log.info({ username: bot.botInfo.username, id: bot.botInfo.id }, 'bot identity');
}

/** Starts the bot in the mode the configuration asks for; resolves once it is receiving updates. */
export async function runBot(bot: Bot<BotContext>, config: RunConfig, log: Logger, options: RunOptions = {}): Promise<BotHandle> {
  await initBot(bot, log);
  if (options.registerCommands !== false) void registerCommandMenus(bot.api, log);
  const gate = createGate(bot, log);
  const drainTimeoutMs = options.drainTimeoutMs ?? 30_000;
  return config.webhookUrl ? runWebhook(bot, config, log, options, gate, drainTimeoutMs) : runPolling(bot, log, options, gate, drainTimeoutMs);
}

type Gate = ReturnType<typeof createGate>;

async function runPolling(bot: Bot<BotContext>, log: Logger, options: RunOptions, gate: Gate, drainTimeoutMs: number): Promise<BotHandle> {
  try {
    // A webhook left from an earlier run would make getUpdates fail with 409.
    await bot.api.deleteWebhook({ drop_pending_updates: false });
  } catch (error) {
    log.warn({ error: redactSecrets(describeError(error)) }, 'deleteWebhook failed (continuing)');
  }
  const timeout = options.pollTimeoutSeconds ?? 30;
  const idlePauseMs = options.idlePauseMs ?? 300;
  const runner: RunnerHandle = run(
    {
      handleUpdate: (update: Update) => gate.handle(update),
      errorHandler: (error: unknown) => bot.errorHandler(error as never),
      api: {
        async getUpdates(args, signal) {
          const started = Date.now();
          try {
            const updates = await bot.api.getUpdates(args, signal);
            // A server that ignores `timeout` answers an empty batch at once: do not spin.
            if (updates.length === 0 && Date.now() - started < Math.min(args.timeout * 1000, 1000)) await sleep(idlePauseMs, signal as unknown as AbortSignal);
            return updates;
          } catch (error) {
            if (!signal.aborted) log.warn({ error: redactSecrets(describeError(error)) }, 'getUpdates failed; retrying');
            throw error;
          }
        },
      },
    },
    { runner: { fetch: { timeout, allowed_updates: [...ALLOWED_UPDATES] }, silent: true, retryInterval: 'exponential', maxRetryTime: 60 * 60 * 1000 } },
  );
  log.info({ mode: 'polling' }, 'bot running (long polling)');
  const done = (async () => {
    try {
      await runner.task();
    } catch (error) {
      const message = redactSecrets(describeError(error));
      const hint = /409|Conflict/i.test(message)
        ? 'another instance is polling with this token (or a webhook is set)'
        : /401|Unauthorized/i.test(message)
          ? 'the bot token was revoked'
          : 'fetching updates failed';
      throw new TelegramError(`Polling stopped: ${hint} (${message}).`, { cause: error });
    }
  })();
  done.catch(() => {}); // observed by whoever awaits `done`
  let stopping: Promise<void> | undefined;
  return {
    mode: 'polling',
    done,
    inFlight: gate.size,
    stop() {
      stopping ??= (async () => {
        log.info({ inFlight: gate.size() }, 'stopping: no more updates are fetched');
        if (runner.isRunning()) await runner.stop().catch(() => {});
        if (!(await gate.drain(drainTimeoutMs))) log.warn({ inFlight: gate.size() }, 'stopped before every answer in flight finished');
        log.info('bot stopped');
      })();
      return stopping;
    },
  };
}

async function runWebhook(bot: Bot<BotContext>, config: RunConfig, log: Logger, options: RunOptions, gate: Gate, drainTimeoutMs: number): Promise<BotHandle> {
  const url = new URL(config.webhookUrl!);
  const path = url.pathname || '/';
  // grammY's webhookCallback checks the secret header and parses the update; the view routes
  // its handleUpdate through the gate (without touching the bot itself).
  const view = Object.create(bot) as Bot<BotContext>;
  view.handleUpdate = (update, envelope) => gate.handle(update, envelope);
  const callback = webhookCallback(view, 'http', {
    secretToken: config.webhookSecret ?? undefined,
    onTimeout: 'return',
    timeoutMilliseconds: options.webhookResponseMs ?? 8_000,
  });
  let stopping = false;
  const server = http.createServer((req, res) => {
    const pathname = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && pathname === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    if (req.method !== 'POST' || pathname !== path) {
      res.writeHead(404).end();
      return;
    }
    if (stopping) {
      // Telegram delivers it again later (to this instance after a restart).
      res.writeHead(503, { 'retry-after': '5' }).end();
      return;
    }
    callback(req, res).catch((error: unknown) => {
      log.warn({ error: redactSecrets(describeError(error)) }, 'webhook request failed');
      if (!res.headersSent) res.writeHead(400).end();
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.webhookPort, config.webhookHost, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  if (options.setWebhook !== false) {
    try {
      await bot.api.setWebhook(config.webhookUrl!, {
        secret_token: config.webhookSecret ?? undefined,
        allowed_updates: [...ALLOWED_UPDATES],
        drop_pending_updates: false,
      });
    } catch (error) {
      server.close();
      throw new TelegramError(`setWebhook failed: ${redactSecrets(describeError(error))}. Check WEBHOOK_URL (public HTTPS) and the token.`, { cause: error });
    }
  }
  log.info({ mode: 'webhook', host: address.address, port: address.port, path }, 'bot running (webhook)');
  let stopped: Promise<void> | undefined;
  return {
    mode: 'webhook',
    address,
    done: new Promise<void>(() => {}),
    inFlight: gate.size,
    stop() {
      stopped ??= (async () => {
        stopping = true;
        log.info({ inFlight: gate.size() }, 'stopping: new updates are refused');
        if (!(await gate.drain(drainTimeoutMs))) log.warn({ inFlight: gate.size() }, 'stopped before every answer in flight finished');
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        log.info('bot stopped');
      })();
      return stopped;
    },
  };
}
