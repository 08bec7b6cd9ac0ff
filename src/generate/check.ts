/**
 * Checking a generated answer against the sources it cites, one sentence at a time.
 *
 * A language model's answer is shown only sentence by sentence, and only the sentences that pass
 * this check: each must cite at least one source that was given ([n], [1][2], [1, 2], [١]; a
 * citation to a source not given is removed), and every number (digits in any script, number
 * words, duals such as «يومين»), date (month, with its day and year; weekday), country and
 * person's or place's name it states must appear in one of the sources it cites. A number or a
 * date must sit in a sentence of the source
 * that shares something else with the claim («5» in «دقائق القراءة - 5» does not back
 * «خمس مرات»), and a date's day, month and year must be written together there («March 2022» is
 * not backed by «شباط 2022» and «آذار 2023»). A sentence that states none of these must share a
 * content word with its sources.
 *
 * Matching is on normalised Arabic with clitics taken off («بموسكو» holds موسكو). An English
 * sentence over Arabic sources matches numbers by value (digits or Arabic number words), months
 * by number (any calendar's name: آذار = مارس = March), countries through countries.ts (a
 * source's «الأميركي» backs «the United States») and names through the crosslingual glossary or
 * a transliteration (Mishustin ↔ ميشوستين), compared by character trigrams as retrieval compares
 * spellings.
 *
 * Names without a named-entity recogniser: in English, capitalised words other than common words
 * (a sentence-initial «The» or «Analysts», a title «President», a nationality «Russian», a word
 * of the glossary); in Arabic, the words after a title, role or outlet («الوزير جون سميث»,
 * «المتحدث باسم الكرملين دميتري بيسكوف», «صحيفة لوموند»), after a verb of saying or meeting at
 * the head of a clause («قال بيسكوف») or after «إن/أن», when the given sources do not use them
 * as ordinary words; and well-known names (بوتين، موسكو) or names the given sources write after
 * titles, wherever they stand. Blind spots: an Arabic name in none of those places that no
 * source knows («التقى مع مودي»); «one/first/واحد/أول», too often not a count to check; a value
 * the cited source holds in a related sentence for another purpose.
 *
 * Pure and synchronous. Sources are analysed once and cached by their content (~3-5 ms for
 * three retrieved passages, ~10 ms for three whole articles; {@link prepareSources} does it
 * ahead); a five-sentence answer then costs ~0.3-0.5 ms (scripts/check-bench.ts).
 */
import { ARABIC_MONTHS, ENGLISH_MONTHS, LEVANTINE_MONTHS, MAGHREBI_MONTHS, WEEKDAYS } from '../ingest/dates.js';
import { trigrams } from '../retrieve/lexical.js';
import { lightStem, normalize, normalizedWordTerms, splitSentences, STOPWORDS, words } from '../text/arabic.js';
import { countriesNamed } from '../text/countries.js';
import { translateEnglish, transliterate } from '../text/crosslingual.js';
import type { Lang } from '../types.js';

/** One numbered source as the model was given it. */
export interface CheckSource {
  n: number;
  /** The passage given to the model. */
  text: string;
  title: string | null;
  outlet: string | null;
  date: string | null;
}

/** A sentence that passed: what it says, which sources back it, and the source sentences that do. */
export interface CheckedSentence {
  /** As the model wrote it, invalid citations removed. */
  text: string;
  citations: number[];
  /** For each cited n, the exact sentences of that source (original text) that hold the claim's numbers/names/words. */
  support: Record<number, string[]>;
}

/** The verdict on one sentence: passed (with its support) or dropped, with a reason naming what failed. */
export type SentenceCheck = { ok: true; sentence: CheckedSentence } | { ok: false; reason: string };

/** The marker the prompt asks the model to write when the sources do not contain the answer. */
export const NOT_IN_SOURCES = 'NOT_IN_SOURCES';

/** Whether the model said the sources do not contain the answer (the marker, tolerant of case, spaces and markup). */
export function isNotInSources(text: string): boolean {
  // Also as a model writes it in Markdown: «**NOT_IN_SOURCES**», «NOT\\_IN\\_SOURCES».
  // Spaced only in capitals: «not in sources» can be a sentence's own words.
  return /NOT[_\\]*IN[_\\]*SOURCES/i.test(text) || /NOT[\s-]+IN[\s-]+SOURCES/.test(text);
}

// ---------------------------------------------------------------------------------------------
// Citations

const DIGIT = '[0-9\\u0660-\\u0669\\u06F0-\\u06F9]';
/** «[1]», «[1, 2]», «[١،٢]»: a bracket of source numbers. */
const CITATION = new RegExp(`\\[\\s*(${DIGIT}+(?:\\s*[,،؛;]\\s*${DIGIT}+)*)\\s*\\]`, 'g');
/** A citation bracket not yet closed at the end of the text (streaming). */
const OPEN_CITATION = new RegExp(`^\\[\\s*(?:${DIGIT}+(?:\\s*[,،؛;]\\s*${DIGIT}+)*)?\\s*(?:[,،؛;]\\s*)?$`);

function asciiDigits(s: string): string {
  return s.replace(/[\u0660-\u0669]/g, (d) => String(d.charCodeAt(0) - 0x0660)).replace(/[\u06F0-\u06F9]/g, (d) => String(d.charCodeAt(0) - 0x06f0));
}

function citedNumbers(bracketBody: string): number[] {
  return asciiDigits(bracketBody)
    .split(/[,،؛;]/)
    .map((s) => Number(s.trim()))
    .filter((n) => Number.isInteger(n));
}

// ---------------------------------------------------------------------------------------------
// Sentence splitting (streaming)

const TERMINATORS = new Set(['.', '!', '?', '؟', '؛', '\n']);
const CLOSERS = new Set(['"', '”', '»', "'", ')', '’', '*', '_', '\u200F', '\u200E']);
/** Words after which a period is an abbreviation's (lower case, without the period). */
const ABBREVIATIONS = new Set(['mr', 'mrs', 'ms', 'dr', 'prof', 'st', 'jr', 'sr', 'gen', 'col', 'lt', 'sgt', 'capt', 'gov', 'sen', 'rep', 'vs', 'etc', 'jan', 'feb', 'mar', 'apr', 'jun', 'jul', 'aug', 'sep', 'sept', 'oct', 'nov', 'dec', 'approx', 'est', 'inc', 'ltd', 'co', 'corp', 'dept', 'fig']);

/** Whether the period at `i` ends an abbreviation or an initial rather than a sentence («U.S.», «V. Putin», «Dr.»). */
function isAbbreviationPeriod(text: string, i: number): boolean {
  let s = i;
  while (s > 0 && /[A-Za-z]/.test(text[s - 1]!)) s--;
  const word = text.slice(s, i);
  if (word.length === 0) return false;
  const before = s > 0 ? text[s - 1]! : ' ';
  if (word.length === 1 && /[A-Z]/.test(word) && /[\s(."“«]/.test(before)) return true; // initials: U.S., V. Putin
  if (word.length === 1 && /[a-z]/.test(word) && (before === '.' || (/[a-z]/.test(text[i + 1] ?? '') && text[i + 2] === '.'))) return true; // e.g., i.e.
  return ABBREVIATIONS.has(word.toLowerCase()) && /[\s(]/.test(before) || (s === 0 && ABBREVIATIONS.has(word.toLowerCase()));
}

/**
 * Complete sentences of a (possibly still growing) generated text, and the incomplete tail.
 * Sentences end at . ! ? ؟ ؛ and line breaks, never inside a number (13.8, ١٣٫٨), after an
 * abbreviation or initial («U.S.», «Dr.») or after a list number at the start of a line («1.»);
 * closing quotes and brackets stay with the sentence they end, and so do citations right after
 * its period («… in 2022. [2]»). A sentence is complete only once something other than
 * whitespace or a citation follows it (a citation, or the digits of a number, may still come),
 * so the last sentence of a finished answer is in `rest`: {@link checkAnswer} checks it too.
 */
export function splitGenerated(text: string): { sentences: string[]; rest: string } {
  const sentences: string[] = [];
  const n = text.length;
  let start = 0;
  let i = 0;
  outer: while (i < n) {
    const c = text[i]!;
    if (!TERMINATORS.has(c)) {
      i++;
      continue;
    }
    if (c === '.') {
      const prevDigit = /[0-9\u0660-\u0669\u06F0-\u06F9]/.test(text[i - 1] ?? '');
      if (prevDigit && i + 1 === n) break; // «13.» may become «13.8»
      if (prevDigit && /[0-9\u0660-\u0669\u06F0-\u06F9]/.test(text[i + 1]!)) {
        i++;
        continue;
      }
      if (isAbbreviationPeriod(text, i)) {
        i++;
        continue;
      }
      // «1. » at the start of a line is a list number, not a sentence.
      const lineStart = text.lastIndexOf('\n', i - 1) + 1;
      if (/^\s*[0-9\u0660-\u0669\u06F0-\u06F9]{1,2}$/.test(text.slice(lineStart, i))) {
        i++;
        continue;
      }
    }
    let end = i + 1;
    while (end < n && TERMINATORS.has(text[end]!) && text[end] !== '\n') end++;
    while (end < n && CLOSERS.has(text[end]!)) end++;
    // Citations right after the period belong to this sentence; wait while one may still come.
    for (;;) {
      let k = end;
      while (k < n && /\s/.test(text[k]!)) k++;
      if (k === n) break outer;
      if (text[k] !== '[') break;
      CITATION.lastIndex = k;
      const m = CITATION.exec(text);
      if (m && m.index === k) {
        end = k + m[0].length;
        while (end < n && (text[end] === '.' || CLOSERS.has(text[end]!))) end++;
        continue;
      }
      if (OPEN_CITATION.test(text.slice(k))) break outer;
      break;
    }
    const sentence = text.slice(start, end).trim();
    if (/[\p{L}\p{N}]/u.test(sentence)) sentences.push(sentence);
    start = end;
    i = end;
  }
  return { sentences, rest: text.slice(start) };
}

// ---------------------------------------------------------------------------------------------
// Numbers

type NumberToken =
  | { kind: 'literal'; value: number }
  | { kind: 'word'; value: number }
  | { kind: 'hundred' }
  | { kind: 'scale'; value: number; plural: boolean }
  | { kind: 'standalone'; value: number }
  | { kind: 'connector' }
  | { kind: 'other' };

/** Arabic number words (normalised, without clitics) to their value; ordinals count as their number. */
const ARABIC_NUMBER_WORDS: ReadonlyMap<string, number> = new Map(
  (
    [
      [2, 'اثنان اثنين اثنتان اثنتين اثني اثنا ثاني ثانيه'],
      [3, 'ثلاث ثلاثه ثالث ثالثه'],
      [4, 'اربع اربعه رابع رابعه'],
      [5, 'خمس خمسه خامس خامسه'],
      [6, 'ست سته سادس سادسه'],
      [7, 'سبع سبعه سابع سابعه'],
      [8, 'ثماني ثمان ثمانيه ثامن ثامنه'],
      [9, 'تسع تسعه تاسع تاسعه'],
      [10, 'عشر عشره عاشر عاشره'],
      [1, 'حادي حاديه'],
      [20, 'عشرون عشرين'],
      [30, 'ثلاثون ثلاثين'],
      [40, 'اربعون اربعين'],
      [50, 'خمسون خمسين'],
      [60, 'ستون ستين'],
      [70, 'سبعون سبعين'],
      [80, 'ثمانون ثمانين'],
      [90, 'تسعون تسعين'],
      [200, 'مئتان مئتين مائتان مائتين'],
      [300, 'ثلاثمئه ثلاثمائه'],
      [400, 'اربعمئه اربعمائه'],
      [500, 'خمسمئه خمسمائه'],
      [600, 'ستمئه ستمائه'],
      [700, 'سبعمئه سبعمائه'],
      [800, 'ثمانمئه ثمانمائه ثمانيمئه'],
      [900, 'تسعمئه تسعمائه'],
      [2000, 'الفان الفين الفا'],
      [200, 'مئتا مائتا'],
      [2e6, 'مليونان مليونين مليونا'],
      [2e9, 'ملياران مليارين مليارا'],
    ] as Array<[number, string]>
  ).flatMap(([v, ws]) => ws.split(' ').map((w) => [w, v] as const)),
);
const ARABIC_HUNDRED = new Set(['مئه', 'مائه']);
const ARABIC_SCALES: ReadonlyMap<string, [number, boolean]> = new Map([
  ['الف', [1e3, false]], ['الاف', [1e3, true]], ['مليون', [1e6, false]], ['ملايين', [1e6, true]],
  ['مليار', [1e9, false]], ['مليارات', [1e9, true]], ['بليون', [1e9, false]], ['تريليون', [1e12, false]],
]);
/**
 * Nouns whose dual form states a count of two: «يومين» (two days), «البلدين» (the two
 * countries), «مرتين» (twice). Only these: a dual ending is also a plural's, so a general rule
 * would find «2» in «الصينيين».
 */
const DUAL_NOUNS = [
  'يوم', 'عام', 'سنه', 'شهر', 'اسبوع', 'ساعه', 'مره', 'دقيقه', 'قرن', 'عقد', 'بلد', 'طرف', 'جانب', 'زعيم', 'رئيس', 'وزير',
  'دوله', 'قوه', 'عضو', 'بيان', 'نظير', 'شخص', 'مليون', 'مليار', 'جوله', 'زياره',
];
const ARABIC_DUALS: ReadonlyMap<string, number> = new Map(
  DUAL_NOUNS.flatMap((s) => {
    const base = s.endsWith('ه') ? `${s.slice(0, -1)}ت` : s;
    const value = s === 'مليون' ? 2e6 : s === 'مليار' ? 2e9 : 2;
    return [`${base}ين`, `${base}ان`].map((w) => [w, value] as const);
  }),
);
/** Words «واحد/أحد/أول»: «one of the largest», «the first»; too often not a count to check. */
const ENGLISH_NUMBER_WORDS: ReadonlyMap<string, number> = new Map(
  Object.entries({
    two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11, twelve: 12,
    thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16, seventeen: 17, eighteen: 18, nineteen: 19, twenty: 20,
    thirty: 30, forty: 40, fifty: 50, sixty: 60, seventy: 70, eighty: 80, ninety: 90,
    second: 2, third: 3, fourth: 4, fifth: 5, sixth: 6, seventh: 7, eighth: 8, ninth: 9, tenth: 10, eleventh: 11,
    twelfth: 12, thirteenth: 13, fourteenth: 14, fifteenth: 15, sixteenth: 16, seventeenth: 17, eighteenth: 18,
    nineteenth: 19, twentieth: 20, thirtieth: 30, fortieth: 40, fiftieth: 50, sixtieth: 60, seventieth: 70,
    eightieth: 80, ninetieth: 90,
  }),
);
const ENGLISH_STANDALONE: ReadonlyMap<string, number> = new Map([['twice', 2], ['dozen', 12]]);
const ENGLISH_SCALES: ReadonlyMap<string, [number, boolean]> = new Map([
  ['thousand', [1e3, false]], ['thousands', [1e3, true]], ['million', [1e6, false]], ['millions', [1e6, true]],
  ['mn', [1e6, false]], ['billion', [1e9, false]], ['billions', [1e9, true]], ['bn', [1e9, false]],
  ['trillion', [1e12, false]], ['tn', [1e12, false]],
]);

/** {@link arabicForms} by word (news repeats its words); bounded. */
const FORMS_CACHE = new Map<string, string[]>();

/** Arabic clitic readings of a normalised word: itself, without و/ف, without ب/ل/ك, without the article. */
function arabicForms(word: string): string[] {
  const cached = FORMS_CACHE.get(word);
  if (cached) return cached;
  const out = [word];
  const conj = /^[وف]/.test(word) && word.length > 2 ? word.slice(1) : '';
  for (const w of conj ? [word, conj] : [word]) {
    if (w.length >= 2 && !out.includes(w)) out.push(w);
    const noPrep = /^[بلك]/.test(w) && w.length > 3 ? w.slice(1) : w;
    if (noPrep.length >= 2 && !out.includes(noPrep)) out.push(noPrep);
    for (const v of noPrep === w ? [w] : [w, noPrep]) {
      if ((v.startsWith('ال') || v.startsWith('لل')) && v.length > 3) {
        const bare = v.slice(2);
        if (!out.includes(bare)) out.push(bare);
      }
    }
  }
  if (FORMS_CACHE.size > 50_000) FORMS_CACHE.clear();
  FORMS_CACHE.set(word, out);
  return out;
}

function hasArticle(word: string): boolean {
  return /^(?:[وف]?(?:ال|بال|لل|كال))/.test(word);
}

/** Value of a run of digits with separators: «1,000» 1000, «13.8» / «13,8» / «13٫8» 13.8. */
function parseDigits(raw: string): number {
  let s = raw;
  if (s.includes('٫')) s = s.replace(/[٬,.]/g, (c) => (c === '٫' ? c : '')).replace('٫', '.');
  else {
    s = s.replace(/٬/g, '');
    const hasDot = s.includes('.');
    const hasComma = s.includes(',');
    if (hasDot && hasComma) {
      const dec = s.lastIndexOf('.') > s.lastIndexOf(',') ? '.' : ',';
      s = s.split(dec === '.' ? ',' : '.').join('').replace(',', '.');
    } else if (hasComma) {
      const groups = s.split(',');
      s = groups.slice(1).every((g) => g.length === 3) ? groups.join('') : s.replace(',', '.');
    } else if (hasDot) {
      const groups = s.split('.');
      if (groups.length > 2 && groups.slice(1).every((g) => g.length === 3)) s = groups.join('');
    }
  }
  return Number(s);
}

/** {@link numberTokenUncached} by token; bounded. */
const TOKEN_CACHE = new Map<string, NumberToken>();

function numberToken(tok: string): NumberToken {
  let t = TOKEN_CACHE.get(tok);
  if (t === undefined) {
    t = numberTokenUncached(tok);
    if (TOKEN_CACHE.size > 50_000) TOKEN_CACHE.clear();
    TOKEN_CACHE.set(tok, t);
  }
  return t;
}

function numberTokenUncached(tok: string): NumberToken {
  if (/^\d/.test(tok)) return { kind: 'literal', value: parseDigits(tok) };
  if (tok === 'و' || tok === 'and' || tok === '-' || tok === 'a') return { kind: 'connector' };
  if (/^[a-z]/.test(tok)) {
    const w = ENGLISH_NUMBER_WORDS.get(tok);
    if (w !== undefined) return { kind: 'word', value: w };
    if (tok === 'hundred' || tok === 'hundreds') return tok === 'hundred' ? { kind: 'hundred' } : { kind: 'other' };
    const sc = ENGLISH_SCALES.get(tok);
    if (sc) return { kind: 'scale', value: sc[0], plural: sc[1] };
    const st = ENGLISH_STANDALONE.get(tok);
    if (st !== undefined) return { kind: 'standalone', value: st };
    return { kind: 'other' };
  }
  // «الاثنين» with the article is Monday.
  if (/^[وف]?ال?اثنين$/.test(tok) && hasArticle(tok)) return { kind: 'other' };
  for (const f of arabicForms(tok)) {
    const w = ARABIC_NUMBER_WORDS.get(f);
    if (w !== undefined) return { kind: 'word', value: w };
    if (ARABIC_HUNDRED.has(f)) return { kind: 'hundred' };
    const sc = ARABIC_SCALES.get(f);
    if (sc) return { kind: 'scale', value: sc[0], plural: sc[1] };
    const d = ARABIC_DUALS.get(f);
    if (d !== undefined) return { kind: 'standalone', value: d };
  }
  return { kind: 'other' };
}

/** A number stated in a text: its value, and the literal parts it was built of («250» of «250 مليار»). */
interface NumberMention {
  value: number;
  parts: number[];
  /** Where it starts and ends in the tokens' text (for messages). */
  label: string;
}

/** Normalised text as number tokens: digit runs, words, and single punctuation marks. */
const NUMBER_TOKENS = /\d+(?:[.,٫٬]\d+)*|[a-z]+|[\u0621-\u064A]+|[^\s]/g;

const OTHER: NumberToken = { kind: 'other' };
/** Words whose next word names a month rather than counts («كانون الثاني»), normalised, with clitics. */
const MONTH_SECOND_WORDS = new Set(['كانون', 'تشرين', 'وكانون', 'وتشرين', 'بكانون', 'بتشرين', 'لكانون', 'لتشرين', 'ربيع', 'جمادي']);

/** Tens and units combine only as numbers are said: «twenty-five», «خمسة وعشرين», «ثلاثمئة وخمسون», «ثلاثة عشر». */
function canAdd(small: number, v: number): boolean {
  if (small === 0) return true;
  const isUnit = (x: number) => x >= 1 && x <= 9;
  const isTens = (x: number) => x >= 20 && x <= 90 && x % 10 === 0;
  if (isUnit(small) && (isTens(v) || v === 10)) return true;
  if (isTens(small) && isUnit(v)) return true;
  if (small >= 100 && small % 100 === 0 && small < 1000 && v < 100) return true;
  return false;
}

/** The numbers a normalised text states, digits and words alike. */
function numbersIn(normalized: string): NumberMention[] {
  const out: NumberMention[] = [];
  let total = 0;
  let small = 0;
  let any = false;
  let last: NumberToken['kind'] | null = null;
  let parts: number[] = [];
  let label: string[] = [];
  const flush = () => {
    if (any && (total + small !== 0 || parts.length > 0)) {
      const value = total + small;
      out.push({ value, parts: parts.filter((p) => p !== value), label: label.join(' ') });
    }
    total = 0;
    small = 0;
    any = false;
    last = null;
    parts = [];
    label = [];
  };
  let previous = '';
  for (const m of normalized.matchAll(NUMBER_TOKENS)) {
    const tok = m[0];
    // «كانون الثاني», «تشرين الثاني»: a month's name, not a second.
    const t = MONTH_SECOND_WORDS.has(previous) ? OTHER : numberToken(tok);
    previous = tok;
    switch (t.kind) {
      case 'literal':
        if (any && (small !== 0 || last === 'literal' || last === 'word')) flush();
        small = t.value;
        any = true;
        parts.push(t.value);
        label.push(tok);
        break;
      case 'word':
        if (any && (last === 'literal' || !canAdd(small, t.value))) flush();
        small += t.value;
        any = true;
        label.push(tok);
        break;
      case 'hundred':
        small = (small || 1) * 100;
        any = true;
        label.push(tok);
        break;
      case 'scale':
        if (t.plural && small === 0) {
          flush(); // «آلاف», «millions of»: no count
          continue;
        }
        if (any && small === 0 && last === 'scale' && total < t.value) {
          total *= t.value; // «ألف مليون», «thousand million»
          label.push(tok);
          break;
        }
        if (any && small === 0 && last !== 'connector') flush();
        total += (small || 1) * t.value;
        if (small) parts.push(small);
        small = 0;
        any = true;
        label.push(tok);
        break;
      case 'standalone':
        flush();
        out.push({ value: t.value, parts: [], label: tok });
        continue;
      case 'connector':
        if (!any) continue;
        break;
      default:
        flush();
        continue;
    }
    last = t.kind;
  }
  flush();
  return out;
}

/** The key two numbers are compared by (a value, rounded far below any rounding a report does). */
function numberKey(v: number): string {
  return String(Number(v.toPrecision(10)));
}

const ROMAN: Readonly<Record<string, number>> = { II: 2, III: 3, IV: 4 };

// ---------------------------------------------------------------------------------------------
// Months

/** Month names (normalised Arabic; English lower case) to month numbers; two-word names as «كانون الثاني». */
const MONTHS: ReadonlyMap<string, number> = new Map(
  [ARABIC_MONTHS, LEVANTINE_MONTHS, MAGHREBI_MONTHS].flatMap((t) => Object.entries(t).map(([k, v]) => [words(normalize(k)).join(' '), v] as const)),
);
const TWO_WORD_MONTH_FIRSTS = new Set([...MONTHS.keys()].filter((k) => k.includes(' ')).map((k) => k.split(' ')[0]!));
/** Month names that are also common words (مارس «practised», آب «father», ماي): months only beside a number or another month. */
const AMBIGUOUS_MONTHS = new Set(['مارس', 'ماي', 'اب', 'may', 'march', 'mar', 'jan', 'jun', 'jul', 'aug', 'sep', 'sept', 'oct', 'nov', 'dec', 'feb', 'apr']);

/** A month a text names, with the day and year written beside it («8 May 2025», «June 25, 2021», «شباط 2022»). */
interface MonthMention {
  month: number;
  day?: number;
  year?: number;
  label: string;
}

/** Tokens that may stand between a month and its day or year: «8th, May», «26 مارس / آذار 2024», «أغسطس من عام 2024». */
const DATE_FILLERS = new Set(['th', 'st', 'nd', 'rd', ',', '،', '/', '-', '(', ')', 'من', 'عام', 'سنه', 'العام', 'of']);

/** A day of the month (1–31) or a year (1900–2100) written in digits. */
function dayOrYear(tok: string | undefined): { day?: number; year?: number } | null {
  if (!tok || !/^\d{1,4}$/.test(tok)) return null;
  const v = Number(tok);
  if (tok.length <= 2 && v >= 1 && v <= 31) return { day: v };
  if (tok.length === 4 && v >= 1900 && v <= 2100) return { year: v };
  return null;
}

/** Months named in a text (normalised words; `original` English words keep their case for «May»/«may»). */
function monthsIn(normalized: string, englishCase: Map<string, boolean>): MonthMention[] {
  const ws = normalized.match(NUMBER_TOKENS) ?? [];
  const out: MonthMention[] = [];
  const isNumberish = (tok: string | undefined) => tok !== undefined && (/^\d/.test(tok) || numberToken(tok).kind === 'word');
  const monthAt = (k: number): [number, number] | null => {
    const tok = ws[k];
    if (!tok) return null;
    if (/^[a-z]/.test(tok)) {
      const m = ENGLISH_MONTHS[tok as keyof typeof ENGLISH_MONTHS];
      return m ? [m, 1] : null;
    }
    for (const f of arabicForms(tok)) {
      if (TWO_WORD_MONTH_FIRSTS.has(f) && ws[k + 1]) {
        for (const g of arabicForms(ws[k + 1]!)) {
          const m = MONTHS.get(`${f} ${g}`) ?? MONTHS.get(`${f} ال${g}`);
          if (m) return [m, 2];
        }
      }
      const m = MONTHS.get(f);
      if (m && !f.includes(' ')) return [m, 1];
    }
    return null;
  };
  for (let k = 0; k < ws.length; k++) {
    const hit = monthAt(k);
    if (!hit) continue;
    const [month, width] = hit;
    const tok = ws[k]!;
    const base = arabicForms(tok).find((f) => MONTHS.has(f)) ?? tok;
    if (/^[a-z]/.test(tok) && englishCase.get(tok) === false) continue; // «may», «march» in lower case are not months
    if (AMBIGUOUS_MONTHS.has(base) || AMBIGUOUS_MONTHS.has(tok)) {
      const near = [ws[k - 1], ws[k + width], ws[k - 2], ws[k + width + 1]];
      const besideNumber = isNumberish(near[0]) || isNumberish(near[1]);
      const besideMonth = (near[0] === '/' && monthAt(k - 2) !== null) || (near[1] === '/' && monthAt(k + width + 1) !== null);
      if (!besideNumber && !besideMonth && !(/^[a-z]/.test(tok) && englishCase.get(tok) === true && k > 0 && !/^(mar|jan|jun|jul|aug|sep|sept|oct|nov|dec|feb|apr)$/.test(tok))) continue;
    }
    // The day before or after the month, the year after it, across fillers and a second month name.
    let day: number | undefined;
    let year: number | undefined;
    let b = k - 1;
    while (b >= 0 && k - b <= 3 && DATE_FILLERS.has(ws[b]!)) b--;
    const before = dayOrYear(ws[b]);
    if (before?.day !== undefined) day = before.day;
    let a = k + width;
    for (let hops = 0; a < ws.length && hops < 5; hops++) {
      const tok = ws[a]!;
      if (DATE_FILLERS.has(tok)) {
        a++;
        continue;
      }
      const other = monthAt(a);
      if (other && other[0] === month) {
        a += other[1];
        continue;
      }
      const dy = dayOrYear(tok);
      if (dy?.day !== undefined && day === undefined && year === undefined) {
        day = dy.day;
        a++;
        continue;
      }
      if (dy?.year !== undefined) year = dy.year;
      break;
    }
    out.push({ month, day, year, label: ws.slice(k, k + width).join(' ') });
    k += width - 1;
  }
  return out;
}

/** Weekday names (normalised Arabic with the article, English lower case) to 0 (Sunday) … 6. */
const WEEKDAY_NUMBERS: ReadonlyMap<string, number> = new Map(
  Object.entries(WEEKDAYS)
    .filter(([name]) => name.length > 4 || /[\u0600-\u06FF]/.test(name)) // not «sun», «sat», «wed»: words too
    .map(([name, d]) => [normalize(name), d] as const),
);
const WEEKDAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/**
 * Weekdays a text names: Arabic with the article («الخميس», «يوم الاثنين»; «الاثنين» only
 * after «يوم» or at a clause's end, as it is also «the two»), English capitalised.
 */
function weekdaysIn(normalized: string, englishCase: Map<string, boolean>): number[] {
  const out: number[] = [];
  const ws = normalized.match(NUMBER_TOKENS) ?? [];
  for (let k = 0; k < ws.length; k++) {
    const tok = ws[k]!;
    if (/^[a-z]/.test(tok)) {
      const d = WEEKDAY_NUMBERS.get(tok);
      if (d !== undefined && englishCase.get(tok) === true) out.push(d);
      continue;
    }
    for (const f of arabicForms(tok)) {
      const d = WEEKDAY_NUMBERS.get(f) ?? WEEKDAY_NUMBERS.get(`ال${f}`);
      if (d === undefined || !f.startsWith('ال') && !WEEKDAY_NUMBERS.has(`ال${f}`)) continue;
      if (!tok.includes('ال')) break; // «اثنين», «خميس» without the article are not days here
      if (d === 1 && !(ws[k - 1] === 'يوم' || ws[k - 1] === 'اليوم' || !/[\u0621-\u064A]/.test(ws[k + 1] ?? '.'))) break;
      out.push(d);
      break;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Names

/** Well-known Arabic names (normalised) from the crosslingual glossary: people, places, outlets. */
const KNOWN_ARABIC_NAMES: ReadonlySet<string> = new Set(
  ['بوتين', 'شي', 'ترامب', 'ترمب', 'بايدن', 'موسكو', 'بكين', 'كييف', 'واشنطن', 'الكرملين', 'غزة', 'سيبيريا', 'رويترز', 'تاس', 'شينخوا', 'نوفوستي', 'إنترفاكس', 'سبوتنيك', 'ميشوستين', 'لافروف', 'بيسكوف']
    .map((w) => normalize(w)),
);

/**
 * Words after which Arabic names a person or place: titles and roles («الرئيس», «وزير»,
 * «المتحدث باسم»), «نظيره», and place words («مدينة», «العاصمة»). Normalised, without article.
 */
const ARABIC_TITLES: ReadonlySet<string> = new Set(
  ['رئيس', 'رئيسة', 'وزير', 'وزيرة', 'متحدث', 'متحدثة', 'ناطق', 'مستشار', 'مستشارة', 'سفير', 'سفيرة', 'ملك', 'أمير', 'شيخ', 'سيد', 'سيدة',
    'زعيم', 'جنرال', 'مبعوث', 'نائب', 'أمين', 'مدير', 'مديرة', 'مندوب', 'قائد', 'نظير', 'نظيره', 'نظيرته', 'نظيرها', 'عقيد', 'لواء',
    'دكتور', 'البروفيسور', 'مراسل', 'مدينة', 'عاصمة', 'إقليم', 'مقاطعة', 'منطقة', 'ولاية', 'قطاع', 'صحيفة', 'وكالة', 'قناة', 'مجلة', 'موقع']
    .map((w) => normalize(w)),
);
/** Words between a title and the name that complete the title («رئيس مجلس الدولة الصيني لي تشيانج»). */
const TITLE_COMPLEMENTS: ReadonlySet<string> = new Set(
  ['باسم', 'مجلس', 'شؤون', 'لشؤون', 'عام', 'العام', 'الأول', 'السابق', 'الحالي', 'وزراء', 'دولة', 'حكومة', 'خارجية', 'دفاع', 'جمهورية', 'الوزراء', 'الدولة', 'الخارجية']
    .map((w) => normalize(w)),
);
/**
 * Verbs of saying and meeting whose subject, at the head of a clause, is usually a person:
 * «قال بيسكوف», «التقى بوتين», «زار ميشوستين».
 */
const SUBJECT_VERBS: ReadonlySet<string> = new Set(
  ['قال', 'قالت', 'أكد', 'أكدت', 'أضاف', 'أضافت', 'صرح', 'صرحت', 'التقى', 'التقت', 'زار', 'زارت', 'استقبل', 'استقبلت', 'وصل', 'وصلت', 'شكر', 'هنأ', 'أعلن', 'أعلنت', 'أشار', 'دعا', 'حذر', 'اتهم', 'وقع', 'أشاد', 'ندد', 'أعرب']
    .map((w) => normalize(w)),
);
/** Short Arabic words that are names after a title though stopwords elsewhere («لي تشيانج», «وانغ يي», «هو جينتاو»). */
const NAME_STOPWORDS = new Set(['لي', 'شي', 'يي', 'كيم', 'مون', 'هو'].map((w) => normalize(w)));

function isArabicStopword(w: string): boolean {
  return STOPWORDS.has(w) && !NAME_STOPWORDS.has(w);
}

/** Arabic clause boundaries: punctuation that cannot sit inside a name. */
const ARABIC_CLAUSES = /[،,.;:!?؟؛«»"“”()[\]{}\n–—]+|\s-\s/;

interface NameMention {
  /** The words as written (normalised), for messages. */
  label: string;
  /** Each word's forms (clitics off). */
  words: string[][];
  /** Latin words to transliterate (English sentences). */
  latin?: string[];
}

/** Names an Arabic text states (see the module doc): after titles, after verbs of saying at a clause head, and known names. */
function arabicNames(
  text: string,
  known: ReadonlySet<string> | null,
  general: (word: string, asName: boolean) => boolean = () => false,
): NameMention[] {
  const out: NameMention[] = [];
  const seen = new Set<string>();
  const push = (ws: string[]) => {
    const label = ws.join(' ');
    if (ws.length === 0 || seen.has(label)) return;
    for (const w of ws) seen.add(w);
    seen.add(label);
    out.push({ label, words: ws.map(arabicForms) });
  };
  for (const clause of text.split(ARABIC_CLAUSES)) {
    const ws = words(normalize(clause)).filter((w) => /[\u0621-\u064A]/.test(w));
    for (let i = 0; i < ws.length; i++) {
      const forms = arabicForms(ws[i]!);
      const isTitle = forms.some((f) => ARABIC_TITLES.has(f));
      const isVerb =
        ((i === 0 || (i === 1 && isArabicStopword(ws[0]!))) && forms.some((f) => SUBJECT_VERBS.has(f))) || ws[i] === 'ان' || ws[i] === 'وان';
      if (isTitle || isVerb) {
        let j = i + 1;
        if (isTitle) {
          let skipped = 0;
          while (j < ws.length && skipped < 4) {
            const w = ws[j]!;
            const fs = arabicForms(w);
            if (hasArticle(w) || fs.some((f) => TITLE_COMPLEMENTS.has(f) || ARABIC_TITLES.has(f))) {
              j++;
              skipped++;
            } else break;
          }
        }
        // The name: up to three words after the title, ending at a stopword, a digit, punctuation,
        // another title or a word with the article. A word the sources use other than as a name
        // («بحضور») is not a name: it is passed over before one starts and ends one that has.
        const name: string[] = [];
        for (let steps = 0; j < ws.length && steps < 3; steps++, j++) {
          const w = ws[j]!;
          if (hasArticle(w) && !known?.has(w)) break;
          if (isArabicStopword(w) || /\d/.test(w) || w.length < 2) break;
          const fs = arabicForms(w);
          if (fs.some((f) => ARABIC_TITLES.has(f) || SUBJECT_VERBS.has(f) || MONTHS.has(f)) || numberToken(w).kind !== 'other') break;
          // (In a source, `known` is null: its writers' names are taken as written.)
          const isKnown = known === null || fs.some((f) => known.has(f));
          if (!isKnown && /^س[يتن]/.test(w) && w.length >= 5 && !general(w, true)) break; // a future verb: «سيزور»
          if (!isKnown && general(w, false)) {
            if (name.length > 0) break;
            continue;
          }
          name.push(w);
          if (hasArticle(w)) break; // «إن الكرملين يولي»: a name with the article («الكرملين») is whole
        }
        // After a verb only a one- or two-word subject that is not an ordinary word of the sources counts.
        if (isTitle) push(name);
        else if (name.length > 0) push(name.slice(0, 2));
      }
    }
    for (const w of ws) {
      const name = known && arabicForms(w).find((f) => known.has(f));
      if (name && !seen.has(w) && !seen.has(name)) push([name]);
    }
  }
  return out;
}

/** English words that are not names when capitalised mid-sentence: titles, institutions, nationalities' companions. */
const ENGLISH_COMMON_CAPITALISED = new Set(
  ('president presidents prime minister ministers foreign defence defense interior finance premier spokesman spokeswoman spokesperson ' +
    'chancellor secretary general ambassador envoy adviser advisor aide deputy vice chairman chair head leader king queen prince sheikh ' +
    'mr mrs ms dr sir state council ministry house office committee assembly duma parliament congress senate union republic party federation ' +
    'forum road belt silk initiative organization organisation day anniversary news agency great patriotic national people people’s ' +
    "people's communist democratic front movement east eastern north northern south southern west western central pacific atlantic " +
    'sea ocean gulf strait island islands bay river lake mount city province region kingdom empire dynasty department bank fund group ' +
    'summit conference games cup festival new old social media world war cold victory security power treaty agreement army navy ' +
    'air force forces military nations united international global federal supreme court parade cooperation friendship strategic ' +
    'partnership comprehensive economic trade energy gas oil pipeline monday tuesday wednesday thursday friday saturday sunday ' +
    'spring summer autumn winter however meanwhile moreover according both also while after before during since although though ' +
    'its his her their this that these those there here in on at by for from with as of the a an and or but if when where which who ' +
    'what why how today yesterday tomorrow last next earlier later then ' +
    'muslim christian islamic arab arabic english sino afro euro anglo strip bank coast valley peninsula').split(/\s+/),
);
/** Glossary words that are names (checked through their Arabic spelling), not general vocabulary. */
const GLOSSARY_NAMES = new Set(
  'xi jinping putin trump biden reuters tass xinhua ria novosti interfax sputnik aljazeera cnn moscow beijing kremlin washington kyiv kiev gaza siberia nato'.split(' '),
);

/** English capitalised words that name something, as runs («Xi Jinping», «Dmitry Peskov»), excluding countries and months. */
function englishNames(text: string, exclude: ReadonlySet<string>): NameMention[] {
  const out: NameMention[] = [];
  const tokens = [...text.matchAll(/[A-Za-z][A-Za-z'’]*|[^\sA-Za-z]/g)].map((m) => m[0]);
  let run: string[] = [];
  const flush = () => {
    if (run.length) out.push({ label: run.join(' '), words: [], latin: [...run] });
    run = [];
  };
  let initial = true;
  for (const raw of tokens) {
    if (!/^[A-Za-z]/.test(raw)) {
      flush();
      if (/[.:!?"“(—–]/.test(raw)) initial = true;
      continue;
    }
    const word = raw.replace(/['’]s$/i, '').replace(/['’]$/, '');
    const lower = word.toLowerCase();
    const capital = /^[A-Z]/.test(word);
    const wasInitial = initial;
    initial = false;
    if (!capital || ROMAN[word] !== undefined || exclude.has(lower)) {
      flush();
      continue;
    }
    const glossaryName = GLOSSARY_NAMES.has(lower);
    const common = ENGLISH_COMMON_CAPITALISED.has(lower) || /(?:ian|ean|ese|ish)$/.test(lower) && lower.length > 5;
    if (!glossaryName && common) {
      flush();
      continue;
    }
    if (!glossaryName && wasInitial && (STOPWORDS.has(lower) || isGlossaryWord(lower) || COMMON_ENDING.test(lower))) {
      flush();
      continue;
    }
    if (!glossaryName && !wasInitial && isGlossaryWord(lower)) {
      flush();
      continue;
    }
    run.push(word);
  }
  flush();
  return out;
}

/** Endings of English common words; a sentence-initial word with one is not taken for a name («Analysts», «Rapprochement»). */
const COMMON_ENDING = /(?:ing|ed|ly|ment|ments|tion|tions|sion|ness|ity|ists|ers|ants|ents|ances|ences|ships?|ives?|ous|ful|able|ible|ies)$/;

const glossaryCache = new Map<string, boolean>();
/** Whether the crosslingual glossary knows an English word (general vocabulary, not a transliterated guess). */
function isGlossaryWord(lower: string): boolean {
  let known = glossaryCache.get(lower);
  if (known === undefined) {
    const t = translateEnglish(lower);
    known = t.length > 0 && t.every((x) => !x.transliterated);
    if (glossaryCache.size > 10_000) glossaryCache.clear();
    glossaryCache.set(lower, known);
  }
  return known;
}

/** Arabic spellings an English name word may have: the glossary's, else a transliteration. */
const spellingCache = new Map<string, string[]>();
function arabicSpellings(word: string): string[] {
  const lower = word.toLowerCase();
  const cached = spellingCache.get(lower);
  if (cached) return cached;
  const result = arabicSpellingsUncached(lower);
  if (spellingCache.size > 10_000) spellingCache.clear();
  spellingCache.set(lower, result);
  return result;
}

/**
 * Arabic spellings of a name beside the glossary's: the parts a report may call the person by
 * («جين بينج وبوتين» for Xi and Putin).
 */
const NAME_ALIASES: Readonly<Record<string, string>> = { xi: 'جين بينغ جينبينغ', jinping: 'شي جينبينغ' };

function arabicSpellingsUncached(lower: string): string[] {
  const t = translateEnglish(lower);
  const spellings = t.flatMap((x) => (x.transliterated ? [] : x.arabic.split(/\s+/))).map((w) => normalize(w));
  for (const alias of (Object.hasOwn(NAME_ALIASES, lower) ? NAME_ALIASES[lower]! : '').split(/\s+/)) if (alias) spellings.push(normalize(alias));
  const translit = normalize(transliterate(lower));
  if (translit) spellings.push(translit);
  return [...new Set(spellings.flatMap((s) => arabicForms(s)))];
}

// ---------------------------------------------------------------------------------------------
// Sources

/** One sentence of a source with what it states. */
interface SourceSentence {
  text: string;
  numbers: Set<string>;
  months: Set<number>;
  /** The months with the day and year written beside them. */
  dates: MonthMention[];
  weekdays: Set<number>;
  countries: Set<string>;
  /** Normalised word forms, clitics off, and adjacent pairs joined («جين بينغ» → «جينبينغ»). */
  forms: Set<string>;
  /** The same without the joined pairs. */
  wordForms: Set<string>;
  /** Content stems (for word overlap). */
  stems: Set<string>;
  /** Whether this is the headline or metadata rather than a sentence of the passage. */
  meta: boolean;
}

interface SourceFacts {
  sentences: SourceSentence[];
  numbers: Set<string>;
  months: Set<number>;
  countries: Set<string>;
  forms: Set<string>;
  stems: Set<string>;
  /** Trigrams of the forms and the forms by trigram (fuzzy name matching), built when first needed. */
  gramIndex: { index: Map<string, string[]>; sizes: Map<string, number> } | null;
  /** The forms of single words (not joined pairs): what fuzzy matching looks among. */
  wordForms: Set<string>;
  /** Forms found alike for a spelling (memo of {@link formsLike}'s fuzzy part). */
  like: Map<string, string[]>;
  /** Identity of this analysis (keys {@link sourceNames}' cache). */
  id: number;
  /** Words the source writes in a name's place (after a title or a verb of saying), with how often it does. */
  nameCounts: Map<string, number>;
  /** How often the source writes each normalised word. */
  wordCounts: Map<string, number>;
}

/**
 * One sentence of a source. `countryHints` are the words of the countries the whole source
 * names: a sentence holding none of them names none, and skips the country scan.
 */
function analyseSentence(text: string, meta: boolean, countryHints: readonly string[] | null = null): SourceSentence {
  const norm = normalize(text);
  const numbers = new Set<string>();
  for (const m of numbersIn(norm)) {
    numbers.add(numberKey(m.value));
    for (const p of m.parts) numbers.add(numberKey(p));
  }
  for (const m of text.matchAll(/\b(II|III|IV)\b/g)) numbers.add(numberKey(ROMAN[m[1]!]!));
  const dates = monthsIn(norm, latinCase(text));
  const iso = /^(\d{4})-(\d{2})-(\d{2})/.exec(text.trim());
  if (meta && iso) dates.push({ year: Number(iso[1]), month: Number(iso[2]), day: Number(iso[3]), label: iso[0] });
  const months = new Set(dates.map((m) => m.month));
  const weekdays = new Set(weekdaysIn(norm, latinCase(text)));
  const scan = countryHints === null || countryHints.some((h) => norm.includes(h));
  const countries = new Set(scan ? countriesNamed(text).map((c) => c.code) : []);
  const ws = words(norm);
  for (const w of ws) {
    for (const f of arabicForms(w)) {
      const code = NISBA.get(f);
      if (code) countries.add(code);
    }
  }
  const forms = new Set<string>();
  const wordForms = new Set<string>();
  for (let i = 0; i < ws.length; i++) {
    for (const f of arabicForms(ws[i]!)) {
      forms.add(f);
      wordForms.add(f);
    }
    if (i + 1 < ws.length) forms.add(ws[i]! + ws[i + 1]!);
  }
  const stems = new Set(normalizedWordTerms(norm).map((t) => t.stem));
  return { text, numbers, months, dates, weekdays, countries, forms, wordForms, stems, meta };
}

/**
 * Adjectives of nationality (normalised, without the article) that let a source back a sentence
 * naming the country: «التصعيد الأميركي» backs «the escalation by the United States». Sources
 * only: in a sentence, an adjective names no country (as in countries.ts).
 */
const NISBA: ReadonlyMap<string, string> = new Map(
  (
    [
      ['US', 'امريكي اميركي امريكيه اميركيه'], ['RU', 'روسي روسيه'], ['CN', 'صيني صينيه'], ['UA', 'اوكراني اوكرانيه'],
      ['FR', 'فرنسي فرنسيه'], ['DE', 'الماني المانيه'], ['GB', 'بريطاني بريطانيه'], ['JP', 'ياباني يابانيه'], ['IN', 'هندي هنديه'],
      ['IR', 'ايراني ايرانيه'], ['TR', 'تركي تركيه'], ['SY', 'سوري سوريه'], ['IL', 'اسرائيلي اسرائيليه'], ['SA', 'سعودي سعوديه'],
      ['MN', 'منغولي منغوليه'], ['KZ', 'كازاخستاني كازاخستانيه'], ['BY', 'بيلاروسي بيلاروسيه'],
    ] as Array<[string, string]>
  ).flatMap(([code, forms]) => forms.split(' ').map((f) => [f, code] as const)),
);

/** Whether each Latin word of a text (lower-cased) was written capitalised; «May» and «may» differ. */
function latinCase(text: string): Map<string, boolean> {
  const out = new Map<string, boolean>();
  for (const m of text.matchAll(/[A-Za-z]+/g)) {
    const lower = m[0].toLowerCase();
    const cap = /^[A-Z]/.test(m[0]);
    out.set(lower, (out.get(lower) ?? false) || cap);
  }
  return out;
}

/**
 * Analysed sources by their content (title, outlet, date, text): an answer's sentences, its
 * drafts and a cached question meet the same passages again. Bounded; oldest out first.
 */
const SOURCE_CACHE = new Map<string, SourceFacts>();
const SOURCE_CACHE_MAX = 256;
/** The same by source object: a lookup by a passage's whole text hashes it each time. */
const SOURCE_OBJECTS = new WeakMap<CheckSource, { seen: CheckSource; generation: number; facts: SourceFacts }>();
let lastFactsId = 0;
/** Bumped by {@link clearCheckCache}, so the per-object cache forgets too. */
let generation = 0;

/**
 * Analyses sources ahead of the answer (~1-3 ms a source): call it when the request is
 * sent, so the first sentence the model streams is checked as fast as the later ones. Optional;
 * {@link checkSentence} analyses what it has not met.
 */
export function prepareSources(sources: readonly CheckSource[]): void {
  for (const s of sources) sourceFacts(s);
}

/** Forgets every analysed source (for benchmarks of the first sentence of an answer, and tests). */
export function clearCheckCache(): void {
  SOURCE_CACHE.clear();
  NAMES_CACHE.clear();
  generation++;
}

function sourceFacts(source: CheckSource): SourceFacts {
  const byObject = SOURCE_OBJECTS.get(source);
  if (byObject && byObject.generation === generation && byObject.seen.text === source.text && byObject.seen.title === source.title && byObject.seen.outlet === source.outlet && byObject.seen.date === source.date) {
    return byObject.facts;
  }
  const remember = (facts: SourceFacts) => SOURCE_OBJECTS.set(source, { seen: { ...source }, generation, facts });
  const key = `${source.title ?? ''}\u0000${source.outlet ?? ''}\u0000${source.date ?? ''}\u0000${source.text}`;
  const cached = SOURCE_CACHE.get(key);
  if (cached) {
    remember(cached);
    return cached;
  }
  // Country words of the whole passage: the first word of each name it uses, in any spelling.
  const named = countriesNamed(source.text);
  const hints = named.flatMap((c) => [...c.arabicWords.slice(0, 1).map((w) => w.replace(/^ال/, '')), ...c.name.en.toLowerCase().split(/[^a-z]+/).slice(0, 1)]).filter((w) => w.length >= 2);
  const hintsOrAll = named.length === 0 ? [] : hints.length === named.length * 2 ? hints : null;
  const sentences: SourceSentence[] = splitSentences(source.text).map((s) => analyseSentence(s.text, false, hintsOrAll));
  for (const meta of [source.title, source.outlet, source.date]) if (meta && meta.trim()) sentences.push(analyseSentence(meta.trim(), true));
  const union = <T>(pick: (s: SourceSentence) => Set<T>) => {
    const u = new Set<T>();
    for (const s of sentences) for (const x of pick(s)) u.add(x);
    return u;
  };
  const nameCounts = new Map<string, number>();
  const wordCounts = new Map<string, number>();
  for (const s of sentences) {
    for (const n of arabicNames(s.text, null)) for (const w of n.words) if (w[0]!.length >= 3) nameCounts.set(w[0]!, (nameCounts.get(w[0]!) ?? 0) + 1);
    for (const w of words(normalize(s.text))) wordCounts.set(w, (wordCounts.get(w) ?? 0) + 1);
  }
  const facts: SourceFacts = {
    sentences,
    numbers: union((s) => s.numbers),
    months: union((s) => s.months),
    countries: new Set([...named.map((c) => c.code), ...union((s) => s.countries)]),
    forms: union((s) => s.forms),
    wordForms: union((s) => s.wordForms),
    stems: union((s) => s.stems),
    gramIndex: null,
    like: new Map(),
    id: ++lastFactsId,
    nameCounts,
    wordCounts,
  };
  if (SOURCE_CACHE.size >= SOURCE_CACHE_MAX) SOURCE_CACHE.delete(SOURCE_CACHE.keys().next().value!);
  SOURCE_CACHE.set(key, facts);
  remember(facts);
  return facts;
}

/**
 * Names the given sources use: the well-known ones, and words the sources write in a name's place
 * (after a title or a verb of saying) at least as often as anywhere else («تشيانج», not «تعزيز»,
 * which also follows «الرئيس الصيني» once).
 */
function sourceNames(all: SourceFacts[]): Set<string> {
  const cacheKey = all.map((f) => f.id).join(',');
  const cached = NAMES_CACHE.get(cacheKey);
  if (cached) return cached;
  const known = new Set<string>(KNOWN_ARABIC_NAMES);
  const asName = new Map<string, number>();
  for (const f of all) for (const [w, k] of f.nameCounts) asName.set(w, (asName.get(w) ?? 0) + k);
  for (const [w, k] of asName) {
    let total = 0;
    for (const f of all) total += f.wordCounts.get(w) ?? 0;
    if (k >= 2 && 2 * k >= total) known.add(w);
  }
  if (NAMES_CACHE.size >= 64) NAMES_CACHE.clear();
  NAMES_CACHE.set(cacheKey, known);
  return known;
}

/** Forms by trigram, and each form's number of distinct trigrams (Dice without a set per form). */
function buildGramIndex(forms: Iterable<string>): { index: Map<string, string[]>; sizes: Map<string, number> } {
  const index = new Map<string, string[]>();
  const sizes = new Map<string, number>();
  for (const f of forms) {
    if (f.length < 3) continue;
    const g = trigrams(f);
    sizes.set(f, g.size);
    for (const x of g) {
      const list = index.get(x);
      if (list) list.push(f);
      else index.set(x, [f]);
    }
  }
  return { index, sizes };
}

/** {@link sourceNames} by the sources' analysis ids. */
const NAMES_CACHE = new Map<string, Set<string>>();


/** Trigram similarity at or above which a transliterated English name matches an Arabic spelling. */
export const TRANSLITERATION_MIN_SIMILARITY = 0.6;
/** The same between two Arabic spellings of one name (بينغ / بينج are one spelling already). */
const ARABIC_VARIANT_MIN_SIMILARITY = 0.75;

/** The source's forms spelt like `spelling`: itself when the source has it, else (4+ letters) those of trigram similarity ≥ `min`. */
function formsLike(spelling: string, facts: SourceFacts, min: number, out: Set<string>): void {
  if (facts.forms.has(spelling)) {
    out.add(spelling); // written as is: other spellings are not looked for
    return;
  }
  if (spelling.length < 4 || min >= 1) return;
  const memoKey = `${min}\u0000${spelling}`;
  const memo = facts.like.get(memoKey);
  if (memo) {
    for (const f of memo) out.add(f);
    return;
  }
  const found: string[] = [];
  if (!facts.gramIndex) facts.gramIndex = buildGramIndex(facts.wordForms);
  const { index, sizes } = facts.gramIndex;
  const g = trigrams(spelling);
  const shared = new Map<string, number>();
  for (const x of g) for (const f of index.get(x) ?? []) shared.set(f, (shared.get(f) ?? 0) + 1);
  for (const [f, k] of shared) if ((2 * k) / (g.size + sizes.get(f)!) >= min) found.push(f);
  if (facts.like.size > 4096) facts.like.clear();
  facts.like.set(memoKey, found);
  for (const f of found) out.add(f);
}

/**
 * The source forms that spell each word of a name (one set per word; one set for a Latin name
 * the source writes as one word, «Le Figaro» → «لوفيجارو»), or null when a word has none.
 */
function nameForms(name: NameMention, facts: SourceFacts): Set<string>[] | null {
  if (name.latin) {
    const perWord = name.latin.map((w) => {
      const out = new Set<string>();
      const lower = w.toLowerCase();
      if (facts.forms.has(lower)) out.add(lower); // «CNN» written in Latin in the source
      for (const sp of arabicSpellings(w)) formsLike(sp, facts, sp.length <= 3 ? 1 : TRANSLITERATION_MIN_SIMILARITY, out);
      return out;
    });
    if (perWord.every((set) => set.size > 0)) return perWord;
    if (name.latin.length > 1) {
      const joined = new Set<string>();
      formsLike(normalize(transliterate(name.latin.join(''))), facts, TRANSLITERATION_MIN_SIMILARITY, joined);
      if (joined.size > 0) return [joined];
    }
    return null;
  }
  const perWord = name.words.map((ws) => {
    const out = new Set<string>();
    for (const f of ws) formsLike(f, facts, ARABIC_VARIANT_MIN_SIMILARITY, out);
    return out;
  });
  return perWord.every((set) => set.size > 0) ? perWord : null;
}

// ---------------------------------------------------------------------------------------------
// Claims

type Item =
  | { kind: 'number'; key: string; label: string }
  | { kind: 'month'; month: number; day?: number; year?: number; label: string }
  | { kind: 'weekday'; day: number; label: string }
  | { kind: 'country'; code: string; label: string }
  | { kind: 'name'; name: NameMention; label: string }
  | { kind: 'link'; url: string; label: string };

function describe(item: Item): string {
  switch (item.kind) {
    case 'number':
      return `the number ${item.label}`;
    case 'month':
      return item.day !== undefined || item.year !== undefined ? `the date ${item.label}` : `the month ${item.label}`;
    case 'weekday':
      return `the day ${item.label}`;
    case 'country':
      return `the country ${item.label}`;
    case 'name':
      return `the name ${item.label}`;
    case 'link':
      return `the link ${item.label}`;
  }
}

const ENGLISH_MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** Whether an English word alone names a country («Russia», «US»), by word as written. */
const countryWordCache = new Map<string, boolean>();

/** The numbers, months, countries, names and links a claim (citations removed) states. */
function claimItems(claim: string, knownNames: ReadonlySet<string>, general: (word: string, asName: boolean) => boolean): Item[] {
  const items: Item[] = [];
  const norm = normalize(claim.replace(/https?:\/\/\S+|www\.\S+/g, ' '));
  for (const m of claim.matchAll(/https?:\/\/[^\s)\]»"]+|www\.[^\s)\]»"]+/g)) {
    items.push({ kind: 'link', url: m[0].replace(/[.,;]+$/, '').toLowerCase(), label: m[0] });
  }
  for (const m of numbersIn(norm)) items.push({ kind: 'number', key: numberKey(m.value), label: m.label });
  for (const m of claim.matchAll(/\b(II|III|IV)\b/g)) items.push({ kind: 'number', key: numberKey(ROMAN[m[1]!]!), label: m[1]! });
  for (const m of monthsIn(norm, latinCase(claim))) {
    const english = [m.day, ENGLISH_MONTH_NAMES[m.month - 1], m.year].filter((x) => x !== undefined).join(' ');
    const label = /^[a-z]/.test(m.label) ? english : `«${[m.day, m.label, m.year].filter((x) => x !== undefined).join(' ')}» (${english})`;
    items.push({ kind: 'month', month: m.month, day: m.day, year: m.year, label });
  }
  for (const d of new Set(weekdaysIn(norm, latinCase(claim)))) items.push({ kind: 'weekday', day: d, label: WEEKDAY_NAMES[d]! });
  const countries = countriesNamed(claim);
  for (const c of countries) items.push({ kind: 'country', code: c.code, label: `${c.name.en} («${c.name.ar}»)` });
  const exclude = new Set<string>();
  for (const c of countries) for (const w of c.name.en.toLowerCase().split(/[^a-z]+/)) if (w) exclude.add(w);
  for (const w of (claim.match(/[A-Za-z]+/g) ?? []).map((x) => x.toLowerCase())) {
    if (ENGLISH_MONTHS[w as keyof typeof ENGLISH_MONTHS]) exclude.add(w);
  }
  // English country names and aliases the sentence holds («Russia», «US»): excluded from names.
  for (const word of claim.match(/[A-Za-z]+/g) ?? []) {
    let isCountry = countryWordCache.get(word);
    if (isCountry === undefined) {
      isCountry = countriesNamed(word).length > 0;
      if (countryWordCache.size > 10_000) countryWordCache.clear();
      countryWordCache.set(word, isCountry);
    }
    if (isCountry) exclude.add(word.toLowerCase());
  }
  for (const n of englishNames(claim, exclude)) items.push({ kind: 'name', name: n, label: `«${n.label}»` });
  for (const n of arabicNames(claim, knownNames, general)) items.push({ kind: 'name', name: n, label: `«${n.label}»` });
  return items;
}

/**
 * Whether a source sentence holds an item. Names are looked up once per source
 * ({@link nameForms}); `names` holds the result for this sentence's source.
 */
function itemIn(item: Item, s: SourceSentence, names: Map<Item, Set<string>[] | null>): boolean {
  switch (item.kind) {
    case 'number':
      return s.numbers.has(item.key);
    case 'month':
      // The month with the day and year the sentence gives it: «March 2022» is not «آذار 2023».
      return s.dates.some((d) => d.month === item.month && (item.day === undefined || d.day === item.day) && (item.year === undefined || d.year === item.year));
    case 'weekday':
      return s.weekdays.has(item.day);
    case 'country':
      return s.countries.has(item.code);
    case 'name': {
      const sets = names.get(item);
      return sets != null && sets.every((set) => [...set].some((f) => s.forms.has(f)));
    }
    case 'link':
      return s.text.toLowerCase().includes(item.url.replace(/^https?:\/\//, '').replace(/^www\./, ''));
  }
}

function citeList(ns: number[]): string {
  return ns.length === 1 ? `source [${ns[0]}]` : `sources ${ns.map((n) => `[${n}]`).join(', ')}`;
}

/** Content stems of a claim, Arabic or English (English words through the crosslingual glossary). */
function claimStems(claim: string): Set<string> {
  const stems = new Set(normalizedWordTerms(normalize(claim)).map((t) => t.stem));
  if (/[A-Za-z]{3}/.test(claim)) {
    for (const t of translateEnglish(claim)) {
      if (t.transliterated) continue;
      for (const w of t.arabic.split(/\s+/)) for (const s of normalizedWordTerms(normalize(w))) stems.add(s.stem);
    }
  }
  return stems;
}

/**
 * Checks one generated sentence against the sources. Citations to sources that were not given
 * are removed; a sentence left without a citation is dropped. Every number, month, country and
 * name it states must be in one of the sources it cites, and it must share at least one content
 * word or checked item with them. The reason of a drop names what failed («the number 45 is not
 * in source [2]»). On success, `support` gives for each cited source the sentences that hold
 * the claim (the headline when only it does).
 */
export function checkSentence(sentence: string, sources: CheckSource[], lang: Lang): SentenceCheck {
  void lang; // both scripts are checked whatever the answer's language: a model may mix them
  const byN = new Map(sources.map((s) => [s.n, s]));
  const cited: number[] = [];
  const invalid: number[] = [];
  const text = sentence
    .trim()
    .replace(CITATION, (_all, body: string) => {
      const ns = citedNumbers(body);
      const ok = ns.filter((x) => byN.has(x));
      for (const x of ns) if (!byN.has(x)) invalid.push(x);
      for (const x of ok) if (!cited.includes(x)) cited.push(x);
      if (ok.length === ns.length) return _all;
      return ok.length ? `[${ok.join(', ')}]` : '\u0000';
    })
    .replace(/\s*\u0000/g, '')
    .trim();
  if (cited.length === 0) {
    if (invalid.length) {
      const given = sources.map((s) => s.n).sort((a, b) => a - b);
      return { ok: false, reason: `cites only ${citeList([...new Set(invalid)])}, which ${invalid.length === 1 ? 'was' : 'were'} not given (sources given: ${given.map((n) => `[${n}]`).join(', ') || 'none'})` };
    }
    return { ok: false, reason: 'cites no source: every sentence must cite at least one, as [1]' };
  }
  if (isNotInSources(text)) return { ok: false, reason: `the model said the sources do not contain the answer (${NOT_IN_SOURCES})` };
  const claim = text.replace(CITATION, ' ').replace(/[*_#>`]+/g, ' ').trim();
  if (!/[\p{L}\p{N}]/u.test(claim)) return { ok: false, reason: 'states nothing besides its citation' };

  const facts = cited.map((n) => ({ n, facts: sourceFacts(byN.get(n)!) }));
  const allFacts = sources.map((s) => sourceFacts(s));
  const known = sourceNames(allFacts);
  // `general(w, false)`: the sources write w, never in a name's place; `general(w, true)`: they write it in one.
  const general = (w: string, asName: boolean) => {
    if (asName) return allFacts.some((f) => f.nameCounts.has(w));
    if (allFacts.some((f) => f.nameCounts.has(w))) return false;
    const stem = lightStem(w);
    if (allFacts.some((f) => f.forms.has(w) || f.stems.has(stem))) return true;
    // A verb in another person: «يعتزم» where the sources write «تعتزم».
    if (/^[يتنا]/.test(w) && w.length >= 4) {
      const rest = w.slice(1);
      return ['ي', 'ت', 'ن', 'ا'].some((p) => p !== w[0] && allFacts.some((f) => f.forms.has(p + rest)));
    }
    return false;
  };
  const items = claimItems(claim, known, general);

  const stems = claimStems(claim);
  const overlap = (s: { stems: Set<string> }) => {
    let k = 0;
    for (const t of stems) if (s.stems.has(t)) k++;
    return k;
  };
  // For each cited source and each of its sentences, the claim's items the sentence holds.
  const held = facts.map(({ facts: f }) => {
    const names = new Map<Item, Set<string>[] | null>();
    for (const it of items) if (it.kind === 'name') names.set(it, nameForms(it.name, f));
    return f.sentences.map((s) => items.filter((it) => itemIn(it, s, names)));
  });
  // An item must be in a cited source; a number or a month, in a sentence that shares something
  // else with the claim (another item or a content word): «5» in «دقائق القراءة - 5» does not
  // back «خمس مرات». A name or a country is specific enough anywhere in the source.
  const failures: string[] = [];
  for (const item of items) {
    let found = false;
    let related = false;
    facts.forEach(({ facts: f }, k) =>
      f.sentences.forEach((s, i) => {
        if (!held[k]![i]!.includes(item)) return;
        found = true;
        if (held[k]![i]!.length > 1 || overlap(s) > 0) related = true;
      }),
    );
    if (!found) failures.push(`${describe(item)} is not in ${citeList(cited)}`);
    else if (!related && (item.kind === 'number' || item.kind === 'month' || item.kind === 'weekday')) failures.push(`${describe(item)} is in ${citeList(cited)} only in a sentence about something else`);
  }
  if (failures.length) return { ok: false, reason: [...new Set(failures)].join('; ') };
  if (items.length === 0 && !facts.some(({ facts: f }) => overlap(f) > 0)) {
    return { ok: false, reason: `no word of the sentence is in ${citeList(cited)}` };
  }

  const support: Record<number, string[]> = {};
  facts.forEach(({ n, facts: f }, k) => {
    const scored = f.sentences.map((s, i) => ({ i, held: held[k]![i]!, score: held[k]![i]!.length * 3 + overlap(s) - (s.meta ? 0.5 : 0) }));
    const chosen = new Set<number>();
    for (const it of items) {
      const best = scored.filter((x) => x.held.includes(it)).sort((a, b) => b.score - a.score || a.i - b.i)[0];
      if (best) chosen.add(best.i);
    }
    if (chosen.size === 0) {
      const best = [...scored].sort((a, b) => b.score - a.score || a.i - b.i)[0];
      if (best && best.score > 0) chosen.add(best.i);
    }
    support[n] = [...chosen].sort((a, b) => a - b).slice(0, 3).map((i) => f.sentences[i]!.text);
  });
  return { ok: true, sentence: { text, citations: cited, support } };
}

/**
 * Checks a whole generated answer (finished or not): its complete sentences and its tail, each
 * by {@link checkSentence}. The not-in-sources marker is dropped with that reason; callers that
 * need to know the model refused test the raw text with {@link isNotInSources}.
 */
export function checkAnswer(text: string, sources: CheckSource[], lang: Lang): { kept: CheckedSentence[]; dropped: Array<{ text: string; reason: string }> } {
  const { sentences, rest } = splitGenerated(text);
  const all = /[\p{L}\p{N}]/u.test(rest) ? [...sentences, rest.trim()] : sentences;
  const kept: CheckedSentence[] = [];
  const dropped: Array<{ text: string; reason: string }> = [];
  for (const s of all) {
    if (isNotInSources(s)) {
      dropped.push({ text: s, reason: `the model said the sources do not contain the answer (${NOT_IN_SOURCES})` });
      continue;
    }
    const r = checkSentence(s, sources, lang);
    if (r.ok) kept.push(r.sentence);
    else dropped.push({ text: s, reason: r.reason });
  }
  return { kept, dropped };
}
