/**
 * A news page's HTML → its article: headline, outlet, publication date, canonical URL and body
 * paragraphs, with the site's furniture (menus, share buttons, «اقرأ أيضاً» related stories,
 * comment boxes) left out.
 *
 * The page is parsed with linkedom (a DOM without a script engine: nothing on the page ever
 * runs) and its `<script>`, `<style>` and other non-content elements are removed before the main
 * text is found with Mozilla's Readability. The text it keeps then goes through the same line
 * cleaner as scraped `.txt` files (clean.ts), which knows Arabic site chrome and related-story
 * markers. Metadata is read from the page's own declarations, most trusted first: JSON-LD
 * `NewsArticle`/`Article`, OpenGraph, `<time datetime>`, `itemprop` microdata, a date shown next
 * to the headline, and `<title>` without the site's name. A field the page does not give is null.
 */
import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';
import { IntakeError } from '../errors.js';
import { isDateLine } from '../ingest/articles.js';
import { CHROME_RULES, classifyLines, fold, isShortLine, matchKey, splitLines, wordCount, type ChromeRule } from '../ingest/clean.js';
import { findDates, parseDate } from '../ingest/dates.js';

/** What a page says about its article. Fields the page does not give are null, never invented. */
export interface ExtractedArticle {
  title: string | null;
  outlet: string | null;
  /** ISO YYYY-MM-DD of publication, in the page's own time zone when it gives one. */
  date: string | null;
  /** Canonical URL (link rel=canonical, og:url, else the fetched URL); a declared one only when on the fetched URL's site. */
  url: string | null;
  /** Body paragraphs in order, plain text, site chrome and related-story blocks removed. */
  paragraphs: string[];
}

/** Options of {@link extractArticle}. */
export interface ExtractOptions {
  /** The URL the page was fetched from: the fallback canonical URL, the base for relative links, named in errors. */
  url?: string;
}

/** Least body text, in characters, for a page to hold an article (a short news item is ~300). */
export const MIN_ARTICLE_CHARS = 200;

/** Elements that never hold article text; removed before anything else reads the page. */
const NON_CONTENT = 'script, style, noscript, template, iframe, object, embed, applet, frame, frameset, canvas, svg, math';

/** JSON-LD types that describe an article. */
const ARTICLE_TYPE = /^(?:\w*NewsArticle|Article|BlogPosting|Report|ReportageNewsArticle|AnalysisNewsArticle|OpinionNewsArticle|LiveBlogPosting|ScholarlyArticle|TechArticle)$/;

/** Labels saying a shown date is when the page was updated, not published. */
const UPDATED_LABEL = /(?:اخر\s+تحديث|تم\s+التحديث|تاريخ\s+التحديث|(?<![\p{L}])محدث|(?<![\p{L}])تحديث|updated|last\s+modified|modified)/u;
/** Labels saying a shown date is the publication date. */
const PUBLISHED_LABEL = /(?:تاريخ\s+النشر|تم\s+نشر|نشر\s+(?:في|بتاريخ)|(?<![\p{L}])نشر|published|posted)/u;

/**
 * Extracts the article from a page's HTML (already decoded, see decode.ts). Never runs the
 * page's scripts. Throws {@link IntakeError} naming the URL when the page holds no article: no
 * body text of at least {@link MIN_ARTICLE_CHARS} characters remains once the chrome is removed
 * (a home page, a list of links, an error page); or, before parsing it, when its markup is past
 * {@link MARKUP_LIMITS} (see {@link checkMarkup}).
 */
export function extractArticle(html: string, options: ExtractOptions = {}): ExtractedArticle {
  checkMarkup(html, options.url);
  const { document } = parseHTML(normalizeDocument(html));
  const jsonLd = readJsonLd(document);
  markRelatedComments(document);
  for (const el of [...document.querySelectorAll(NON_CONTENT)]) el.remove();

  const meta = readMeta(document);
  const headings = [...document.querySelectorAll('h1, h2')].map((h) => cleanText(h.textContent ?? '')).filter(Boolean);
  const title = pickTitle(jsonLd, meta, headings);
  const outlet = pickOutlet(jsonLd, meta, title);
  const url = pickUrl(meta, options.url);
  const date = pickDate(jsonLd, meta, document, title);

  const paragraphs = readBody(document, title, options.url);
  const chars = paragraphs.filter((p) => !isShortLine(p)).reduce((n, p) => n + p.length, 0);
  if (chars < MIN_ARTICLE_CHARS) {
    const where = options.url ?? url ?? 'the page';
    throw new IntakeError(
      `${where} holds no article: only ${chars} characters of body text remain once menus, link lists and related stories are removed ` +
        `(at least ${MIN_ARTICLE_CHARS} needed). Give the address of the article itself, not a home, section or search page.`,
      options.url ?? url ?? undefined,
    );
  }
  return { title, outlet, date, url, paragraphs };
}

/**
 * How much markup a page may have before it is refused unread. Parsing and Readability cost grows
 * with the number of elements times how deeply they are nested (about 2.7 s for 1000 nested
 * `<div>`s, 55 s for 2000), and extraction runs on the bot's event loop: past these limits a page
 * would stall every chat for seconds. The nine real test pages reach depth 28 and 2504 elements
 * (11, lbcgroup.tv); the limits leave room for pages several times larger. Within them,
 * extraction takes at most about a second (docs/intake.md, Extraction).
 */
export const MARKUP_LIMITS = {
  /** Deepest element nesting. */
  depth: 100,
  /** Start tags. */
  elements: 20_000,
  /** Sum over elements of their nesting depth (the cost of the ancestor walks). */
  nestingSum: 300_000,
  /** Characters of text outside tags, comments, scripts and styles. */
  textChars: 1_000_000,
} as const;

/** What {@link measureMarkup} counted; it stops counting at the first limit passed. */
export interface MarkupSize {
  elements: number;
  depth: number;
  /** Sum of every element's nesting depth. */
  nestingSum: number;
  /** Characters of text outside tags, comments, scripts and styles (counted up to the tag where counting stopped). */
  textChars: number;
  /** The first limit of {@link MARKUP_LIMITS} the page passes, or null. */
  over: keyof typeof MARKUP_LIMITS | null;
}

/** Elements with no content or end tag. */
const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'param', 'source', 'track', 'wbr', 'keygen', 'command']);
/** Elements whose content is raw text up to their end tag. */
const RAW_TEXT = new Set(['script', 'style', 'textarea', 'title', 'xmp', 'plaintext', 'noscript', 'iframe', 'noembed', 'noframes']);
/** Start tags that close an open `<p>`. */
const CLOSES_P = new Set([
  'address', 'article', 'aside', 'blockquote', 'div', 'dl', 'fieldset', 'footer', 'form', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6',
  'header', 'hr', 'main', 'nav', 'ol', 'p', 'pre', 'section', 'table', 'ul', 'li', 'figure', 'details', 'menu',
]);
/** Open elements a start tag closes while they are the innermost one (an unclosed `<li>`, `<td>`, `<option>`…). */
const IMPLIED_CLOSE: Record<string, ReadonlySet<string>> = {
  li: new Set(['li']),
  dt: new Set(['dt', 'dd']),
  dd: new Set(['dt', 'dd']),
  tr: new Set(['tr', 'td', 'th']),
  td: new Set(['td', 'th']),
  th: new Set(['td', 'th']),
  option: new Set(['option']),
  optgroup: new Set(['option', 'optgroup']),
};

/**
 * Counts a page's elements and how deeply they nest, from the raw HTML in one linear pass
 * (indexOf over the text, no DOM, no backtracking regex): comments and the content of
 * `<script>`/`<style>`-like elements are skipped, void elements do not nest, an end tag closes up
 * to its open element (a stray one is ignored), and unclosed `<p>`, `<li>`, `<td>`… are closed by
 * the tags that close them in a browser. Stops at the first of {@link MARKUP_LIMITS} passed, so
 * its own cost is bounded by the page's length times the depth limit.
 */
export function measureMarkup(html: string): MarkupSize {
  const lower = html.toLowerCase();
  const stack: string[] = [];
  const size: MarkupSize = { elements: 0, depth: 0, nestingSum: 0, textChars: 0, over: null };
  let i = 0;
  while (i < lower.length) {
    const lt = lower.indexOf('<', i);
    size.textChars += (lt < 0 ? lower.length : lt) - i;
    if (size.textChars > MARKUP_LIMITS.textChars) {
      size.over = 'textChars';
      return size;
    }
    if (lt < 0) break;
    if (lower.startsWith('<!--', lt)) {
      const end = lower.indexOf('-->', lt + 4);
      if (end < 0) break;
      i = end + 3;
      continue;
    }
    const closing = lower.charCodeAt(lt + 1) === 47; /* / */
    let j = closing ? lt + 2 : lt + 1;
    const nameStart = j;
    while (j < lower.length && /[a-z0-9:_-]/.test(lower[j]!)) j++;
    if (j === nameStart || !/[a-z]/.test(lower[nameStart]!)) {
      // «<!doctype», «<?xml», «< 5», «</ >»: not an element; skip to the end of the declaration.
      const gt = lower[lt + 1] === '!' || lower[lt + 1] === '?' ? lower.indexOf('>', lt) : -1;
      if (gt < 0) size.textChars++; // the «<» is text
      i = gt < 0 ? lt + 1 : gt + 1;
      continue;
    }
    const name = lower.slice(nameStart, j);
    const gt = lower.indexOf('>', j);
    if (gt < 0) break;
    i = gt + 1;
    if (closing) {
      const at = stack.lastIndexOf(name);
      if (at >= 0) stack.length = at;
      continue;
    }
    if (name === 'p' || CLOSES_P.has(name)) {
      if (stack[stack.length - 1] === 'p') stack.pop();
    }
    const closes = IMPLIED_CLOSE[name];
    while (closes && closes.has(stack[stack.length - 1] ?? '')) stack.pop();
    size.elements++;
    const depth = stack.length + 1;
    size.nestingSum += depth;
    if (depth > size.depth) size.depth = depth;
    if (size.depth > MARKUP_LIMITS.depth) size.over = 'depth';
    else if (size.elements > MARKUP_LIMITS.elements) size.over = 'elements';
    else if (size.nestingSum > MARKUP_LIMITS.nestingSum) size.over = 'nestingSum';
    if (size.over) return size;
    if (VOID.has(name) || lower[gt - 1] === '/') continue;
    if (RAW_TEXT.has(name)) {
      const end = lower.indexOf(`</${name}`, i);
      if (end < 0) break;
      i = end;
      continue;
    }
    stack.push(name);
  }
  return size;
}

/**
 * Refuses, before any parsing, a page whose markup is past {@link MARKUP_LIMITS}: an
 * {@link IntakeError} naming the URL, what was counted and the limit. Such a page (thousands of
 * nested elements, usually hostile or broken) would hold the event loop for seconds to minutes.
 */
export function checkMarkup(html: string, url?: string): void {
  const size = measureMarkup(html);
  if (!size.over) return;
  const where = url ?? 'the page';
  const what =
    size.over === 'depth'
      ? `elements nested more than ${MARKUP_LIMITS.depth} deep`
      : size.over === 'elements'
        ? `more than ${MARKUP_LIMITS.elements} elements`
        : size.over === 'nestingSum'
          ? `elements nested too deeply for their number (their depths add up to more than ${MARKUP_LIMITS.nestingSum})`
          : `more than ${MARKUP_LIMITS.textChars} characters of text`;
  throw new IntakeError(
    `${where} was not read: it has ${what}, past what an article page needs (the real test pages reach depth 28, 2504 elements, 120 590 characters of text); ` +
      `extracting it would stall the bot for seconds. If it is a real article, add its text as a .txt file instead.`,
    url,
  );
}

/**
 * The page rebuilt as `<html><head>…</head><body>…</body></html>`. linkedom is not an HTML5
 * tree builder: without that skeleton (a fragment, a page without `<html>` or `<body>`) it puts
 * the text outside `document.body`, where Readability never looks. Head is what lies between
 * `<head>` and `</head>` (or the `<body>` tag); body is everything after `<body>` (or after the
 * head), including text a broken page leaves after `</body>`.
 */
export function normalizeDocument(html: string): string {
  const source = html.replace(/^\uFEFF?\s*<!doctype[^>]*>/i, '');
  const headOpen = /<head(?=[\s>])[^>]*>/i.exec(source);
  const bodyOpen = /<body(?=[\s>])[^>]*>/i.exec(source);
  let head = '';
  let body: string;
  if (bodyOpen) {
    const headEnd = headOpen && headOpen.index < bodyOpen.index ? headOpen.index + headOpen[0].length : 0;
    const headClose = source.slice(headEnd, bodyOpen.index).search(/<\/head\s*>/i);
    head = source.slice(headEnd, headClose >= 0 ? headEnd + headClose : bodyOpen.index);
    body = source.slice(bodyOpen.index + bodyOpen[0].length);
  } else if (headOpen) {
    const rest = source.slice(headOpen.index + headOpen[0].length);
    const headClose = /<\/head\s*>/i.exec(rest);
    head = headClose ? rest.slice(0, headClose.index) : '';
    body = headClose ? rest.slice(headClose.index + headClose[0].length) : rest;
  } else {
    body = source;
  }
  head = head.replace(/<\/?html(?=[\s>])[^>]*>/gi, '');
  body = body.replace(/<\/?(?:html|body|head)(?=[\s>])[^>]*>/gi, '');
  return `<!DOCTYPE html><html><head>${head}</head><body>${body}</body></html>`;
}

/** Whitespace (incl. NBSP and invisible marks) collapsed to single spaces, trimmed. */
export function cleanText(text: string): string {
  return text.replace(/[\s\u00A0\u200B-\u200F\u202A-\u202E\u2060-\u2064\uFEFF]+/g, ' ').trim();
}

/** Decodes the HTML entities some sites leave inside JSON-LD strings («&quot;», «&#160;»). */
function decodeEntities(text: string): string {
  const named: Record<string, string> = { quot: '"', amp: '&', apos: "'", lt: '<', gt: '>', nbsp: '\u00A0', laquo: '«', raquo: '»', hellip: '…', ndash: '–', mdash: '—' };
  return text.replace(/&(?:#(\d+)|#x([0-9a-f]+)|([a-z]+));/gi, (all, dec: string, hex: string, name: string) => {
    const code = dec ? +dec : hex ? parseInt(hex, 16) : -1;
    if (code >= 0) return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : all;
    return named[name.toLowerCase()] ?? all;
  });
}

/** What the JSON-LD blocks say about the article. */
interface JsonLdArticle {
  headline: string | null;
  datePublished: string | null;
  publishers: string[];
}

/**
 * Reads every `<script type="application/ld+json">` (as data, never run): the first object typed
 * as an article (top level, in an array, or in `@graph`) gives the headline, `datePublished` and
 * `publisher.name` (also when the publisher is an `@id` reference into the graph). A block that
 * is not valid JSON is skipped.
 */
function readJsonLd(document: Document): JsonLdArticle {
  const nodes: Record<string, unknown>[] = [];
  const byId = new Map<string, Record<string, unknown>>();
  const collect = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(collect);
    else if (value && typeof value === 'object') {
      const obj = value as Record<string, unknown>;
      nodes.push(obj);
      if (typeof obj['@id'] === 'string') byId.set(obj['@id'], obj);
      if (obj['@graph']) collect(obj['@graph']);
    }
  };
  for (const script of document.querySelectorAll('script[type]')) {
    if (!/ld\+json/i.test(script.getAttribute('type') ?? '')) continue;
    const text = (script.textContent ?? '').trim();
    if (!text) continue;
    try {
      collect(JSON.parse(text));
    } catch {
      try {
        // Raw control characters inside strings are the usual breakage.
        collect(JSON.parse(text.replace(/[\u0000-\u001F]+/g, ' ')));
      } catch {
        // not JSON: ignored, other sources of metadata remain
      }
    }
  }
  const str = (v: unknown): string | null => (typeof v === 'string' && cleanText(decodeEntities(v)) ? cleanText(decodeEntities(v)) : null);
  const isArticle = (n: Record<string, unknown>) => [n['@type']].flat().some((t) => typeof t === 'string' && ARTICLE_TYPE.test(t.replace(/^.*[/:#]/, '')));
  const article = nodes.find(isArticle);
  if (!article) return { headline: null, datePublished: null, publishers: [] };
  const publishers: string[] = [];
  for (const p of [article.publisher].flat()) {
    const node = p && typeof p === 'object' ? (p as Record<string, unknown>) : null;
    const resolved = node && typeof node['@id'] === 'string' && !node.name ? byId.get(node['@id']) : node;
    const name = typeof p === 'string' ? str(p) : str(resolved?.name);
    if (name) publishers.push(name);
  }
  return { headline: str(article.headline) ?? str(article.name), datePublished: str(article.datePublished), publishers };
}

/** The page's `<meta>`/`<link>` declarations that matter here. */
interface PageMeta {
  ogTitle: string | null;
  twitterTitle: string | null;
  itempropHeadline: string | null;
  docTitle: string | null;
  siteNames: string[];
  itempropPublisher: string | null;
  applicationName: string | null;
  canonical: string | null;
  ogUrl: string | null;
  /** Machine-readable publication dates, most trusted first. */
  dates: string[];
}

/** Reads the `<meta>`, `<link rel=canonical>` and `<title>` declarations. */
function readMeta(document: Document): PageMeta {
  const metas = [...document.querySelectorAll('meta')];
  const values = (key: string): string[] =>
    metas
      .filter((m) => [m.getAttribute('property'), m.getAttribute('name'), m.getAttribute('itemprop')].some((k) => k?.trim().toLowerCase() === key))
      .map((m) => cleanText(m.getAttribute('content') ?? ''))
      .filter(Boolean);
  const first = (...keys: string[]): string | null => keys.flatMap(values)[0] ?? null;
  // <time datetime>: one marked as the publication first; an unmarked one only outside lists,
  // sidebars and footers (where other stories' times are); never a modification time.
  const isPublished = (t: Element) => t.getAttribute('itemprop') === 'datePublished' || t.hasAttribute('pubdate');
  const timeDates = [...document.querySelectorAll('time[datetime]')]
    .filter((t) => !/mod|upd/i.test(`${t.getAttribute('itemprop') ?? ''} ${t.getAttribute('class') ?? ''}`))
    .filter((t) => isPublished(t) || !t.closest(OTHER_STORIES))
    .sort((a, b) => Number(isPublished(b)) - Number(isPublished(a)))
    .map((t) => cleanText(t.getAttribute('datetime') ?? ''));
  const microdata = [...document.querySelectorAll('[itemprop="datePublished"], [property="dc:date"], [property="dc:created"], [property="dcterms:created"]')]
    .filter((el) => el.tagName.toLowerCase() !== 'meta')
    .map((el) => cleanText(el.getAttribute('content') ?? el.getAttribute('datetime') ?? el.textContent ?? ''));
  const canonical = [...document.querySelectorAll('link[rel]')].find((l) => /(?:^|\s)canonical(?:\s|$)/i.test(l.getAttribute('rel') ?? ''));
  return {
    ogTitle: first('og:title'),
    twitterTitle: first('twitter:title'),
    itempropHeadline: first('headline'),
    docTitle: cleanText(document.querySelector('title')?.textContent ?? '') || null,
    siteNames: values('og:site_name'),
    itempropPublisher: first('publisher'),
    applicationName: first('application-name'),
    canonical: cleanText(canonical?.getAttribute('href') ?? '') || null,
    ogUrl: first('og:url'),
    dates: [
      ...values('article:published_time'),
      ...values('og:published_time'),
      ...timeDates,
      ...values('datepublished'),
      ...values('pubdate'),
      ...values('publishdate'),
      ...values('publish-date'),
      ...values('dc.date.issued'),
      ...values('dcterms.created'),
      ...microdata,
    ].filter(Boolean),
  };
}

/** Containers of other stories' links and times. */
const OTHER_STORIES = 'aside, nav, footer, li, [class*="related"], [class*="sidebar"], [class*="widget"], [class*="more-"], [id*="related"], [id*="sidebar"]';

/** Separators between a headline and a site name in titles: « - », « | », « – », « — », « :: ». */
const TITLE_SEPARATOR = /\s+[-–—|]\s+|\s*\|\s*|\s+::\s+|\s+[»«]\s+/u;

/** The pieces of a title between {@link TITLE_SEPARATOR}s. */
function titleSegments(title: string): string[] {
  return title.split(TITLE_SEPARATOR).map(cleanText).filter(Boolean);
}

/** Whether two names are the same site name, folded («بوابة أخبار اليوم» ≈ «بوابة اخبار اليوم الإلكترونية», «CNNArabic» ≈ «CNNArabic.com»). */
function sameSite(a: string, b: string): boolean {
  const ka = siteKey(a);
  const kb = siteKey(b);
  if (ka.length < 2 || kb.length < 2) return false;
  return ka === kb || (Math.min(ka.length, kb.length) >= 4 && (ka.startsWith(kb) || kb.startsWith(ka)));
}
function siteKey(name: string): string {
  return fold(name).text.replace(/^(?:https?:\/\/)?(?:www\.)?/, '').replace(/\.(?:com|net|org|tv|news|info)(?:\.\w\w)?\/?$/, '').replace(/[\s.\-_/]+/g, '');
}

/**
 * The headline: JSON-LD `headline`, then `og:title`, `twitter:title`, `itemprop=headline`, then
 * `<title>`, each without the site's name when the site appended or prepended it. A `<title>`
 * piece that equals an `<h1>`/`<h2>` on the page is taken as the headline.
 */
function pickTitle(jsonLd: JsonLdArticle, meta: PageMeta, headings: readonly string[]): string | null {
  const known = [...meta.siteNames, ...jsonLd.publishers, meta.itempropPublisher, meta.applicationName].filter((s): s is string => !!s);
  const candidates = [jsonLd.headline, meta.ogTitle, meta.twitterTitle, meta.itempropHeadline, meta.docTitle].filter((s): s is string => !!s);
  const headingKeys = new Set(headings.map(matchKey));
  const stripped = candidates.map((c) => stripSiteName(c, known, headingKeys, candidates)).filter((c) => /\p{L}/u.test(c));
  const best = stripped[0];
  if (best === undefined) return headings[0] ?? null;
  // A JSON-LD headline cut short for search engines («… الإيرانية ...»): the full one from OpenGraph.
  const cut = fold(best).text.replace(/\s*(?:\.{2,}|…)\s*$/u, '');
  // (Google shows 110 characters; sites cut there, with or without an ellipsis.)
  if (cut !== fold(best).text || (best === jsonLd.headline && best.length >= 100)) {
    const longer = stripped.slice(1).find((c) => fold(c).text.startsWith(cut) && c.length > best.length);
    if (longer && cut.length >= 20) return longer;
  }
  return best;
}

/**
 * A title without the site name glued to it: the whole title when it is a heading of the page;
 * else the run of pieces that is a heading; else the title with edge pieces dropped that name a
 * known site or are repeated as an edge piece of another title candidate.
 */
function stripSiteName(title: string, known: readonly string[], headingKeys: ReadonlySet<string>, others: readonly string[]): string {
  if (headingKeys.has(matchKey(title))) return title;
  const pieces = titleSegments(title);
  if (pieces.length < 2) return title;
  const otherEdges = others.filter((o) => o !== title).flatMap((o) => {
    const p = titleSegments(o);
    return p.length > 1 ? [p[0]!, p[p.length - 1]!] : [];
  });
  const isSite = (piece: string) => wordCount(piece) <= 6 && (known.some((k) => sameSite(k, piece)) || otherEdges.some((e) => sameSite(e, piece)));
  for (let len = pieces.length - 1; len >= 1; len--) {
    for (let i = 0; i + len <= pieces.length; i++) {
      const run = title.slice(title.indexOf(pieces[i]!), title.lastIndexOf(pieces[i + len - 1]!) + pieces[i + len - 1]!.length);
      // (a site's logo is often an <h1> too: its name is not the headline)
      if (headingKeys.has(matchKey(run)) && !known.some((k) => sameSite(k, run))) return run;
    }
  }
  let start = 0;
  let end = pieces.length;
  while (end - start > 1 && isSite(pieces[end - 1]!)) end--;
  while (end - start > 1 && isSite(pieces[start]!)) start++;
  // « | » separates a site name far more often than it sits in a headline: a short last piece
  // after it goes even when the site's name is not declared anywhere.
  if (start === 0 && end === pieces.length && /\s\|\s[^|]+$/u.test(title)) {
    const last = pieces[end - 1]!;
    const rest = title.slice(0, title.lastIndexOf('|')).trim();
    if (wordCount(last) <= 5 && wordCount(rest) >= 3) return rest;
  }
  if (start === 0 && end === pieces.length) return title;
  return title.slice(title.indexOf(pieces[start]!), title.lastIndexOf(pieces[end - 1]!) + pieces[end - 1]!.length);
}

/** Whether a name is an address rather than a name («https://akhbarelyom.com/», «CNNArabic.com»). */
function isUrlLike(name: string): boolean {
  return /:\/\/|^www\.|^[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}\/?$/i.test(name.trim());
}

/**
 * The outlet: `og:site_name` (a human name, not a URL), JSON-LD `publisher.name`, then the site
 * name left in `<title>` once the headline is taken out, then microdata `publisher` (often the
 * owning company) and `application-name`. Among those, a name in Arabic script is preferred (the name readers know
 * the outlet by); a Latin-only name is kept when it is all the page gives.
 */
function pickOutlet(jsonLd: JsonLdArticle, meta: PageMeta, title: string | null): string | null {
  const fromTitle: string[] = [];
  for (const t of [meta.docTitle, meta.ogTitle]) {
    if (!t || !title) continue;
    const at = fold(t).text.indexOf(fold(title).text);
    if (at < 0 || matchKey(t) === matchKey(title)) continue;
    const { map } = fold(t);
    const rest = `${t.slice(0, map[at])} | ${t.slice(map[at + fold(title).text.length])}`;
    fromTitle.push(...titleSegments(rest.replace(/^[\s\-–—|:]+|[\s\-–—|:]+$/g, '')).filter((s) => wordCount(s) <= 6 && /\p{L}/u.test(s)));
  }
  const candidates = [...meta.siteNames, ...jsonLd.publishers, ...fromTitle, meta.itempropPublisher, meta.applicationName]
    .filter((s): s is string => !!s)
    .map(cleanText)
    .filter((s) => s && !isUrlLike(s));
  return candidates.find((c) => /\p{Script=Arabic}/u.test(c)) ?? candidates[0] ?? null;
}

function safeUrl(text: string): URL | null {
  try {
    return new URL(text);
  } catch {
    return null;
  }
}

/** Second-level labels under which sites register a third label (`bbc.co.uk`, `ahram.org.eg`). */
const GENERIC_SECOND_LEVEL = new Set(['co', 'com', 'org', 'net', 'gov', 'edu', 'ac']);

/**
 * The site a host belongs to, without a public-suffix list: its last two labels, or three when the
 * second-level one is generic (`news.bbc.co.uk` → `bbc.co.uk`, `m.youm7.com` → `youm7.com`). An IP
 * address is its own site.
 */
export function siteOf(host: string): string {
  const h = host.toLowerCase().replace(/\.$/, '');
  if (/^\[|^\d+(?:\.\d+){3}$/.test(h)) return h;
  const labels = h.split('.');
  const keep = labels.length >= 3 && GENERIC_SECOND_LEVEL.has(labels[labels.length - 2]!) ? 3 : 2;
  return labels.slice(-keep).join('.');
}

/**
 * Canonical URL: `<link rel=canonical>`, `og:url`, else the fetched URL; made absolute against
 * it. A canonical or og:url is taken only when it is on the same site as the fetched URL (same
 * host, or the same registrable domain: `www.`, `m.`, `amp.` variants, see {@link siteOf}); a
 * page elsewhere cannot claim another outlet's address. One that is the site's home page is
 * skipped unless the page was fetched from the home page itself. Without a fetched URL (an
 * uploaded file) the page's own declaration is all there is, and is taken.
 */
function pickUrl(meta: PageMeta, fetched: string | undefined): string | null {
  const fetchedUrl = fetched ? safeUrl(fetched) : null;
  const fetchedPath = fetchedUrl?.pathname ?? null;
  for (const candidate of [meta.canonical, meta.ogUrl]) {
    if (!candidate) continue;
    try {
      const absolute = new URL(candidate, fetched);
      // A page on evil.example claiming a reuters.com canonical is not Reuters.
      if (fetchedUrl && absolute.hostname !== fetchedUrl.hostname && siteOf(absolute.hostname) !== siteOf(fetchedUrl.hostname)) continue;
      // Some sites point every page's canonical at their home page: not this article's address.
      if (absolute.pathname === '/' && !absolute.search && fetchedPath !== '/') continue;
      if (absolute.protocol === 'http:' || absolute.protocol === 'https:') return absolute.href;
    } catch {
      // relative without a base, or malformed: try the next
    }
  }
  return fetched ?? null;
}

/**
 * The publication date: JSON-LD `datePublished`, then the `<meta>`/`<time>`/microdata dates,
 * then a date shown next to the headline. A timestamp is read as the day it states in its own
 * offset («2020-12-01T02:00:00+03:00» is 1 December, not 30 November in UTC). Non-ISO values
 * («الأربعاء، 07 أكتوبر 2020 - 12:09 م») are read like dates in text.
 */
function pickDate(jsonLd: JsonLdArticle, meta: PageMeta, document: Document, title: string | null): string | null {
  for (const value of [jsonLd.datePublished, ...meta.dates]) {
    if (!value) continue;
    const iso = parseDate(value);
    if (iso) return iso;
  }
  return visibleDate(document, title);
}

/** How far from the headline a shown date is looked for, in text lines. */
const DATE_WINDOW_AFTER = 25;
const DATE_WINDOW_BEFORE = 8;

/**
 * A date shown next to the headline («تم نشره الجمعة 24 نيسان / أبريل 2020»): the first short
 * line within a few lines after the headline's `<h1>` (then before it) holding one valid date.
 * A line labelled as an update («آخر تحديث») does not count unless it also labels a publication
 * date before the update.
 */
function visibleDate(document: Document, title: string | null): string | null {
  const h1s = [...document.querySelectorAll('h1')];
  const key = title ? matchKey(title) : null;
  const anchor = h1s.find((h) => key !== null && matchKey(cleanText(h.textContent ?? '')) === key) ?? h1s.find((h) => cleanText(h.textContent ?? '').length > 0);
  if (!anchor || !document.body) return null;
  const lines = blockLines(document.body, { marker: anchor });
  const at = lines.findIndex((l) => l === MARK);
  if (at < 0) return null;
  const after = lines.slice(at + 1, at + 1 + DATE_WINDOW_AFTER);
  const before = lines.slice(Math.max(0, at - DATE_WINDOW_BEFORE), at).reverse();
  for (const line of [...after, ...before]) {
    if (line === MARK || line.length > 160 || wordCount(line) > 16) continue;
    const iso = publicationDateIn(line);
    if (iso) return iso;
  }
  return null;
}

/** The publication date a short line shows, or null (no date, or only an update stamp). */
function publicationDateIn(line: string): string | null {
  const dates = findDates(line).filter((d) => d.iso);
  if (dates.length === 0) return null;
  const folded = fold(line).text;
  const updated = UPDATED_LABEL.exec(folded);
  if (!updated) return isDateLine(line) || dates.length === 1 ? dates[0]!.iso : null;
  const published = PUBLISHED_LABEL.exec(folded);
  if (!published || published.index > updated.index) return null;
  // «نشر: … آخر تحديث: …»: the date between the two labels.
  const { map } = fold(line);
  const pubEnd = map[published.index + published[0].length]!;
  const updStart = map[updated.index]!;
  return dates.find((d) => d.start >= pubEnd && d.end <= updStart)?.iso ?? null;
}

/** Marker line standing for the anchor element in {@link blockLines}' output. */
const MARK = '\u0000MARK\u0000';

/** Elements that start a new line of text. */
const BLOCK = new Set([
  'address', 'article', 'aside', 'blockquote', 'br', 'dd', 'details', 'dialog', 'div', 'dl', 'dt', 'fieldset', 'figcaption', 'figure',
  'footer', 'form', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hr', 'li', 'main', 'nav', 'ol', 'p', 'pre', 'section', 'summary',
  'table', 'tbody', 'td', 'tfoot', 'th', 'thead', 'tr', 'ul', 'center',
]);

/**
 * The text of an element as lines: one per block element, inline text joined, whitespace
 * collapsed. Blocks that are mostly link text (menus, lists of other stories) are dropped when
 * `dropLinkLists` is set. `marker` is replaced by the line {@link MARK}.
 */
function blockLines(root: Element, options: { marker?: Element; dropLinkLists?: boolean } = {}): string[] {
  const lines: string[] = [];
  let current = '';
  const flush = () => {
    const text = cleanText(current);
    if (text) lines.push(text);
    current = '';
  };
  const walk = (node: Node): void => {
    if (node.nodeType === 3) {
      current += node.textContent ?? '';
      return;
    }
    if (node.nodeType !== 1) return;
    const el = node as Element;
    if (el === options.marker) {
      flush();
      lines.push(MARK);
      return;
    }
    const tag = el.tagName.toLowerCase();
    const block = BLOCK.has(tag);
    if (block) flush();
    if (options.dropLinkLists && block && isLinkList(el)) return;
    for (const child of el.childNodes) walk(child);
    if (block) flush();
  };
  walk(root);
  flush();
  return lines;
}

/** A block whose text is nearly all link text and that reads as a list of headlines, not prose. */
function isLinkList(el: Element): boolean {
  const text = cleanText(el.textContent ?? '');
  if (!text) return false;
  const linked = [...el.querySelectorAll('a')].reduce((n, a) => n + cleanText(a.textContent ?? '').length, 0);
  return linked / text.length > 0.8;
}

/**
 * Turns `<!--اقرأ ايضا-->`-style comments into a visible «اقرأ أيضاً» line, so the line cleaner
 * stops the body where the site's related-stories block starts.
 */
function markRelatedComments(document: Document): void {
  const walker = document.createTreeWalker(document.body ?? document, 128 /* NodeFilter.SHOW_COMMENT */);
  const found: Node[] = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = fold(cleanText(node.textContent ?? '')).text;
    if (/^(?:اقرا|اقراء|طالع)\s+(?:ايضا|كذلك)$|^(?:related|read\s+also)$/u.test(text)) found.push(node);
  }
  for (const node of found) {
    const p = document.createElement('p');
    p.textContent = 'اقرأ أيضاً';
    node.parentNode?.replaceChild(p, node);
  }
}

/**
 * Chrome that web pages show around an article and scraped `.txt` files rarely carry, tried
 * after the shared {@link CHROME_RULES}: previous/next-story links, comment-policy notices,
 * «انسخ الرابط», interview and report bylines («حوار: آسيا العتروس»).
 */
export const PAGE_CHROME_RULES: readonly ChromeRule[] = [
  {
    name: 'prev-next',
    action: 'end',
    pattern: /^(?:(?:المقال|الخبر|الموضوع)\s+)?(?:التالي|السابق)(?:\s*[:»›>«‹<].*)?$|^(?:next|previous|prev)(?:\s+(?:article|story|post))?(?:\s*[:»›>].*)?$/u,
    maxWords: 20,
  },
  {
    name: 'comment-policy',
    action: 'end',
    pattern: /(?:ترحب|نرحب)\s.{0,40}بالنقاش|(?:الاراء|التعليقات)\s+(?:الوارد[ةه]|المنشور[ةه])\s.{0,40}لا\s+تعبر\s+(?:عن|بالضرور[ةه])|comments?\s+policy/u,
  },
  {
    name: 'copy-link',
    action: 'drop',
    pattern: /^(?:انسخ|نسخ)\s+(?:الرابط|الرابط\s+المختصر)\s*$|^(?:copy|share)\s+(?:the\s+)?link$/u,
  },
  {
    name: 'interview-byline',
    action: 'drop',
    pattern: /^(?:حوار|حاوره|حاورها|اجرى\s+الحوار|تقرير|متابع[ةه]|ترجم[ةه]|تحرير)\s*:\s*[^.!?؟،,]+$/u,
    maxWords: 7,
  },
];

const RULES: readonly ChromeRule[] = [...CHROME_RULES, ...PAGE_CHROME_RULES];
const END_RULES = new Set(RULES.filter((r) => r.action === 'end').map((r) => r.name));

/** Words in a line that reads as a paragraph (not a label, badge, byline or caption). */
const PARAGRAPH_WORDS = 8;
/** Consecutive lines of at most this many words after the body are tag or menu links: the article is over. */
const TAG_RUN = { lines: 3, words: 3 };

/**
 * The article body: Readability's main text, as lines, through the chrome rules. Before the
 * first paragraph (a line of {@link PARAGRAPH_WORDS}+ words, or a punctuated sentence of 4+),
 * short lines (badges, kickers, bylines, date stamps, captions) are dropped; a line seen
 * before is not repeated.
 * The body ends at a related-stories block («اقرأ أيضاً», «مقالات ذات صلة»), a trailing list,
 * previous/next links or a run of tag-like one-to-three-word lines; chrome lines, captions,
 * source lines, date-only lines and the headline repeated are dropped, as are short
 * unpunctuated lines after the last paragraph.
 */
function readBody(document: Document, title: string | null, url: string | undefined): string[] {
  let content: string | null | undefined;
  try {
    const reader = new Readability(document, { disableJSONLD: true, charThreshold: 300 });
    content = reader.parse()?.content;
  } catch (error) {
    throw new IntakeError(`Could not read the main text of ${url ?? 'the page'}: ${String(error)}`, url, { cause: error });
  }
  if (!content) return [];
  const { document: doc } = parseHTML(`<!DOCTYPE html><html><head></head><body>${content}</body></html>`);
  const raw = blockLines(doc.body, { dropLinkLists: true }).join('\n');
  const titleKey = title ? matchKey(title) : null;
  const lines = classifyLines(splitLines(raw), RULES);
  const out: string[] = [];
  let started = false;
  const seen = new Set<string>();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.kind === 'related' && !line.link) break;
    if (line.rule && END_RULES.has(line.rule)) break;
    if (line.kind !== 'body') continue;
    const text = line.text;
    if (!/[\p{L}\p{N}]/u.test(text)) continue;
    if (titleKey !== null && matchKey(text) === titleKey) continue;
    if (isDateLine(text)) continue;
    const words = wordCount(text);
    if (!started) {
      const sentence = words >= 4 && /[.!?؟…]["'»”’)]*$/u.test(text);
      if ((words < PARAGRAPH_WORDS && !sentence) || (words <= 16 && findDates(text).some((d) => d.iso))) continue;
      started = true;
    } else if (isTagRun(lines.slice(i, i + TAG_RUN.lines).map((l) => l.text))) {
      break;
    }
    const key = matchKey(text);
    if (seen.has(key)) continue; // a pull quote or summary shown twice
    seen.add(key);
    out.push(text);
  }
  while (out.length > 0 && isShortLine(out[out.length - 1]!)) out.pop();
  return out;
}

/** Whether these lines are a run of one-to-three-word items (tags, menu entries, counters). */
function isTagRun(texts: readonly string[]): boolean {
  return texts.length === TAG_RUN.lines && texts.every((t) => wordCount(t) <= TAG_RUN.words && !/[.!?؟]$/u.test(t));
}
