/**
 * What the answer stage reads of the lexical index: how it analyses a text, how many documents
 * hold a term and its IDF (to weigh the question's words), and whether and how often one chunk
 * holds a term (for the words of a whole story). The answer (answer.ts), its sentence evidence
 * (evidence.ts), the reranker and the engine's section terms take this, not the index itself;
 * `LexicalIndex` implements it.
 */
import type { StemmerName } from '../text/arabic.js';

/** Term statistics of the indexed chunks, as the lexical index keeps them. */
export interface TermStatistics {
  /**
   * The index's analysis settings: the stemmer its terms come from, and the weight a headline,
   * sub-heading or source-line occurrence was counted with.
   */
  readonly options: { readonly stemmer: StemmerName; readonly titleWeight: number };
  /** Document terms of a text (every stem variant), as the index analyses a chunk's fields. */
  analyzeDocument(text: string): string[];
  /** Number of live chunks holding the term. */
  docFreq(term: string): number;
  /** BM25 inverse document frequency of the term (always positive). */
  idf(term: string): number;
  /** Whether a live chunk holds the term, in any field. */
  holds(label: number, term: string): boolean;
  /**
   * The term frequency a live chunk has for the term (0 when it does not hold it): body
   * occurrences count 1, headline, sub-heading and source-line occurrences `titleWeight`.
   */
  frequency(label: number, term: string): number;
}
