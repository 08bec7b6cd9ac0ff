/**
 * Reading a news feed: RSS 2.0 (and 0.9x), RSS 1.0 (RDF) and Atom, through `rss-parser`, into
 * one shape. Each item keeps a stable id (guid / Atom id, else its link), an absolute http(s)
 * link, its title, its date as an ISO date-time, the full article body when the feed carries
 * one (`content:encoded`, Atom `content`) and its summary (`description`, Atom `summary`). A field
 * the feed does not give is null, never invented; an item with no id, link or title is dropped. A document that is not well-formed XML or not a feed is an {@link IntakeError}
 * naming the feed. The XML parser never expands entities declared in the document (no
 * "billion laughs") nor fetches external ones.
 */
import iconv from 'iconv-lite';
import Parser from 'rss-parser';
import { IntakeError, describeError } from '../errors.js';

/** One entry of a feed. */
export interface FeedItem {
  /** guid (RSS), id (Atom), else the link, else `title:<title>`; stable across polls. */
  id: string;
  /** The item's page, absolute; null when the feed gives none (or not an http(s) one). */
  link: string | null;
  title: string | null;
  /** Publication (else update) date as an ISO date-time; null when absent or unreadable. */
  published: string | null;
  /** The full HTML body when the feed carries it (`content:encoded`, Atom `content`). */
  content: string | null;
  /** The short description (`description`, Atom `summary`), HTML as given. */
  summary: string | null;
}

/** A feed's title and items, in document order (feeds list the newest first by convention). */
export interface ParsedFeed {
  title: string | null;
  items: FeedItem[];
}

type Raw = Record<string, unknown>;
type AtomEntry = Record<string, unknown[] | undefined>;

/** An rss-parser whose Atom reading survives an unreadable date or a `<link>` without href. */
function makeParser(): Parser<Raw, Raw> {
  const parser = new Parser<Raw, Raw>({ defaultRSS: 2, customFields: { item: ['description'] } });
  const inner = parser as unknown as { parseItemAtom(entry: AtomEntry): Raw };
  const original = inner.parseItemAtom.bind(parser);
  inner.parseItemAtom = (entry) => {
    const safe: AtomEntry = { ...entry };
    for (const key of ['published', 'updated']) {
      const value = textOf(safe[key]?.[0]);
      if (value === null || Number.isNaN(Date.parse(value))) delete safe[key];
    }
    if (safe.link) safe.link = safe.link.filter((link) => typeof (link as { $?: { href?: unknown } })?.$?.href === 'string');
    if (safe.link?.length === 0) delete safe.link;
    return { ...original(safe), __atom: true };
  };
  return parser;
}

/**
 * Parses a feed document. `feedUrl` (where it was fetched from) names the feed in errors and is
 * the base for relative item links. Throws {@link IntakeError} when the document is not
 * well-formed XML or is XML but not RSS or Atom.
 */
export async function parseFeed(xml: string, feedUrl?: string): Promise<ParsedFeed> {
  const name = feedUrl ?? 'The feed';
  let raw: Parser.Output<Raw> & Raw;
  try {
    raw = await makeParser().parseString(xml.replace(/^\uFEFF/, '').trimStart());
  } catch (error) {
    const detail = describeError(error).split('\n')[0]!;
    const why = /not recognized|Unable to parse/i.test(detail)
      ? 'is not an RSS or Atom feed (its document is neither <rss>, <rdf:RDF> nor <feed>)'
      : `is not well-formed XML (${detail}${xmlLine(describeError(error))}); the feed is broken at its source`;
    throw new IntakeError(`${name}: ${why}.`, feedUrl, { cause: error });
  }
  const base = absolute(feedUrl ?? null, null) ?? absolute(textOf(raw.link), null);
  const items: FeedItem[] = [];
  for (const item of raw.items as Raw[]) {
    const atom = item.__atom === true;
    const link = absolute(textOf(item.link), base) ?? (atom ? null : permalinkGuid(item.guid));
    const title = clean(textOf(item.title));
    const id = clean(textOf(atom ? item.id : item.guid)) ?? link ?? clean(textOf(item['rdf:about'])) ?? (title ? `title:${title}` : null);
    if (id === null) continue;
    items.push({
      id,
      link,
      title,
      published: isoDate(textOf(item.isoDate) ?? textOf(item.pubDate) ?? textOf(item.date)),
      content: nonEmpty(textOf(item['content:encoded']) ?? (atom ? textOf(item.content) : null)),
      summary: nonEmpty(atom ? textOf(item.summary) : item.description !== undefined ? textOf(item.content) : null),
    });
  }
  return { title: clean(textOf(raw.title)), items };
}

/**
 * A fetched feed's bytes as text: a byte-order mark wins, then the HTTP charset, then the
 * `encoding` of the XML declaration, else UTF-8 (an undecodable byte becomes U+FFFD rather than
 * failing the feed). `windows-1256` and `ISO-8859-6` feeds come out as Arabic.
 */
export function decodeFeed(bytes: Uint8Array, charset: string | null): string {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf) return buffer.subarray(3).toString('utf8');
  if (buffer[0] === 0xfe && buffer[1] === 0xff) return iconv.decode(buffer.subarray(2), 'utf-16be');
  if (buffer[0] === 0xff && buffer[1] === 0xfe) return iconv.decode(buffer.subarray(2), 'utf-16le');
  const declared = /^\s*<\?xml[^>]*\bencoding\s*=\s*["']([\w.:-]+)["']/i.exec(buffer.subarray(0, 256).toString('latin1'))?.[1];
  const label = (charset ?? declared ?? 'utf-8').toLowerCase();
  if (label !== 'utf-8' && label !== 'utf8' && iconv.encodingExists(label)) return iconv.decode(buffer, label);
  return buffer.toString('utf8');
}

/** ", line 3" from a sax error message ("Line: 2"), 1-based. */
function xmlLine(message: string): string {
  const m = /Line: (\d+)/.exec(message);
  return m ? `, line ${Number(m[1]) + 1}` : '';
}

/** Text of an xml2js value: a string, `{ _: text }`, or nested elements (type="xhtml"). */
function textOf(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) {
    const parts = value.map(textOf).filter((v): v is string => v !== null);
    return parts.length ? parts.join(' ') : null;
  }
  if (typeof value === 'object') {
    const parts: string[] = [];
    for (const [key, inner] of Object.entries(value as Raw)) {
      if (key === '$') continue;
      const text = textOf(inner);
      if (text !== null) parts.push(text);
    }
    return parts.length ? parts.join(' ') : null;
  }
  return null;
}

/** Whitespace collapsed; null when nothing is left. */
function clean(value: string | null): string | null {
  const text = value?.replace(/\s+/g, ' ').trim();
  return text ? text : null;
}

function nonEmpty(value: string | null): string | null {
  return value && value.trim() ? value.trim() : null;
}

/** `value` as an absolute http(s) URL (resolved against `base`), else null. */
function absolute(value: string | null, base: string | null): string | null {
  const text = value?.trim();
  if (!text) return null;
  try {
    const url = base ? new URL(text, base) : new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

/** An RSS guid that is itself the item's web address (the usual isPermaLink="true" case). */
function permalinkGuid(guid: unknown): string | null {
  const text = textOf(guid)?.trim() ?? null;
  return text && /^https?:\/\//i.test(text) ? absolute(text, null) : null;
}

/** An ISO date-time, or null when the text is not a readable date. */
function isoDate(value: string | null): string | null {
  if (!value) return null;
  const time = Date.parse(value.trim());
  return Number.isNaN(time) ? null : new Date(time).toISOString();
}
