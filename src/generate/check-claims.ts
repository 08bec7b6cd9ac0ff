/**
 * What a generated sentence claims (its numbers, dates, countries, names and links) and whether a
 * source sentence holds each; check.ts decides with them whether the sentence is supported.
 */
import { ENGLISH_MONTHS } from '../ingest/dates.js';
import { normalize, normalizedWordTerms } from '../text/arabic.js';
import { countriesNamed } from '../text/countries.js';
import { translateEnglish } from '../text/crosslingual.js';
import { isCountryWord } from './check-countries.js';
import { ENGLISH_MONTH_NAMES, latinCase, monthsIn, WEEKDAY_NAMES, weekdaysIn } from './check-dates.js';
import { arabicNames, englishNames, type NameMention } from './check-names.js';
import { numberKey, numbersIn, ROMAN } from './check-numbers.js';
import type { SourceSentence } from './check-sources.js';

/** One thing a claim states that its cited sources must hold. */
export type Item =
  | { kind: 'number'; key: string; label: string }
  | { kind: 'month'; month: number; day?: number; year?: number; label: string }
  | { kind: 'weekday'; day: number; label: string }
  | { kind: 'country'; code: string; label: string }
  | { kind: 'name'; name: NameMention; label: string }
  | { kind: 'link'; url: string; label: string };

/** An item as a drop's reason names it («the number 45», «the date 8 May 2025»). */
export function describe(item: Item): string {
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

/** The numbers, months, countries, names and links a claim (citations removed) states. */
export function claimItems(claim: string, knownNames: ReadonlySet<string>, general: (word: string, asName: boolean) => boolean): Item[] {
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
    if (isCountryWord(word)) exclude.add(word.toLowerCase());
  }
  for (const n of englishNames(claim, exclude)) items.push({ kind: 'name', name: n, label: `«${n.label}»` });
  for (const n of arabicNames(claim, knownNames, general)) items.push({ kind: 'name', name: n, label: `«${n.label}»` });
  return items;
}

/**
 * Whether a source sentence holds an item. Names are looked up once per source
 * ({@link nameForms}); `names` holds the result for this sentence's source.
 */
export function itemIn(item: Item, s: SourceSentence, names: Map<Item, Set<string>[] | null>): boolean {
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

/** Content stems of a claim, Arabic or English (English words through the crosslingual glossary). */
export function claimStems(claim: string): Set<string> {
  const stems = new Set(normalizedWordTerms(normalize(claim)).map((t) => t.stem));
  if (/[A-Za-z]{3}/.test(claim)) {
    for (const t of translateEnglish(claim)) {
      if (t.transliterated) continue;
      for (const w of t.arabic.split(/\s+/)) for (const s of normalizedWordTerms(normalize(w))) stems.add(s.stem);
    }
  }
  return stems;
}
