/**
 * `npm start`: settings → logger → embedding model (or lexical fallback) → engine → the Telegram
 * bot when TELEGRAM_BOT_TOKEN is set (long polling, or a webhook when WEBHOOK_URL is set), the
 * local console chat otherwise. In both, the live intake runs alongside: the corpus folder is
 * watched (WATCH_CORPUS) and FEEDS are polled; the bot also takes in source channels' posts,
 * admins' forwards, documents and /add links.
 *
 * SIGINT/SIGTERM stop cleanly: no more updates are fetched, answers in flight finish, the engine
 * is closed, exit 0. A second signal exits at once.
 */
import { loadConfig, type Config } from './config.js';
import { loadEmbedder } from './embed.js';
import { openEngine } from './engine.js';
import { AppError, ConfigError, describeError } from './errors.js';
import { withConfiguredGeneration } from './generate/generate.js';
import { createLogger, redactSecrets, type Logger } from './log.js';
import { createBot } from './bot/create-bot.js';
import { runBot } from './bot/run.js';
import { runConsoleChat } from './cli/chat.js';
import { consoleDestination } from './cli/setup.js';
import { safeFetch } from './intake/fetch.js';
import { feedPollerFor } from './intake/poller.js';
import { IntakeService } from './intake/service.js';
import { watchCorpus } from './intake/watch.js';
import type { Engine } from './types.js';

function abortPromise(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

async function main(): Promise<number> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`error: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
  const consoleMode = config.telegramToken === null;
  // The console chat talks on stdout; its logs are short human-readable lines on stderr.
  const log: Logger = consoleMode
    ? createLogger({ level: config.logLevel, destination: consoleDestination() })
    : createLogger({ level: config.logLevel });

  const shutdown = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (shutdown.signal.aborted) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(130);
    }
    log.info({ signal }, 'shutting down: finishing answers in flight');
    shutdown.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const { embedder, error: modelError } = await loadEmbedder(config, log);
  // ANSWER_MODE=generative: a language model writes the answer, each sentence checked against its source.
  const engine = withConfiguredGeneration(await openEngine({ corpusDir: config.corpusDir, indexDir: config.indexDir, embedder, modelError, log }), config, log);
  let intake: Intake | null = null;
  try {
    if (shutdown.signal.aborted) return 0;
    intake = await startIntake(config, engine, log);
    if (consoleMode) {
      await runConsoleChat({ engine, input: process.stdin, output: process.stdout, log, signal: shutdown.signal, maxQuestionChars: config.maxQuestionChars });
      return 0;
    }
    const bot = createBot(config, { engine, log, intake: intake.service });
    const handle = await runBot(bot, config, log);
    try {
      // Runs until a signal, or until polling fails for good (bad token, another instance).
      await Promise.race([abortPromise(shutdown.signal), handle.done]);
    } finally {
      await handle.stop();
    }
    return 0;
  } finally {
    await intake?.stop();
    await engine.close();
    log.info('engine closed');
  }
}

/** The live intake while the bot or console chat runs: the service, the folder watcher, the feed poller. */
interface Intake {
  service: IntakeService;
  stop(): Promise<void>;
}

/**
 * Opens the intake service over the corpus folder, watches the folder (WATCH_CORPUS) and polls
 * FEEDS every FEED_INTERVAL_MINUTES; `stop` ends both (a poll or update in progress finishes).
 */
async function startIntake(config: Config, engine: Engine, log: Logger): Promise<Intake> {
  // The duplicate tables are read from the folder in the background; adds wait for them.
  const service = IntakeService.start({ corpusDir: config.corpusDir, engine, fetch: safeFetch, log, settings: config });
  const watcher = config.watchCorpus ? watchCorpus({ dir: config.corpusDir, update: (names) => service.syncFiles(names), log }) : null;
  await watcher?.ready;
  const poller =
    config.feeds.length > 0
      ? feedPollerFor(config, service.take, log)
      : null;
  poller?.start();
  log.info({ watching: Boolean(watcher), feeds: config.feeds.length }, 'live intake running');
  return {
    service,
    async stop() {
      await poller?.stop();
      await watcher?.close();
      await service.ready.catch(() => undefined);
    },
  };
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`error: ${redactSecrets(describeError(error))}\n`);
    if (!(error instanceof AppError) && error instanceof Error && error.stack) process.stderr.write(`${redactSecrets(error.stack)}\n`);
    process.exit(1);
  },
);
