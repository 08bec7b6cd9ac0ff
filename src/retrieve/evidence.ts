/**
 * Sentence evidence: how well each sentence of a chunk answers the question; the answer stage
 * uses it to choose the sentences to quote and to decide whether to refuse. (Reranking chunks
 * by their best sentence was measured on ARCD-train and lowered MRR@10 from 0.769 to 0.759, so
 * retrieval keeps the fused order.)
 *
 * A sentence's coverage is the IDF-weighted share of the question's words it holds; a word found
 * only around it — in the sentence next to it, in the headline or source line, elsewhere in the
 * same story — gives partial credit. Question words kept together (adjacent stems) add a bonus;
 * a number or date in the sentence helps «كم» / «متى» questions.
 */
import { metadataText } from '../ingest/chunk.js';
import { countWords, normalize, normalizedWordTerms, wordTerms } from '../text/arabic.js';
import type { Chunk, Sentence } from '../types.js';
import { chunkText, type ChunkText } from './chunk-text.js';
import type { QueryUnit } from './query-words.js';
import type { TermStatistics } from './term-statistics.js';

export interface EvidenceOptions {
  /** Credit for a question word found only in the chunk's headline, sub-heading or source line. */
  contextWeight: number;
  /** Credit for a question word found only in a sentence next to this one. */
  neighbourWeight: number;
  /** Credit for a question word found only elsewhere in the same story (section). */
  sectionWeight: number;
  /** Bonus for the share of the question's adjacent word pairs kept adjacent in the sentence. */
  phraseWeight: number;
  /** Bonus when the question asks for a number (كم) or a date (متى) and the sentence has one. */
  kindBonus: number;
  /**
   * Sentences compete for quoting on their coverage with each word's IDF raised to this power
   * (1: plain IDF). Below 1, a sentence holding more of the question's words beats one holding
   * only its rarest: in five articles a word found once («مدة», IDF 3.5) outweighs the name the
   * question is about and its other word together («ميشوستين» 1.3, «زيارة» 0.8), so «كم مدة
   * زيارة ميشوستين؟» quoted «هدنة مدتها 30 يومًا». The refusal check reads the plain coverage,
   * whose threshold is calibrated.
   */
  selectionIdfPower: number;
}

/**
 * `selectionIdfPower` 0.5 (measured against 1 on ARCD-train over its passages: the fact in the
 * first quote 444 → 447 of 693, answer-in-answer 0.797 → 0.799, false refusals 6.2% → 6.1%; over
 * the news, wrong answers 2.3% → 2.5%, one question; news calibration and dev unchanged).
 */
export const DEFAULT_EVIDENCE: EvidenceOptions = { contextWeight: 0.5, neighbourWeight: 0.5, sectionWeight: 0.3, phraseWeight: 0.2, kindBonus: 0.1, selectionIdfPower: 0.5 };

export interface SentenceEvidence {
  sentence: Sentence;
  /** IDF-weighted share of the question's words covered (with partial credit), 0–1. */
  coverage: number;
  /**
   * What sentences compete on: coverage with IDFs raised to `selectionIdfPower`, plus phrase and
   * answer-type bonuses, minus a penalty for fragments.
   */
  score: number;
  /** Question words the sentence itself holds. */
  matched: Set<string>;
  /** Question words the sentence or a sentence next to it holds. */
  near: Set<string>;
  /**
   * Whether the sentence holds what a «كم» (number) or «متى» (date) question asks for; true for
   * every sentence when the question asks for neither.
   */
  holdsKind: boolean;
}

// Matched against normalised text (ى→ي, ة→ه, أ→ا), so the patterns are written normalised too.
const NUMBER_QUESTION = /(^|\s)(كم|بكم|قديش|كديش|اديش|how many|how much|how long)(\s|$)/;
const DATE_QUESTION = /(^|\s)(متي|امتي|ايمتي|اي (عام|سنه|يوم|شهر|تاريخ|قرن)|when|what (year|date|day)|which year)(\s|$)/;
const MONTHS = 'يناير|فبراير|مارس|ابريل|مايو|يونيو|يوليو|اغسطس|سبتمبر|اكتوبر|نوفمبر|ديسمبر|كانون|شباط|اذار|نيسان|ايار|حزيران|تموز|اب|ايلول|تشرين';
const DAYS = 'الاثنين|الثلاثاء|الاربعاء|الخميس|الجمعه|السبت|الاحد|امس|اليوم|غدا|الليله|صباح|مساء|الماضي|الماضيه|المقبل|المقبله|الجاري|مؤخرا|القرن|عندما|حين|حينما|كلما|بعد|قبل|قبيل|عقب|خلال|اثناء|منذ';
/**
 * A count written in words: «ثلاثة», «عشرين», «مليار», or a dual of a unit, «يومين», «مرتين»
 * (a «كم» / «how long» answer is often one: «زيارة تستغرق يومين»). Whole words, normalised,
 * with «و/ب/ل» before them.
 */
const NUMBER_WORDS = new RegExp(
  `(^|[^\\p{L}])[وبل]?(${[
    'واحد', 'اثنان', 'اثنين', 'ثلاث', 'ثلاثه', 'اربع', 'اربعه', 'خمس', 'خمسه', 'ست', 'سته', 'سبع', 'سبعه', 'ثماني', 'ثمانيه', 'تسع', 'تسعه', 'عشر', 'عشره',
    'عشرين', 'عشرون', 'ثلاثين', 'ثلاثون', 'اربعين', 'اربعون', 'خمسين', 'خمسون', 'ستين', 'ستون', 'سبعين', 'سبعون', 'ثمانين', 'ثمانون', 'تسعين', 'تسعون',
    'مئه', 'مائه', 'مئات', 'الف', 'الاف', 'مليون', 'ملايين', 'مليار', 'مليارات',
    'يومين', 'شهرين', 'عامين', 'سنتين', 'ساعتين', 'اسبوعين', 'مرتين', 'دقيقتين', 'قرنين',
  ].join('|')})(?![\\p{L}])`,
  'u',
);
/** A year (1000–2099) standing alone: a date, not the count a «كم» question asks for. */
const YEARS = /(?<![\d.,])(?:1\d{3}|20\d{2})(?!\d|[.,]\d)/g;
/**
 * A year, a month, a day, a relative time («الشهر الماضي», «مؤخرا») or a temporal conjunction
 * («عندما», «بعد», «منذ»: «متى» is also answered by an event) as a whole word (with «و/ب/ف/ل»
 * before it): «اب» inside «كتاب» is not August.
 */
const DATE_WORDS = new RegExp(`\\d{3,4}|(^|[^\\p{L}])[وبفل]?(${MONTHS}|${DAYS})(?![\\p{L}])`, 'u');

function expectedKind(question: string): 'number' | 'date' | null {
  const q = ` ${normalize(question)} `;
  if (NUMBER_QUESTION.test(q)) return 'number';
  if (DATE_QUESTION.test(q)) return 'date';
  return null;
}

/** What evidence scoring needs from a chunk's text; depends only on the chunk, so it is cached. */
export interface ChunkAnalysis {
  /** Document terms of each sentence. */
  sentenceTerms: Array<Set<string>>;
  /** Primary stems of each sentence's words, in order (for adjacency). */
  sentenceStems: string[][];
  /** Terms of the headline, sub-heading and source line. */
  context: Set<string>;
  /** Whether each sentence (normalised) holds a number, in digits or words, for «كم» questions. */
  hasNumber: boolean[];
  /** Whether each sentence (normalised) holds a date word, for «متى» questions. */
  hasDate: boolean[];
  /** Number of words of each sentence as written (fragments of under 4 words are penalised). */
  wordCounts: number[];
}

/**
 * Analyses a chunk for evidence scoring: each sentence is normalised once, and its words give
 * both its document terms (every stem variant, as `lexical.analyzeDocument`) and its stems.
 * `text` is the chunk's normalised sentences when the caller has them already.
 */
export function analyzeChunk(chunk: Chunk, lexical: TermStatistics, text: ChunkText = chunkText(chunk)): ChunkAnalysis {
  const analysis: ChunkAnalysis = { sentenceTerms: [], sentenceStems: [], context: new Set(), hasNumber: [], hasDate: [], wordCounts: [] };
  const stemmer = lexical.options.stemmer;
  chunk.sentences.forEach((s, i) => {
    const normalized = text.normalized[i]!;
    const seq = normalizedWordTerms(normalized, { stemmer });
    const terms = new Set<string>();
    const stems: string[] = [];
    for (const w of seq) {
      for (const t of w.variants) terms.add(t);
      stems.push(w.stem);
    }
    analysis.sentenceTerms.push(terms);
    analysis.sentenceStems.push(stems);
    analysis.hasNumber.push(/\d/.test(normalized.replace(YEARS, '')) || NUMBER_WORDS.test(normalized));
    analysis.hasDate.push(DATE_WORDS.test(normalized));
    analysis.wordCounts.push(countWords(s.text));
  });
  analysis.context = new Set(lexical.analyzeDocument([chunk.title, chunk.heading, metadataText(chunk)].filter(Boolean).join(' ')));
  return analysis;
}

export class EvidenceScorer {
  /** Each question word with its weight in coverage (`idf`) and in sentence selection (`selectionIdf`). */
  private readonly units: Array<QueryUnit & { idf: number; selectionIdf: number }>;
  private readonly total: number;
  private readonly selectionTotal: number;
  private readonly kind: 'number' | 'date' | null;
  private readonly pairs: Set<string>;
  private readonly cache = new Map<string, SentenceEvidence[]>();

  constructor(
    question: string,
    query: QueryUnit[],
    lexical: TermStatistics,
    private readonly sectionTerms: ((chunk: Chunk) => ReadonlySet<string>) | undefined,
    private readonly options: EvidenceOptions = DEFAULT_EVIDENCE,
    /** Chunk analysis, usually cached by the engine across questions. */
    private readonly analysis: (chunk: Chunk) => ChunkAnalysis = (chunk) => analyzeChunk(chunk, lexical),
  ) {
    // Each question word weighs its IDF times its query weight. A word the corpus never uses
    // weighs the most (strong evidence the articles are about something else), even when a
    // similar spelling gives it partial credit.
    this.units = query.map((u) => {
      const idf = u.guess && u.alternatives.length ? Math.max(...u.alternatives.map((a) => lexical.idf(a.term))) : lexical.idf(u.term);
      return { ...u, idf: u.weight * idf, selectionIdf: u.weight * Math.pow(idf, options.selectionIdfPower) };
    });
    this.total = this.units.reduce((a, u) => a + u.idf, 0);
    this.selectionTotal = this.units.reduce((a, u) => a + u.selectionIdf, 0);
    this.kind = expectedKind(question);
    // Adjacent question words (stems): «مجلس الأمن» is not «مجلس الدولة … الأمني».
    const stems = wordTerms(question, { stemmer: lexical.options.stemmer }).map((w) => w.stem);
    this.pairs = new Set(stems.slice(1).map((t, i) => `${stems[i]} ${t}`));
  }

  /** Number of question words (after stopwords). */
  get words(): number {
    return this.units.length;
  }

  /** Evidence for every sentence of a chunk, in order (cached per chunk). */
  score(chunk: Chunk): SentenceEvidence[] {
    const cached = this.cache.get(chunk.id);
    if (cached) return cached;
    const { options } = this;
    const { sentenceTerms, sentenceStems, context, hasNumber, hasDate, wordCounts } = this.analysis(chunk);
    const section = this.sectionTerms?.(chunk);
    const out = chunk.sentences.map((sentence, i): SentenceEvidence => {
      const own = sentenceTerms[i]!;
      const neighbours = [sentenceTerms[i - 1], sentenceTerms[i + 1]].filter((x): x is Set<string> => x !== undefined);
      const matched = new Set<string>();
      const near = new Set<string>();
      let covered = 0;
      let selected = 0;
      for (const u of this.units) {
        let credit = 0;
        for (const a of u.alternatives) {
          if (own.has(a.term)) credit = Math.max(credit, a.factor);
          else if (neighbours.some((n) => n.has(a.term))) credit = Math.max(credit, a.factor * options.neighbourWeight);
          else if (context.has(a.term)) credit = Math.max(credit, a.factor * options.contextWeight);
          // Elsewhere in the same story: «الوزير الصيني» two sentences after «وانغ يي».
          else if (section?.has(a.term)) credit = Math.max(credit, a.factor * options.sectionWeight);
        }
        if (credit >= 1) matched.add(u.term);
        if (credit >= 1 || u.alternatives.some((a) => a.factor === 1 && neighbours.some((n) => n.has(a.term)))) near.add(u.term);
        covered += credit * u.idf;
        selected += credit * u.selectionIdf;
      }
      const coverage = this.total > 0 ? covered / this.total : 0;
      let score = this.selectionTotal > 0 ? selected / this.selectionTotal : 0;
      if (this.pairs.size > 0) {
        const stems = sentenceStems[i]!;
        let kept = 0;
        for (let k = 1; k < stems.length; k++) if (this.pairs.has(`${stems[k - 1]} ${stems[k]}`)) kept++;
        score += (options.phraseWeight * Math.min(kept, this.pairs.size)) / this.pairs.size;
      }
      if (this.kind === 'number' && hasNumber[i]) score += options.kindBonus;
      if (this.kind === 'date' && hasDate[i]) score += options.kindBonus;
      // Very short fragments rarely answer anything on their own.
      if (wordCounts[i]! < 4) score -= 0.1;
      const holdsKind = this.kind === 'number' ? hasNumber[i]! : this.kind === 'date' ? hasDate[i]! : true;
      return { sentence, coverage, score, matched, near, holdsKind };
    });
    this.cache.set(chunk.id, out);
    return out;
  }
}
