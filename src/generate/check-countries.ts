/**
 * Countries for the answer checker (check.ts) beside countries.ts: the adjectives of nationality a
 * source backs a country with, and whether an English word alone names a country.
 */
import { countriesNamed } from '../text/countries.js';

/**
 * Adjectives of nationality (normalised, without the article) that let a source back a sentence
 * naming the country: «التصعيد الأميركي» backs «the escalation by the United States». Sources
 * only: in a sentence, an adjective names no country (as in countries.ts).
 */
export const NISBA: ReadonlyMap<string, string> = new Map(
  (
    [
      ['US', 'امريكي اميركي امريكيه اميركيه'], ['RU', 'روسي روسيه'], ['CN', 'صيني صينيه'], ['UA', 'اوكراني اوكرانيه'],
      ['FR', 'فرنسي فرنسيه'], ['DE', 'الماني المانيه'], ['GB', 'بريطاني بريطانيه'], ['JP', 'ياباني يابانيه'], ['IN', 'هندي هنديه'],
      ['IR', 'ايراني ايرانيه'], ['TR', 'تركي تركيه'], ['SY', 'سوري سوريه'], ['IL', 'اسرائيلي اسرائيليه'], ['SA', 'سعودي سعوديه'],
      ['MN', 'منغولي منغوليه'], ['KZ', 'كازاخستاني كازاخستانيه'], ['BY', 'بيلاروسي بيلاروسيه'],
    ] as Array<[string, string]>
  ).flatMap(([code, forms]) => forms.split(' ').map((f) => [f, code] as const)),
);

/** {@link isCountryWord} by word; bounded. */
const countryWordCache = new Map<string, boolean>();

/** Whether an English word alone names a country («Russia», «US»), by word as written. */
export function isCountryWord(word: string): boolean {
  let isCountry = countryWordCache.get(word);
  if (isCountry === undefined) {
    isCountry = countriesNamed(word).length > 0;
    if (countryWordCache.size > 10_000) countryWordCache.clear();
    countryWordCache.set(word, isCountry);
  }
  return isCountry;
}
