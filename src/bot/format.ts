/**
 * Telegram HTML lives here and only here: escaping, rendering an {@link Answer} (HTML for
 * Telegram, plain text for the console chat and for the plain-text fallback), rendering a cited
 * passage, and splitting long HTML into parts that each fit Telegram's 4096-character limit
 * without breaking a tag or an entity.
 *
 * Every dynamic string (questions, answer text, headlines, outlets, passages, file names) goes
 * through {@link escapeHtml}; the only raw HTML is the literal tags written in this module and
 * in `i18n.ts`.
 */
import type { Answer, ArticleInfo, Chunk, Citation, Lang } from '../types.js';
import { joinChunks } from '../answer.js';
import { ANSWER_TEXT } from '../text/messages.js';
import { t } from './i18n.js';

/** Telegram's limit on a message's text. */
export const MESSAGE_LIMIT = 4096;

/** Escapes the characters Telegram's HTML parse mode treats specially. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const ENTITY = /&(?:#(\d+)|#x([0-9a-fA-F]+)|(amp|lt|gt|quot|apos));/g;
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** The text a reader sees: tags removed and entities decoded (the plain-text fallback). */
export function htmlToPlain(html: string): string {
  return html.replace(/<\/?[a-zA-Z][a-zA-Z0-9-]*(?:\s[^>]*)?>/g, '').replace(ENTITY, (m, dec, hex, name) => {
    if (dec) return String.fromCodePoint(Number(dec));
    if (hex) return String.fromCodePoint(parseInt(hex, 16));
    return NAMED[name as string] ?? m;
  });
}

/** Shortens text to at most `max` characters (an ellipsis included), never splitting a surrogate pair. */
export function truncate(text: string, max: number): string {
  const clean = text.replace(/\s+/g, ' ').trim();
  if (clean.length <= max) return clean;
  let cut = clean.slice(0, Math.max(0, max - 1));
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut.trimEnd()}…`;
}

type Mode = 'html' | 'plain';

interface Markup {
  esc(text: string): string;
  b(inner: string): string;
  i(inner: string): string;
  code(inner: string): string;
  /** A link to an http(s) address (plain text: the text, then the address). */
  a(href: string, inner: string): string;
}

const MARKUP: Record<Mode, Markup> = {
  html: {
    esc: escapeHtml,
    b: (x) => `<b>${x}</b>`,
    i: (x) => `<i>${x}</i>`,
    code: (x) => `<code>${x}</code>`,
    a: (href, x) => `<a href="${escapeHtml(href).replace(/"/g, '&quot;')}">${x}</a>`,
  },
  plain: { esc: (x) => x, b: (x) => x, i: (x) => x, code: (x) => x, a: (href, x) => `${x} (${href})` },
};

/** Metadata of a source line: headline, outlet (and agency), date. */
export interface SourceMeta {
  title: string | null;
  outlet: string | null;
  agency?: string | null;
  date: string | null;
  related?: boolean;
  /** The story's first sentence: what stands in for a missing headline (never the file name). */
  opening?: string | null;
}

/** How many characters of a story's opening words stand in for its missing headline in a source line. */
export const OPENING_CHARS = 70;

/**
 * What names a source for the reader: its headline; without one, the outlet and the story's
 * opening words («الديار: أكد وزير الخارجية الصيني…»), shortened to `max` characters; without
 * those either, «(untitled)». Never the corpus file name.
 */
export function sourceTitle(meta: Pick<SourceMeta, 'title' | 'outlet' | 'opening'>, lang: Lang, max: number): string {
  const title = meta.title?.trim();
  if (title) return truncate(title, max);
  const opening = meta.opening?.replace(/\s+/g, ' ').trim();
  const outlet = meta.outlet?.trim();
  if (opening) return truncate(outlet ? `${outlet}: ${opening}` : opening, max);
  return outlet ? `${truncate(outlet, Math.max(1, max - t(lang).untitled.length - 1))} ${t(lang).untitled}` : t(lang).untitled;
}

/**
 * The first sentence of the story a chunk belongs to, read from the story's first chunk
 * (`<file>#<section>.0`) through `chunk` (the engine's lookup); null when it is not found.
 */
export function storyOpening(chunkId: string, chunk: (id: string) => Chunk | undefined): string | null {
  const m = /^(.*#\d+)\.\d+$/.exec(chunkId);
  const first = m ? chunk(`${m[1]}.0`) : undefined;
  return first?.sentences[0]?.text ?? null;
}

/**
 * An article's source-line metadata (for /sources and lists of articles): an untitled article
 * gets its opening words, read through `chunk` (the engine's lookup) from its first chunk.
 */
export function articleMeta(a: Pick<ArticleInfo, 'file' | 'title' | 'outlet' | 'agency' | 'date'>, chunk: (id: string) => Chunk | undefined): SourceMeta {
  return { title: a.title, outlet: a.outlet, agency: a.agency, date: a.date, opening: a.title ? null : storyOpening(`${a.file}#0.0`, chunk) };
}

function sourceLine(m: Markup, meta: SourceMeta, lang: Lang, extra: string[] = []): string {
  const s = t(lang);
  // Without a headline, the opening words (the outlet follows in the details).
  const named = meta.title?.trim() || (meta.opening?.trim() ? `«${truncate(meta.opening, OPENING_CHARS)}»` : s.untitled);
  const title = m.b(m.esc(named));
  const outlet = [meta.outlet, meta.agency && meta.agency !== meta.outlet ? meta.agency : null].filter(Boolean).join(' / ');
  const details = [outlet ? m.esc(outlet) : null, m.esc(meta.date ?? s.undated), meta.related ? s.related : null, ...extra].filter(
    (x): x is string => Boolean(x),
  );
  return `${title} — ${details.join(' · ')}`;
}

export interface RenderOptions {
  /** Repeat the question above the answer (inline results, where the question is not visible). */
  showQuestion?: boolean;
  /**
   * The engine's chunk lookup: an untitled source is then named by its story's opening words
   * (without it, by the opening words of its quoted passage).
   */
  chunk?: (id: string) => Chunk | undefined;
}

/** The words that stand in for a citation's missing headline (see {@link sourceTitle}). */
export function citationOpening(c: Pick<Citation, 'chunkId' | 'passage'>, chunk?: (id: string) => Chunk | undefined): string | null {
  return (chunk ? storyOpening(c.chunkId, chunk) : null) ?? (c.passage.trim() || null);
}

/**
 * A generated answer's text as the asker sees it: `answer.answer` without a sources block the
 * engine may have appended (the sources are rendered from the citations).
 */
function generatedText(answer: Answer): string {
  const headers = new Set([ANSWER_TEXT.ar.sources, ANSWER_TEXT.en.sources].map((h) => `${h}:`));
  const lines = answer.answer.split('\n');
  const end = lines.findIndex((l) => headers.has(l.trim()));
  return (end === -1 ? lines : lines.slice(0, end)).join('\n').trim();
}

/** Whether an answer is a generated one (its text is the model's checked sentences). */
export function isGenerated(answer: Answer): boolean {
  return answer.answerMode === 'generative' && answer.answered;
}

/**
 * The body is built from the structured answer (quotes with their [n]), not from
 * `answer.answer`, whose plain-text layout belongs to the engine.
 */
function render(answer: Answer, lang: Lang, mode: Mode, options: RenderOptions): string {
  const m = MARKUP[mode];
  const s = t(lang);
  const out: string[] = [];
  if (options.showQuestion) out.push(`❓ ${m.i(m.esc(answer.question.trim()))}`, '');
  // Quoted because the generated answer was unavailable: one line says so.
  if (answer.answered && !isGenerated(answer) && answer.generation?.fallback) out.push(m.i(m.esc(s.generationFallback)), '');
  if (isGenerated(answer)) {
    out.push(m.esc(generatedText(answer)));
  } else if (answer.answered && answer.quotes.length > 0) {
    out.push(...answer.quotes.map((q) => `${m.esc(q.text.trim())} [${q.n}]`));
  } else if (answer.answered) {
    out.push(m.esc(answer.answer.trim()));
  } else {
    out.push(m.esc(s.refusal));
    if (answer.unmentioned.length > 0) out.push(m.esc(s.unmentioned(answer.unmentioned)));
  }
  if (answer.answered && answer.citations.length > 0) {
    out.push('', m.b(`${s.sources}:`));
    for (const c of answer.citations) out.push(`[${c.n}] ${citationLine(m, c, lang, options.chunk)}`);
    const latest = answer.citations.find((c) => c.n === answer.latest);
    if (latest?.date && answer.citations.length > 1) out.push(m.i(m.esc(s.latestNote(latest.n, latest.date))));
  } else if (!answer.answered && answer.closest.length > 0) {
    out.push('', m.b(`${s.closest}:`));
    for (const c of answer.closest) out.push(`• ${sourceLine(m, { title: c.title, outlet: null, date: c.date }, lang)}`);
  }
  return out.join('\n');
}

/** Only http(s) addresses become links (a `javascript:` or malformed one is left out). */
export function webAddress(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : null;
  } catch {
    return null;
  }
}

function citationLine(m: Markup, c: Citation, lang: Lang, chunk?: (id: string) => Chunk | undefined): string {
  const opening = c.title ? null : citationOpening(c, chunk);
  const s = t(lang);
  // Other outlets that published the same story: each its outlet (linked when it has an address) and date.
  const also = (c.alsoPublishedBy ?? []).map((d) => {
    const name = m.esc([d.outlet ?? s.untitled, d.date].filter(Boolean).join(' '));
    const href = webAddress(d.url);
    return href ? m.a(href, name) : name;
  });
  const line = sourceLine(m, { title: c.title, outlet: c.outlet, agency: c.agency, date: c.date, related: c.section === 'related', opening }, lang, also.length ? [`${m.esc(s.alsoPublishedBy)} ${also.join(lang === 'ar' ? '، ' : ', ')}`] : []);
  const href = webAddress(c.url);
  return href ? `${line} · ${m.a(href, m.esc(s.link))}` : line;
}

/** The answer as Telegram HTML: escaped text with inline [n] markers, then the sources block. */
export function renderAnswer(answer: Answer, lang: Lang = answer.lang, options: RenderOptions = {}): string {
  return render(answer, lang, 'html', options);
}

/** The same answer as plain text (console chat). */
export function renderAnswerPlain(answer: Answer, lang: Lang = answer.lang, options: RenderOptions = {}): string {
  return render(answer, lang, 'plain', options);
}

/** How many articles `/latest` lists. */
export const LATEST_COUNT = 10;

/**
 * The newest articles, for `/latest` (bot and console): near-duplicates left out (they are shown
 * under the article they repeat), newest date first, undated last.
 */
export function latestArticles(articles: readonly ArticleInfo[], count: number = LATEST_COUNT): ArticleInfo[] {
  return articles
    .filter((a) => !a.duplicateOf)
    .sort((a, b) => (b.date ?? '').localeCompare(a.date ?? '') || b.file.localeCompare(a.file))
    .slice(0, count);
}

/** `/latest` as a message: the header, then one numbered source line an article, linked when it has an address. */
export function renderLatest(articles: readonly ArticleInfo[], lang: Lang, mode: 'html' | 'plain' = 'html'): string {
  const m = MARKUP[mode];
  const s = t(lang);
  if (articles.length === 0) return m.esc(s.latestEmpty);
  const header = mode === 'html' ? s.latestHeader(articles.length) : htmlToPlain(s.latestHeader(articles.length));
  const lines = articles.map((a, i) => {
    const line = sourceLine(m, a, lang);
    const href = webAddress(a.url);
    return `${i + 1}. ${href ? `${line} · ${m.a(href, m.esc(s.link))}` : line}`;
  });
  return `${header}
${lines.join('\n')}`;
}

/** A source line in HTML (used by /sources). */
export function renderSourceLine(meta: SourceMeta, lang: Lang): string {
  return sourceLine(MARKUP.html, meta, lang);
}

/** A source line in plain text (console /sources). */
export function renderSourceLinePlain(meta: SourceMeta, lang: Lang): string {
  return sourceLine(MARKUP.plain, meta, lang);
}

export interface PassageOptions {
  /**
   * The exact sentences of this source a generated answer relies on: listed first, and in bold
   * where the passage holds them.
   */
  support?: readonly string[];
  /** The story's first sentence, naming an untitled story (see {@link sourceTitle}). */
  opening?: string | null;
}

/** `text` escaped, with every occurrence of the `marked` strings in bold. */
function escapeMarked(text: string, marked: readonly string[]): string {
  const ranges: Array<[number, number]> = [];
  for (const piece of marked) {
    const needle = piece.trim();
    if (!needle) continue;
    for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + needle.length)) ranges.push([at, at + needle.length]);
  }
  ranges.sort((a, b) => a[0] - b[0]);
  let out = '';
  let pos = 0;
  for (const [start, end] of ranges) {
    if (end <= pos) continue;
    const from = Math.max(start, pos);
    out += escapeHtml(text.slice(pos, from)) + `<b>${escapeHtml(text.slice(from, end))}</b>`;
    pos = end;
  }
  return out + escapeHtml(text.slice(pos));
}

/**
 * The full cited passage of a chunk with its headline, outlet and date (HTML). For a generated
 * answer, the sentences it relies on come first, under a heading, and are in bold in the passage.
 */
export function renderPassage(chunks: readonly Chunk[], n: number | null, lang: Lang, options: PassageOptions = {}): string {
  const m = MARKUP.html;
  const s = t(lang);
  const chunk = chunks[0]!;
  const head = s.sourceHeader(n);
  const opening = chunk.title ? null : options.opening ?? (chunk.ordinal === 0 ? chunk.sentences[0]?.text : null);
  const meta = sourceLine(m, { title: chunk.title, outlet: chunk.outlet, agency: chunk.agency, date: chunk.date, related: chunk.sectionKind === 'related', opening }, lang);
  const text = joinChunks([...chunks].sort((a, b) => a.ordinal - b.ordinal)).trim();
  const support = (options.support ?? []).map((x) => x.trim()).filter(Boolean);
  const relied = support.length > 0 ? `${m.b(m.esc(s.supportHeader))}\n${support.map((x) => `<blockquote>${m.esc(x)}</blockquote>`).join('\n')}\n\n` : '';
  return `${head}\n${meta}\n\n${relied}<blockquote>${escapeMarked(text, support)}</blockquote>\n${m.code(m.esc(chunk.docId))}`;
}

/**
 * An answer cut down to its first `maxQuotes` quotes and the sources they cite (for inline
 * results, which must fit in one message). The answer text is rebuilt from the kept quotes.
 */
export function shortenAnswer(answer: Answer, maxQuotes: number): Answer {
  if (!answer.answered || answer.quotes.length <= maxQuotes) return answer;
  const quotes = answer.quotes.slice(0, Math.max(1, maxQuotes));
  const used = new Set(quotes.map((q) => q.n));
  const citations = answer.citations.filter((c) => used.has(c.n));
  return {
    ...answer,
    quotes,
    citations,
    answer: quotes.map((q) => `${q.text} [${q.n}]`).join('\n'),
    latest: answer.latest !== null && used.has(answer.latest) ? answer.latest : null,
  };
}

/** An answer built only from the quotes of source `n`, renumbered [1] (an inline alternative). */
export function answerFromSource(answer: Answer, n: number): Answer | null {
  const citation = answer.citations.find((c) => c.n === n);
  const quotes = answer.quotes.filter((q) => q.n === n);
  if (!citation || quotes.length === 0) return null;
  return {
    ...answer,
    quotes: quotes.map((q) => ({ ...q, n: 1 })),
    citations: [{ ...citation, n: 1 }],
    answer: quotes.map((q) => `${q.text} [1]`).join('\n'),
    latest: null,
  };
}

// ---------------------------------------------------------------------------------------------
// Splitting

interface Atom {
  text: string;
  kind: 'text' | 'open' | 'close';
  /** Tag name for open/close atoms. */
  name?: string;
}

const ATOM = /<\/?[a-zA-Z][a-zA-Z0-9-]*(?:\s[^>]*)?>|&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);|[\uD800-\uDBFF][\uDC00-\uDFFF]|[\s\S]/g;

function tokenize(html: string): Atom[] {
  const atoms: Atom[] = [];
  for (const match of html.matchAll(ATOM)) {
    const text = match[0];
    if (text.length > 1 && text.startsWith('<')) {
      const name = /^<\/?([a-zA-Z][a-zA-Z0-9-]*)/.exec(text)![1]!.toLowerCase();
      atoms.push({ text, kind: text[1] === '/' ? 'close' : 'open', name });
    } else {
      atoms.push({ text, kind: 'text' });
    }
  }
  return atoms;
}

type Stack = readonly Atom[];

function applyAtom(stack: Stack, atom: Atom): Stack {
  if (atom.kind === 'open') return [...stack, atom];
  if (atom.kind === 'close') {
    const at = stack.map((a) => a.name).lastIndexOf(atom.name);
    return at === -1 ? stack : stack.slice(0, at);
  }
  return stack;
}

const closers = (stack: Stack): string => [...stack].reverse().map((a) => `</${a.name}>`).join('');
const openers = (stack: Stack): string => stack.map((a) => a.text).join('');

const SENTENCE_END = /[.!?؟؛…:»"')\]]$/;

/**
 * Splits Telegram HTML into parts of at most `limit` characters. Breaks fall, in order of
 * preference, at line breaks, sentence ends, then spaces, in the second half of a part when
 * possible; tags open at a break are closed at the end of the part and reopened at the start of
 * the next; entities (&amp;lt; …) and surrogate pairs are never cut. Every part has visible
 * text; concatenating the parts and removing the added closing/reopening tags gives the input.
 */
export function splitMessage(html: string, limit: number = MESSAGE_LIMIT): string[] {
  if (html.length <= limit) return htmlToPlain(html).trim() ? [html] : [];
  const atoms = tokenize(html);
  const parts: string[] = [];
  let stack: Stack = [];
  let i = 0;
  while (i < atoms.length) {
    const prefix = openers(stack);
    let length = prefix.length;
    let current = stack;
    let j = i;
    // Candidates: the index of the last atom in the part, the stack after it, and a priority.
    const best: Array<{ end: number; stack: Stack; length: number } | undefined> = [];
    let fallback: { end: number; stack: Stack; length: number } | undefined;
    for (; j < atoms.length; j++) {
      const atom = atoms[j]!;
      const next = applyAtom(current, atom);
      if (length + atom.text.length + closers(next).length > limit) break;
      length += atom.text.length;
      current = next;
      fallback = { end: j, stack: current, length };
      if (atom.kind !== 'text' || !/^\s$/.test(atom.text)) continue;
      let priority = 1;
      if (atom.text === '\n') priority = 3;
      else {
        const before = visibleBefore(atoms, j);
        const after = visibleAfter(atoms, j);
        if (SENTENCE_END.test(before) && after !== '[') priority = 2;
      }
      best[priority] = { end: j, stack: current, length };
    }
    if (j >= atoms.length) {
      const rest = prefix + atoms.slice(i).map((a) => a.text).join('') + closers(current);
      if (htmlToPlain(rest).trim()) parts.push(rest); // a whitespace-only tail is dropped
      break;
    }
    if (!fallback) throw new Error(`splitMessage: limit ${limit} is too small for the open tags ${prefix}`);
    let cut = fallback;
    for (const priority of [3, 2, 1]) {
      const candidate = best[priority];
      if (candidate && candidate.length >= limit / 2) {
        cut = candidate;
        break;
      }
    }
    if (cut === fallback) {
      // No good break in the second half: take the latest break of any kind, else cut hard.
      const any = best.filter((c): c is NonNullable<typeof c> => c !== undefined).sort((a, b) => b.end - a.end)[0];
      if (any) cut = any;
    }
    const body = atoms.slice(i, cut.end + 1).map((a) => a.text).join('');
    const part = prefix + body + closers(cut.stack);
    if (htmlToPlain(part).trim()) parts.push(part);
    stack = cut.stack;
    i = cut.end + 1;
  }
  return parts;
}

function visibleBefore(atoms: Atom[], j: number): string {
  for (let k = j - 1; k >= 0; k--) {
    const a = atoms[k]!;
    if (a.kind === 'text') return htmlToPlain(a.text);
  }
  return '';
}

function visibleAfter(atoms: Atom[], j: number): string {
  for (let k = j + 1; k < atoms.length; k++) {
    const a = atoms[k]!;
    if (a.kind === 'text') return htmlToPlain(a.text);
  }
  return '';
}
