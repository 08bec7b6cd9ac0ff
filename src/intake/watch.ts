/**
 * The corpus folder, watched: a `.txt` file added, changed or removed directly inside CORPUS_DIR
 * while the bot or console chat runs is handed to `update` (the intake service's `syncFiles`, or
 * `engine.updateFiles`) within seconds, without a restart or `/reindex`.
 *
 * chokidar 4 (fs.watch with the platform quirks handled): `awaitWriteFinish` holds an event until
 * the file's size has stopped changing for `stabilityMs`, so a file being copied in is not read
 * half; events are then collected for `debounceMs` after the last one (at most `maxWaitMs` after
 * the first), so a folder copied in at once is one update. The temp files the service and the
 * store write (`*.tmp`, then renamed) and hidden files are ignored. Updates never overlap: names
 * arriving during one are handed over in the next.
 */
import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';

/** What {@link watchCorpus} needs. */
export interface WatchOptions {
  /** The corpus folder. */
  dir: string;
  /** Brings these corpus files (names inside `dir`) up to date; resolves to null when none had changed. */
  update: (names: string[]) => Promise<unknown>;
  log: Logger;
  /** Quiet time after the last event before updating (default 500 ms). */
  debounceMs?: number;
  /** Longest a busy folder postpones an update (default 3 s). */
  maxWaitMs?: number;
  /** How long a file's size must stay the same before it counts as written (default 300 ms). */
  stabilityMs?: number;
}

/** A running watcher. */
export interface CorpusWatcher {
  /** Resolves once the folder is being watched (events before it are not seen). */
  ready: Promise<void>;
  /** Resolves when every update handed over so far has finished. */
  idle(): Promise<void>;
  /** Stops watching; waits for an update in progress. */
  close(): Promise<void>;
}

/** Whether a corpus entry is an article file the engine reads. */
function isArticleFile(name: string): boolean {
  return /\.txt$/i.test(name) && !name.startsWith('.');
}

/** Starts watching `options.dir` (its direct entries only). */
export function watchCorpus(options: WatchOptions): CorpusWatcher {
  const { dir, update, log } = options;
  const debounceMs = options.debounceMs ?? 500;
  const maxWaitMs = options.maxWaitMs ?? 3_000;
  const root = path.resolve(dir);
  const watcher: FSWatcher = watch(root, {
    ignoreInitial: true,
    depth: 0,
    persistent: true,
    awaitWriteFinish: { stabilityThreshold: options.stabilityMs ?? 300, pollInterval: 100 },
    ignored: (p: string) => {
      if (path.resolve(p) === root) return false;
      const base = path.basename(p);
      return base.startsWith('.') || /\.tmp$/i.test(base);
    },
  });
  const pending = new Set<string>();
  let timer: NodeJS.Timeout | null = null;
  let firstAt = 0;
  let running: Promise<void> = Promise.resolve();
  let closed = false;

  const flush = () => {
    timer = null;
    if (pending.size === 0 || closed) return;
    const names = [...pending].sort();
    pending.clear();
    running = running.then(async () => {
      try {
        const result = await update(names);
        if (result === null) log.debug({ files: names }, 'corpus folder event for files already up to date');
        else log.info({ files: names }, 'corpus folder changed: files re-indexed');
      } catch (error) {
        log.warn({ files: names, error: describeError(error) }, 'corpus folder changed but the files could not be re-indexed; /reindex retries');
      }
    });
  };

  const note = (file: string) => {
    if (closed || path.dirname(path.resolve(file)) !== root) return;
    const name = path.basename(file);
    if (!isArticleFile(name)) return;
    if (pending.size === 0) firstAt = Date.now();
    pending.add(name);
    if (timer) clearTimeout(timer);
    const wait = Math.max(0, Math.min(debounceMs, firstAt + maxWaitMs - Date.now()));
    timer = setTimeout(flush, wait);
  };

  watcher.on('add', note).on('change', note).on('unlink', note);
  watcher.on('error', (error) => log.warn({ source: root, error: describeError(error) }, 'corpus folder watcher error'));
  const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));

  return {
    ready,
    async idle() {
      // Pending names are flushed by their timer; wait for it, then for the updates.
      while (!closed && (timer || pending.size)) await new Promise((r) => setTimeout(r, 20));
      await running;
    },
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await watcher.close();
      await running;
    },
  };
}
