/**
 * Dates a text states, for the answer checker (check.ts): months in any calendar's name with the
 * day and year written beside them (آذار = مارس = March; «8 May 2025»), and weekdays.
 */
import { ARABIC_MONTHS, ENGLISH_MONTHS, LEVANTINE_MONTHS, MAGHREBI_MONTHS, WEEKDAYS } from '../ingest/dates.js';
import { normalize, words } from '../text/arabic.js';
import { arabicForms } from './check-clitics.js';
import { NUMBER_TOKENS, numberToken } from './check-numbers.js';

/** Month names (normalised Arabic; English lower case) to month numbers; two-word names as «كانون الثاني». */
export const MONTHS: ReadonlyMap<string, number> = new Map(
  [ARABIC_MONTHS, LEVANTINE_MONTHS, MAGHREBI_MONTHS].flatMap((t) => Object.entries(t).map(([k, v]) => [words(normalize(k)).join(' '), v] as const)),
);

const TWO_WORD_MONTH_FIRSTS = new Set([...MONTHS.keys()].filter((k) => k.includes(' ')).map((k) => k.split(' ')[0]!));

/** Month names that are also common words (مارس «practised», آب «father», ماي): months only beside a number or another month. */
const AMBIGUOUS_MONTHS = new Set(['مارس', 'ماي', 'اب', 'may', 'march', 'mar', 'jan', 'jun', 'jul', 'aug', 'sep', 'sept', 'oct', 'nov', 'dec', 'feb', 'apr']);

/** A month a text names, with the day and year written beside it («8 May 2025», «June 25, 2021», «شباط 2022»). */
export interface MonthMention {
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
export function monthsIn(normalized: string, englishCase: Map<string, boolean>): MonthMention[] {
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

/** English month names, January first (month m at index m - 1), for messages. */
export const ENGLISH_MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** Weekday names (normalised Arabic with the article, English lower case) to 0 (Sunday) … 6. */
const WEEKDAY_NUMBERS: ReadonlyMap<string, number> = new Map(
  Object.entries(WEEKDAYS)
    .filter(([name]) => name.length > 4 || /[\u0600-\u06FF]/.test(name)) // not «sun», «sat», «wed»: words too
    .map(([name, d]) => [normalize(name), d] as const),
);

/** English weekday names by number (0 = Sunday), for messages. */
export const WEEKDAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/**
 * Weekdays a text names: Arabic with the article («الخميس», «يوم الاثنين»; «الاثنين» only
 * after «يوم» or at a clause's end, as it is also «the two»), English capitalised.
 */
export function weekdaysIn(normalized: string, englishCase: Map<string, boolean>): number[] {
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

/** Whether each Latin word of a text (lower-cased) was written capitalised; «May» and «may» differ. */
export function latinCase(text: string): Map<string, boolean> {
  const out = new Map<string, boolean>();
  for (const m of text.matchAll(/[A-Za-z]+/g)) {
    const lower = m[0].toLowerCase();
    const cap = /^[A-Z]/.test(m[0]);
    out.set(lower, (out.get(lower) ?? false) || cap);
  }
  return out;
}
