/**
 * Polling the news feeds in FEEDS every FEED_INTERVAL_MINUTES.
 *
 * Each poll fetches every feed with a conditional GET (the ETag / Last-Modified it last
 * answered), parses it, and hands each item not seen before to `take` (the intake service, which
 * fetches the item's page or uses the feed's full content), newest first and at most `maxItems`
 * a feed a poll; items left over are taken on the next polls. An item is taken once: its id is
 * remembered (a bounded number per feed) whether it was added or refused; an item whose `take`
 * threw is tried again on the next polls, up to {@link MAX_ITEM_ATTEMPTS} times. A feed that fails
 * (unreachable, refused, malformed) is logged as a warning naming it and tried again after an
 * exponentially growing pause; the other feeds go on. Polls never overlap, and `stop()` lets the
 * poll in progress finish the item it is on. With `statePath` the validators, remembered ids and
 * failures survive a restart (a JSON file, replaced atomically after every poll).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { writeFileAtomic } from '../store.js';
import { decodeFeed, parseFeed, type FeedItem } from './feeds.js';
import { safeFetch, type FetchOptions, type Fetched } from './fetch.js';

/** Times an item whose `take` threw is tried before it is given up. */
export const MAX_ITEM_ATTEMPTS = 3;

/** Default ids remembered per feed (feeds list tens of items; the oldest ids are forgotten). */
export const DEFAULT_MAX_SEEN = 2000;

/** Default longest pause after repeated failures of a feed: 6 hours. */
export const DEFAULT_MAX_BACKOFF_MS = 6 * 60 * 60_000;

/** What the poller needs; everything is passed in so tests can drive it. */
export interface FeedPollerDeps {
  /** Feed URLs, polled in this order. */
  feeds: string[];
  /** Fetches a feed; `safeFetch` in the product. It gets `fetchOptions` plus the conditional headers. */
  fetch: (url: string, options: FetchOptions) => Promise<Fetched>;
  /** Fetch settings (FETCH_ALLOW_PRIVATE, FETCH_TIMEOUT_MS, FETCH_MAX_BYTES). */
  fetchOptions: Omit<FetchOptions, 'headers'>;
  /** Takes one new item in (the intake service); `added: false` with the reason when refused. */
  take: (item: FeedItem, feed: { url: string; title: string | null }) => Promise<{ added: boolean; reason?: string }>;
  /** Most new items taken from one feed in one poll (FEED_MAX_ITEMS). */
  maxItems: number;
  /** Time between polls (FEED_INTERVAL_MINUTES), and the first backoff step. */
  intervalMs: number;
  log: Logger;
  /** Milliseconds since the epoch; default `Date.now`. */
  clock?: () => number;
  /** JSON file keeping each feed's validators, remembered ids and failures across restarts. */
  statePath?: string;
  /** Ids remembered per feed; default {@link DEFAULT_MAX_SEEN}. */
  maxSeen?: number;
  /** Longest pause after failures; default {@link DEFAULT_MAX_BACKOFF_MS}. */
  maxBackoffMs?: number;
}

/** What became of one item in a poll. */
export interface ItemReport {
  id: string;
  link: string | null;
  title: string | null;
  outcome: 'added' | 'skipped' | 'failed';
  /** Why it was skipped (from `take`) or failed (the error). */
  reason?: string;
}

/** One feed's part of a poll. */
export interface FeedReport {
  url: string;
  title: string | null;
  /**
   * `polled`: fetched and read; `not-modified`: the server answered 304; `failed`: see `error`;
   * `backing-off`: not fetched, the feed failed recently (see `nextAttempt`); `stopped`: the
   * poller was stopped before this feed's turn.
   */
  status: 'polled' | 'not-modified' | 'failed' | 'backing-off' | 'stopped';
  /** Why the feed failed; null otherwise. */
  error: string | null;
  /** Items taken in this poll, newest first. */
  items: ItemReport[];
  added: number;
  skipped: number;
  failed: number;
  /** New items left for later polls (beyond `maxItems`, or the poller was stopped). */
  left: number;
  /** Consecutive failures of this feed so far. */
  failures: number;
  /** When a failing feed is tried again (ISO); null when it is not backing off. */
  nextAttempt: string | null;
}

/** The result of one {@link FeedPoller.pollOnce}. */
export interface PollReport {
  startedAt: string;
  feeds: FeedReport[];
  added: number;
  skipped: number;
  failed: number;
}

/** What is remembered of one feed. */
interface FeedState {
  title: string | null;
  etag: string | null;
  lastModified: string | null;
  /** Ids already taken (or given up), oldest first. */
  seen: string[];
  /** Attempts of items whose `take` threw, by id. */
  attempts: Record<string, number>;
  /** New items were left over: the next fetch is unconditional so they are seen again. */
  backlog: boolean;
  failures: number;
  nextAttempt: number | null;
  lastError: string | null;
}

interface StateFile {
  version: 1;
  feeds: Record<string, FeedState>;
}

const fresh = (): FeedState => ({ title: null, etag: null, lastModified: null, seen: [], attempts: {}, backlog: false, failures: 0, nextAttempt: null, lastError: null });

/** Polls FEEDS; see the module comment. */
export class FeedPoller {
  private readonly clock: () => number;
  private readonly states = new Map<string, FeedState>();
  private readonly seenSets = new Map<string, Set<string>>();
  private inFlight: Promise<PollReport> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private stopping = false;

  constructor(private readonly deps: FeedPollerDeps) {
    this.clock = deps.clock ?? Date.now;
    this.load();
  }

  /**
   * Polls every feed once (a feed backing off after failures is passed over unless `force`).
   * Never throws: a feed's failure is in its report and in a warning. A call while a poll is in
   * progress returns that poll.
   */
  pollOnce(options: { force?: boolean } = {}): Promise<PollReport> {
    this.inFlight ??= this.poll(options.force ?? false).finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  /** Polls now, then every `intervalMs` after the previous poll ended. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopping = false;
    const loop = async () => {
      this.timer = null;
      try {
        await this.pollOnce();
      } catch (error) {
        this.deps.log.error({ err: error }, `The feed poll failed unexpectedly: ${describeError(error)}; polling goes on.`);
      }
      if (this.running) {
        this.timer = setTimeout(loop, this.deps.intervalMs);
        this.timer.unref();
      }
    };
    void loop();
  }

  /** Stops polling; resolves when the poll in progress (if any) has finished its current item. */
  async stop(): Promise<void> {
    this.running = false;
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.inFlight?.catch(() => undefined);
  }

  private async poll(force: boolean): Promise<PollReport> {
    const startedAt = new Date(this.clock()).toISOString();
    const feeds: FeedReport[] = [];
    for (const url of this.deps.feeds) feeds.push(await this.pollFeed(url, force));
    this.save();
    const sum = (key: 'added' | 'skipped' | 'failed') => feeds.reduce((n, f) => n + f[key], 0);
    return { startedAt, feeds, added: sum('added'), skipped: sum('skipped'), failed: sum('failed') };
  }

  private state(url: string): FeedState {
    let state = this.states.get(url);
    if (!state) this.states.set(url, (state = fresh()));
    return state;
  }

  private seen(url: string): Set<string> {
    let set = this.seenSets.get(url);
    if (!set) this.seenSets.set(url, (set = new Set(this.state(url).seen)));
    return set;
  }

  private remember(url: string, id: string): void {
    const state = this.state(url);
    const set = this.seen(url);
    if (set.has(id)) return;
    set.add(id);
    state.seen.push(id);
    delete state.attempts[id];
  }

  /**
   * Keeps at most `maxSeen` ids: ids the feed still lists are kept (they would come back), the
   * oldest of the others go first; only a feed longer than `maxSeen` loses ids it still lists.
   */
  private prune(url: string, listed: Set<string>): void {
    const state = this.state(url);
    const max = this.deps.maxSeen ?? DEFAULT_MAX_SEEN;
    let excess = state.seen.length - max;
    if (excess <= 0) return;
    const set = this.seen(url);
    const keep: string[] = [];
    for (const id of state.seen) {
      if (excess > 0 && !listed.has(id)) {
        set.delete(id);
        excess -= 1;
      } else keep.push(id);
    }
    while (keep.length > max) set.delete(keep.shift()!);
    state.seen = keep;
  }

  private async pollFeed(url: string, force: boolean): Promise<FeedReport> {
    const state = this.state(url);
    const report: FeedReport = {
      url, title: state.title, status: 'polled', error: null, items: [], added: 0, skipped: 0, failed: 0, left: 0,
      failures: state.failures, nextAttempt: state.nextAttempt === null ? null : new Date(state.nextAttempt).toISOString(),
    };
    if (this.stopping) return { ...report, status: 'stopped' };
    if (!force && state.nextAttempt !== null && state.nextAttempt > this.clock()) return { ...report, status: 'backing-off', error: state.lastError };

    let items: FeedItem[];
    try {
      const headers: Record<string, string> = {};
      if (!state.backlog && state.etag) headers['If-None-Match'] = state.etag;
      if (!state.backlog && state.lastModified) headers['If-Modified-Since'] = state.lastModified;
      const fetched = await this.deps.fetch(url, { ...this.deps.fetchOptions, headers });
      if (fetched.notModified) {
        this.succeeded(state);
        return { ...report, status: 'not-modified', failures: 0, nextAttempt: null };
      }
      const feed = await parseFeed(decodeFeed(fetched.bytes, fetched.charset), fetched.url);
      state.etag = fetched.etag;
      state.lastModified = fetched.lastModified;
      state.title = feed.title;
      report.title = feed.title;
      items = feed.items;
    } catch (error) {
      const message = describeError(error);
      state.failures += 1;
      state.lastError = message;
      state.nextAttempt = this.clock() + this.backoff(state.failures);
      const nextAttempt = new Date(state.nextAttempt).toISOString();
      this.deps.log.warn({ feed: url, failures: state.failures, nextAttempt }, `Feed ${url} failed (${state.failures} in a row): ${message} Trying it again after ${nextAttempt}.`);
      return { ...report, status: 'failed', error: message, failures: state.failures, nextAttempt };
    }
    this.succeeded(state);
    report.failures = 0;
    report.nextAttempt = null;

    const seen = this.seen(url);
    const unique = new Map<string, FeedItem>();
    for (const item of items) if (!seen.has(item.id) && !unique.has(item.id)) unique.set(item.id, item);
    const fresh = newestFirst([...unique.values()]);
    let taken = 0;
    for (const item of fresh) {
      if (taken >= this.deps.maxItems || this.stopping) break;
      taken += 1;
      const entry: ItemReport = { id: item.id, link: item.link, title: item.title, outcome: 'added' };
      try {
        const result = await this.deps.take(item, { url, title: state.title });
        if (result.added) report.added += 1;
        else {
          entry.outcome = 'skipped';
          entry.reason = result.reason ?? 'not added';
          report.skipped += 1;
        }
        this.remember(url, item.id);
      } catch (error) {
        entry.outcome = 'failed';
        entry.reason = describeError(error);
        report.failed += 1;
        const attempts = (state.attempts[item.id] ?? 0) + 1;
        state.attempts[item.id] = attempts;
        const giveUp = attempts >= MAX_ITEM_ATTEMPTS;
        if (giveUp) this.remember(url, item.id);
        this.deps.log.warn(
          { feed: url, item: item.link ?? item.id, attempts },
          `Feed ${url}: could not take in ${item.link ?? item.id}: ${entry.reason}${giveUp ? ` Given up after ${attempts} attempts.` : ' It is tried again on the next poll.'}`,
        );
      }
      report.items.push(entry);
    }
    report.left = fresh.length - taken;
    // Items left over or to be retried: the next fetch must not be answered 304.
    state.backlog = report.left > 0 || report.items.some((i) => i.outcome === 'failed' && !seen.has(i.id));
    this.prune(url, new Set(items.map((i) => i.id)));
    return report;
  }

  private succeeded(state: FeedState): void {
    state.failures = 0;
    state.nextAttempt = null;
    state.lastError = null;
  }

  /** The pause after `failures` consecutive failures: intervalMs × 2^failures, capped. */
  private backoff(failures: number): number {
    return Math.min(this.deps.intervalMs * 2 ** Math.min(failures, 30), this.deps.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS);
  }

  /** Reads `statePath`; a missing file is a first run, an unreadable one is logged and replaced. */
  private load(): void {
    const file = this.deps.statePath;
    if (!file) return;
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      return;
    }
    try {
      const parsed = JSON.parse(text) as StateFile;
      if (parsed?.version !== 1 || typeof parsed.feeds !== 'object') throw new Error('not a feed state file');
      for (const url of this.deps.feeds) {
        const saved = parsed.feeds[url];
        if (saved) this.states.set(url, { ...fresh(), ...saved, seen: Array.isArray(saved.seen) ? saved.seen.filter((s) => typeof s === 'string') : [] });
      }
    } catch (error) {
      this.deps.log.warn({ file }, `The feed state file ${file} is unreadable (${describeError(error)}); starting afresh: feeds are fetched unconditionally and recent items may be offered again (the intake refuses duplicates).`);
    }
  }

  /** Writes `statePath` atomically (configured feeds only); a failure is logged, never thrown. */
  private save(): void {
    const file = this.deps.statePath;
    if (!file) return;
    const data: StateFile = { version: 1, feeds: {} };
    for (const url of this.deps.feeds) {
      const state = this.states.get(url);
      if (state) data.feeds[url] = state;
    }
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      writeFileAtomic(file, `${JSON.stringify(data, null, 1)}\n`);
    } catch (error) {
      this.deps.log.warn({ file }, `Could not save the feed state to ${file}: ${describeError(error)}. Check that the folder is writable.`);
    }
  }
}

/**
 * Items sorted newest first by date; an undated item keeps its place after the dated item
 * before it in the feed (feeds list newest first by convention).
 */
function newestFirst(items: FeedItem[]): FeedItem[] {
  let last = Infinity;
  const keyed = items.map((item, index) => {
    const time = item.published ? Date.parse(item.published) : NaN;
    if (!Number.isNaN(time)) last = time;
    return { item, index, time: Number.isNaN(time) ? last : time };
  });
  keyed.sort((a, b) => b.time - a.time || a.index - b.index);
  return keyed.map((k) => k.item);
}

/** The settings a poller of FEEDS is made from (a part of src/config.ts's Config). */
export type FeedSettings = Pick<
  Config,
  'feeds' | 'feedIntervalMinutes' | 'feedMaxItems' | 'fetchAllowPrivate' | 'fetchTimeoutMs' | 'fetchMaxBytes' | 'indexDir'
>;

/**
 * The poller of FEEDS as `npm start` and `npm run ingest -- --feeds` run it: the safe fetcher
 * with the fetch settings, FEED_MAX_ITEMS, FEED_INTERVAL_MINUTES, and its state kept in
 * INDEX_DIR/feeds-state.json.
 */
export function feedPollerFor(settings: FeedSettings, take: FeedPollerDeps['take'], log: Logger): FeedPoller {
  return new FeedPoller({
    feeds: settings.feeds,
    fetch: safeFetch,
    fetchOptions: { allowPrivate: settings.fetchAllowPrivate, timeoutMs: settings.fetchTimeoutMs, maxBytes: settings.fetchMaxBytes },
    take,
    maxItems: settings.feedMaxItems,
    intervalMs: settings.feedIntervalMinutes * 60_000,
    log,
    statePath: path.join(settings.indexDir, 'feeds-state.json'),
  });
}
