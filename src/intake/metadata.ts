/**
 * Checking the metadata an input brings before it reaches front matter: publication dates (a
 * Telegram time, a page's or feed's date string) become real ISO days or nothing, numeric
 * character references only real code points, addresses their canonical form or nothing.
 */
import { canonicalUrl } from './dedup.js';

/** The ISO day of a Unix time in seconds (a Telegram message date); null when it is not a time a date can be given for. */
export function isoDay(unixSeconds: number): string | null {
  const ms = unixSeconds * 1000;
  return Number.isFinite(ms) ? isoDate(new Date(ms)) : null;
}

/** The ISO `YYYY-MM-DD` of a time, or null when its year is not a four-digit year (1000–9999). */
function isoDate(date: Date): string | null {
  const year = date.getUTCFullYear();
  return Number.isFinite(year) && year >= 1000 && year <= 9999 ? date.toISOString().slice(0, 10) : null;
}

/**
 * `value` when it is a real calendar day written `YYYY-MM-DD` with a year from 1000 to 9999,
 * else null (`2024-02-30`, `2023-13-01` are not days; front matter refuses them).
 */
export function validIsoDay(value: string | null | undefined): string | null {
  const m = value ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(value) : null;
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (y < 1000 || mo < 1 || mo > 12 || d < 1) return null;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1]!;
  return d <= days ? value! : null;
}

/**
 * An ISO `YYYY-MM-DD` from any date string a feed gives, or null. A value that starts with an ISO
 * day must be a real one (`Date.parse` would roll `2024-02-30` over to March 1st); any other
 * value is read by `Date.parse` and kept when its year has four digits.
 */
export function isoFromAny(value: string | null | undefined): string | null {
  if (!value) return null;
  const day = /^\d{4}-\d{2}-\d{2}/.exec(value.trim())?.[0];
  if (day !== undefined && validIsoDay(day) === null) return null;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return null;
  return day !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(value.trim()) ? day : isoDate(new Date(ms));
}

/** The character a numeric character reference stands for; nothing when it names none (above U+10FFFF, a surrogate, NUL). */
export function codePointText(n: number): string {
  return Number.isInteger(n) && n > 0 && n <= 0x10ffff && !(n >= 0xd800 && n <= 0xdfff) ? String.fromCodePoint(n) : '';
}

/** The canonical form of an address (src/intake/dedup.ts's `canonicalUrl`), or null when there is none or it is not one. */
export function safeCanonical(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    return canonicalUrl(url);
  } catch {
    return null;
  }
}
