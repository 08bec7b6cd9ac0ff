/**
 * Arabic text handling shared by ingest (sentence splitting) and retrieval (matching).
 *
 * Matching happens on normalised text; what users see is always the original. Normalisation
 * never changes what a word means, only how it is spelt: invisible characters (zero-width
 * joiners, bidi marks), diacritics and tatweel go, alef forms
 * merge, ى→ي, ة→ه, ؤ→و, ئ→ي, Persian/Urdu letter variants map to Arabic ones, Arabic-Indic
 * digits become ASCII, Latin letters are lower-cased.
 */
import { stemmer as snowballArabic } from '@orama/stemmers/arabic';
import { stemmer as snowballEnglish } from '@orama/stemmers/english';
import arabicCountryNames from 'i18n-iso-countries/langs/ar.json' with { type: 'json' };
import stopwordsIso from 'stopwords-iso/stopwords-iso.json' with { type: 'json' };
import type { Lang, Sentence } from '../types.js';

const DIACRITICS = /[\u0610-\u061A\u064B-\u065F\u0670\u06D6-\u06ED\u0640]/g;
/** Zero-width, bidi-control and other invisible format characters (ZWJ inside «بو‍تين»). */
const INVISIBLE = /[\u00AD\u061C\u180E\u200B-\u200F\u202A-\u202E\u2060-\u206F\uFEFF]/g;
const CHAR_MAP: Record<string, string> = {
  'أ': 'ا', 'إ': 'ا', 'آ': 'ا', 'ٱ': 'ا', 'ٲ': 'ا', 'ٳ': 'ا',
  'ى': 'ي', 'ی': 'ي', 'ې': 'ي', 'ئ': 'ي',
  'ة': 'ه', 'ۃ': 'ه', 'ہ': 'ه', 'ە': 'ه', 'ھ': 'ه',
  'ؤ': 'و', 'ک': 'ك', 'گ': 'ك',
};
const CHAR_PATTERN = new RegExp(`[${Object.keys(CHAR_MAP).join('')}]`, 'g');
const INDIC_DIGITS = /[\u0660-\u0669\u06F0-\u06F9]/g;

/**
 * The definition of {@link normalize}: NFKC, then the removals and mappings above, then
 * lower case. `normalize` gives exactly this, faster.
 */
export function normalizeReference(text: string): string {
  return text
    .normalize('NFKC')
    .replace(INVISIBLE, '')
    .replace(DIACRITICS, '')
    .replace(CHAR_PATTERN, (c) => CHAR_MAP[c] ?? c)
    .replace(INDIC_DIGITS, (d) => String((d.charCodeAt(0) - (d >= '\u06F0' ? 0x06f0 : 0x0660)) % 10))
    .toLowerCase();
}

/** {@link NORMALIZED}: the code unit is dropped. */
const DROP = -1;
/** {@link NORMALIZED}: the code unit is not handled one at a time (the whole text takes the reference path). */
const UNSAFE = -2;
/**
 * Code units whose normalisation does not depend on their neighbours: Latin, Greek, Cyrillic,
 * Hebrew, Arabic (with its supplement and presentation forms) and general punctuation. Anything
 * else (CJK, emoji, surrogates, …) sends its text through {@link normalizeReference}.
 */
const TABLE_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x0000, 0x07ff],
  [0x2000, 0x20cf],
  [0xfb50, 0xfeff],
];
/**
 * Combining marks that NFKC composes with the letter before them (آ أ ؤ إ ئ ۀ ۂ ۓ): a text
 * holding one takes the reference path. All the other marks of {@link TABLE_RANGES} that NFKC
 * can compose are not removed by normalisation, so they take it too (tests check the list
 * against Unicode's decompositions).
 */
export const COMPOSING_ARABIC_MARKS: ReadonlySet<number> = new Set([0x0653, 0x0654, 0x0655]);

/**
 * What {@link normalizeReference} makes of each code unit when it can be applied one code unit at
 * a time: the code unit it becomes, {@link DROP} or {@link UNSAFE}. A code unit is handled alone
 * when NFKC maps it to a single code unit that composes with nothing before it, that is either
 * not a combining mark or a mark normalisation removes, and that lower case maps to one code
 * unit regardless of context (not Σ). In a text of such code units NFKC changes each one alone
 * (a precomposed letter such as أ decomposes and composes back: the removable marks after it
 * never block that), except that it may reorder runs of combining marks, all of which are
 * removed; so the reference output is each code unit's output in turn.
 */
const NORMALIZED: Int32Array = (() => {
  const table = new Int32Array(0x10000).fill(UNSAFE);
  const mark = /\p{M}/u;
  for (const [from, to] of TABLE_RANGES) {
    for (let c = from; c <= to; c++) {
      const s = String.fromCharCode(c);
      const d = s.normalize('NFKC');
      if (d.length !== 1) continue;
      const dc = d.charCodeAt(0);
      if (dc === 0x03a3 || COMPOSING_ARABIC_MARKS.has(dc)) continue;
      const out = normalizeReference(s);
      if (out.length > 1 || (out.length === 1 && mark.test(d))) continue;
      table[c] = out.length === 1 ? out.charCodeAt(0) : DROP;
    }
  }
  return table;
})();

/** Output buffer of {@link normalize} (grown for longer texts), read back as UTF-16. */
let normalizeBuffer = new Uint16Array(16_384);
const UTF16 = new TextDecoder('utf-16le', { ignoreBOM: true });

/** Normalises text for matching (see module doc). Length may change: never slice originals with it. */
export function normalize(text: string): string {
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (NORMALIZED[c] !== c) break;
    i++;
  }
  if (i === n) return text;
  if (normalizeBuffer.length < n) normalizeBuffer = new Uint16Array(Math.max(n, normalizeBuffer.length * 2));
  const out = normalizeBuffer;
  let k = 0;
  for (let j = 0; j < i; j++) out[k++] = text.charCodeAt(j);
  for (; i < n; i++) {
    const m = NORMALIZED[text.charCodeAt(i)]!;
    if (m >= 0) out[k++] = m;
    else if (m === UNSAFE) return normalizeReference(text);
  }
  return UTF16.decode(out.subarray(0, k));
}

const ARABIC_LETTER = /[\u0600-\u06FF]/;
const WORD = /[\p{L}\p{M}\p{N}]+(?:[.,٫][\p{N}]+)*/gu;

/** The definition of {@link words}: the matches of `[\p{L}\p{M}\p{N}]+(?:[.,٫][\p{N}]+)*`. */
export function wordsReference(normalized: string): string[] {
  return normalized.match(WORD) ?? [];
}

/** {@link WORD_CLASS}: a letter or mark. */
const LETTER_OR_MARK = 1;
/** {@link WORD_CLASS}: a number (also a word character). */
const NUMBER = 3;
/** {@link WORD_CLASS}: a surrogate (the code point it is part of decides). */
const SURROGATE = 4;
/** Each BMP code unit's class for {@link words}: 0 (not a word character) or one of the above. */
const WORD_CLASS: Uint8Array = (() => {
  const table = new Uint8Array(0x10000);
  for (let c = 0; c < 0x10000; c++) {
    if (c >= 0xd800 && c <= 0xdfff) table[c] = SURROGATE;
    else table[c] = wordClassOf(String.fromCharCode(c));
  }
  return table;
})();

function wordClassOf(ch: string): number {
  return /\p{N}/u.test(ch) ? NUMBER : /[\p{L}\p{M}]/u.test(ch) ? LETTER_OR_MARK : 0;
}

/** The class of the code point at `i` (as {@link WORD_CLASS}; a supplementary one is classed by the regex). */
function wordClassAt(text: string, i: number): number {
  const k = WORD_CLASS[text.charCodeAt(i)]!;
  if (k !== SURROGATE) return k;
  const cp = text.codePointAt(i)!;
  return cp > 0xffff ? wordClassOf(String.fromCodePoint(cp)) : 0;
}

/** Code units of the code point at `i`. */
function widthAt(text: string, i: number): number {
  return text.codePointAt(i)! > 0xffff ? 2 : 1;
}

/**
 * Words of a normalised string (numbers such as 13.8 stay whole): exactly {@link wordsReference},
 * by one scan over a table of classes instead of a Unicode-property regex (~2.5× faster).
 */
export function words(normalized: string): string[] {
  const out: string[] = [];
  forEachWord(normalized, (start, end) => {
    out.push(normalized.slice(start, end));
  });
  return out;
}

/** How many {@link words} a string has (without cutting them out). */
export function countWords(text: string): number {
  let n = 0;
  forEachWord(text, () => {
    n++;
  });
  return n;
}

/** Calls `visit` with the start and end of each of the {@link words} of a normalised string, in order. */
export function forEachWord(normalized: string, visit: (start: number, end: number) => void): void {
  const n = normalized.length;
  let i = 0;
  while (i < n) {
    if (!(wordClassAt(normalized, i) & LETTER_OR_MARK)) {
      i += widthAt(normalized, i);
      continue;
    }
    const start = i;
    do i += widthAt(normalized, i);
    while (i < n && wordClassAt(normalized, i) & LETTER_OR_MARK);
    // Then any run of a separator and digits: 13.8, 1,000,000, ١٣٫٨.
    while (i + 1 < n) {
      const c = normalized.charCodeAt(i);
      if ((c !== 0x2e && c !== 0x2c && c !== 0x066b) || wordClassAt(normalized, i + 1) !== NUMBER) break;
      i++;
      do i += widthAt(normalized, i);
      while (i < n && wordClassAt(normalized, i) === NUMBER);
    }
    visit(start, i);
  }
}

/**
 * Dialect question words and fillers (Levantine, Gulf, Egyptian, Maghrebi) mapped to the MSA
 * word they stand for. They are all stopwords, dropped as themselves, so dialect scaffolding
 * never counts as content; the MSA word is the form kept where stopwords are kept.
 *
 * Written as people type them; the exported map is normalised (keys and values), since it is
 * looked up with normalised words («امتى» is looked up as «امتي»).
 */
const DIALECT_WORDS: Readonly<Record<string, string>> = {
  'شو': 'ماذا', 'شنو': 'ماذا', 'ايش': 'ماذا', 'إيش': 'ماذا', 'وش': 'ماذا', 'شنهو': 'ماذا', 'اش': 'ماذا', 'شنوه': 'ماذا',
  'قديش': 'كم', 'قدي': 'كم', 'كديش': 'كم', 'قداش': 'كم', 'اديش': 'كم', 'قدّيش': 'كم',
  'مين': 'من', 'منو': 'من', 'مينو': 'من',
  'وين': 'اين', 'فين': 'اين', 'وينو': 'اين',
  'ليش': 'لماذا', 'ليه': 'لماذا', 'علاش': 'لماذا',
  'امتى': 'متى', 'إمتى': 'متى', 'ايمتى': 'متى', 'امتا': 'متى', 'وقتيش': 'متى',
  'كيفاش': 'كيف', 'ازاي': 'كيف', 'إزاي': 'كيف', 'شلون': 'كيف', 'اشلون': 'كيف',
  'هلق': 'الان', 'هلأ': 'الان', 'دلوقتي': 'الان', 'هسه': 'الان', 'توا': 'الان',
  'هيك': 'هكذا', 'كده': 'هكذا', 'هاد': 'هذا', 'هادا': 'هذا', 'هاي': 'هذه', 'ده': 'هذا', 'دي': 'هذه',
  'مش': 'ليس', 'مو': 'ليس', 'موش': 'ليس', 'بدي': 'اريد', 'عايز': 'اريد', 'ابغى': 'اريد', 'بدك': 'تريد',
  'كتير': 'كثير', 'كام': 'كم', 'كمان': 'ايضا', 'رح': 'سوف', 'هيدا': 'هذا', 'هيدي': 'هذه', 'ويا': 'مع',
  // Relative pronouns and conjunctions: «الغاز اللي ضختها روسيا», «عشان شو».
  'اللي': 'الذي', 'يلي': 'الذي', 'عشان': 'لكي', 'علشان': 'لكي', 'منشان': 'لكي',
  // Maghrebi and Iraqi question words: «شحال», «شكون», «فوقاش», «شقد».
  'شحال': 'كم', 'اشحال': 'كم', 'بشحال': 'كم', 'قديه': 'كم', 'شقد': 'كم', 'شكد': 'كم', 'شكون': 'من', 'فوقاش': 'متى', 'واش': 'هل', 'شنهي': 'ماذا',
  // Verbs of saying are question scaffolding, as «قال» is: «شو حكى بوتين», «بيقول ايه».
  'حكى': 'قال', 'حكا': 'قال', 'حكت': 'قالت', 'حكوا': 'قالوا', 'بيحكي': 'قال', 'بتحكي': 'قالت', 'بيقول': 'قال', 'بتقول': 'قالت',
  // «لحد امتى» (until when), «بدو» (he wants).
  'لحد': 'حتى', 'لغاية': 'حتى', 'لحتى': 'حتى', 'بدو': 'يريد', 'بدها': 'تريد', 'بدهم': 'يريدون', 'عاوز': 'اريد', 'عايزة': 'تريد',
};

export const DIALECT_TO_MSA: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(DIALECT_WORDS).map(([dialect, msa]) => [normalize(dialect), normalize(msa)]),
);
const DIALECT_MAP: ReadonlyMap<string, string> = new Map(Object.entries(DIALECT_TO_MSA));

/**
 * The MSA word a dialect word stands for, or the word itself. A Map lookup: a property lookup by
 * a string just cut from a text is slow (V8 looks it up among its interned strings), and a
 * property lookup would also find what every object inherits («constructor»).
 */
export function dialectToMsa(word: string): string {
  return DIALECT_MAP.get(word) ?? word;
}

/** Dialect fillers with no MSA word to stand for: «عم بيحكي» (is saying), «يعني», «لسه» (still). */
const DIALECT_FILLERS = ['عم', 'يعني', 'لسه', 'لسا', 'برضو', 'بقى', 'صارت'];

const EXTRA_STOPWORDS = [
  // Question scaffolding that carries no topic.
  'ماذا', 'لماذا', 'متى', 'اين', 'كيف', 'كم', 'هل', 'ما', 'من', 'هو', 'هي', 'ماهي', 'ماهو', 'اي', 'الذي', 'التي',
  // ماذا typed with د for ذ, as it is said in much of the Arab world; unknown to the corpus, it
  // matched nonsense by spelling (مادا → اشمادا).
  'مادا', 'لمادا', 'بمادا',
  'قال', 'قالت', 'ذكر', 'ذكرت', 'بحسب', 'حسب', 'وفق', 'عن', 'على', 'في', 'الى', 'مع',
  // Verbs that frame a question rather than carry its topic: «كم بلغ حجم…», «ما اسم…»,
  // «هل يوجد…». The articles rarely repeat them, so unknown to a small corpus they weighed as its
  // rarest word (neutral on ARCD-train: docs/quality.md).
  'بلغ', 'يبلغ', 'تبلغ', 'بلغت', 'اسم', 'يسمى', 'تسمى', 'يوجد', 'توجد', 'يتم', 'اذكر', 'يعرف', 'تعرف', 'يعتبر', 'تعتبر',
  'اعط', 'اعطي', 'اعطني',
  // A bare article: scraped and pasted questions end in a stray «ال» (42 of ARCD-train's).
  'ال',
  'please', 'tell', 'me', 'about', 'what', 'who', 'whom', 'which', 'when', 'where', 'why', 'how', 'did', 'does', 'do', 'is', 'are', 'was', 'were',
];

/**
 * Words stopwords-iso lists that carry the content of a news question (months, big numbers),
 * kept searchable: «مايو 2025», «250 مليار».
 */
const CONTENT_WORDS = [
  'يناير', 'فبراير', 'مارس', 'ابريل', 'مايو', 'يونيو', 'يوليو', 'اغسطس', 'سبتمبر', 'اكتوبر', 'نوفمبر', 'ديسمبر',
  'كانون', 'شباط', 'اذار', 'نيسان', 'ايار', 'حزيران', 'تموز', 'ايلول', 'تشرين',
  'مليار', 'مليون', 'الف', 'مليارات', 'ملايين', 'الاف',
  // News nouns the list has among its function words: «زيارة ميشوستين», «قوة سيبيريا»,
  // «للأمم المتحدة», «نهاية الحرب» (neutral on ARCD-train, needed by news questions).
  'زياره', 'قوه', 'للامم', 'نهايه',
];

function buildStopwords(): Set<string> {
  const lists = stopwordsIso as unknown as Record<string, string[]>;
  const set = new Set<string>();
  for (const w of [...(lists.ar ?? []), ...(lists.en ?? []), ...EXTRA_STOPWORDS, ...Object.keys(DIALECT_TO_MSA), ...DIALECT_FILLERS]) {
    for (const t of words(normalize(w))) set.add(t);
  }
  for (const w of CONTENT_WORDS) set.delete(normalize(w));
  return set;
}

/** Arabic (stopwords-iso, normalised), English, and dialect question words. */
export const STOPWORDS: ReadonlySet<string> = buildStopwords();

export type StemmerName = 'light' | 'snowball' | 'none';

const ARTICLE_PREFIXES = ['وال', 'بال', 'كال', 'فال', 'لل', 'ال'];
/**
 * Plural, dual, feminine and possessive endings, longest first where one ends another. Beside
 * light10's, the possessives «نا», «هم», «هما», «كم» that quotes use («قادتنا», «بلادهم»).
 */
const SUFFIXES = ['هما', 'ها', 'هم', 'ان', 'ات', 'ون', 'ين', 'يه', 'نا', 'كم', 'ه', 'ي'];
/**
 * The same and, last, the ا of an accusative tanween, which normalisation leaves once the
 * diacritic is gone: «طرفاً محايداً» → طرف محايد, so the question «هل الصين طرف محايد؟» meets the
 * sentence. ARCD-train MRR@10 0.833 → 0.834, answer-in-answer 0.779 → 0.782, false refusals
 * 7.2% → 6.8%, wrong answers over the news 2.3% either way (docs/quality.md).
 */
const SUFFIXES_AND_ALIF = [...SUFFIXES, 'ا'];

let placeNames: ReadonlySet<string> | null = null;
/**
 * Words of country and continent names that end in ا (روسيا، فرنسا، كندا، أوروبا), normalised:
 * their ا is part of the name, and taking it off would join «فرنسا» with «الفرنسية» (فرنس), so
 * «من هو رئيس فرنسا؟» would be answered from «صحيفة لوفيجارو الفرنسية». Country names are the ISO
 * names of i18n-iso-countries (as in countries.ts).
 */
function placeNamesInAlif(): ReadonlySet<string> {
  if (placeNames) return placeNames;
  const countries = (arabicCountryNames as { countries: Record<string, string | string[]> }).countries;
  const names = [...Object.values(countries).flat(), 'أوروبا', 'آسيا', 'أفريقيا', 'إفريقيا', 'أمريكا', 'أميركا', 'أستراليا'];
  placeNames = new Set(names.flatMap((name) => words(normalize(name))).filter((w) => w.endsWith('ا')));
  return placeNames;
}

function stripSuffixes(w: string): string {
  const places = placeNamesInAlif();
  // A place name behind a preposition keeps its ا too: «بفرنسا» must find فرنسا (through the
  // query's ب fallback), not the adjective's stem فرنس.
  const suffixes = places.has(w) || (/^[بلك]/.test(w) && places.has(w.slice(1))) ? SUFFIXES : SUFFIXES_AND_ALIF;
  for (let changed = true; changed; ) {
    changed = false;
    for (const s of suffixes) {
      if (w.endsWith(s) && w.length - s.length >= 3) {
        w = w.slice(0, -s.length);
        changed = true;
        break;
      }
    }
  }
  // A final ت after normalisation (ة is already ه) is the past-tense feminine ending (تسارعت→تسارع,
  // زارت→زار, لجأت→لجأ) or a ة before a possessive already stripped (زوجته→زوجت→زوج). Nouns
  // that end in ت (ثابت) lose it too, on both sides of the match alike.
  if (w.length >= 4 && w.endsWith('ت')) w = w.slice(0, -1);
  return w;
}

function stripArticle(w: string): string {
  for (const p of ARTICLE_PREFIXES) {
    if (w.startsWith(p) && w.length - p.length >= 2) return w.slice(p.length);
  }
  return w;
}

/**
 * Light stemming in the style of Larkey's light10 on normalised Arabic: a leading و, then one
 * definite-article prefix (وال بال كال فال لل ال), then plural/feminine/possessive suffixes and
 * a past-tense ت, keeping at least three letters. Conservative by design: it merges
 * الصين/والصين/بالصين/الصينية without collapsing distinct roots. A leading و is ambiguous
 * (conjunction, or the first root letter as in وكالة/وصف): it is stripped the same way before
 * and after the article, so الوكالة and وكالة meet, and {@link stemVariants} also keeps the
 * unstripped form for indexing. Non-Arabic words are stemmed with Snowball English.
 */
export function lightStem(word: string): string {
  if (!ARABIC_LETTER.test(word)) return /^[a-z]+$/.test(word) ? snowballEnglish(word) : word;
  let w = word;
  if (w.length > 3 && w.startsWith('و')) w = w.slice(1);
  w = stripArticle(w);
  if (w.length > 3 && w.startsWith('و')) w = w.slice(1);
  return stripSuffixes(w);
}

/**
 * Index-side stems of a word: its light stem and, when a leading و was taken as a conjunction,
 * also the stem that keeps it (وصفه → صف… and وصف), so a query for وصف finds وصفه.
 */
export function stemVariants(word: string): string[] {
  const primary = lightStem(word);
  if (!ARABIC_LETTER.test(word)) return [primary];
  const bare = stripArticle(word);
  if (!bare.startsWith('و') || bare.length <= 3) return [primary];
  const kept = stripSuffixes(bare);
  return kept === primary ? [primary] : [primary, kept];
}

export function stem(word: string, stemmer: StemmerName = 'light'): string {
  if (stemmer === 'none') return word;
  if (stemmer === 'snowball') return ARABIC_LETTER.test(word) ? snowballArabic(word) : /^[a-z]+$/.test(word) ? snowballEnglish(word) : word;
  return lightStem(word);
}

export interface TermOptions {
  stemmer?: StemmerName;
  /** Keep stopwords (default false). */
  keepStopwords?: boolean;
  /** Emit every index-side variant of a stem (documents); queries use the primary stem only. */
  variants?: boolean;
}

/** One kept word of a text: its normalised surface form and its stems. */
export interface WordTerms {
  readonly surface: string;
  /** The primary stem (what queries use). */
  readonly stem: string;
  /** Every index-side stem variant (documents). */
  readonly variants: readonly string[];
}

/**
 * The content words of raw text in order: normalise, split into words, map dialect words to
 * MSA, drop stopwords and one-letter words, stem.
 */
export function wordTerms(text: string, options: TermOptions = {}): WordTerms[] {
  return normalizedWordTerms(normalize(text), options);
}

/** {@link wordTerms} of text already normalised (`normalize(text)`). */
export function normalizedWordTerms(normalized: string, options: TermOptions = {}): WordTerms[] {
  const out: WordTerms[] = [];
  const stemmer = options.stemmer ?? 'light';
  const keep = Boolean(options.keepStopwords);
  const cache = WORD_CACHES[stemmer][keep ? 1 : 0];
  for (const raw of words(normalized)) {
    let analysed = cache.get(raw);
    if (analysed === undefined) {
      analysed = analyseWord(raw, stemmer, keep);
      cache.set(raw, analysed);
    }
    if (analysed) out.push(analysed);
  }
  return out;
}

/** MSA question words (normalised); dialect ones reach them through {@link dialectToMsa}. */
const QUESTION_WORDS: ReadonlySet<string> = new Set(
  ['ماذا', 'ما', 'من', 'متى', 'كيف', 'أين', 'لماذا', 'هل', 'كم', 'أي', 'لمن', 'بماذا', 'ممن', 'مما'].map((w) => normalize(w)),
);

/**
 * The form a word of normalised text is searched as (the MSA word a dialect word stands for), or
 * null when it is dropped: a stopword, or a single letter. A dialect word is dropped as the word
 * itself, whatever it stands for: «بدها» stands for «تريد», which the stopword list lacks.
 */
export function searchableWord(raw: string): string | null {
  const w = dialectToMsa(raw);
  if (STOPWORDS.has(raw) || STOPWORDS.has(w) || w.length < 2) return null;
  // A question word behind «و» / «ف» («وماذا», «ومتى», «فكيف», «ومين») is scaffolding too: kept, its
  // stem («ماذا») is a word the articles never use, so it weighed as the question's rarest.
  if ((raw.startsWith('و') || raw.startsWith('ف')) && QUESTION_WORDS.has(dialectToMsa(raw.slice(1)))) return null;
  return w;
}

/** One word of normalised text as {@link wordTerms} gives it, or null when it is dropped. */
function analyseWord(raw: string, stemmer: StemmerName, keepStopwords: boolean): WordTerms | null {
  const w = keepStopwords ? dialectToMsa(raw) : searchableWord(raw);
  if (w === null) return null;
  const primary = stem(w, stemmer);
  const variants = stemmer === 'light' ? stemVariants(w) : [primary];
  // Shared by every text holding the word (cached): frozen so no caller can change another's.
  Object.freeze(variants);
  return Object.freeze({ surface: w, stem: primary, variants });
}

/**
 * Analysed words by their normalised form, for each analysis setting: a word's stems depend on
 * the word alone, and news text repeats its words (building the index of 10k chunks analyses
 * ~1.9M words, ~110k of them distinct). Bounded: two generations of at most
 * {@link WORD_CACHE_GENERATION} words each; when the young one fills up it becomes the old one
 * and the previous old one is dropped, and a word found in the old one moves to the young one,
 * so frequent words stay while memory stays flat in a long-running process.
 */
export const WORD_CACHE_GENERATION = 65_536;

class WordCache {
  private young = new Map<string, WordTerms | null>();
  private old = new Map<string, WordTerms | null>();

  get(word: string): WordTerms | null | undefined {
    const found = this.young.get(word);
    if (found !== undefined) return found;
    const aged = this.old.get(word);
    if (aged !== undefined) this.set(word, aged);
    return aged;
  }

  set(word: string, analysed: WordTerms | null): void {
    this.young.set(word, analysed);
    if (this.young.size >= WORD_CACHE_GENERATION) {
      this.old = this.young;
      this.young = new Map();
    }
  }

  get size(): number {
    return this.young.size + this.old.size;
  }

  clear(): void {
    this.young = new Map();
    this.old = new Map();
  }
}

const WORD_CACHES: Record<StemmerName, [WordCache, WordCache]> = {
  light: [new WordCache(), new WordCache()],
  snowball: [new WordCache(), new WordCache()],
  none: [new WordCache(), new WordCache()],
};

/** Words held by the per-word analysis caches (for tests and memory checks). */
export function wordCacheSize(): number {
  return Object.values(WORD_CACHES).reduce((n, pair) => n + pair[0].size + pair[1].size, 0);
}

/** Empties the per-word analysis caches. */
export function clearWordCache(): void {
  for (const pair of Object.values(WORD_CACHES)) for (const c of pair) c.clear();
}

/** Index/query terms of raw text (see {@link wordTerms}); `variants` emits every index-side stem. */
export function terms(text: string, options: TermOptions = {}): string[] {
  const seq = wordTerms(text, options);
  return options.variants ? seq.flatMap((t) => t.variants) : seq.map((t) => t.stem);
}

/** 'ar' when the text has at least as many Arabic letters as Latin ones, else 'en'. */
export function detectLang(text: string): Lang {
  const arabic = (text.match(/[\u0600-\u06FF]/g) ?? []).length;
  const latin = (text.match(/[A-Za-z]/g) ?? []).length;
  return latin > arabic ? 'en' : 'ar';
}

const TERMINATORS = new Set(['.', '؟', '?', '!', '؛', ';', '\n']);
const CLOSERS = new Set(['"', '”', '»', "'", ')', ']', '’', '\u200F', '\u200E']);

/**
 * Splits text into sentences on . ؟ ? ! ؛ ; and line breaks, keeping closing quotes and brackets
 * with the sentence they end, and never splitting inside a number (13.8, 1.5) or an ellipsis run.
 * Offsets are relative to `text` plus `base`; each sentence's text is trimmed and is exactly
 * `text.slice(start - base, end - base)`.
 */
export function splitSentences(text: string, base = 0): Sentence[] {
  const out: Sentence[] = [];
  let start = 0;
  const push = (end: number) => {
    let s = start;
    let e = end;
    while (s < e && /\s/.test(text[s]!)) s++;
    while (e > s && /\s/.test(text[e - 1]!)) e--;
    if (e > s && /[\p{L}\p{N}]/u.test(text.slice(s, e))) out.push({ start: base + s, end: base + e, text: text.slice(s, e) });
    start = end;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (!TERMINATORS.has(c)) continue;
    if (c === '.' && /\d/.test(text[i - 1] ?? '') && /\d/.test(text[i + 1] ?? '')) continue;
    let end = i + 1;
    while (end < text.length && (TERMINATORS.has(text[end]!) && text[end] !== '\n')) end++;
    while (end < text.length && CLOSERS.has(text[end]!)) end++;
    push(end);
    i = end - 1;
  }
  push(text.length);
  return out;
}
