/**
 * Inputs → article drafts: a channel post or forward (its text split into headline and body), an
 * uploaded document (.txt read like a scraped page, .html through the extractor), a page at an
 * address (fetched, decoded, extracted), a feed item (its full content, or the page at its link).
 * A draft is not yet checked against the known articles nor written (src/intake/service.ts does
 * both); an input that cannot become one is a rejection.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { describeError } from '../errors.js';
import { parseArticle } from '../ingest/articles.js';
import type { ArticleSource } from '../ingest/front-matter.js';
import type { Logger } from '../log.js';
import { splitSentences } from '../text/arabic.js';
import { decodePage } from './decode.js';
import { extractArticle } from './extract.js';
import type { FeedItem } from './feeds.js';
import { codePointText, isoFromAny, safeCanonical, validIsoDay } from './metadata.js';
import { rejection, type IntakeResult } from './results.js';

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

/** An article ready to be written. */
export interface Draft {
  title: string | null;
  outlet: string | null;
  date: string | null;
  url: string | null;
  source: ArticleSource;
  origin: string;
  paragraphs: string[];
}

/** Non-empty lines of a text, trimmed. */
export function lines(text: string): string[] {
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

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** File name endings an uploaded document may have. */
export const DOCUMENT_EXTENSIONS: readonly string[] = ['.txt', '.html', '.htm'];

/** Whether an uploaded file's name says it is a document intake reads (checked before downloading). */
export function isSupportedDocument(fileName: string): boolean {
  return DOCUMENT_EXTENSIONS.includes(path.extname(fileName).toLowerCase());
}

/** An uploaded document → a draft, or why it cannot be one (FETCH_MAX_BYTES bounds its size). */
export function documentDraft(input: DocumentInput, settings: IntakeSettings): Draft | IntakeResult {
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

/** A feed item's page to read, with what the item says about the article. */
export interface FeedItemPage {
  page: string;
  origin: string;
  fallback: { title: string | null; date: string | null; outlet: string | null };
}

/**
 * A feed item → a draft of its full content when the feed carries it, else its page to read (the
 * item's headline and date fill what the page does not say; the feed's title is the outlet when
 * the page names none), or why neither.
 */
export function feedItemDraft(item: IntakeFeedItem, feed: { url: string; title: string | null }): Draft | IntakeResult | FeedItemPage {
  const origin = item.link ? `url:${safeCanonical(item.link) ?? item.link}` : `feed:${feed.url}#${item.id}`;
  const content = item.content ? htmlParagraphs(item.content) : [];
  const fallback = { title: item.title?.trim() || null, date: isoFromAny(item.published), outlet: feed.title?.trim() || null };
  const letters = content.join('').replace(/[^\p{L}\p{N}]/gu, '').length;
  if ((content.length >= 3 && letters >= FULL_CONTENT_CHARS / 2) || letters >= FULL_CONTENT_CHARS || !item.link) {
    if (content.length === 0) return { status: 'rejected', reason: 'the feed item has neither a link nor any text', code: 'empty' };
    return { ...fallback, url: item.link, source: 'feed', origin, paragraphs: content };
  }
  return { page: item.link, origin, fallback };
}

/**
 * The page at `url` → a draft: fetched, decoded, its article extracted (plain text is split like a
 * post); `fallback` fills what the page does not say. `sameAddress` tells an address, before the
 * fetch and after a redirect, that is already an article. Fetch failures are rejections.
 */
export async function urlDraft(
  url: string,
  source: Extract<ArticleSource, 'link' | 'feed'>,
  origin: string | null,
  fallback: { title?: string | null; date?: string | null; outlet?: string | null },
  deps: { fetch: IntakeFetch; log: Logger; settings: IntakeSettings },
  sameAddress: (url: string) => IntakeResult | null,
): Promise<Draft | IntakeResult> {
  const { log, settings } = deps;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { status: 'rejected', reason: `"${url}" is not an address: write it in full, e.g. https://example.org/news/1`, code: 'refused' };
  }
  if (!['http:', 'https:'].includes(parsed.protocol)) {
    return { status: 'rejected', reason: `${parsed.protocol} addresses are refused: only http:// and https:// pages can be added`, code: 'refused' };
  }
  const before = sameAddress(url);
  if (before) return before;
  let html: string;
  let finalUrl: string;
  let plain: Draft | null = null;
  try {
    const page = await deps.fetch(url, { allowPrivate: settings.fetchAllowPrivate, timeoutMs: settings.fetchTimeoutMs, maxBytes: settings.fetchMaxBytes });
    finalUrl = page.url || url;
    const after = finalUrl !== url ? sameAddress(finalUrl) : null;
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
  // The caller stores the draft outside these try blocks: its failures are not the page's.
  if (plain) return plain;
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
  return draft;
}
