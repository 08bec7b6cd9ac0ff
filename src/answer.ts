/**
 * Answer composition: from retrieved chunks to an extractive, cited answer.
 *
 * - Every sentence of the top chunks is scored by how much of the question it covers (query
 *   terms weighted by IDF), plus a small prior from its chunk's retrieval rank and a bonus when
 *   it holds the kind of thing asked for (a number for «كم», a date for «متى»).
 * - The best sentences are quoted verbatim, each followed by [n]. A quote that is not a verbatim
 *   substring of the passage it cites is dropped (it cannot happen by construction; it is
 *   checked anyway because citations are the product's promise).
 * - Sources are numbered in date order, oldest first, undated last; when they carry different
 *   dates the answer says which report is the most recent.
 * - When no sentence covers enough of the question, the answer is a grounded refusal in the
 *   question's language that names the closest articles, if any. Nothing outside the corpus is
 *   ever said.
 */
import { DEFAULT_EVIDENCE, EvidenceScorer, type ChunkAnalysis, type EvidenceOptions, type SentenceEvidence } from './retrieve/evidence.js';
import type { QueryUnit } from './retrieve/query-words.js';
import type { TermStatistics } from './retrieve/term-statistics.js';
import { countriesNamed, type CountryMention } from './text/countries.js';
import { ANSWER_TEXT } from './text/messages.js';
import type { Answer, Chunk, Citation, Hit, Lang, Quote, RetrievalMode, Timings } from './types.js';

export interface AnswerOptions extends EvidenceOptions {
  /** Chunks whose sentences compete for quoting. */
  candidateChunks: number;
  /** Most sentences quoted. */
  maxQuotes: number;
  /** A further sentence is quoted only if it scores at least this fraction of the best one. */
  secondaryRatio: number;
  /**
   * Minimum share of the question's (IDF-weighted) words the best sentence must cover, counting
   * partial credit from its surroundings. Calibrated with `scripts/tune.ts --threshold`.
   */
  minCoverage: number;
  /** And at least this many question words must be in the best sentence itself (fewer if the question has fewer). */
  minMatchedWords: number;
  /**
   * A «كم» / «how many» question is answered by a sentence that holds a number, a «متى» / «when»
   * question by one that holds a date: the quote is the best such sentence, and the question is
   * refused when none covers it. Off, the best sentence is quoted whatever it holds.
   */
  requireKind: boolean;
  /**
   * Cosine similarity above which a dense match lowers the coverage an answer needs (to half);
   * null when the model's scores are not calibrated (then refusal rests on lexical evidence).
   */
  denseThreshold: number | null;
  /**
   * The order quotes are shown in: by sentence score with a prior of `leadRankPrior / (rank + 1)`
   * for the retrieval rank of the quote's chunk, instead of the 0.08 the choice of quotes uses.
   * The retriever weighs the whole story (its headline too), so between two sentences that
   * cover the question about equally the one from the story it ranks first leads: «متى زار
   * ميشوستين الصين؟» led with «وفي آذار 2023، زار الرئيس الصيني شي…» (0.740) ahead of «ووصل
   * ميشوستين إلى الصين الاثنين…» (0.740, from the story ranked first). Which sentences are
   * quoted, and whether the question is refused, do not depend on it.
   */
  leadRankPrior: number;
}

export const DEFAULT_ANSWER_OPTIONS: AnswerOptions = {
  ...DEFAULT_EVIDENCE,
  candidateChunks: 5,
  maxQuotes: 3,
  secondaryRatio: 0.5,
  minCoverage: 0.35,
  minMatchedWords: 2,
  requireKind: true,
  denseThreshold: null,
  leadRankPrior: 0.16,
};

/**
 * Dense thresholds for models whose similarity scale is known. mE5 cosine similarities are
 * compressed into roughly 0.7–0.9 with on-topic query/passage pairs above ~0.85; 0.86 is a
 * conservative prior, NOT calibrated here (the real weights are unavailable on our machines):
 * calibrate it where the model runs with `scripts/tune.ts --dense-threshold`.
 * Other models (and the test encoder, the timing twin) get none.
 */
export const DENSE_THRESHOLDS: Readonly<Record<string, number>> = {
  'Xenova/multilingual-e5-small': 0.86,
};

export interface ComposeInput {
  question: string;
  lang: Lang;
  /** The question's words resolved to corpus terms (a follow-up's earlier question at a lower weight). */
  query: QueryUnit[];
  hits: Hit[];
  /** The lexical index's term statistics (IDF, document frequency, analysis). */
  lexical: TermStatistics;
  mode: RetrievalMode;
  /** Document terms of the whole section a chunk belongs to (the engine caches them). */
  sectionTerms?: (chunk: Hit['chunk']) => ReadonlySet<string>;
  /** Chunk analysis for evidence scoring (the engine caches it across questions). */
  analysis?: (chunk: Hit['chunk']) => ChunkAnalysis;
  /** Terms of a headline (the engine caches them; by default the headline is analysed here). */
  headlineTerms?: (title: string) => ReadonlySet<string>;
  /**
   * Terms of the first sentence of an untitled chunk's story: its lede names whom the story is
   * about, as a headline would, and stands in for the missing headline in the «near the quote»
   * check. Without it an untitled story has nothing there.
   */
  ledeTerms?: (chunk: Hit['chunk']) => ReadonlySet<string>;
  options?: Partial<AnswerOptions>;
}

/** The retrieval-rank prior sentences compete for quoting with (`RANK_PRIOR / (rank + 1)`). */
const RANK_PRIOR = 0.08;

interface Scored extends SentenceEvidence {
  hit: Hit;
  hitRank: number;
}

function sortSources(citations: Citation[]): Citation[] {
  return [...citations].sort((a, b) => {
    if (a.date && b.date) return a.date.localeCompare(b.date) || b.score - a.score;
    if (a.date) return -1;
    if (b.date) return 1;
    return b.score - a.score;
  });
}

const TEXT = {
  ar: { ...ANSWER_TEXT.ar, sources: `${ANSWER_TEXT.ar.sources}:`, closest: `${ANSWER_TEXT.ar.closest}:`, noTitle: 'بلا عنوان', noDate: 'بلا تاريخ' },
  en: { ...ANSWER_TEXT.en, sources: `${ANSWER_TEXT.en.sources}:`, closest: `${ANSWER_TEXT.en.closest}:`, noTitle: 'untitled', noDate: 'undated' },
} as const;

/** One source line: `[n] headline — outlet, date (file)`. */
export function sourceLine(c: Pick<Citation, 'n' | 'title' | 'outlet' | 'date' | 'file'>, lang: Lang): string {
  const t = TEXT[lang];
  const meta = [c.outlet, c.date ?? t.noDate].filter(Boolean).join(lang === 'ar' ? '، ' : ', ');
  return `[${c.n}] ${c.title ?? t.noTitle} — ${meta} (${c.file})`;
}

/** The source a chunk belongs to: its article's section (the story, or a related story). */
export function sourceKey(chunk: Pick<Chunk, 'docId' | 'section'>): string {
  return `${chunk.docId}#${chunk.section}`;
}

/**
 * The text of one source's quoted chunks (in article order): each sentence once, consecutive
 * chunks (which overlap by a sentence) joined seamlessly, a gap between others marked «…».
 * Every sentence stays a verbatim substring, as in a chunk's own text.
 */
export function joinChunks(chunks: readonly Chunk[]): string {
  let out = '';
  let lastStart = -1;
  let previous: Chunk | null = null;
  for (const chunk of chunks) {
    if (previous && chunk.ordinal !== previous.ordinal + 1) out += ' …';
    for (const s of chunk.sentences) {
      if (s.start <= lastStart) continue; // the overlap with the chunk before
      out += (out ? ' ' : '') + s.text;
      lastStart = s.start;
    }
    previous = chunk;
  }
  return out;
}

/**
 * Countries the question names of which no article holds a word of the name (as the index
 * stems it): no article can say anything about them.
 */
export function unmentionedCountries(question: string, lexical: TermStatistics): CountryMention[] {
  const absent = (word: string) => {
    const terms = lexical.analyzeDocument(word);
    return terms.length > 0 && terms.every((t) => lexical.docFreq(t) === 0);
  };
  return countriesNamed(question).filter((c) => c.arabicWords.some(absent));
}

/** Composes the answer (or refusal) from ranked hits. Pure: no I/O. */
export function composeAnswer(input: ComposeInput, timings: Omit<Timings, 'answerMs' | 'totalMs'> & { startedAt: number }): Answer {
  const composeStart = performance.now();
  const options = { ...DEFAULT_ANSWER_OPTIONS, ...input.options };
  const t = TEXT[input.lang];
  const candidates = input.hits.slice(0, options.candidateChunks);
  const scorer = new EvidenceScorer(input.question, input.query, input.lexical, input.sectionTerms, options, input.analysis);
  const scored: Scored[] = [];
  const seen = new Set<string>();
  candidates.forEach((hit, hitRank) => {
    for (const evidence of scorer.score(hit.chunk)) {
      const key = `${hit.chunk.docId}:${evidence.sentence.start}`;
      if (seen.has(key)) continue; // overlapping chunks repeat a sentence
      seen.add(key);
      // A small prior for the retrieval rank breaks near-ties in favour of the better chunk.
      scored.push({ ...evidence, score: evidence.score + RANK_PRIOR / (hitRank + 1), hit, hitRank });
    }
  });
  scored.sort((a, b) => b.score - a.score || a.hitRank - b.hitRank || a.sentence.start - b.sentence.start);

  // For «كم» / «متى», the best sentence that holds a number / date (see `requireKind`).
  const best = options.requireKind ? scored.find((s) => s.holdsKind) : scored[0];
  const denseBest = candidates.reduce((m, h) => Math.max(m, h.signals.dense?.score ?? 0), 0);
  const denseConfident = options.denseThreshold !== null && denseBest >= options.denseThreshold;
  // Words near the quote: in it, next to it, or in its story's headline (a report names its
  // subject in the headline and says «he» or «the president» after the first sentences); in
  // the lede of a story that has no headline.
  const headlineTerms = input.headlineTerms ?? ((title: string) => new Set(input.lexical.analyzeDocument(title)));
  const headline = !best ? null : best.hit.chunk.title ? headlineTerms(best.hit.chunk.title) : input.ledeTerms?.(best.hit.chunk) ?? null;
  const near = best
    ? best.near.size + (headline ? input.query.filter((u) => !best.near.has(u.term) && u.alternatives.some((a) => a.factor === 1 && headline.has(a.term))).length : 0)
    : 0;
  const lexicallySupported =
    best !== undefined && best.coverage >= options.minCoverage && best.matched.size >= 1 && near >= Math.min(options.minMatchedWords, scorer.words);
  // A confident dense match (a paraphrase the model understands) halves the coverage the quoted
  // sentence needs; it never lets a sentence with no support from the question be quoted.
  const denseSupported = best !== undefined && denseConfident && best.hit.signals.dense !== undefined && best.coverage >= options.minCoverage / 2;
  // A question about a country no article mentions is not answered from its other words.
  const unmentioned = unmentionedCountries(input.question, input.lexical).map((c) => c.name[input.lang]);
  const answerable = (lexicallySupported || denseSupported) && unmentioned.length === 0;

  const evidence = { coverage: best?.coverage ?? 0, words: scorer.words, matched: best?.matched.size ?? 0, near, dense: candidates.some((h) => h.signals.dense) ? denseBest : null };
  const finish = (answer: Omit<Answer, 'timings' | 'evidence'>): Answer => {
    const now = performance.now();
    const { startedAt, ...spent } = timings;
    return { ...answer, evidence, timings: { ...spent, answerMs: now - composeStart, totalMs: now - startedAt } };
  };

  if (!answerable) {
    const closest: Answer['closest'] = [];
    for (const hit of input.hits) {
      if (closest.length >= 2) break;
      if (closest.some((c) => c.file === hit.chunk.docId)) continue;
      if ((hit.signals.lexical?.score ?? 0) <= 0 && !denseConfident) continue;
      closest.push({ file: hit.chunk.docId, title: hit.chunk.title, date: hit.chunk.date });
    }
    const lines: string[] = [t.refusal];
    if (unmentioned.length > 0) lines.push(t.unmentioned(unmentioned));
    if (closest.length > 0) {
      lines.push(t.closest);
      for (const c of closest) lines.push(`- ${c.title ?? t.noTitle} (${c.date ?? t.noDate}, ${c.file})`);
    }
    return finish({
      question: input.question, answered: false, lang: input.lang, answer: lines.join('\n'), quotes: [], citations: [], closest, unmentioned, latest: null, mode: input.mode,
    });
  }

  // Pick quotes: the best, then others that score close to it.
  const picked: Scored[] = [best!];
  for (const s of scored) {
    if (picked.length >= options.maxQuotes) break;
    if (s === best) continue;
    if (s.score < best!.score * options.secondaryRatio || s.coverage < options.minCoverage * 0.75) continue;
    if (picked.some((p) => p.sentence.text === s.sentence.text)) continue; // the same sentence in two articles
    picked.push(s);
  }
  // One citation per source (an article's story or its related story), however many of its
  // chunks the quotes come from: «[1] headline — outlet» is never listed twice.
  const bySource = new Map<string, Scored[]>();
  for (const p of picked) {
    if (!p.hit.chunk.text.includes(p.sentence.text)) continue; // verbatim or nothing
    const key = sourceKey(p.hit.chunk);
    bySource.set(key, [...(bySource.get(key) ?? []), p]);
  }
  const keyOf = new Map<Citation, string>();
  const unsorted: Citation[] = [...bySource].map(([key, ps]) => {
    const chunks = [...new Map(ps.map((p) => [p.hit.chunk.id, p.hit.chunk])).values()].sort((a, b) => a.ordinal - b.ordinal);
    const chunk = chunks[0]!;
    const citation: Citation = {
      n: 0, file: chunk.docId, title: chunk.title, outlet: chunk.outlet, agency: chunk.agency, date: chunk.date,
      passage: joinChunks(chunks), score: Math.max(...ps.map((p) => p.score)), chunkId: chunk.id, chunkIds: chunks.map((c) => c.id),
      section: chunk.sectionKind,
    };
    keyOf.set(citation, key);
    return citation;
  });
  const numberOf = new Map<string, number>();
  const citations = sortSources(unsorted).map((c, i) => {
    numberOf.set(keyOf.get(c)!, i + 1);
    return { ...c, n: i + 1 };
  });
  // Shown best first: by score with the stronger rank prior of `leadRankPrior` (see there); with
  // `requireKind`, the sentences holding the number / date a «كم» / «متى» question asks for first.
  const lead = (p: Scored) => (options.requireKind && p.holdsKind ? 10 : 0) + p.score + (options.leadRankPrior - RANK_PRIOR) / (p.hitRank + 1);
  const ordered = [...picked].sort((a, b) => lead(b) - lead(a) || a.hitRank - b.hitRank || a.sentence.start - b.sentence.start);
  const quotes: Quote[] = ordered
    .filter((p) => numberOf.has(sourceKey(p.hit.chunk)))
    .map((p) => ({ text: p.sentence.text, n: numberOf.get(sourceKey(p.hit.chunk))!, chunkId: p.hit.chunk.id, start: p.sentence.start, end: p.sentence.end }));

  const dates = new Set(citations.map((c) => c.date).filter(Boolean));
  const latestCitation = dates.size > 1 ? [...citations].reverse().find((c) => c.date) : undefined;
  const lines = quotes.map((q) => `${q.text} [${q.n}]`);
  lines.push('', t.sources, ...citations.map((c) => sourceLine(c, input.lang)));
  if (latestCitation) lines.push(t.latest(latestCitation.n, latestCitation.date!));
  return finish({
    question: input.question, answered: true, lang: input.lang, answer: lines.join('\n'), quotes, citations, closest: [], unmentioned: [],
    latest: latestCitation?.n ?? null, mode: input.mode,
  });
}
