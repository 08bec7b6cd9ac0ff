/**
 * 👍/👎 votes: one JSON line per vote, {ts, chatId, userId, vote, question, files}, appended to
 * the feedback log. Writes are serialised so lines never interleave; a failed write is logged
 * and reported to the caller.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../log.js';
import { redactSecrets } from '../log.js';
import { describeError } from '../errors.js';

export interface FeedbackEntry {
  /** ISO timestamp. */
  ts: string;
  chatId: number | null;
  userId: number | null;
  vote: 'up' | 'down';
  question: string | null;
  files: string[];
}

export interface FeedbackSink {
  record(entry: FeedbackEntry): Promise<void>;
}

/** Appends JSON lines to `file` (its folder is created when missing). */
export function createFileFeedbackSink(file: string, log: Logger): FeedbackSink {
  let queue: Promise<void> = Promise.resolve();
  return {
    record(entry) {
      const line = `${JSON.stringify(entry)}\n`;
      const write = queue.then(async () => {
        await fs.mkdir(path.dirname(file), { recursive: true });
        await fs.appendFile(file, line, 'utf8');
      });
      queue = write.catch((error: unknown) => {
        log.error({ file, error: redactSecrets(describeError(error)) }, 'could not append to the feedback log');
      });
      return write;
    },
  };
}

/** Keeps votes in memory (tests, or when no file should be written). */
export function createMemoryFeedbackSink(): FeedbackSink & { entries: FeedbackEntry[] } {
  const entries: FeedbackEntry[] = [];
  return {
    entries,
    async record(entry) {
      entries.push(entry);
    },
  };
}
