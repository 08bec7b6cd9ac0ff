/**
 * The analysis of the sources an answer cites (their sentences' numbers, dates, countries, word
 * forms and names), cached by content, for the answer checker (check.ts).
 */
import { normalize, normalizedWordTerms, splitSentences, words } from '../text/arabic.js';
import { countriesNamed } from '../text/countries.js';
import { arabicForms } from './check-clitics.js';
import { NISBA } from './check-countries.js';
import { latinCase, type MonthMention, monthsIn, weekdaysIn } from './check-dates.js';
import { arabicNames, KNOWN_ARABIC_NAMES } from './check-names.js';
import { numberKey, numbersIn, ROMAN } from './check-numbers.js';
import type { CheckSource } from './check.js';

/** One sentence of a source with what it states. */
export interface SourceSentence {
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

export interface SourceFacts {
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

/** A source's analysis: from the cache (by object, then by content), else made and cached. */
export function sourceFacts(source: CheckSource): SourceFacts {
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
export function sourceNames(all: SourceFacts[]): Set<string> {
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

/** {@link sourceNames} by the sources' analysis ids. */
const NAMES_CACHE = new Map<string, Set<string>>();
