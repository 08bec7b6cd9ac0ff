/**
 * Close spellings: the corpus terms spelled like a query word the corpus does not use, found
 * through the vocabulary's character trigrams (a transliterated name's variants, جينبينغ ~ جين
 * بينج, a verb's other form, يستقبل ~ استقبل). Query-word expansion falls back on them.
 */
/**
 * Letters that write one foreign sound in transliterated names (G: لوفيغارو / لوفيجارو,
 * بينغ / بينج / بينق), made one letter when spellings are compared; never in the index terms.
 */
const G_LETTERS = /[غجقك]/g;

/** A term as spelling similarity sees it. */
function spellingKey(term: string): string {
  return term.replace(G_LETTERS, 'ج');
}

/** Character trigrams of a term's spelling key, with word-boundary markers. */
export function trigrams(term: string): Set<string> {
  const padded = `#${spellingKey(term)}#`;
  const out = new Set<string>();
  for (let i = 0; i + 3 <= padded.length; i++) out.add(padded.slice(i, i + 3));
  return out;
}

/** The three UTF-16 code units from `at` as one number (equal numbers: equal trigrams). */
function gramCode(text: string, at: number): number {
  return text.charCodeAt(at) * 4294967296 + text.charCodeAt(at + 1) * 65536 + text.charCodeAt(at + 2);
}

/**
 * The vocabulary by trigram, built on the first fuzzy lookup (or ahead of it, {@link build}) and
 * kept up to date as terms are added; a lookup looks only at terms sharing a trigram with the
 * word, never at the whole vocabulary.
 */
export class FuzzyVocabulary {
  /** trigram → vocabulary terms containing it; null until built. */
  private trigramIndex: Map<string, string[]> | null = null;
  /**
   * Set when postings were compacted after the trigram index was built: terms dropped then stay
   * listed, and one added again would be listed twice, so fuzzy lookups count list entries.
   */
  private stale = false;

  /**
   * Builds the trigram index of the vocabulary, if it is not built yet (otherwise the first
   * question with an unknown word pays for it: ~1 s at 100k chunks).
   */
  build(vocabulary: readonly string[]): void {
    if (this.trigramIndex) return;
    this.trigramIndex = new Map();
    this.stale = false;
    for (const t of vocabulary) this.indexTrigrams(t);
  }

  /** Lists a term new to the vocabulary (nothing to do while the index is not built). */
  add(term: string): void {
    if (this.trigramIndex) this.indexTrigrams(term);
  }

  /** Notes that terms were dropped from the vocabulary (compaction) after the index was built. */
  dropped(): void {
    if (this.trigramIndex) this.stale = true;
  }

  private indexTrigrams(term: string): void {
    for (const g of trigrams(term)) {
      const list = this.trigramIndex!.get(g);
      if (list) list.push(term);
      else this.trigramIndex!.set(g, [term]);
    }
  }

  /**
   * Corpus terms spelled like `term` (trigram Dice ≥ `min`, and `docFreq` > 0), best first; the
   * index must be built.
   */
  similar(term: string, min: number, limit: number, docFreq: (term: string) => number): Array<{ term: string; factor: number }> {
    const grams = trigrams(term);
    if (this.stale || !(min > 0)) return this.exhaustive(grams, min, limit, docFreq);
    // A term sharing n of the query's grams has Dice 2n/(|A|+|B|) ≥ min only if n ≥ min·|A|/(2−min)
    // (as n ≤ |B|): then it is in at least one of any |A| − that + 1 of the query's gram lists,
    // so the shortest ones are enough to find every candidate; each is then scored exactly as
    // the full count would score it (the lists name each term once).
    const need = Math.max(1, Math.ceil((min * grams.size) / (2 - min) - 1e-9));
    const lists = [...grams].map((g) => this.trigramIndex!.get(g) ?? []).sort((x, y) => x.length - y.length);
    const candidates = new Set<string>();
    for (const list of lists.slice(0, Math.max(0, grams.size - need + 1))) for (const t of list) candidates.add(t);
    const query = new Set<number>();
    for (const g of grams) query.add(gramCode(g, 0));
    const out: Array<{ term: string; factor: number }> = [];
    const own: number[] = [];
    for (const t of candidates) {
      // The candidate's distinct trigrams (as numbers, no strings made) and how many the query has.
      const padded = `#${spellingKey(t)}#`;
      own.length = 0;
      let n = 0;
      for (let i = 0; i + 3 <= padded.length; i++) {
        const code = gramCode(padded, i);
        if (own.includes(code)) continue;
        own.push(code);
        if (query.has(code)) n++;
      }
      const dice = (2 * n) / (grams.size + own.length);
      if (dice >= min && docFreq(t) > 0) out.push({ term: t, factor: dice });
    }
    // Ties beyond the spelling order keep the order a scan of the query's lists meets them in.
    const met = (t: string): [number, number] => {
      let i = 0;
      for (const g of grams) {
        const at = (this.trigramIndex!.get(g) ?? []).indexOf(t);
        if (at >= 0) return [i, at];
        i++;
      }
      return [i, 0];
    };
    return out
      .sort((a, b) => {
        const order = b.factor - a.factor || a.term.localeCompare(b.term);
        if (order !== 0 || a.term === b.term) return order;
        const [ma, mb] = [met(a.term), met(b.term)];
        return ma[0] - mb[0] || ma[1] - mb[1];
      })
      .slice(0, limit);
  }

  /** {@link similar} by counting every term on the query's gram lists. */
  private exhaustive(grams: Set<string>, min: number, limit: number, docFreq: (term: string) => number): Array<{ term: string; factor: number }> {
    const shared = new Map<string, number>();
    for (const g of grams) for (const t of this.trigramIndex!.get(g) ?? []) shared.set(t, (shared.get(t) ?? 0) + 1);
    const out: Array<{ term: string; factor: number }> = [];
    for (const [t, n] of shared) {
      const dice = (2 * n) / (grams.size + trigrams(t).size);
      if (dice >= min && docFreq(t) > 0) out.push({ term: t, factor: dice });
    }
    return out.sort((a, b) => b.factor - a.factor || a.term.localeCompare(b.term)).slice(0, limit);
  }
}
