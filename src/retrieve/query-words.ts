/**
 * Query words: how a question's words become the corpus terms that stand for them. A word the
 * corpus uses stands for itself (a verb also for its other tense, and its other gender in the
 * answer only); an unknown word for another of its forms the corpus has (without a proclitic, a ة
 * noun's ت form, a form II verb's verbal noun), else for close spellings. The rules were measured
 * on ARCD-train (figures with each rule; docs/quality.md).
 */

/**
 * The other tense of a derived-form verb stem: a perfect that starts with «ا» (forms IV, VII,
 * VIII, X: اعلن، انسحب، اجتمع، استقبل) as its imperfect with «ي» / «ت», and an imperfect of forms
 * VII, VIII, X (ينسحب، يجتمع، يستقبل) as its perfect. Nouns that match the pattern (اتفاق) have
 * no such form in the corpus, so callers keep only the forms it holds. ARCD-train MRR@10 0.834 →
 * 0.836, answer-in-answer 0.782 → 0.784.
 */
function otherTense(term: string): string[] {
  if (/^ا[\u0621-\u064A]{4,}$/u.test(term)) return [`ي${term.slice(1)}`, `ت${term.slice(1)}`];
  if (/^[يت](ست|ن|[\u0621-\u064A]ت)[\u0621-\u064A]{2,}$/u.test(term)) return [`ا${term.slice(1)}`];
  return [];
}

/**
 * An imperfect verb in its other gender («يقع» / «تقع», «يبلغ» / «تبلغ»). For the answer's sentences
 * only (ARCD-train answer-in-answer 0.784 → 0.797, false refusals 6.6% → 6.2%, rankings
 * unchanged; used in ranking too, MRR@10 fell 0.836 → 0.834).
 */
function otherGender(term: string): string[] {
  return /^[يت][\u0621-\u064A]{2,}$/u.test(term) ? [`${term[0] === 'ي' ? 'ت' : 'ي'}${term.slice(1)}`] : [];
}

/**
 * An unknown word without a proclitic the stemmer leaves on: the preposition ب / ل (بميشوستين,
 * لبوتين, لشي) or the conjunction و, which stays on three-letter words so that وصل / وقف stay
 * whole (بوتين وشي). Other letters are too often part of the word (سكان is not س+كان). A rest of
 * 2+ letters rather than 4+: ARCD-train answer-in-answer 0.776 → 0.779, false refusals 7.6% →
 * 7.2%, wrong answers over the news 2.2% → 2.3% (docs/quality.md).
 */
function withoutProclitic(term: string): string[] {
  return /^[بلو][\u0621-\u064A]{2,}$/u.test(term) ? [term.slice(1)] : [];
}

/**
 * An unknown three-letter ة noun as its form before a suffix: a ة is written ت there, and the
 * final-ت rule leaves three-letter stems, so «مرة» (مره) finds «مرتين» (مرت) and «سنة» «سنتين».
 * (Indexing the ه form beside every such ت stem instead lengthened every story that names
 * «بوتين», whose stem is بوت.)
 */
function taForm(term: string): string[] {
  return /^[\u0621-\u064A]{2}ه$/u.test(term) ? [`${term.slice(0, 2)}ت`] : [];
}

/**
 * The other side of an Arabic derived-verb pair, for a word the corpus does not know: a form II
 * imperfect and its verbal noun (تعزز / يعزز ↔ تعزيز, يطور ↔ تطوير, توقع ↔ توقيع).
 */
export function masdarForms(term: string): string[] {
  const verb = /^[يتنا]([\u0621-\u064A])([\u0621-\u064A])([\u0621-\u064A])$/u.exec(term);
  if (verb) return [`ت${verb[1]}${verb[2]}ي${verb[3]}`];
  const noun = /^ت([\u0621-\u064A])([\u0621-\u064A])ي([\u0621-\u064A])$/u.exec(term);
  if (noun) return [`ي${noun[1]}${noun[2]}${noun[3]}`, `ت${noun[1]}${noun[2]}${noun[3]}`];
  return [];
}

/**
 * Other forms of a word the corpus does not know, tried in this order until one gives forms the
 * corpus has: without its proclitic, a ة noun's ت form, a form II verb's verbal noun or back
 * («تعزز» for «تعزيز», neutral on ARCD-train, see docs/quality.md).
 */
const UNKNOWN_WORD_FORMS: ReadonlyArray<(term: string) => string[]> = [withoutProclitic, taForm, masdarForms];

/** A corpus term that stands for a query word, and how fully (1: the word itself). */
export interface QueryAlternative {
  term: string;
  factor: number;
  /**
   * Counts when the answer weighs sentences, not when chunks are ranked (a verb's other gender,
   * «يقع» / «تقع»: in ranking it cost ARCD-train MRR, in the answer it finds the sentence).
   */
  answerOnly?: boolean;
}

/**
 * One word of a query with the corpus terms that stand for it: the term itself when the corpus
 * has it, otherwise close spellings (each with the similarity it is credited at).
 */
export interface QueryUnit {
  term: string;
  weight: number;
  alternatives: QueryAlternative[];
  /**
   * The unit's own term is a guess at a spelling (a transliterated English name): when the corpus
   * has a close spelling, that spelling's weight counts, not the guess's absence.
   */
  guess?: boolean;
}

/** Several spellings or translations that stand for one word of a question. */
export interface QueryWord {
  /** Corpus-side terms, the first being the word's own. */
  terms: string[];
  weight: number;
  guess?: boolean;
}

/** A query term and its weight. */
export interface WeightedTerm {
  term: string;
  weight: number;
}

/** What expanding a query reads of the corpus: how many documents hold a term, and close spellings of one it lacks. */
export interface Vocabulary {
  docFreq(term: string): number;
  similarTerms(term: string): Array<{ term: string; factor: number }>;
}

/** Query terms with their weights merged (a repeated term counts once, at the summed weight). */
export function mergeTerms(weighted: WeightedTerm[]): WeightedTerm[] {
  const m = new Map<string, number>();
  for (const { term, weight } of weighted) m.set(term, (m.get(term) ?? 0) + weight);
  return [...m].map(([term, weight]) => ({ term, weight }));
}

/** Resolves query terms (one spelling each) to the corpus terms that stand for them. */
export function expandQuery(query: WeightedTerm[], vocabulary: Vocabulary): QueryUnit[] {
  return expandWords(mergeTerms(query).map(({ term, weight }) => ({ terms: [term], weight })), vocabulary);
}

/**
 * Resolves words that each have several candidate terms (an English word's Arabic
 * translations): the ones the corpus uses, else close spellings of any of them.
 */
export function expandWords(words: QueryWord[], vocabulary: Vocabulary): QueryUnit[] {
  return words
    .filter((w) => w.terms.length > 0)
    .map((w) => {
      let known: QueryAlternative[] = [...new Set(w.terms)].filter((t) => vocabulary.docFreq(t) > 0).map((term) => ({ term, factor: 1 }));
      // An unknown word: the first of its other forms (UNKNOWN_WORD_FORMS, in order) the corpus has.
      for (const forms of UNKNOWN_WORD_FORMS) {
        if (known.length > 0) break;
        known = w.terms.flatMap(forms).filter((t) => vocabulary.docFreq(t) > 0).map((term) => ({ term, factor: 1 }));
      }
      // A known verb: also its other tense, and its other gender for the answer only, when the
      // corpus has them. (For an unknown word the other tense lost a calibration answer.)
      if (known.length > 0) {
        const add = (term: string, answerOnly: boolean) => {
          if (vocabulary.docFreq(term) > 0 && !known.some((k) => k.term === term)) known.push(answerOnly ? { term, factor: 1, answerOnly } : { term, factor: 1 });
        };
        for (const t of w.terms) {
          for (const other of otherTense(t)) add(other, false);
          for (const other of otherGender(t)) add(other, true);
        }
      }
      const alternatives = known.length
        ? known
        : w.terms.flatMap((t) => vocabulary.similarTerms(t)).sort((a, b) => b.factor - a.factor).slice(0, 3);
      return { term: w.terms[0]!, weight: w.weight, alternatives, ...(w.guess ? { guess: true } : {}) };
    });
}

/** Flattens query units into weighted terms for the search (answer-only alternatives left out). */
export function flattenUnits(units: QueryUnit[]): WeightedTerm[] {
  return units.flatMap((u) => u.alternatives.filter((a) => !a.answerOnly).map((a) => ({ term: a.term, weight: u.weight * a.factor })));
}
