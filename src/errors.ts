/**
 * One error class per stage that can fail. Each message names the file or setting involved
 * and says how to fix it; `cause` keeps the underlying error.
 */

export abstract class AppError extends Error {
  abstract readonly stage: 'config' | 'corpus' | 'model' | 'index' | 'telegram' | 'intake' | 'generate';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A setting is missing or malformed. */
export class ConfigError extends AppError {
  readonly stage = 'config' as const;
}

/** The corpus folder or one of its files cannot be used. */
export class CorpusError extends AppError {
  readonly stage = 'corpus' as const;
  constructor(message: string, readonly file?: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The embedding model cannot be loaded or run. */
export class ModelError extends AppError {
  readonly stage = 'model' as const;
}

/** The persisted index is missing, unreadable, corrupted or cannot be written. */
export class IndexError extends AppError {
  readonly stage = 'index' as const;
}

/** A Telegram Bot API call failed in a way the bot cannot recover from. */
export class TelegramError extends AppError {
  readonly stage = 'telegram' as const;
}

/**
 * An article could not be taken in from a link, feed, channel post, forward or uploaded file:
 * the address was refused, the fetch failed, the page holds no article, the file is too large or
 * unreadable. `source` names where it came from (a URL, a feed, `channel:<id>/<message>`).
 */
export class IntakeError extends AppError {
  readonly stage = 'intake' as const;
  constructor(message: string, readonly source?: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * The language model could not give a usable answer (unreachable, timed out, 429/5xx, a broken
 * stream, nothing said). The caller falls back to the quoted answer.
 */
export class GenerationError extends AppError {
  readonly stage = 'generate' as const;
}

/** A readable one-line description of any thrown value. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
