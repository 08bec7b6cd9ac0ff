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
 */
import { createHash } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { describeError, IntakeError } from '../errors.js';
import { parseArticle } from '../ingest/articles.js';
import { chunkArticle, DEFAULT_CHUNK_OPTIONS } from '../ingest/chunk.js';
import { parseFrontMatter, renderArticleFile, type ArticleSource, type FrontMatter } from '../ingest/front-matter.js';
import type { Logger } from '../log.js';
import { writeFileAtomic } from '../store.js';
import { splitSentences } from '../text/arabic.js';
import type { Article, ArticleInfo, DocId, Engine } from '../types.js';
import { canonicalUrl, minhash, NearDuplicates, textKey } from './dedup.js';
import { decodePage } from './decode.js';
import { extractArticle } from './extract.js';
import type { FeedItem } from './feeds.js';

/** What a fetch gives back (the shape of src/intake/fetch.ts's `safeFetch`). */
export interface IntakeFetched {
  /** The final address, after redirects. */
  url: string;
  status: number;
  contentType: string | null;
  charset?: string | null;
  bytes: Uint8Array;
}

/**
 * Fetches one page (src/intake/fetch.ts's `safeFetch`, or a fake in tests). Throws
 * {@link IntakeError} with a plain reason on a refused address, 404, too large, timeout or a
 * content type that is not a page.
 */
export type IntakeFetch = (
  url: string,
  options: { allowPrivate: boolean; timeoutMs: number; maxBytes: number; headers?: Record<string, string> },
) => Promise<IntakeFetched>;

/** The settings intake needs (a subset of the app's Config). */
export interface IntakeSettings {
  fetchAllowPrivate: boolean;
  fetchTimeoutMs: number;
  fetchMaxBytes: number;
}

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

/** A text whose metadata is known: a channel post or an admin's forward. */
export interface PostInput {
  kind: 'post';
  text: string;
  /** The channel's title (or the forwarded chat's, or the author's name). */
  outlet: string | null;
  /** Publication date, ISO `YYYY-MM-DD`. */
  date: string | null;
  /** The public t.me address, when the channel has a username. */
  url: string | null;
  /** Stable key of the post: `channel:<chat id>/<message id>`; an edit carries the same key. */
  origin: string;
  source: Extract<ArticleSource, 'channel' | 'forward'>;
}

/** An uploaded document: `.txt` (UTF-8) or `.html`/`.htm`. */
export interface DocumentInput {
  kind: 'document';
  bytes: Uint8Array;
  fileName: string;
  /** The MIME type Telegram reported, if any (only a hint). */
  mimeType?: string | null;
}

/** Any input {@link IntakeService.add} takes. */
export type IntakeInput = PostInput | DocumentInput;

/** A feed item as the poller hands it over (src/intake/feeds.ts). */
export type IntakeFeedItem = FeedItem;

/** The article that an added or refused one is measured against. */
export interface ArticleRef {
  file: DocId;
  title: string | null;
  outlet: string | null;
  date: string | null;
}

/** Why an input was not added, for the surfaces to say in their language. */
export type RejectCode =
  | 'empty'
  | 'not-article'
  | 'too-large'
  | 'encoding'
  | 'binary'
  | 'unsupported'
  | 'refused'
  | 'fetch'
  | 'index';

/** The outcome of one input. */
export type IntakeResult =
  | {
      status: 'added' | 'updated';
      file: DocId;
      title: string | null;
      outlet: string | null;
      date: string | null;
      url: string | null;
      /** Chunks the article is indexed as (0 when it is a near-duplicate shown under another). */
      chunks: number;
      /** The article already holding the same story, when this one is a near-duplicate. */
      alsoOf?: ArticleRef & { similarity: number };
    }
  | { status: 'duplicate'; of: ArticleRef; why: 'same address' | 'same text' }
  | { status: 'rejected'; reason: string; code: RejectCode };

/** What the service remembers of one corpus file. */
interface Known extends ArticleRef {
  url: string | null;
  urlKey: string | null;
  textKey: string;
  origin: string | null;
  duplicateOf: DocId | null;
  /** The file's text, to tell a rewrite by the service from someone else's edit. */
  hash: string;
}

/** An article ready to be written. */
interface Draft {
  title: string | null;
  outlet: string | null;
  date: string | null;
  url: string | null;
  source: ArticleSource;
  origin: string;
  paragraphs: string[];
}

const REJECT_PATTERNS: Array<[RegExp, RejectCode]> = [
  [/larger than|too large/i, 'too-large'],
  [/FETCH_ALLOW_PRIVATE|only http|not a valid web address|not an address/i, 'refused'],
  [/binary/i, 'binary'],
  [/charset|encoding|UTF-8/i, 'encoding'],
  [/not a page or a feed/i, 'unsupported'],
  [/no article|not an article|main text|too short|no text/i, 'not-article'],
];

/** Turns a thrown intake error into a rejection with a code (read from the reason after the address). */
function rejection(error: unknown): Extract<IntakeResult, { status: 'rejected' }> {
  const reason = describeError(error);
  const why = reason.replace(/^\S+(?: \(redirected to \S+\))?: /, '');
  const code = REJECT_PATTERNS.find(([re]) => re.test(why))?.[1] ?? 'fetch';
  return { status: 'rejected', reason, code };
}

const sha = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** A file-name-safe date: the article's, else today's by the clock. */
function nameDate(date: string | null, now: number): string {
  return date ?? new Date(now).toISOString().slice(0, 10);
}

/** The ISO day of a Unix time in seconds (a Telegram message date); null when it is not a time a date can be given for. */
export function isoDay(unixSeconds: number): string | null {
  const ms = unixSeconds * 1000;
  return Number.isFinite(ms) ? isoDate(new Date(ms)) : null;
}

/** The ISO `YYYY-MM-DD` of a time, or null when its year is not a four-digit year (1000–9999). */
function isoDate(date: Date): string | null {
  const year = date.getUTCFullYear();
  return Number.isFinite(year) && year >= 1000 && year <= 9999 ? date.toISOString().slice(0, 10) : null;
}

/**
 * `value` when it is a real calendar day written `YYYY-MM-DD` with a year from 1000 to 9999,
 * else null (`2024-02-30`, `2023-13-01` are not days; front matter refuses them).
 */
export function validIsoDay(value: string | null | undefined): string | null {
  const m = value ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(value) : null;
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (y < 1000 || mo < 1 || mo > 12 || d < 1) return null;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1]!;
  return d <= days ? value! : null;
}

/**
 * An ISO `YYYY-MM-DD` from any date string a feed gives, or null. A value that starts with an ISO
 * day must be a real one (`Date.parse` would roll `2024-02-30` over to March 1st); any other
 * value is read by `Date.parse` and kept when its year has four digits.
 */
function isoFromAny(value: string | null | undefined): string | null {
  if (!value) return null;
  const day = /^\d{4}-\d{2}-\d{2}/.exec(value.trim())?.[0];
  if (day !== undefined && validIsoDay(day) === null) return null;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return null;
  return day !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(value.trim()) ? day : isoDate(new Date(ms));
}

/** The character a numeric character reference stands for; nothing when it names none (above U+10FFFF, a surrogate, NUL). */
function codePointText(n: number): string {
  return Number.isInteger(n) && n > 0 && n <= 0x10ffff && !(n >= 0xd800 && n <= 0xdfff) ? String.fromCodePoint(n) : '';
}

/** Non-empty lines of a text, trimmed. */
function lines(text: string): string[] {
  return text
    .split(/\r\n|\r|\n|\u2028|\u2029/)
    .map((l) => l.replace(/\s+/g, ' ').trim())
    .filter((l) => /[\p{L}\p{N}]/u.test(l));
}

/**
 * A post's headline and body: its first line when the post has more than one and that line is
 * short enough to be a headline; otherwise its first sentence (the body is then the whole text).
 */
export function splitPost(text: string): { title: string | null; paragraphs: string[] } {
  const all = lines(text);
  if (all.length === 0) return { title: null, paragraphs: [] };
  const first = all[0]!;
  if (all.length > 1 && first.length <= 200) return { title: stripMarks(first), paragraphs: all.slice(1) };
  const sentence = splitSentences(first)[0]?.text.trim() ?? first;
  const title = sentence.length <= 200 ? sentence : `${sentence.slice(0, 197).replace(/\s+\S*$/, '')}…`;
  return { title: stripMarks(title), paragraphs: all };
}

/** Emoji and decoration channels put around headlines («🔴 عاجل |»). */
function stripMarks(title: string): string {
  return title.replace(/^[\p{Extended_Pictographic}\p{S}\s|:*_-]+|[\p{Extended_Pictographic}\s|*_]+$/gu, '').trim() || title;
}

/** Paragraph texts of an HTML fragment (a feed item's content), block by block. */
function htmlParagraphs(html: string): string[] {
  const text = html
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<br\s*\/?>|<\/(p|div|h[1-6]|li|blockquote|section|article)>/gi, '\n')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&#(\d+);/g, (_, n: string) => codePointText(Number(n)))
    .replace(/&#x([0-9a-f]+);/gi, (_, n: string) => codePointText(Number.parseInt(n, 16)))
    .replace(/&amp;/g, '&');
  return lines(text);
}

/**
 * Feed content this long (letters and digits), or half as long in three paragraphs or more, is
 * taken as the full article rather than a teaser.
 */
const FULL_CONTENT_CHARS = 600;

/** The body lines of an article file (after its front matter, if any). */
function bodyOf(raw: string): { fields: FrontMatter; body: string } {
  const fm = parseFrontMatter(raw);
  return fm ? { fields: fm.fields, body: raw.slice(fm.bodyStart) } : { fields: {}, body: raw };
}

/** The text key and MinHash signature of an article body. */
function keysOf(body: string): { key: string; sig: ReturnType<typeof minhash> } {
  const text = lines(body).join('\n');
  return { key: textKey(text), sig: minhash(text) };
}

function safeCanonical(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    return canonicalUrl(url);
  } catch {
    return null;
  }
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** File name endings an uploaded document may have. */
export const DOCUMENT_EXTENSIONS: readonly string[] = ['.txt', '.html', '.htm'];

/** Whether an uploaded file's name says it is a document intake reads (checked before downloading). */
export function isSupportedDocument(fileName: string): boolean {
  return DOCUMENT_EXTENSIONS.includes(path.extname(fileName).toLowerCase());
}

/**
 * Turns sources into corpus files and makes them answerable. Create with {@link IntakeService.open}.
 */
export class IntakeService {
  private readonly byFile = new Map<DocId, Known>();
  private readonly byUrl = new Map<string, DocId>();
  private readonly byText = new Map<string, DocId>();
  private readonly byOrigin = new Map<string, DocId>();
  private readonly near = new NearDuplicates();
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

  private async build(): Promise<void> {
    const { corpusDir, log, engine } = this.deps;
    const started = performance.now();
    await fs.mkdir(corpusDir, { recursive: true });
    const names = (await fs.readdir(corpusDir)).filter((n) => /\.txt$/i.test(n)).sort();
    // The index already knows each article's metadata: files without front matter are not parsed again.
    this.indexed = new Map((engine.info?.().articles ?? []).map((a) => [a.file, a]));
    for (const [i, name] of names.entries()) {
      await this.learnFile(name);
      if (i % 64 === 63) await new Promise((resolve) => setImmediate(resolve));
    }
    this.indexed = null;
    log.debug({ files: this.byFile.size, ms: Math.round(performance.now() - started) }, 'intake duplicate tables built from the corpus folder');
  }

  /** Article metadata from the index while the tables are built. */
  private indexed: Map<DocId, ArticleInfo> | null = null;

  /** The fetch settings the service was opened with (FETCH_TIMEOUT_MS also bounds document downloads). */
  get settings(): Readonly<IntakeSettings> {
    return this.deps.settings;
  }

  /** How many corpus files the duplicate tables hold. */
  get size(): number {
    return this.byFile.size;
  }

  /** Takes in a post, forward or uploaded document. Never throws. */
  add(input: IntakeInput): Promise<IntakeResult> {
    return this.guarded(input.kind === 'post' ? input.origin : input.fileName, async () => {
      if (input.kind === 'post') {
        const { title, paragraphs } = splitPost(input.text);
        return this.store({ ...input, title, paragraphs }, input.kind === 'post' ? input.origin : null);
      }
      const draft = this.documentDraft(input);
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
      const origin = item.link ? `url:${safeCanonical(item.link) ?? item.link}` : `feed:${feed.url}#${item.id}`;
      const content = item.content ? htmlParagraphs(item.content) : [];
      const fallback = { title: item.title?.trim() || null, date: isoFromAny(item.published), outlet: feed.title?.trim() || null };
      const letters = content.join('').replace(/[^\p{L}\p{N}]/gu, '').length;
      if ((content.length >= 3 && letters >= FULL_CONTENT_CHARS / 2) || letters >= FULL_CONTENT_CHARS || !item.link) {
        if (content.length === 0) return { status: 'rejected', reason: 'the feed item has neither a link nor any text', code: 'empty' };
        return this.store({ ...fallback, url: item.link, source: 'feed', origin, paragraphs: content }, null);
      }
      return this.fromUrl(item.link, 'feed', origin, fallback);
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
        const known = this.byFile.get(name);
        // The service's own writes come back through the watcher: already known and indexed.
        if (raw === null ? !known : known?.hash === sha(raw)) continue;
        this.forget(name);
        if (raw !== null) this.remember(name, raw);
        changed.push(name);
      }
      return changed.length ? this.deps.engine.updateFiles(changed) : null;
    });
  }

  /** The article a corpus file holds, as the tables know it. */
  known(file: DocId): ArticleRef | undefined {
    const k = this.byFile.get(file);
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
    const { log, settings } = this.deps;
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return { status: 'rejected', reason: `"${url}" is not an address: write it in full, e.g. https://example.org/news/1`, code: 'refused' };
    }
    if (!['http:', 'https:'].includes(parsed.protocol)) {
      return { status: 'rejected', reason: `${parsed.protocol} addresses are refused: only http:// and https:// pages can be added`, code: 'refused' };
    }
    const before = this.sameAddress(url);
    if (before) return before;
    let html: string;
    let finalUrl: string;
    let plain: Draft | null = null;
    try {
      const page = await this.deps.fetch(url, { allowPrivate: settings.fetchAllowPrivate, timeoutMs: settings.fetchTimeoutMs, maxBytes: settings.fetchMaxBytes });
      finalUrl = page.url || url;
      const after = finalUrl !== url ? this.sameAddress(finalUrl) : null;
      if (after) return after;
      const type = (page.contentType ?? '').toLowerCase();
      const header = `${page.contentType ?? 'text/html'}${page.charset ? `; charset=${page.charset}` : ''}`;
      if (type.startsWith('text/plain')) {
        const text = decodePage(page.bytes, header);
        const { title, paragraphs } = splitPost(text);
        plain = { title: title ?? fallback.title ?? null, outlet: fallback.outlet ?? null, date: fallback.date ?? null, url: finalUrl, source, origin: origin ?? `url:${safeCanonical(finalUrl) ?? finalUrl}`, paragraphs };
        html = '';
      } else {
        html = decodePage(page.bytes, header);
      }
    } catch (error) {
      log.warn({ source: url, error: describeError(error) }, 'page not taken in');
      return rejection(error);
    }
    // Storing is outside the try blocks: its failures are not the page's (see guarded).
    if (plain) return this.store(plain, null);
    let draft: Draft;
    try {
      const article = extractArticle(html, { url: finalUrl });
      draft = {
        title: article.title ?? fallback.title ?? null,
        outlet: article.outlet ?? fallback.outlet ?? null,
        date: validIsoDay(article.date) ?? fallback.date ?? null,
        url: article.url ?? finalUrl,
        source,
        origin: origin ?? `url:${safeCanonical(article.url ?? finalUrl) ?? finalUrl}`,
        paragraphs: article.paragraphs,
      };
    } catch (error) {
      log.warn({ source: url, error: describeError(error) }, 'no article at this address');
      const result = rejection(error);
      return result.code === 'fetch' ? { ...result, code: 'not-article' } : result;
    }
    return this.store(draft, null);
  }

  /** A duplicate result when this address (canonically) is already an article. */
  private sameAddress(url: string): IntakeResult | null {
    const key = safeCanonical(url);
    const file = key ? this.byUrl.get(key) : undefined;
    return file ? { status: 'duplicate', of: this.ref(file), why: 'same address' } : null;
  }

  /** An uploaded document → a draft, or why it cannot be one. */
  private documentDraft(input: DocumentInput): Draft | IntakeResult {
    const { settings } = this.deps;
    const ext = path.extname(input.fileName).toLowerCase();
    if (!isSupportedDocument(input.fileName)) {
      return { status: 'rejected', reason: `"${input.fileName}" is not a .txt, .html or .htm file`, code: 'unsupported' };
    }
    if (input.bytes.length > settings.fetchMaxBytes) {
      return { status: 'rejected', reason: `too large: ${input.bytes.length} bytes, the limit is ${settings.fetchMaxBytes} (FETCH_MAX_BYTES)`, code: 'too-large' };
    }
    if (input.bytes.length === 0) return { status: 'rejected', reason: `"${input.fileName}" is empty`, code: 'empty' };
    if (input.bytes.includes(0)) return { status: 'rejected', reason: `"${input.fileName}" is a binary file, not text`, code: 'binary' };
    const origin = `upload:${createHash('sha256').update(input.bytes).digest('hex').slice(0, 32)}`;
    if (ext === '.txt') {
      let text: string;
      try {
        text = UTF8.decode(input.bytes);
      } catch {
        return { status: 'rejected', reason: `"${input.fileName}" is not valid UTF-8 text: save it as UTF-8 and send it again`, code: 'encoding' };
      }
      const raw = text.replace(/^\uFEFF/, '');
      if (!/[\p{L}\p{N}]/u.test(raw)) return { status: 'rejected', reason: `"${input.fileName}" holds no text`, code: 'empty' };
      // Read like a scraped page in the corpus: headline first, datelines and credits recognised.
      const article = parseArticle({ id: input.fileName, raw });
      const all = lines(raw);
      const titleAt = article.title ? all.findIndex((l) => l === article.title!.replace(/\s+/g, ' ').trim()) : -1;
      return {
        title: article.title,
        outlet: article.outlet,
        date: article.date,
        url: null,
        source: 'upload',
        origin,
        paragraphs: titleAt >= 0 ? all.filter((_, i) => i !== titleAt) : all,
      };
    }
    let html: string;
    try {
      html = decodePage(input.bytes, input.mimeType && /html/i.test(input.mimeType) ? input.mimeType : 'text/html');
    } catch (error) {
      return { ...rejection(error), code: 'encoding' };
    }
    if (/\uFFFD{3,}/.test(html)) {
      return { status: 'rejected', reason: `"${input.fileName}" is in an unreadable encoding: save it as UTF-8 or declare its charset`, code: 'encoding' };
    }
    try {
      const article = extractArticle(html);
      return { title: article.title, outlet: article.outlet, date: article.date, url: article.url || null, source: 'upload', origin, paragraphs: article.paragraphs };
    } catch (error) {
      const result = rejection(error);
      return { ...result, code: result.code === 'fetch' ? 'not-article' : result.code };
    }
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
    const urlKey = safeCanonical(draft.url);
    const previous = editOf ? this.byOrigin.get(editOf) : undefined;
    const body = renderArticleFile({}, draft.paragraphs).replace(/^---\n---\n/, '');
    const { key, sig } = keysOf(body);
    if (!previous && urlKey && this.byUrl.has(urlKey)) return { status: 'duplicate', of: this.ref(this.byUrl.get(urlKey)!), why: 'same address' };
    const sameText = this.byText.get(key);
    if (sameText && sameText !== previous) return { status: 'duplicate', of: this.ref(sameText), why: 'same text' };
    if (previous && sameText === previous) {
      // The same post delivered again (or edited without changing its text).
      return { status: 'duplicate', of: this.ref(previous), why: 'same text' };
    }
    if (!previous && this.byOrigin.has(draft.origin)) {
      return { status: 'duplicate', of: this.ref(this.byOrigin.get(draft.origin)!), why: 'same address' };
    }

    // A near-duplicate is the same story from another outlet. One outlet's own near-identical
    // texts are its templated items (a daily rate, a library opened in another town: 0.52 on
    // MinHash for two such items), not one story: they are indexed each.
    let alsoOf: { id: DocId; similarity: number } | null = null;
    const match = this.near.find(sig);
    if (match && match.id !== previous) {
      const root = this.byFile.get(match.id)?.duplicateOf ?? match.id;
      const holder = this.byFile.get(root);
      if (holder && !sameOutlet(holder.outlet, draft.outlet)) alsoOf = { id: root, similarity: match.similarity };
    }

    const pending = this.unindexed.get(draft.origin);
    const name = previous ?? (pending !== undefined && !this.byFile.has(pending) ? pending : this.fileName(draft, now));
    const text = renderArticleFile(
      {
        ...(draft.title ? { title: draft.title } : {}),
        ...(draft.outlet ? { outlet: draft.outlet } : {}),
        ...(draft.date ? { date: draft.date } : {}),
        ...(draft.url ? { url: draft.url } : {}),
        source: draft.source,
        origin: draft.origin,
        ...(alsoOf ? { duplicateOf: alsoOf.id } : {}),
        added: new Date(now).toISOString(),
      },
      draft.paragraphs,
    );
    let article: Article;
    try {
      article = parseArticle({ id: name, raw: text });
    } catch (error) {
      return { status: 'rejected', reason: `not an article: ${describeError(error)}`, code: 'not-article' };
    }
    if (!article.sections.some((s) => s.paragraphs.some((p) => !p.heading))) {
      return { status: 'rejected', reason: 'not an article: no body text is left after removing site chrome', code: 'not-article' };
    }
    const file = path.join(corpusDir, name);
    try {
      writeFileAtomic(file, text);
    } catch (error) {
      log.error({ file, error: describeError(error) }, 'could not write the article file');
      return { status: 'rejected', reason: `could not write ${file}: ${describeError(error)} (check CORPUS_DIR's permissions and free space)`, code: 'index' };
    }
    if (previous) this.forget(previous);
    this.remember(name, text);
    try {
      await engine.updateFiles([name]);
    } catch (error) {
      // Not answerable, so not known either: sending it again, the feed's retry or the folder
      // watcher indexes it (the file stays, and the next delivery rewrites it).
      this.forget(name);
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
    const known = this.byFile.get(name)!;
    log.info({ file: name, source: draft.source, origin: draft.origin, chunks, duplicateOf: alsoOf?.id }, previous ? 'article updated' : 'article added');
    return {
      status: previous ? 'updated' : 'added',
      file: name,
      title: known.title,
      outlet: known.outlet,
      date: known.date,
      url: draft.url,
      chunks,
      ...(alsoOf ? { alsoOf: { ...this.ref(alsoOf.id), similarity: alsoOf.similarity } } : {}),
    };
  }

  /** `<date>_<12 hex of the origin key>.txt`: stable for one origin, readable in a listing. */
  private fileName(draft: Draft, now: number): DocId {
    const base = `${nameDate(draft.date, now)}_${sha(draft.origin).slice(0, 12)}`;
    let name = `${base}.txt`;
    // A name taken by a file the tables left out (empty, unreadable) is not overwritten either.
    for (let n = 2; this.byFile.has(name) || existsSync(path.join(this.deps.corpusDir, name)); n++) name = `${base}-${n}.txt`;
    return name;
  }

  private ref(file: DocId): ArticleRef {
    const k = this.byFile.get(file);
    return { file, title: k?.title ?? null, outlet: k?.outlet ?? null, date: k?.date ?? null };
  }

  /** Reads one corpus file into the tables (a missing or unreadable file is left out). */
  private async learnFile(name: DocId): Promise<void> {
    let raw: string;
    try {
      raw = await fs.readFile(path.join(this.deps.corpusDir, name), 'utf8');
    } catch {
      return;
    }
    this.remember(name, raw.replace(/^\uFEFF/, ''));
  }

  private remember(name: DocId, raw: string): void {
    const { fields, body } = bodyOf(raw);
    if (!/[\p{L}\p{N}]/u.test(body)) return;
    let title = fields.title ?? null;
    let outlet = fields.outlet ?? null;
    let date = fields.date ?? null;
    let text = body;
    const info = this.indexed?.get(name);
    if (info && !fields.title) {
      title = info.title;
      outlet ??= info.outlet;
      date ??= info.date;
      if (info.title) {
        const headline = info.title.replace(/\s+/g, ' ').trim();
        text = lines(body).filter((l) => l !== headline).join('\n');
      }
    } else if (!fields.title || !fields.outlet || !fields.date) {
      try {
        const article = parseArticle({ id: name, raw });
        title ??= article.title;
        outlet ??= article.outlet;
        date ??= article.date;
        // A scraped file holds its headline as a line of text; intake's files hold it in the
        // front matter: the text key is of the body alone in both.
        if (!fields.title && article.title) {
          const headline = article.title.replace(/\s+/g, ' ').trim();
          text = lines(body).filter((l) => l !== headline).join('\n');
        }
      } catch {
        // metadata stays null
      }
    }
    const { key, sig } = keysOf(text);
    const urlKey = safeCanonical(fields.url);
    const known: Known = {
      file: name,
      title,
      outlet,
      date,
      url: fields.url ?? null,
      urlKey,
      textKey: key,
      origin: fields.origin ?? null,
      duplicateOf: fields.duplicateOf ?? null,
      hash: sha(raw),
    };
    this.byFile.set(name, known);
    if (urlKey && !this.byUrl.has(urlKey)) this.byUrl.set(urlKey, name);
    if (!this.byText.has(key)) this.byText.set(key, name);
    if (known.origin && !this.byOrigin.has(known.origin)) this.byOrigin.set(known.origin, name);
    if (!known.duplicateOf) this.near.add(name, sig);
  }

  private forget(name: DocId): void {
    const k = this.byFile.get(name);
    if (!k) return;
    this.byFile.delete(name);
    if (k.urlKey && this.byUrl.get(k.urlKey) === name) this.byUrl.delete(k.urlKey);
    if (this.byText.get(k.textKey) === name) this.byText.delete(k.textKey);
    if (k.origin && this.byOrigin.get(k.origin) === name) this.byOrigin.delete(k.origin);
    this.near.remove(name);
  }
}

/** Whether two outlet names are the same outlet (both known; case and spacing aside). */
function sameOutlet(a: string | null, b: string | null): boolean {
  const key = (x: string) => x.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
  return a !== null && b !== null && key(a) === key(b);
}

/** A one-line account of a result, for logs, the CLI and the feed poller. */
export function describeResult(result: IntakeResult): string {
  switch (result.status) {
    case 'added':
    case 'updated':
      return `${result.status} ${result.file}: «${result.title ?? '(untitled)'}» — ${result.outlet ?? 'outlet unknown'} · ${result.date ?? 'undated'} · ${result.chunks} chunks${
        result.alsoOf ? ` (also published as ${result.alsoOf.file}, similarity ${result.alsoOf.similarity.toFixed(2)})` : ''
      }`;
    case 'duplicate':
      return `duplicate (${result.why}) of ${result.of.file}: «${result.of.title ?? '(untitled)'}» — ${result.of.outlet ?? 'outlet unknown'} · ${result.of.date ?? 'undated'}`;
    case 'rejected':
      return `not added: ${result.reason}`;
  }
}

/**
 * A result as the feed poller's `take` reports it: added, or not added with the reason when that
 * will not change (a duplicate, no article, HTTP 404, too large…). A failure that may pass (a
 * timeout, a 5xx answer, a broken connection, the index not writable) is thrown as an
 * {@link IntakeError}, so the poller tries the item again on a later poll.
 */
export function pollerOutcome(result: IntakeResult, source: string): { added: boolean; reason?: string } {
  if (result.status === 'added' || result.status === 'updated') return { added: true };
  if (result.status === 'rejected' && (result.code === 'index' || (result.code === 'fetch' && !/answered 4\d\d/.test(result.reason)))) {
    throw new IntakeError(result.reason, source);
  }
  return { added: false, reason: describeResult(result) };
}

