/**
 * The front-matter block of an article file: what intake knew for certain about an article (its
 * headline, outlet, date, address, where it came from), written at the top of the `.txt` file it
 * stores in the corpus folder, so the folder stays the one source of truth, readable by a person
 * and re-ingestable from scratch:
 *
 * ```
 * ---
 * title: شي يلتقي بوتين
 * outlet: الجزيرة
 * date: 2025-05-08
 * url: https://www.aljazeera.net/news/2025/5/8/…
 * source: link
 * origin: url:https://www.aljazeera.net/news/2025/5/8/…
 * duplicate-of: 003_65547c7958172f08.txt
 * added: 2026-12-04T13:00:00.000Z
 * ---
 * التقى الرئيس الروسي …
 * ```
 *
 * One `key: value` a line, every value on that one line. A file is read as having front matter
 * only when its first line is exactly `---`, a closing `---` line follows within
 * {@link MAX_FRONT_MATTER_LINES} lines, every line between is blank or `key: value` with an ASCII
 * key, and at least one key is known: a scraped page that happens to start with a rule line is
 * read as today. Unknown keys are ignored (a person may add notes); a repeated key keeps its
 * first value; keys are case-insensitive.
 */
import { IntakeError } from '../errors.js';

/** How an article arrived: a `/add` link, a feed item, a source channel's post, an admin's forward, an uploaded file. */
export type ArticleSource = 'link' | 'feed' | 'channel' | 'forward' | 'upload';

/** The values {@link ArticleSource} may take, in the order they are documented. */
export const ARTICLE_SOURCES: readonly ArticleSource[] = ['link', 'feed', 'channel', 'forward', 'upload'];

/**
 * What a front-matter block says. Every field is optional; a field the block does not give is
 * absent (never an empty string).
 */
export interface FrontMatter {
  /** The headline. */
  title?: string;
  /** The outlet that published it (a site's name, a channel's title). */
  outlet?: string;
  /** Publication date, ISO `YYYY-MM-DD`. */
  date?: string;
  /** The page or public post it was published at. */
  url?: string;
  /** How it arrived. */
  source?: ArticleSource;
  /**
   * A stable key of where it came from, so the same item arriving again is recognised:
   * `channel:<chat id>/<message id>`, `feed:<feed url>#<item guid>`, `url:<canonical url>`, …
   */
  origin?: string;
  /** The corpus file already holding the same story (a near-duplicate), e.g. `003_….txt`. */
  duplicateOf?: string;
  /** When intake added it, an ISO timestamp. */
  added?: string;
}

/** Field order in a written block, with each field's key in the file. */
const KEYS: ReadonlyArray<readonly [keyof FrontMatter, string]> = [
  ['title', 'title'],
  ['outlet', 'outlet'],
  ['date', 'date'],
  ['url', 'url'],
  ['source', 'source'],
  ['origin', 'origin'],
  ['duplicateOf', 'duplicate-of'],
  ['added', 'added'],
];
const FIELD_BY_KEY = new Map(KEYS.map(([field, key]) => [key, field]));

/** A block longer than this many lines (fences included) is not front matter. */
export const MAX_FRONT_MATTER_LINES = 40;

/** The fence line, allowing trailing spaces and any line end. */
const FENCE = /^---[ \t]*$/;
/** A `key: value` line (or `key:` with no value). */
const FIELD_LINE = /^([A-Za-z][A-Za-z0-9_-]*)[ \t]*:(.*)$/;
/** Whitespace and invisible marks trimmed from a value's edges (as clean.ts trims lines). */
const EDGES = /^[\s\u200B-\u200F\u202A-\u202E\u2060-\u2064\u061C\uFEFF]+|[\s\u200B-\u200F\u202A-\u202E\u2060-\u2064\u061C\uFEFF]+$/g;
/** Characters that would end a line or are not text: folded to a space in written values. */
const BREAKS = /[\r\n\u0085\u2028\u2029\t\v\f\u0000-\u0008\u000E-\u001F\u007F-\u009F]+/g;
/** ISO calendar date. */
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Reads the front-matter block at the top of a file's text (BOM already removed). Returns the
 * fields it gives and `bodyStart`, the offset in `raw` just after the closing fence's line end,
 * where the article text begins; null when the text has no well-formed block (see module doc).
 * Values are trimmed; an empty value counts as absent; a `date` that is not a real `YYYY-MM-DD`
 * date and a `source` not in {@link ARTICLE_SOURCES} are ignored rather than trusted.
 */
export function parseFrontMatter(raw: string): { fields: FrontMatter; bodyStart: number } | null {
  if (!raw.startsWith('---')) return null;
  const line = /[^\r\n]*(?:\r\n|\r|\n|$)/g;
  const fields: FrontMatter = {};
  let known = 0;
  for (let n = 0; n < MAX_FRONT_MATTER_LINES; n++) {
    const m = line.exec(raw);
    if (m === null || m[0] === '') return null; // end of text before the closing fence
    const text = m[0].replace(/[\r\n]+$/, '');
    if (n === 0) {
      if (!FENCE.test(text)) return null;
      continue;
    }
    if (FENCE.test(text)) return known > 0 ? { fields, bodyStart: m.index + m[0].length } : null;
    if (text.trim() === '') continue;
    const field = FIELD_LINE.exec(text);
    if (!field) return null;
    const name = FIELD_BY_KEY.get(field[1]!.toLowerCase());
    if (!name) continue;
    known++;
    const value = field[2]!.replace(EDGES, '');
    if (!value || fields[name] !== undefined) continue;
    if (name === 'date' && !isIsoDate(value)) continue;
    if (name === 'source' && !(ARTICLE_SOURCES as readonly string[]).includes(value)) continue;
    (fields as Record<string, string>)[name] = value;
  }
  return null;
}

/**
 * Writes an article file: the front-matter block for `meta` (fields in a fixed order, absent or
 * empty ones left out), then one paragraph a line. Every value and paragraph is put on one line
 * (line breaks, tabs and control characters become a space, runs of spaces one space) and
 * trimmed, so a headline holding a line break or `---` cannot end the block early; empty
 * paragraphs are dropped. The text ends with a line break.
 *
 * Throws {@link IntakeError} when `date` is not an ISO `YYYY-MM-DD` date or `source` is not one
 * of {@link ARTICLE_SOURCES} (a caller's mistake: such a file would lose the field on reading).
 */
export function renderArticleFile(meta: FrontMatter, paragraphs: readonly string[]): string {
  const lines = ['---'];
  for (const [field, key] of KEYS) {
    const value = meta[field];
    if (value === undefined || value === null) continue;
    const text = oneLine(String(value));
    if (!text) continue;
    if (field === 'date' && !isIsoDate(text)) {
      throw new IntakeError(`Article date "${text}" is not an ISO YYYY-MM-DD date: pass the date as 2025-11-03 (or leave it out).`);
    }
    if (field === 'source' && !(ARTICLE_SOURCES as readonly string[]).includes(text)) {
      throw new IntakeError(`Article source "${text}" is not one of ${ARTICLE_SOURCES.join(', ')}: pass one of those.`);
    }
    lines.push(`${key}: ${text}`);
  }
  lines.push('---');
  for (const paragraph of paragraphs) {
    const text = oneLine(paragraph);
    if (text) lines.push(text);
  }
  return lines.join('\n') + '\n';
}

/** `text` on one line: breaks and control characters become spaces, spaces collapsed, edges trimmed. */
function oneLine(text: string): string {
  return text.replace(BREAKS, ' ').replace(/ {2,}/g, ' ').replace(EDGES, '');
}

/** Whether `text` is a real calendar date written `YYYY-MM-DD`. */
function isIsoDate(text: string): boolean {
  const m = ISO_DATE.exec(text);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}
