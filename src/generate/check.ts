/**
 * Checking a generated answer against the sources it cites, one sentence at a time.
 *
 * A language model's answer is shown only sentence by sentence, and only the sentences that pass
 * this check: each must cite at least one source that was given ([n], [1][2], [1, 2], [١]; a
 * citation to a source not given is removed), and every number (digits in any script, number
 * words, duals such as «يومين»), date (month, with its day and year; weekday), country and
 * person's or place's name it states must appear in one of the sources it cites. A number or a
 * date must sit in a sentence of the source
 * that shares something else with the claim («5» in «دقائق القراءة - 5» does not back
 * «خمس مرات»), and a date's day, month and year must be written together there («March 2022» is
 * not backed by «شباط 2022» and «آذار 2023»). A sentence that states none of these must share a
 * content word with its sources.
 *
 * Matching is on normalised Arabic with clitics taken off («بموسكو» holds موسكو). An English
 * sentence over Arabic sources matches numbers by value (digits or Arabic number words), months
 * by number (any calendar's name: آذار = مارس = March), countries through countries.ts (a
 * source's «الأميركي» backs «the United States») and names through the crosslingual glossary or
 * a transliteration (Mishustin ↔ ميشوستين), compared by character trigrams as retrieval compares
 * spellings.
 *
 * Names without a named-entity recogniser: in English, capitalised words other than common words
 * (a sentence-initial «The» or «Analysts», a title «President», a nationality «Russian», a word
 * of the glossary); in Arabic, the words after a title, role or outlet («الوزير جون سميث»,
 * «المتحدث باسم الكرملين دميتري بيسكوف», «صحيفة لوموند»), after a verb of saying or meeting at
 * the head of a clause («قال بيسكوف») or after «إن/أن», when the given sources do not use them
 * as ordinary words; and well-known names (بوتين، موسكو) or names the given sources write after
 * titles, wherever they stand. Blind spots: an Arabic name in none of those places that no
 * source knows («التقى مع مودي»); «one/first/واحد/أول», too often not a count to check; a value
 * the cited source holds in a related sentence for another purpose.
 *
 * Pure and synchronous. Sources are analysed once and cached by their content (~3-5 ms for
 * three retrieved passages, ~10 ms for three whole articles; {@link prepareSources} does it
 * ahead); a five-sentence answer then costs ~0.3-0.5 ms (scripts/check-bench.ts).
 *
 * This module holds the entry points and the verdict; the parts are beside it: check-citations.ts
 * (the [n] forms), check-split.ts (sentences of a streamed answer), check-numbers.ts,
 * check-dates.ts (months, days, years, weekdays), check-names.ts (finding names),
 * check-name-match.ts (a name's spellings in a source), check-countries.ts, check-clitics.ts
 * (Arabic clitic forms), check-sources.ts (source analysis and its cache) and check-claims.ts
 * (what a sentence states, and whether a source sentence holds it).
 */
import { lightStem } from '../text/arabic.js';
import type { Lang } from '../types.js';
import { CITATION, citedNumbers } from './check-citations.js';
import { claimItems, claimStems, describe, type Item, itemIn } from './check-claims.js';
import { nameForms } from './check-name-match.js';
import { sourceFacts, sourceNames } from './check-sources.js';
import { splitGenerated } from './check-split.js';

export { TRANSLITERATION_MIN_SIMILARITY } from './check-name-match.js';
export { clearCheckCache, prepareSources } from './check-sources.js';
export { splitGenerated };

/** One numbered source as the model was given it. */
export interface CheckSource {
  n: number;
  /** The passage given to the model. */
  text: string;
  title: string | null;
  outlet: string | null;
  date: string | null;
}

/** A sentence that passed: what it says, which sources back it, and the source sentences that do. */
export interface CheckedSentence {
  /** As the model wrote it, invalid citations removed. */
  text: string;
  citations: number[];
  /** For each cited n, the exact sentences of that source (original text) that hold the claim's numbers/names/words. */
  support: Record<number, string[]>;
}

/** The verdict on one sentence: passed (with its support) or dropped, with a reason naming what failed. */
export type SentenceCheck = { ok: true; sentence: CheckedSentence } | { ok: false; reason: string };

/** The marker the prompt asks the model to write when the sources do not contain the answer. */
export const NOT_IN_SOURCES = 'NOT_IN_SOURCES';

/** Whether the model said the sources do not contain the answer (the marker, tolerant of case, spaces and markup). */
export function isNotInSources(text: string): boolean {
  // Also as a model writes it in Markdown: «**NOT_IN_SOURCES**», «NOT\\_IN\\_SOURCES».
  // Spaced only in capitals: «not in sources» can be a sentence's own words.
  return /NOT[_\\]*IN[_\\]*SOURCES/i.test(text) || /NOT[\s-]+IN[\s-]+SOURCES/.test(text);
}

function citeList(ns: number[]): string {
  return ns.length === 1 ? `source [${ns[0]}]` : `sources ${ns.map((n) => `[${n}]`).join(', ')}`;
}

/**
 * Checks one generated sentence against the sources. Citations to sources that were not given
 * are removed; a sentence left without a citation is dropped. Every number, month, country and
 * name it states must be in one of the sources it cites, and it must share at least one content
 * word or checked item with them. The reason of a drop names what failed («the number 45 is not
 * in source [2]»). On success, `support` gives for each cited source the sentences that hold
 * the claim (the headline when only it does).
 */
export function checkSentence(sentence: string, sources: CheckSource[], lang: Lang): SentenceCheck {
  void lang; // both scripts are checked whatever the answer's language: a model may mix them
  const byN = new Map(sources.map((s) => [s.n, s]));
  const cited: number[] = [];
  const invalid: number[] = [];
  const text = sentence
    .trim()
    .replace(CITATION, (_all, body: string) => {
      const ns = citedNumbers(body);
      const ok = ns.filter((x) => byN.has(x));
      for (const x of ns) if (!byN.has(x)) invalid.push(x);
      for (const x of ok) if (!cited.includes(x)) cited.push(x);
      if (ok.length === ns.length) return _all;
      return ok.length ? `[${ok.join(', ')}]` : '\u0000';
    })
    .replace(/\s*\u0000/g, '')
    .trim();
  if (cited.length === 0) {
    if (invalid.length) {
      const given = sources.map((s) => s.n).sort((a, b) => a - b);
      return { ok: false, reason: `cites only ${citeList([...new Set(invalid)])}, which ${invalid.length === 1 ? 'was' : 'were'} not given (sources given: ${given.map((n) => `[${n}]`).join(', ') || 'none'})` };
    }
    return { ok: false, reason: 'cites no source: every sentence must cite at least one, as [1]' };
  }
  if (isNotInSources(text)) return { ok: false, reason: `the model said the sources do not contain the answer (${NOT_IN_SOURCES})` };
  const claim = text.replace(CITATION, ' ').replace(/[*_#>`]+/g, ' ').trim();
  if (!/[\p{L}\p{N}]/u.test(claim)) return { ok: false, reason: 'states nothing besides its citation' };

  const facts = cited.map((n) => ({ n, facts: sourceFacts(byN.get(n)!) }));
  const allFacts = sources.map((s) => sourceFacts(s));
  const known = sourceNames(allFacts);
  // `general(w, false)`: the sources write w, never in a name's place; `general(w, true)`: they write it in one.
  const general = (w: string, asName: boolean) => {
    if (asName) return allFacts.some((f) => f.nameCounts.has(w));
    if (allFacts.some((f) => f.nameCounts.has(w))) return false;
    const stem = lightStem(w);
    if (allFacts.some((f) => f.forms.has(w) || f.stems.has(stem))) return true;
    // A verb in another person: «يعتزم» where the sources write «تعتزم».
    if (/^[يتنا]/.test(w) && w.length >= 4) {
      const rest = w.slice(1);
      return ['ي', 'ت', 'ن', 'ا'].some((p) => p !== w[0] && allFacts.some((f) => f.forms.has(p + rest)));
    }
    return false;
  };
  const items = claimItems(claim, known, general);

  const stems = claimStems(claim);
  const overlap = (s: { stems: Set<string> }) => {
    let k = 0;
    for (const t of stems) if (s.stems.has(t)) k++;
    return k;
  };
  // For each cited source and each of its sentences, the claim's items the sentence holds.
  const held = facts.map(({ facts: f }) => {
    const names = new Map<Item, Set<string>[] | null>();
    for (const it of items) if (it.kind === 'name') names.set(it, nameForms(it.name, f));
    return f.sentences.map((s) => items.filter((it) => itemIn(it, s, names)));
  });
  // An item must be in a cited source; a number or a month, in a sentence that shares something
  // else with the claim (another item or a content word): «5» in «دقائق القراءة - 5» does not
  // back «خمس مرات». A name or a country is specific enough anywhere in the source.
  const failures: string[] = [];
  for (const item of items) {
    let found = false;
    let related = false;
    facts.forEach(({ facts: f }, k) =>
      f.sentences.forEach((s, i) => {
        if (!held[k]![i]!.includes(item)) return;
        found = true;
        if (held[k]![i]!.length > 1 || overlap(s) > 0) related = true;
      }),
    );
    if (!found) failures.push(`${describe(item)} is not in ${citeList(cited)}`);
    else if (!related && (item.kind === 'number' || item.kind === 'month' || item.kind === 'weekday')) failures.push(`${describe(item)} is in ${citeList(cited)} only in a sentence about something else`);
  }
  if (failures.length) return { ok: false, reason: [...new Set(failures)].join('; ') };
  if (items.length === 0 && !facts.some(({ facts: f }) => overlap(f) > 0)) {
    return { ok: false, reason: `no word of the sentence is in ${citeList(cited)}` };
  }

  const support: Record<number, string[]> = {};
  facts.forEach(({ n, facts: f }, k) => {
    const scored = f.sentences.map((s, i) => ({ i, held: held[k]![i]!, score: held[k]![i]!.length * 3 + overlap(s) - (s.meta ? 0.5 : 0) }));
    const chosen = new Set<number>();
    for (const it of items) {
      const best = scored.filter((x) => x.held.includes(it)).sort((a, b) => b.score - a.score || a.i - b.i)[0];
      if (best) chosen.add(best.i);
    }
    if (chosen.size === 0) {
      const best = [...scored].sort((a, b) => b.score - a.score || a.i - b.i)[0];
      if (best && best.score > 0) chosen.add(best.i);
    }
    support[n] = [...chosen].sort((a, b) => a - b).slice(0, 3).map((i) => f.sentences[i]!.text);
  });
  return { ok: true, sentence: { text, citations: cited, support } };
}

/**
 * Checks a whole generated answer (finished or not): its complete sentences and its tail, each
 * by {@link checkSentence}. The not-in-sources marker is dropped with that reason; callers that
 * need to know the model refused test the raw text with {@link isNotInSources}.
 */
export function checkAnswer(text: string, sources: CheckSource[], lang: Lang): { kept: CheckedSentence[]; dropped: Array<{ text: string; reason: string }> } {
  const { sentences, rest } = splitGenerated(text);
  const all = /[\p{L}\p{N}]/u.test(rest) ? [...sentences, rest.trim()] : sentences;
  const kept: CheckedSentence[] = [];
  const dropped: Array<{ text: string; reason: string }> = [];
  for (const s of all) {
    if (isNotInSources(s)) {
      dropped.push({ text: s, reason: `the model said the sources do not contain the answer (${NOT_IN_SOURCES})` });
      continue;
    }
    const r = checkSentence(s, sources, lang);
    if (r.ok) kept.push(r.sentence);
    else dropped.push({ text: s, reason: r.reason });
  }
  return { kept, dropped };
}
