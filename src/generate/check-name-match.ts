/**
 * Whether a source writes a name: an English name through the crosslingual glossary or a
 * transliteration (Mishustin ↔ ميشوستين), an Arabic one in its variant spellings, compared by
 * character trigrams as retrieval compares spellings. Part of the answer checker (check.ts).
 */
import { trigrams } from '../retrieve/lexical.js';
import { normalize } from '../text/arabic.js';
import { translateEnglish, transliterate } from '../text/crosslingual.js';
import { arabicForms } from './check-clitics.js';
import type { NameMention } from './check-names.js';
import type { SourceFacts } from './check-sources.js';

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
export function nameForms(name: NameMention, facts: SourceFacts): Set<string>[] | null {
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
