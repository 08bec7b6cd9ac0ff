/**
 * Dates as news pages write them, to ISO `YYYY-MM-DD`.
 *
 * Understood: day–month–year with Egyptian/Gulf (يناير … ديسمبر, incl. يونيه/يوليه/اغسطس),
 * Levantine (كانون الثاني … كانون الأول), Maghrebi (جانفي، ماي، غشت …) and English month names
 * or abbreviations, optionally with a weekday, an ordinal suffix («8th, May 2025 GMT»), a second
 * month name for the same month («26 مارس / آذار 2024», «28 حزيران/يونيو 2021») and a year
 * suffix («2021ء», «2021م»); English month–day–year («May 8, 2025»); numeric ISO «2024-03-26»
 * and day-first «26/03/2024» (month-first when only that reading is valid). Arabic-Indic digits
 * are accepted everywhere. Impossible dates (31 February) and years outside 1900–2100 are not
 * dates.
 */
import { fold } from './clean.js';

/** Egyptian/Gulf (transliterated) month names, with common spelling variants. */
export const ARABIC_MONTHS: Readonly<Record<string, number>> = {
  'يناير': 1, 'فبراير': 2, 'مارس': 3, 'أبريل': 4, 'إبريل': 4, 'ابريل': 4, 'مايو': 5,
  'يونيو': 6, 'يونيه': 6, 'يوليو': 7, 'يوليه': 7, 'أغسطس': 8, 'اغسطس': 8, 'آغسطس': 8,
  'سبتمبر': 9, 'أكتوبر': 10, 'اكتوبر': 10, 'نوفمبر': 11, 'ديسمبر': 12,
};

/** Levantine/Iraqi (Syriac) month names, with and without the article on the second word. */
export const LEVANTINE_MONTHS: Readonly<Record<string, number>> = {
  'كانون الثاني': 1, 'كانون ثاني': 1, 'شباط': 2, 'آذار': 3, 'نيسان': 4, 'أيار': 5, 'حزيران': 6,
  'تموز': 7, 'آب': 8, 'أيلول': 9, 'تشرين الأول': 10, 'تشرين أول': 10, 'تشرين الثاني': 11,
  'تشرين ثاني': 11, 'كانون الأول': 12, 'كانون أول': 12,
};

/** Maghrebi month names (Algeria/Tunisia from French, Morocco from Spanish/French). */
export const MAGHREBI_MONTHS: Readonly<Record<string, number>> = {
  'جانفي': 1, 'فيفري': 2, 'أفريل': 4, 'ماي': 5, 'جوان': 6, 'جويلية': 7, 'يوليوز': 7, 'أوت': 8,
  'غشت': 8, 'شتنبر': 9, 'نونبر': 11, 'دجنبر': 12,
};

/** English month names and abbreviations (lower-case). */
export const ENGLISH_MONTHS: Readonly<Record<string, number>> = {
  january: 1, jan: 1, february: 2, feb: 2, march: 3, mar: 3, april: 4, apr: 4, may: 5, june: 6, jun: 6,
  july: 7, jul: 7, august: 8, aug: 8, september: 9, sep: 9, sept: 9, october: 10, oct: 10,
  november: 11, nov: 11, december: 12, dec: 12,
};

/** Weekday names (0 = Sunday), Arabic and English; found next to dates in date lines. */
export const WEEKDAYS: Readonly<Record<string, number>> = {
  'الأحد': 0, 'الاحد': 0, 'الإثنين': 1, 'الاثنين': 1, 'الثلاثاء': 2, 'الأربعاء': 3, 'الاربعاء': 3,
  'الخميس': 4, 'الجمعة': 5, 'السبت': 6,
  sunday: 0, sun: 0, monday: 1, mon: 1, tuesday: 2, tue: 2, tues: 2, wednesday: 3, wed: 3,
  thursday: 4, thu: 4, thur: 4, thurs: 4, friday: 5, fri: 5, saturday: 6, sat: 6,
};

/**
 * Hijri month names. Not converted (a Hijri date is never returned as ISO); used to recognise
 * date lines that give both calendars («الأربعاء 7 ذو القعدة 1445 هـ - 15 مايو 2024 م»).
 */
export const HIJRI_MONTHS: Readonly<Record<string, number>> = {
  'محرم': 1, 'صفر': 2, 'ربيع الأول': 3, 'ربيع الآخر': 4, 'ربيع الثاني': 4, 'جمادى الأولى': 5, 'جمادى الأول': 5,
  'جمادى الآخرة': 6, 'جمادى الثانية': 6, 'جمادى الآخر': 6, 'رجب': 7, 'شعبان': 8, 'رمضان': 9, 'شوال': 10,
  'ذو القعدة': 11, 'ذي القعدة': 11, 'ذو الحجة': 12, 'ذي الحجة': 12,
};

/** Every month name, folded (see `fold` in clean.ts), to its number 1–12. */
export const MONTH_NUMBERS: ReadonlyMap<string, number> = new Map(
  [ARABIC_MONTHS, LEVANTINE_MONTHS, MAGHREBI_MONTHS, ENGLISH_MONTHS].flatMap((table) =>
    Object.entries(table).map(([name, n]) => [fold(name).text, n] as const),
  ),
);

/** Month number of a month name in any of the tables (spelling folded), or null. */
export function monthNumber(name: string): number | null {
  return MONTH_NUMBERS.get(fold(name).text.replace(/\s+/g, ' ').trim()) ?? null;
}

/** A regex alternation of folded names, longest first, spaces matching any whitespace. */
export function nameAlternation(names: Iterable<string>): string {
  return [...new Set(names)]
    .sort((a, b) => b.length - a.length)
    .map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/ /g, '\\s+'))
    .join('|');
}

const MONTH = `(?:${nameAlternation(MONTH_NUMBERS.keys())})(?![\\p{L}])`;
const ORDINAL = '(?:st|nd|rd|th)?';

/** Day, month name (optionally a second name for the same month), year: «26 مارس / آذار 2024». */
const DAY_MONTH_YEAR = new RegExp(
  `(?<![\\p{N}])(?<d>\\d{1,2})${ORDINAL}[\\s,.،\\-]*(?:من\\s+)?(?<m>${MONTH})` +
    `(?:\\s*[/(\\-]\\s*(?<m2>${MONTH})\\s*\\)?)?[\\s,.،\\-]*(?:(?:من\\s+)?(?:عام|سن[ةه])\\s+)?` +
    `(?<y>\\d{4})(?![\\p{N}])(?:\\s?(?:ء|م|ad|ce)(?![\\p{L}]))?`,
  'gu',
);
/** Month name, day, year: «May 8, 2025». */
const MONTH_DAY_YEAR = new RegExp(
  `(?<![\\p{L}])(?<m>${MONTH})\\.?\\s*(?<d>\\d{1,2})${ORDINAL}(?![\\p{N}])[\\s,،]*(?<y>\\d{4})(?![\\p{N}])`,
  'gu',
);
/** Year first, numeric: «2024-03-26», «2024/3/26». */
const YEAR_MONTH_DAY = /(?<![\p{N}])(?<y>\d{4})(?<s>[-/.])(?<m>\d{1,2})\k<s>(?<d>\d{1,2})(?![\p{N}])/gu;
/** Day first, numeric: «26/03/2024», «26-3-2024». */
const DAY_MONTH_YEAR_NUMERIC = /(?<![\p{N}])(?<d>\d{1,2})(?<s>[-/.])(?<m>\d{1,2})\k<s>(?<y>\d{4})(?![\p{N}])/gu;

/** ISO date for a calendar day, or null when the day does not exist or the year is implausible. */
export function isoDate(year: number, month: number, day: number): string | null {
  if (year < 1900 || year > 2100 || month < 1 || month > 12 || day < 1) return null;
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** A date found in a text: `iso` is null when the text looks like a date but is not a real one. */
export interface DateMatch {
  iso: string | null;
  /** Offsets in the searched text. */
  start: number;
  end: number;
}

/**
 * Every date-shaped span of `text`, in order, with offsets into `text` (non-overlapping: where
 * two readings overlap the earlier, longer one wins). Invalid dates are reported with `iso: null`
 * so callers can tell "no date" from "a broken date".
 */
export function findDates(text: string): DateMatch[] {
  const { text: folded, map } = fold(text);
  const found: DateMatch[] = [];
  const add = (m: RegExpMatchArray, iso: string | null) => {
    const s = m.index!;
    found.push({ iso, start: map[s]!, end: map[s + m[0].length]! });
  };
  for (const m of folded.matchAll(DAY_MONTH_YEAR)) {
    const g = m.groups!;
    const month = monthNumber(g.m!);
    const second = g.m2 ? monthNumber(g.m2) : month;
    add(m, month !== null && month === second ? isoDate(+g.y!, month, +g.d!) : null);
  }
  for (const m of folded.matchAll(MONTH_DAY_YEAR)) {
    const g = m.groups!;
    const month = monthNumber(g.m!);
    add(m, month === null ? null : isoDate(+g.y!, month, +g.d!));
  }
  for (const m of folded.matchAll(YEAR_MONTH_DAY)) add(m, isoDate(+m.groups!.y!, +m.groups!.m!, +m.groups!.d!));
  for (const m of folded.matchAll(DAY_MONTH_YEAR_NUMERIC)) {
    const g = m.groups!;
    add(m, isoDate(+g.y!, +g.m!, +g.d!) ?? isoDate(+g.y!, +g.d!, +g.m!));
  }
  found.sort((a, b) => a.start - b.start || b.end - a.end);
  const out: DateMatch[] = [];
  for (const f of found) {
    const last = out[out.length - 1];
    if (last && f.start < last.end) continue;
    out.push(f);
  }
  return out;
}

/**
 * The first valid date in `text` as ISO `YYYY-MM-DD`, or null. The text may hold other words
 * (a caption, a dateline, «تاريخ النشر: …»).
 */
export function parseDate(text: string): string | null {
  for (const d of findDates(text)) if (d.iso) return d.iso;
  return null;
}
