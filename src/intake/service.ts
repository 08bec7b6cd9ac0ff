/**
 * The intake service: every source (a channel post, an admin's forward or uploaded file, a
 * `/add` link, a feed item) becomes one article file in the corpus folder, written atomically
 * with its front matter (src/ingest/front-matter.ts), and is then made answerable with
 * `engine.updateFiles([name])`. The folder stays the one source of truth: everything the service
 * remembers is rebuilt from it at start.
 *
 * Duplicates, in memory, rebuilt from the files' front matter and text:
 * - the same canonical address, or the same text (normalised), is not added again
 *   (`{ status: 'duplicate', why }`);
 * - the same origin key (a channel post's `channel:<chat>/<message>`) with other text is an edit:
 *   its file is rewritten (`updated`); with the same text it is the same update delivered twice;
 * - a near-duplicate (the same wire story from another outlet: MinHash LSH over word shingles,
 *   src/intake/dedup.ts) is written with `duplicate-of` naming the article that holds the story,
 *   so the story is indexed once and the other outlet is shown as «also published by»; near
 *   matches within one outlet (its templated items) are indexed each.
 *
 * Adds run one at a time (a queue), so two deliveries of one update cannot both pass the
 * duplicate check. Every failure is a result, never a throw: `{ status: 'rejected', reason }`
 * with a plain reason and a {@link RejectCode} the surfaces translate.
 *
 * This file is the orchestrator; the jobs it runs are each in their own file: inputs → drafts
 * (src/intake/drafts.ts), dates, code points and addresses (metadata.ts), the duplicate tables
 * (known.ts), naming and writing the article file (article-file.ts), results (results.ts).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describeError } from '../errors.js';
import { parseArticle } from '../ingest/articles.js';
import { chunkArticle, DEFAULT_CHUNK_OPTIONS } from '../ingest/chunk.js';
import type { ArticleSource } from '../ingest/front-matter.js';
import type { Logger } from '../log.js';
import type { Article, DocId, Engine } from '../types.js';
import { articleFileName, articleFileText, writeArticleFile } from './article-file.js';
import {
  documentDraft,
  feedItemDraft,
  splitPost,
  urlDraft,
  type Draft,
  type IntakeFeedItem,
  type IntakeFetch,
  type IntakeInput,
  type IntakeSettings,
} from './drafts.js';
import { KnownArticles } from './known.js';
import { validIsoDay } from './metadata.js';
import { pollerOutcome, type ArticleRef, type IntakeResult } from './results.js';

export {
  DOCUMENT_EXTENSIONS,
  isSupportedDocument,
  splitPost,
  type DocumentInput,
  type IntakeFeedItem,
  type IntakeFetch,
  type IntakeFetched,
  type IntakeInput,
  type IntakeSettings,
  type PostInput,
} from './drafts.js';
export { isoDay, validIsoDay } from './metadata.js';
export { describeResult, pollerOutcome, type ArticleRef, type IntakeResult, type RejectCode } from './results.js';

/** What {@link IntakeService.open} needs. */
export interface IntakeDeps {
  corpusDir: string;
  /** `info` (optional) gives the indexed articles' metadata, so files without front matter are not parsed again at start. */
  engine: Pick<Engine, 'updateFiles'> & Partial<Pick<Engine, 'info'>>;
  fetch: IntakeFetch;
  log: Logger;
  /** Milliseconds since the epoch (the `added` stamp, the name of an undated article). Default `Date.now`. */
  clock?: () => number;
  settings: IntakeSettings;
}

/**
 * Turns sources into corpus files and makes them answerable. Create with {@link IntakeService.open}.
 */
export class IntakeService {
  /** The duplicate tables over the corpus folder. */
  private readonly tables = new KnownArticles();
  /** Files written but not indexed (the engine failed), by origin key: the next delivery rewrites the same file. */
  private readonly unindexed = new Map<string, DocId>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly clock: () => number;

  private constructor(private readonly deps: IntakeDeps) {
    this.clock = deps.clock ?? Date.now;
  }

  /** Opens the service over the corpus folder, reading every file's front matter and text once. */
  static async open(deps: IntakeDeps): Promise<IntakeService> {
    const service = IntakeService.start(deps);
    await service.ready;
    return service;
  }

  /**
   * Starts the service at once and reads the folder in the background (~1 ms a file: half a
   * minute for 30k articles, which must not hold up the bot's start); every add waits for it.
   */
  static start(deps: IntakeDeps): IntakeService {
    const service = new IntakeService(deps);
    service.ready = service.serial(() => service.build()).catch((error: unknown) => {
      // Duplicate checks then know only what is added from now on; adding still works.
      deps.log.error({ source: deps.corpusDir, error: describeError(error) }, 'intake could not read the corpus folder for its duplicate tables');
    });
    return service;
  }

  /** Resolves once the duplicate tables hold every corpus file present at start. */
  ready: Promise<void> = Promise.resolve();

  private build(): Promise<void> {
    const { corpusDir, log, engine } = this.deps;
    return this.tables.build(corpusDir, engine, log);
  }

  /** The fetch settings the service was opened with (FETCH_TIMEOUT_MS also bounds document downloads). */
  get settings(): Readonly<IntakeSettings> {
    return this.deps.settings;
  }

  /** How many corpus files the duplicate tables hold. */
  get size(): number {
    return this.tables.size;
  }

  /** Takes in a post, forward or uploaded document. Never throws. */
  add(input: IntakeInput): Promise<IntakeResult> {
    return this.guarded(input.kind === 'post' ? input.origin : input.fileName, async () => {
      if (input.kind === 'post') {
        const { title, paragraphs } = splitPost(input.text);
        return this.store({ ...input, title, paragraphs }, input.kind === 'post' ? input.origin : null);
      }
      const draft = documentDraft(input, this.deps.settings);
      return 'status' in draft ? draft : this.store(draft, null);
    });
  }

  /** Fetches the page at `url`, extracts its article and takes it in. Never throws. */
  addUrl(url: string, source: Extract<ArticleSource, 'link' | 'feed'> = 'link'): Promise<IntakeResult> {
    return this.guarded(url, () => this.fromUrl(url, source, null, {}));
  }

  /**
   * Takes in a feed item: its full content when the feed carries it, else the page at its link
   * (the item's headline and date fill what the page does not say; the feed's title is the outlet
   * when the page names none). Never throws.
   */
  addFeedItem(item: IntakeFeedItem, feed: { url: string; title: string | null }): Promise<IntakeResult> {
    return this.guarded(item.link ?? item.id, async () => {
      const next = feedItemDraft(item, feed);
      if ('status' in next) return next;
      if ('page' in next) return this.fromUrl(next.page, 'feed', next.origin, next.fallback);
      return this.store(next, null);
    });
  }

  /**
   * The poller's `take`: {@link addFeedItem}, told as added or not with the reason; throws when
   * the failure may pass (see {@link pollerOutcome}), so the poller tries the item again.
   */
  readonly take = async (item: IntakeFeedItem, feed: { url: string; title: string | null }): Promise<{ added: boolean; reason?: string }> =>
    pollerOutcome(await this.addFeedItem(item, feed), item.link ?? item.id);

  /**
   * Brings the tables up to date with corpus files changed by someone else (the folder watcher):
   * each named file is re-read, or forgotten when gone; then the engine indexes them.
   */
  syncFiles(names: DocId[]): Promise<unknown> {
    return this.serial(async () => {
      const changed: DocId[] = [];
      for (const name of names) {
        let raw: string | null;
        try {
          raw = (await fs.readFile(path.join(this.deps.corpusDir, name), 'utf8')).replace(/^\uFEFF/, '');
        } catch {
          raw = null;
        }
        if (this.tables.sync(name, raw)) changed.push(name);
      }
      return changed.length ? this.deps.engine.updateFiles(changed) : null;
    });
  }

  /** The article a corpus file holds, as the tables know it. */
  known(file: DocId): ArticleRef | undefined {
    const k = this.tables.get(file);
    return k && { file: k.file, title: k.title, outlet: k.outlet, date: k.date };
  }

  /**
   * Runs an add in the queue and keeps the promise that it never rejects: anything thrown on the
   * way (a bug, a broken dependency) becomes a rejection naming the source and the error.
   */
  private guarded(source: string, task: () => Promise<IntakeResult>): Promise<IntakeResult> {
    return this.serial(async () => {
      try {
        return await task();
      } catch (error) {
        const reason = describeError(error);
        this.deps.log.error({ source, error: reason }, 'intake failed unexpectedly: nothing added');
        return { status: 'rejected', reason: `${source} could not be stored: ${reason} (nothing was added; send it again, and report this error if it repeats)`, code: 'index' };
      }
    });
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async fromUrl(
    url: string,
    source: Extract<ArticleSource, 'link' | 'feed'>,
    origin: string | null,
    fallback: { title?: string | null; date?: string | null; outlet?: string | null },
  ): Promise<IntakeResult> {
    const draft = await urlDraft(url, source, origin, fallback, this.deps, (address) => this.tables.sameAddress(address));
    return 'status' in draft ? draft : this.store(draft, null);
  }

  /**
   * Checks a draft against the tables, writes its file and indexes it. `editOf` is the origin
   * key under which an existing file may be rewritten (posts); other sources never rewrite.
   */
  private async store(given: Draft, editOf: string | null): Promise<IntakeResult> {
    const { log, corpusDir, engine } = this.deps;
    // A date that is not a real day (a feed's or page's 2024-02-30, year 10000) is left out, not refused.
    const draft = { ...given, date: validIsoDay(given.date) };
    if (draft.paragraphs.length === 0 || !draft.paragraphs.some((p) => /[\p{L}\p{N}]/u.test(p))) {
      return { status: 'rejected', reason: 'the text is empty', code: 'empty' };
    }
    const now = this.clock();
    const previous = editOf ? this.tables.fileOfOrigin(editOf) : undefined;
    const checked = this.tables.check(draft, previous);
    if ('status' in checked) return checked;
    const { alsoOf } = checked;

    const pending = this.unindexed.get(draft.origin);
    const name = previous ?? (pending !== undefined && !this.tables.has(pending) ? pending : articleFileName(draft, now, corpusDir, (n) => this.tables.has(n)));
    const text = articleFileText(draft, alsoOf?.id ?? null, now);
    let article: Article;
    try {
      article = parseArticle({ id: name, raw: text });
    } catch (error) {
      return { status: 'rejected', reason: `not an article: ${describeError(error)}`, code: 'not-article' };
    }
    if (!article.sections.some((s) => s.paragraphs.some((p) => !p.heading))) {
      return { status: 'rejected', reason: 'not an article: no body text is left after removing site chrome', code: 'not-article' };
    }
    const failed = writeArticleFile(corpusDir, name, text, log);
    if (failed) return failed;
    if (previous) this.tables.forget(previous);
    this.tables.remember(name, text);
    try {
      await engine.updateFiles([name]);
    } catch (error) {
      // Not answerable, so not known either: sending it again, the feed's retry or the folder
      // watcher indexes it (the file stays, and the next delivery rewrites it).
      this.tables.forget(name);
      this.unindexed.set(draft.origin, name);
      log.error({ file: name, error: describeError(error) }, 'article written but not indexed');
      return {
        status: 'rejected',
        reason: `written to ${name} but not indexed: ${describeError(error)}; send it again (a feed retries it, the folder watcher and /reindex pick it up)`,
        code: 'index',
      };
    }
    this.unindexed.delete(draft.origin);
    const chunks = alsoOf ? 0 : chunkArticle(article, DEFAULT_CHUNK_OPTIONS).length;
    const known = this.tables.get(name)!;
    log.info({ file: name, source: draft.source, origin: draft.origin, chunks, duplicateOf: alsoOf?.id }, previous ? 'article updated' : 'article added');
    return {
      status: previous ? 'updated' : 'added',
      file: name,
      title: known.title,
      outlet: known.outlet,
      date: known.date,
      url: draft.url,
      chunks,
      ...(alsoOf ? { alsoOf: { ...this.tables.ref(alsoOf.id), similarity: alsoOf.similarity } } : {}),
    };
  }
}
