/**
 * Numbers a text states, for the answer checker (check.ts): digits in any script with their
 * separators («1,000», «13٫8»), Arabic and English number words combined as they are said
 * («خمسة وعشرين», «250 مليار», «twenty-five»), duals that state a count of two («يومين»), and the
 * key two numbers are compared by.
 */
import { arabicForms, hasArticle } from './check-clitics.js';

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

/** What a number token is (a digit run, a number word, a scale, a connector, …), cached. */
export function numberToken(tok: string): NumberToken {
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
export const NUMBER_TOKENS = /\d+(?:[.,٫٬]\d+)*|[a-z]+|[\u0621-\u064A]+|[^\s]/g;

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
export function numbersIn(normalized: string): NumberMention[] {
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
export function numberKey(v: number): string {
  return String(Number(v.toPrecision(10)));
}

/** Roman numerals a text may count with («World War II»). */
export const ROMAN: Readonly<Record<string, number>> = { II: 2, III: 3, IV: 4 };
