/**
 * Countries a question names, in Arabic or English, from the ISO 3166 names of
 * `i18n-iso-countries` (250 countries and territories, Arabic and English names and aliases).
 *
 * The answer stage uses it for one rule: a question about a country the articles never mention
 * («من هو رئيس البرازيل الحالي؟» over articles about Russia and China) is refused, and the refusal
 * says which country, instead of quoting a sentence that shares the question's other words
 * («الوضع الحالي»). A country has no synonyms a reader would use instead of its name, so when no
 * article holds a word of the name, no article answers the question.
 *
 * Names are matched as whole words (Arabic: after normalisation, with و/ف and ب/ل/ك proclitics
 * allowed); adjectives of nationality (البرازيلي) are not matched.
 */
import { createRequire } from 'node:module';
import type { Lang } from '../types.js';
import { normalize, words } from './arabic.js';

export interface CountryMention {
  /** ISO 3166-1 alpha-2 code. */
  code: string;
  /** The official short name in Arabic and in English. */
  name: Record<Lang, string>;
  /** The Arabic name as normalised words: what an article about the country would hold. */
  arabicWords: string[];
}

/**
 * Names that are also common words, unvowelled: مالي («financial»), بنين («sons»), مصر («insists»:
 * «هل الكرملين مصر على…»), قطر («diameter»: «ما قطر الأنبوب؟»). Refusing such a question for
 * want of Mali or Qatar would be wrong, so these countries are never looked for in Arabic.
 */
const AMBIGUOUS_ARABIC = new Set(['ML', 'BJ', 'EG', 'QA']);

/** English names that are also common words: matched only when written with a capital. */
const COMMON_ENGLISH = new Set(['turkey', 'jersey', 'reunion', 'guinea', 'chile', 'chad', 'jordan', 'georgia', 'niger']);

/** A name as words, and whether it must match letter case (acronyms: US, UK, USA; Turkey, Jersey). */
interface Name {
  words: string[];
  code: string;
  exactCase: boolean;
}

interface Table {
  entries: Map<string, CountryMention>;
  /** Names by their first word (normalised Arabic, or English lower-cased unless an acronym). */
  byFirstWord: Map<string, Name[]>;
}

function buildTable(): Table {
  const require = createRequire(import.meta.url);
  const countries = require('i18n-iso-countries') as {
    registerLocale(data: unknown): void;
    getNames(lang: string, options: { select: 'official' | 'all' }): Record<string, string | string[]>;
  };
  countries.registerLocale(require('i18n-iso-countries/langs/ar.json'));
  countries.registerLocale(require('i18n-iso-countries/langs/en.json'));
  const official = (lang: Lang) => countries.getNames(lang, { select: 'official' }) as Record<string, string>;
  const all = (lang: Lang) => countries.getNames(lang, { select: 'all' }) as Record<string, string[]>;
  const [arOfficial, enOfficial, arAll, enAll] = [official('ar'), official('en'), all('ar'), all('en')];
  const entries = new Map<string, CountryMention>();
  const byFirstWord = new Map<string, Name[]>();
  const add = (name: Name) => {
    const list = byFirstWord.get(name.words[0]!) ?? [];
    list.push(name);
    byFirstWord.set(name.words[0]!, list);
  };
  for (const [code, ar] of Object.entries(arOfficial)) {
    entries.set(code, { code, name: { ar, en: enOfficial[code] ?? code }, arabicWords: words(normalize(ar)) });
    // Names with brackets or commas («سانت مارتن (الجزء الفرنسي)», «Korea, Republic of») are never written so in a question.
    if (!AMBIGUOUS_ARABIC.has(code)) {
      for (const n of arAll[code] ?? []) if (!/[(),]/.test(n)) add({ words: words(normalize(n)), code, exactCase: false });
    }
    for (const n of enAll[code] ?? []) {
      if (/[(),]/.test(n)) continue;
      const exactCase = !/[a-z]/.test(n) || COMMON_ENGLISH.has(n.toLowerCase());
      const ws = latinWords(exactCase ? n : n.toLowerCase());
      if (ws.length > 0) add({ words: ws, code, exactCase });
    }
  }
  return { entries, byFirstWord };
}

function latinWords(text: string): string[] {
  return text.replace(/\./g, '').split(/[^A-Za-z]+/).filter(Boolean);
}

const TABLE = buildTable();

/** The forms a normalised Arabic word may stand for once a proclitic is taken off: والبرازيل → البرازيل. */
function arabicForms(word: string): string[] {
  const out = [word];
  const conj = word.length > 3 && (word.startsWith('و') || word.startsWith('ف')) ? word.slice(1) : word;
  if (conj !== word) out.push(conj);
  for (const w of [word, conj]) {
    if (w.startsWith('لل') && w.length > 4) out.push(`ال${w.slice(2)}`); // للبرازيل → البرازيل
    else if (w.length > 3 && /^[بلك]/.test(w)) out.push(w.slice(1)); // بكندا → كندا, بالبرازيل → البرازيل
  }
  return out;
}

/** Whether `name` starts at token `i`, each token being the forms its word may stand for. */
function matchAt(tokens: string[][], i: number, name: Name): boolean {
  if (i + name.words.length > tokens.length) return false;
  return name.words.every((w, k) => tokens[i + k]!.includes(w));
}

/** Adds to `found` the countries named in `tokens`, the longest name at each position. */
function scan(tokens: string[][], found: string[], exactCase: boolean): void {
  for (let i = 0; i < tokens.length; i++) {
    const candidates = new Set(tokens[i]!.flatMap((form) => TABLE.byFirstWord.get(form) ?? []));
    const hit = [...candidates].filter((n) => n.exactCase === exactCase).sort((a, b) => b.words.length - a.words.length).find((n) => matchAt(tokens, i, n));
    if (!hit) continue;
    if (!found.includes(hit.code)) found.push(hit.code);
    i += hit.words.length - 1;
  }
}

/** Countries a text names in Arabic or English script, each once, in the order of the scripts' scans. */
export function countriesNamed(text: string): CountryMention[] {
  const found: string[] = [];
  // Normalised words: Arabic names, and English ones (normalisation lower-cases Latin letters).
  scan(words(normalize(text)).map(arabicForms), found, false);
  scan(latinWords(text).map((w) => [w]), found, true); // acronyms and common words, as written
  return found.map((code) => TABLE.entries.get(code)!);
}
