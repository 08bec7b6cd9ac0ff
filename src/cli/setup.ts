/**
 * Shared start-up for the command-line tools: settings, a human-readable stderr logger, the
 * embedding model (or the lexical fallback, said once) and the engine.
 */
import { Writable } from 'node:stream';
import { loadConfig, type Config } from '../config.js';
import { loadEmbedder } from '../embed.js';
import { openEngine, type OpenEngineOptions } from '../engine.js';
import { AppError, describeError } from '../errors.js';
import { withConfiguredGeneration } from '../generate/generate.js';
import { createLogger, type Logger } from '../log.js';
import type { Engine } from '../types.js';

/** A pino destination that prints `level: message key=value` lines, for people at a terminal. */
export function consoleDestination(stream: NodeJS.WritableStream = process.stderr): Writable {
  const names: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warning', 50: 'error', 60: 'fatal' };
  return new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) {
        try {
          const { level, msg, time: _time, ...rest } = JSON.parse(line) as Record<string, unknown>;
          const extra = Object.entries(rest)
            .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
            .join(' ');
          stream.write(`${names[level as number] ?? 'log'}: ${msg ?? ''}${extra ? ` (${extra})` : ''}\n`);
        } catch {
          stream.write(line + '\n');
        }
      }
      done();
    },
  });
}

export function cliLogger(config: Pick<Config, 'logLevel'>): Logger {
  return createLogger({ level: config.logLevel, destination: consoleDestination() });
}

/** Runs a CLI entry point: prints an AppError's message (no stack) and exits non-zero. */
export function runCli(main: () => Promise<void | number>): void {
  main().then(
    (code) => {
      if (typeof code === 'number') process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`error: ${describeError(error)}\n`);
      if (!(error instanceof AppError) && error instanceof Error && error.stack) process.stderr.write(error.stack + '\n');
      process.exitCode = 1;
    },
  );
}

export interface CliContext {
  config: Config;
  log: Logger;
  engine: Engine;
}

/**
 * Settings → logger → model (or lexical fallback) → engine with an up-to-date index, wrapped for
 * generated answers when ANSWER_MODE=generative.
 */
export async function openCliEngine(
  overrides: Partial<Pick<OpenEngineOptions, 'indexing' | 'retrieval'>> = {},
): Promise<CliContext> {
  const config = loadConfig();
  const log = cliLogger(config);
  const { embedder, error } = await loadEmbedder(config, log);
  const engine = await openEngine({ corpusDir: config.corpusDir, indexDir: config.indexDir, embedder, modelError: error, log, ...overrides });
  return { config, log, engine: withConfiguredGeneration(engine, config, log) };
}
