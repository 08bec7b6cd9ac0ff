/**
 * A scraped news page (file text) → {@link Article}: headline, outlet, wire agency, publication
 * date and body paragraphs with exact offsets, split into the article itself (section 0) and any
 * story appended after «اقرأ أيضاً» (related sections, each with its own metadata).
 *
 * Pipeline: lines are classified by the chrome rules (clean.ts); the page is cut into sections
 * at «اقرأ أيضاً» markers; each section's lead (the lines before its first body paragraph) is
 * read for the headline, date lines, datelines and captions; body lines become paragraphs, short
 * unpunctuated lines between them becoming sub-headings. Metadata is only ever taken from lines
 * that are about the story (source lines, datelines, banners, captions, date lines), never from
 * body sentences, so «حسبما ذكرت وكالة إنترفاكس» or «في شباط 2022» do not count.
 *
 * A file written by intake starts with a front-matter block (front-matter.ts) holding what intake
 * knew for certain. Its title, outlet and date are section 0's, winning over anything the text
 * suggests; a missing outlet or date still falls back to the text's own clues (a dateline, a date
 * line), but a missing title does not: the headline is then null and no line of the text is
 * taken for one, since intake had the page's metadata and found no headline, and a guess from the
 * body would cite the article under its first sentence (short lines before the first paragraph
 * are still read as bylines and kickers, as on any page). Its url and duplicate-of become
 * {@link Article.url} and {@link Article.duplicateOf}. The block itself is never body text: the
 * body is read from just after it, with offsets still into the whole file text, and goes through
 * the same cleaner and «اقرأ أيضاً» splitting. A file without the block parses exactly as before.
 */
import { createHash } from 'node:crypto';
import type { Article, DocId, Paragraph, Section } from '../types.js';
import {
  classifyLines,
  findRepeats,
  fold,
  isShortLine,
  matchKey,
  splitLines,
  trimSpan,
  wordCount,
  type CleanLine,
  type Line,
  type Repeat,
} from './clean.js';
import { findDates, HIJRI_MONTHS, nameAlternation, parseDate, WEEKDAYS } from './dates.js';
import { parseFrontMatter } from './front-matter.js';

/** Wire agencies: the name reported, and how pages write it (Arabic names, abbreviations, Latin). */
export const KNOWN_AGENCIES: ReadonlyArray<{ name: string; aliases: readonly string[] }> = [
  { name: 'رويترز', aliases: ['رويترز', 'رويتر', 'reuters'] },
  { name: 'فرانس برس', aliases: ['فرانس برس', 'فرانس بريس', 'أ ف ب', 'أف ب', 'وكالة الصحافة الفرنسية', 'afp'] },
  { name: 'أسوشيتد برس', aliases: ['أسوشيتد برس', 'أسوشيتدبرس', 'أسوشييتد برس', 'اسوشيتد برس', 'أسوشيتيد برس', 'أ ب', 'associated press', 'ap'] },
  { name: 'سبوتنيك', aliases: ['سبوتنيك', 'sputnik'] },
  { name: 'الأناضول', aliases: ['الأناضول', 'anadolu'] },
  { name: 'وام', aliases: ['وام', 'wam'] },
  { name: 'واس', aliases: ['واس', 'وكالة الأنباء السعودية'] },
  { name: 'قنا', aliases: ['قنا', 'وكالة الأنباء القطرية', 'qna'] },
  { name: 'سانا', aliases: ['سانا', 'sana'] },
  { name: 'شينخوا', aliases: ['شينخوا', 'شينهوا', 'وكالة أنباء الصين الجديدة', 'xinhua'] },
  { name: 'تاس', aliases: ['تاس', 'إيتار تاس', 'tass'] },
  { name: 'ريا نوفوستي', aliases: ['ريا نوفوستي', 'نوفوستي', 'ria novosti'] },
  { name: 'د ب أ', aliases: ['د ب أ', 'الوكالة الألمانية', 'dpa'] },
  { name: 'إنترفاكس', aliases: ['إنترفاكس', 'انترفاكس', 'interfax'] },
  { name: 'كونا', aliases: ['كونا', 'kuna'] },
  { name: 'بترا', aliases: ['بترا', 'petra'] },
  { name: 'أ ش أ', aliases: ['أ ش أ', 'وكالة أنباء الشرق الأوسط'] },
  { name: 'واع', aliases: ['واع'] },
  { name: 'وفا', aliases: ['وفا', 'wafa'] },
  { name: 'بنا', aliases: ['بنا'] },
  { name: 'العمانية', aliases: ['العمانية', 'العُمانية'] },
  { name: 'واج', aliases: ['واج'] },
  { name: 'وات', aliases: ['وات'] },
  { name: 'سبأ', aliases: ['سبأ', 'saba'] },
  { name: 'ومع', aliases: ['ومع'] },
  { name: 'إرنا', aliases: ['إرنا', 'ارنا', 'irna'] },
  { name: 'إفي', aliases: ['إفي', 'efe'] },
  { name: 'يونهاب', aliases: ['يونهاب', 'yonhap'] },
  { name: 'كيودو', aliases: ['كيودو', 'kyodo'] },
  { name: 'بلومبرغ', aliases: ['بلومبرغ', 'بلومبيرغ', 'bloomberg'] },
];

/**
 * News outlets, recognised only where a credit is expected (a dateline such as «أبوظبي - سكاي
 * نيوز عربية» or «(CNN) --»), never in body sentences. Common words that are also paper names
 * (الوطن، الشرق، الرياض …) are left out on purpose.
 */
export const KNOWN_OUTLETS: ReadonlyArray<{ name: string; aliases: readonly string[] }> = [
  { name: 'الجزيرة', aliases: ['الجزيرة', 'الجزيرة نت', 'الجزيرة.نت', 'al jazeera', 'aljazeera'] },
  { name: 'سكاي نيوز عربية', aliases: ['سكاي نيوز عربية', 'سكاي نيوز', 'sky news arabia', 'sky news'] },
  { name: 'العربية', aliases: ['العربية', 'العربية.نت', 'العربية نت', 'al arabiya'] },
  { name: 'روسيا اليوم', aliases: ['روسيا اليوم', 'آر تي', 'ار تي', 'rt', 'rt arabic', 'rt عربي'] },
  { name: 'بي بي سي', aliases: ['بي بي سي', 'بي بي سي عربي', 'bbc', 'bbc arabic', 'bbc عربي'] },
  { name: 'سي إن إن', aliases: ['سي إن إن', 'سي ان ان', 'cnn', 'cnn بالعربية', 'cnn arabic'] },
  { name: 'فرانس 24', aliases: ['فرانس 24', 'france 24'] },
  { name: 'دويتشه فيله', aliases: ['دويتشه فيله', 'dw', 'dw عربية'] },
  { name: 'الحرة', aliases: ['الحرة', 'alhurra'] },
  { name: 'الشرق الأوسط', aliases: ['الشرق الأوسط'] },
  { name: 'العربي الجديد', aliases: ['العربي الجديد'] },
  { name: 'القدس العربي', aliases: ['القدس العربي'] },
  { name: 'العربي', aliases: ['العربي', 'التلفزيون العربي'] },
  { name: 'الميادين', aliases: ['الميادين', 'الميادين نت'] },
  { name: 'النهار', aliases: ['النهار'] },
  { name: 'الديار', aliases: ['الديار'] },
  { name: 'اليوم السابع', aliases: ['اليوم السابع'] },
  { name: 'المصري اليوم', aliases: ['المصري اليوم'] },
  { name: 'الأهرام', aliases: ['الأهرام', 'بوابة الأهرام', 'الأهرام أونلاين'] },
  { name: 'عكاظ', aliases: ['عكاظ'] },
  { name: 'البيان', aliases: ['البيان'] },
  { name: 'عربي 21', aliases: ['عربي 21', 'عربي21'] },
  { name: 'عربي بوست', aliases: ['عربي بوست'] },
  { name: 'إندبندنت عربية', aliases: ['إندبندنت عربية', 'اندبندنت عربية'] },
  { name: 'أخبار الآن', aliases: ['أخبار الآن'] },
  { name: 'إرم نيوز', aliases: ['إرم نيوز', 'ارم نيوز'] },
  { name: 'يورونيوز', aliases: ['يورونيوز', 'euronews'] },
];

/** Source-line items that name no one in particular («العربي - وكالات»). */
export const GENERIC_SOURCES: readonly string[] = [
  'وكالات', 'الوكالات', 'وكالات الأنباء', 'وكالات انباء', 'مواقع', 'مواقع إلكترونية', 'وسائل إعلام', 'وسائل الإعلام',
  'متابعات', 'ترجمات', 'صحف', 'الصحافة', 'مواقع التواصل', 'خاص', 'إعلام', 'الإعلام', 'agencies', 'news agencies',
];

const AGENCY_BY_ALIAS = new Map<string, string>();
for (const a of KNOWN_AGENCIES) for (const alias of a.aliases) AGENCY_BY_ALIAS.set(aliasKey(alias), a.name);
const OUTLET_BY_ALIAS = new Map<string, string>();
for (const o of KNOWN_OUTLETS) for (const alias of o.aliases) OUTLET_BY_ALIAS.set(aliasKey(alias), o.name);
/** Folded alias with dots and spaces dropped («أ.ف.ب» = «أ ف ب» = «اف ب»). */
function aliasKey(text: string): string {
  return fold(text).text.replace(/[\s.]+/g, '');
}
const AGENCY_RE = new RegExp(
  `(?<![\\p{L}\\p{N}])(?:${nameAlternation(KNOWN_AGENCIES.flatMap((a) => a.aliases.map((x) => fold(x).text))).replace(/\\s\+/g, '[\\s.]*')})(?![\\p{L}\\p{N}])`,
  'gu',
);
const GENERIC_KEYS = new Set(GENERIC_SOURCES.map((g) => aliasKey(g)));

/** The wire agency named in `text` (a dateline, credit or source line), by its reported name. */
export function findAgency(text: string): string | null {
  for (const m of fold(text).text.matchAll(AGENCY_RE)) {
    const name = AGENCY_BY_ALIAS.get(m[0].replace(/[\s.]+/g, ''));
    if (name) return name;
  }
  return null;
}

/** The outlet a whole credit names («سكاي نيوز عربية», ««الشرق الأوسط»», «CNN»), or null. */
export function outletNamed(credit: string): string | null {
  return OUTLET_BY_ALIAS.get(aliasKey(credit.replace(/["«»“”'()]/gu, ''))) ?? null;
}

/** Input of {@link parseArticle}. */
export interface ParseInput {
  id: DocId;
  /** The file's text (already decoded, BOM removed). */
  raw: string;
  /** Where it was read from; defaults to the id. */
  path?: string;
  /** sha256 of the file's bytes; defaults to the sha256 of `raw` (UTF-8). */
  hash?: string;
}

/**
 * Parses one scraped page, or one file written by intake (front matter, then the body). Pure:
 * the same input always gives the same article. Never invents metadata: a field neither the
 * front matter nor the text gives is null. Every paragraph satisfies
 * `raw.slice(p.start, p.end) === p.text`. `url` and `duplicateOf` are set (null when not given)
 * only for a file with front matter.
 */
export function parseArticle(input: ParseInput): Article {
  const { raw } = input;
  const front = parseFrontMatter(raw);
  const bodyStart = front?.bodyStart ?? 0;
  const lines = classifyLines(splitLines(front ? raw.slice(bodyStart) : raw, bodyStart));
  const siteOutlet = lines.find((l) => l.kind === 'chrome' && l.outlet)?.outlet ?? null;
  const sections: Section[] = [];
  for (const group of groupSections(lines)) {
    // Front matter decides the headline: given, it is the headline; not given, there is none.
    if (front && group.kind === 'main') group.title = front.fields.title ?? null;
    const section = buildSection(group, sections.length, group.kind === 'main' ? siteOutlet : null);
    // A related "section" of bare link headlines (no sentence anywhere) is not a story.
    if (section.kind === 'related' && !section.paragraphs.some((p) => !p.heading && isSentence(p.text))) continue;
    sections.push(section);
  }
  if (front) {
    const main = sections[0]!;
    sections[0] = { ...main, outlet: front.fields.outlet ?? main.outlet, date: front.fields.date ?? main.date };
  }
  const main = sections[0]!;
  return {
    id: input.id,
    path: input.path ?? input.id,
    raw,
    hash: input.hash ?? createHash('sha256').update(raw, 'utf8').digest('hex'),
    title: main.title,
    outlet: main.outlet,
    agency: main.agency,
    date: main.date,
    ...(front ? { url: front.fields.url ?? null, duplicateOf: front.fields.duplicateOf ?? null } : {}),
    sections,
  };
}

/** Lines of one section before metadata is read. */
interface SectionLines {
  kind: 'main' | 'related';
  /**
   * Headline given on the «اقرأ أيضاً: …» line itself, or by front matter (null: front matter
   * gave none, so none is looked for).
   */
  title?: string | null;
  lines: CleanLine[];
}

/** Cuts the page at «اقرأ أيضاً» markers (inline links inside the body do not cut). */
function groupSections(lines: readonly CleanLine[]): SectionLines[] {
  const groups: SectionLines[] = [{ kind: 'main', lines: [] }];
  for (const line of lines) {
    if (line.kind === 'related' && !line.link) {
      groups.push({ kind: 'related', ...(line.title ? { title: line.title } : {}), lines: [] });
    } else {
      groups[groups.length - 1]!.lines.push(line);
    }
  }
  return groups;
}

/** What a section's non-body lines say about it. */
interface Evidence {
  dateLines: string[];
  datelineDate: string | null;
  datelineAgency: string | null;
  datelineOutlet: string | null;
  /** Dates on short lead lines that are not only a date («الجزيرة نت - 15 مايو 2024»). */
  leadDates: string[];
  leadCaptionDates: string[];
  captionOutlets: string[];
  sources: string[];
  creditAgency: string | null;
}

/** Where reading a section has got to. */
interface SectionState {
  evidence: Evidence;
  /** undefined until decided; null when the section starts without a headline. */
  title: string | null | undefined;
  titleKey: string | undefined;
  /** Still before the first body paragraph. */
  lead: boolean;
  body: Line[];
  /** Photo captions, once each, credit removed: they state facts, so they are searchable and quotable. */
  captions: Line[];
  repeats: Map<string, Repeat>;
}

/** Reads one section: headline, paragraphs, and the metadata its own lines give. */
function buildSection(group: SectionLines, index: number, siteOutlet: string | null): Section {
  const bodyLines = group.lines.filter((l) => l.kind === 'body');
  const state: SectionState = {
    evidence: {
      dateLines: [], datelineDate: null, datelineAgency: null, datelineOutlet: null, leadDates: [], leadCaptionDates: [],
      captionOutlets: [], sources: [], creditAgency: null,
    },
    title: group.title,
    titleKey: group.title ? matchKey(group.title) : undefined,
    lead: true,
    body: [],
    captions: [],
    repeats: findRepeats(bodyLines),
  };
  let bodyIndex = -1;
  for (const [lineIndex, line] of group.lines.entries()) {
    if (line.kind === 'source' && line.source) state.evidence.sources.push(line.source);
    if (line.kind === 'caption') noteCaption(state, line, state.lead);
    if (line.kind !== 'body') continue;
    bodyIndex++;
    if (isDateLine(line.text)) {
      const iso = parseDate(line.text);
      if (iso) state.evidence.dateLines.push(iso);
    } else if (matchKey(line.text) === state.titleKey) {
      // the headline shown again
    } else if (state.lead) {
      readLeadLine(state, line, () => nextBodyLine(group.lines, lineIndex));
    } else {
      readBodyLine(state, line, bodyIndex);
    }
  }
  return sectionOf(state, group.kind, index, siteOutlet);
}

/**
 * A line before the body: a dateline (maybe with the first sentence glued on), a kicker, the
 * headline, a doubled caption, a short byline-like line, or else the first paragraph.
 */
function readLeadLine(state: SectionState, line: CleanLine, next: () => Line | undefined): void {
  const { evidence } = state;
  const dateline = parseDateline(line);
  if (dateline) {
    evidence.datelineDate ??= dateline.date;
    evidence.datelineAgency ??= dateline.agency;
    evidence.datelineOutlet ??= dateline.outlet;
    if (dateline.rest) startBody(state, dateline.rest);
    return;
  }
  if (state.title === undefined) {
    if (isKicker(line.text, next())) return;
    state.title = isTitleLike(line.text) ? line.text : null;
    if (state.title !== null) {
      state.titleKey = matchKey(line.text);
      return;
    }
  }
  if (state.repeats.get(matchKey(line.text))?.adjacent) {
    noteCaption(state, line, true);
  } else if (isShortLine(line.text)) {
    // Kicker, byline, category, an unrecognised dateline (whose date still counts:
    // «الجزيرة نت - 15 مايو 2024»).
    const iso = parseDate(line.text);
    if (iso) evidence.leadDates.push(iso);
  } else {
    startBody(state, line);
  }
}

/** The first paragraph: the lead is over, and a section without a headline by now has none. */
function startBody(state: SectionState, line: Line): void {
  state.title ??= null;
  state.lead = false;
  state.body.push(line);
}

/** A line after the lead: a closing credit, a doubled caption, a scraped duplicate, or body. */
function readBodyLine(state: SectionState, line: CleanLine, bodyIndex: number): void {
  const credit = parseDateline(line);
  if (credit && !credit.rest && credit.agency) {
    state.evidence.creditAgency ??= credit.agency; // «(رويترز)» closing the story
    return;
  }
  const repeat = state.repeats.get(matchKey(line.text));
  if (repeat?.adjacent) noteCaption(state, line, false);
  else if (!repeat || repeat.first === bodyIndex) state.body.push(line); // later copies are scraping duplicates
}

/**
 * The section's metadata by precedence. Outlet: a source line, the site's banner, an outlet
 * credited by the dateline (when it names no agency), a caption credit, else the agency. Agency:
 * dateline, source line, closing credit. Date: a date line, the dateline, a short lead line, a
 * caption in the lead.
 */
function sectionOf(state: SectionState, kind: Section['kind'], index: number, siteOutlet: string | null): Section {
  const { evidence } = state;
  const sources = readSources(evidence.sources);
  const agency = evidence.datelineAgency ?? sources.agency ?? evidence.creditAgency;
  const datelineOutlet = evidence.datelineAgency ? null : evidence.datelineOutlet;
  return {
    index,
    kind,
    title: state.title ?? null,
    outlet: sources.outlet ?? siteOutlet ?? datelineOutlet ?? evidence.captionOutlets[0] ?? agency,
    agency,
    date: evidence.dateLines[0] ?? evidence.datelineDate ?? evidence.leadDates[0] ?? evidence.leadCaptionDates[0] ?? null,
    paragraphs: toParagraphs([...state.body, ...state.captions].sort((a, b) => a.start - b.start)),
  };
}

/** The next body line after `index` that is not a date line, if any. */
function nextBodyLine(lines: readonly CleanLine[], index: number): CleanLine | undefined {
  return lines.slice(index + 1).find((l) => l.kind === 'body' && !isDateLine(l.text));
}

/**
 * A section label above the headline («سياسة», «أخبار عربية»): one or two words, followed by a
 * longer line that can be the headline.
 */
function isKicker(text: string, next: Line | undefined): boolean {
  return next !== undefined && wordCount(text) <= 2 && isTitleLike(next.text) && wordCount(next.text) > wordCount(text);
}

/** A photo credit closing a caption: «… - via REUTERS», «… (الصورة: غيتي)», «… /أ ف ب». */
const CAPTION_CREDIT =
  /(?:\s*[-–—|/]\s*(?:via\s+)?(?:reuters|afp|ap|epa|getty(?:\s+images)?|رويترز|أ\s*ف\s*ب|غيتي|الأناضول)\s*|\s*\(\s*(?:الصورة|صورة|تصوير|photo|getty|afp|reuters)[^()]*\))$/iu;

/** A caption label before its text: «التعليق على الصورة، …». */
const CAPTION_LABEL = /^(?:التعليق\s+على\s+الصور[ةه]|شرح\s+الصور[ةه])\s*[،,:]\s*/u;
/** A line that is only a picture credit: «مصدر الصورة، Getty Images». */
const CREDIT_ONLY = /^(?:مصدر\s+الصور[ةه]|حقوق\s+الصور[ةه]|getty\s+images)/iu;

/**
 * Records what a photo caption says: a credited outlet; its date when it sits in the lead; and
 * its text (once, without the photo credit) as a paragraph, since a caption often states the
 * fact most directly («لي تشيانج يستقبل … ميشوستين»).
 */
function noteCaption(state: SectionState, line: CleanLine, lead: boolean): void {
  const { evidence } = state;
  if (line.outlet) evidence.captionOutlets.push(line.outlet);
  const credit = CAPTION_CREDIT.exec(line.text);
  const label = CAPTION_LABEL.exec(line.text);
  const kept = CREDIT_ONLY.test(line.text) ? null : trimSpan(line.text, label ? label[0].length : 0, credit ? credit.index : line.text.length);
  if (kept && wordCount(kept.text) >= 4 && !state.captions.some((c) => matchKey(c.text) === matchKey(kept.text))) {
    state.captions.push({ text: kept.text, start: line.start + kept.start, end: line.start + kept.end });
  }
  if (!lead) return;
  const iso = parseDate(line.text);
  if (iso) evidence.leadCaptionDates.push(iso);
}

/**
 * Body lines → paragraphs. A short line without sentence punctuation followed by more body is a
 * sub-heading; such lines after the last real paragraph are leftover page furniture and dropped,
 * as are lines with no letters («***»).
 */
function toParagraphs(body: readonly Line[]): Paragraph[] {
  const lines = body.filter((l) => /[\p{L}\p{N}]/u.test(l.text));
  const short = lines.map((l) => isShortLine(l.text));
  const last = short.lastIndexOf(false);
  return lines.slice(0, last + 1).map((l, i) => ({ text: l.text, start: l.start, end: l.end, heading: short[i]! }));
}

/** Whether a paragraph reads like running text: ends like a sentence, or is long. */
function isSentence(text: string): boolean {
  return /[.!?؟…]["'»”’)\]]*$/u.test(text) || wordCount(text) > 30;
}

/**
 * Whether a lead line can be a headline: has letters, at most 30 words, and does not end like a
 * sentence (a single full stop) or a lead-in (colon, comma). «..» and «؟» are fine.
 */
export function isTitleLike(text: string): boolean {
  if (!/\p{L}/u.test(text) || wordCount(text) > 30 || text.length > 300) return false;
  const bare = text.replace(/["'»”’)\]]+$/u, '');
  return !/(?<!\.)\.$|[:،,؛;]$/u.test(bare);
}

const DATE_LABELS = new RegExp(
  String.raw`تاريخ\s+النشر|تاريخ\s+التحديث|اخر\s+تحديث|تم\s+التحديث|تم\s+النشر|نشر\s+(?:في|بتاريخ)|نشر|محدث|تحديث|بتاريخ|التاريخ|تاريخ|الساعة|published(?:\s+on)?|updated(?:\s+on)?|posted(?:\s+on)?|last\s+updated|date|` +
    String.raw`gmt|utc|بتوقيت\s+\S+(?:\s+\S+)?|[+\-]\d{1,2}:?\d{2}|\d{1,2}:\d{2}(?::\d{2})?\s*(?:ص|م|am|pm|صباحا|مساء)?|` +
    `(?<![\\p{L}])(?:${nameAlternation(Object.keys(WEEKDAYS).map((w) => fold(w).text))})(?![\\p{L}])|` +
    `(?:\\d{1,2}\\s*)?(?<![\\p{L}])(?:${nameAlternation(Object.keys(HIJRI_MONTHS).map((m) => fold(m).text))})(?![\\p{L}])(?:\\s*\\d{3,4})?(?:\\s*ه(?![\\p{L}]))?|الموافق|\\d{4}\\s*ه(?![\\p{L}])`,
  'gu',
);

/**
 * Whether a line is only a date, possibly with a weekday, time, time zone, the same day in the
 * Hijri calendar and a label such as «تاريخ النشر:» («الثلاثاء 26 مارس / مارس 2024»,
 * «تاريخ النشر: 8th, May 2025 GMT»).
 */
export function isDateLine(text: string): boolean {
  if (text.length > 120) return false;
  const dates = findDates(text);
  if (dates.length === 0) return false;
  let rest = '';
  let at = 0;
  for (const d of dates) {
    rest += text.slice(at, d.start) + ' ';
    at = d.end;
  }
  rest += text.slice(at);
  return !/[\p{L}\p{N}]/u.test(fold(rest).text.replace(DATE_LABELS, ' '));
}

/** A dateline or credit at the start of a line, and the sentence glued after it, if any. */
export interface Dateline {
  agency: string | null;
  /** A known outlet credited instead of an agency («أبوظبي - سكاي نيوز عربية»). */
  outlet: string | null;
  date: string | null;
  /** The text after the dateline (a body sentence), or null when the line is only the dateline. */
  rest: Line | null;
}

const PLACE = String.raw`[^\s()\-–—:.,،"«»]+(?:\s+[^\s()\-–—:.,،"«»]+){0,3}`;
/** «( أردو بوینت نتورك ۔ / سبوتنيك - 25 يونيو 2021ء) أعلن…», «(رويترز) - قال…». */
const DATELINE_PAREN = /^\(\s*(?<credit>[^()]{1,160}?)\s*\)\s*(?:[-–—:،,]\s*)?/u;
/** «باريس (أ ف ب) - قال…». */
const DATELINE_PLACE_PAREN = new RegExp(String.raw`^${PLACE}\s*\(\s*(?<credit>[^()]{1,60}?)\s*\)\s*(?:[-–—:،,]\s*|$)`, 'u');
/** «موسكو -رويترز», «القاهرة - أ ش أ: قال…», «أنقرة/ الأناضول», «بيروت - «الشرق الأوسط»». */
const DATELINE_PLACE_DASH = new RegExp(
  String.raw`^${PLACE}\s*[-–—/]\s*\(?(?<credit>[^:\-–—()/]{1,40}?)\)?\s*(?:[:\-–—]\s*|$)`,
  'u',
);

/**
 * Reads a dateline at the start of a line: a parenthesised credit holding an agency, a known
 * outlet or a date; «CITY (AGENCY) -»; or «CITY - AGENCY» / «CITY/ AGENCY» (the credit must be
 * an agency, a known outlet or a generic «وكالات»). Returns null for anything else, so ordinary
 * sentences are never cut.
 */
export function parseDateline(line: Line): Dateline | null {
  const { text: folded, map } = fold(line.text);
  let match: RegExpExecArray | null = null;
  let agency: string | null = null;
  let outlet: string | null = null;
  let date: string | null = null;
  const paren = DATELINE_PAREN.exec(folded);
  if (paren) {
    const credit = paren.groups!.credit!;
    agency = findAgency(credit);
    outlet = outletNamed(credit);
    date = parseDate(credit);
    if (agency || outlet || findDates(credit).length) match = paren;
  }
  if (!match) {
    const m = DATELINE_PLACE_PAREN.exec(folded);
    const credit = m?.groups!.credit ?? '';
    agency = findAgency(credit);
    outlet = outletNamed(credit);
    if (m && (agency || outlet)) match = m;
  }
  if (!match) {
    const m = DATELINE_PLACE_DASH.exec(folded);
    const credit = (m?.groups!.credit ?? '').replace(/["«»“”]/gu, '').trim();
    if (m && wordCount(credit) <= 5) {
      agency = isAgencyName(credit) ? findAgency(credit) : null;
      outlet = outletNamed(credit);
      if (agency || outlet || GENERIC_KEYS.has(aliasKey(credit))) match = m;
    }
  }
  if (!match) return null;
  const rest = trimSpan(line.text, map[match[0].length]!, line.text.length);
  const restLine = rest && /\p{L}/u.test(rest.text) ? { text: rest.text, start: line.start + rest.start, end: line.start + rest.end } : null;
  return { agency, outlet, date, rest: restLine };
}

/** Whether `text` is just an agency's name, possibly as «وكالة X (للأنباء)». */
function isAgencyName(text: string): boolean {
  const bare = fold(text).text.replace(/^وكال[ةه]\s+(?:انباء\s+)?|\s+للانباء$/gu, '').trim();
  return AGENCY_BY_ALIAS.has(aliasKey(bare));
}

/**
 * Reads source lines («الجزيرة», «العربي - وكالات», «الجزيرة + رويترز»): the first item that is
 * neither generic nor an agency is the outlet; an agency item is the agency (and the outlet when
 * nothing else is named, decided by the caller).
 */
export function readSources(sources: readonly string[]): { outlet: string | null; agency: string | null } {
  let outlet: string | null = null;
  let agency: string | null = null;
  for (const source of sources) {
    for (const part of source.split(/\s*[-–—+|/،,&]\s*|\s+و(?=وكال|مواقع|وسائل)/u)) {
      const item = part
        .replace(/^[\s"«“'(]+|[\s"»”')]+$/gu, '')
        .replace(/^(?:و(?=وكال))?(?:موقع|صحيفة|جريدة|قناة|شبكة|وكالة)\s+(?=\S)/u, '')
        .trim();
      if (!item || GENERIC_KEYS.has(aliasKey(item)) || GENERIC_KEYS.has(aliasKey(item.replace(/^و/u, '')))) continue;
      const named = findAgency(item);
      if (named) {
        agency ??= named;
        continue;
      }
      if (wordCount(item) <= 5) outlet ??= item;
    }
  }
  return { outlet, agency };
}
