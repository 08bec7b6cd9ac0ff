/**
 * The vocabulary every stage shares. No logic lives here.
 *
 * Data flow: corpus file → {@link Article} (ingest) → {@link Chunk} (chunk) → vectors + lexical
 * postings (index) → {@link Hit} (retrieve) → {@link Answer} with {@link Citation}s (answer) →
 * surfaces (bot, CLI) through {@link Engine.ask}.
 *
 * Offsets are always UTF-16 code-unit offsets into the article's original text
 * ({@link Article.raw}), so any quoted passage can be verified against the file it came from.
 */

/** A document id is the corpus file name, e.g. `000_7d6114e92663cbab.txt`. */
export type DocId = string;

export type Lang = 'ar' | 'en';

/** A half-open range `[start, end)` of {@link Article.raw}. */
export interface Span {
  start: number;
  end: number;
}

/** A sentence of an article: its exact original text and where it sits. */
export interface Sentence extends Span {
  text: string;
}

/** A block of body text (one line of the scraped page after cleaning). */
export interface Paragraph extends Span {
  /** Exactly `article.raw.slice(start, end)`. */
  text: string;
  /** A short sub-heading line inside the body: searchable, never quoted as an answer. */
  heading: boolean;
}

/**
 * A part of a file that is cited on its own. The article itself is section 0 (`main`); a
 * related story appended after «إقرأ أيضاً» is a `related` section with its own headline and
 * metadata (null when the text does not give them), so it is never cited under the main
 * article's headline and date.
 */
export interface Section {
  index: number;
  kind: 'main' | 'related';
  title: string | null;
  /** The outlet (publisher) the text names for this story, e.g. «الجزيرة». */
  outlet: string | null;
  /** The wire agency in a dateline or credit, e.g. «رويترز», when the text names one. */
  agency: string | null;
  /** Publication date, ISO `YYYY-MM-DD`, or null when the text gives none. */
  date: string | null;
  paragraphs: Paragraph[];
}

export interface Article {
  id: DocId;
  /** Absolute path the article was read from. */
  path: string;
  /** The file's text exactly as read (UTF-8 decoded, BOM removed). */
  raw: string;
  /** sha256 of the file's bytes, hex. */
  hash: string;
  /** Convenience copies of section 0's metadata. */
  title: string | null;
  outlet: string | null;
  agency: string | null;
  date: string | null;
  /** Where the article was published (a web page or a public channel post), when known. */
  url?: string | null;
  /**
   * When another article already holds the same story (a wire text republished by another
   * outlet), that article's id: this one is not indexed again, it is shown as «also published by».
   */
  duplicateOf?: DocId | null;
  sections: Section[];
}

/** A retrievable unit: consecutive sentences of one section. */
export interface Chunk {
  /** Stable within a corpus build: `${docId}#${section}.${ordinal}`. */
  id: string;
  docId: DocId;
  section: number;
  sectionKind: 'main' | 'related';
  title: string | null;
  outlet: string | null;
  agency: string | null;
  date: string | null;
  /** The sentences, joined by a single space: every sentence is a verbatim substring. */
  text: string;
  /** Offsets of the first sentence's start and last sentence's end in the article. */
  start: number;
  end: number;
  sentences: Sentence[];
  /** Ordinal of the chunk within its section. */
  ordinal: number;
  /** The sub-heading the chunk falls under, if any: searchable context, never quoted. */
  heading: string | null;
}

/** Where a hit came from and how it ranked there (1-based ranks). */
export interface HitSignals {
  dense?: { rank: number; score: number };
  lexical?: { rank: number; score: number };
}

export interface Hit {
  chunk: Chunk;
  /** Fused score; higher is better. */
  score: number;
  signals: HitSignals;
}

/** One quoted sentence of an answer. */
export interface Quote {
  /** The sentence exactly as in the article. */
  text: string;
  /** Citation number it is attributed to. */
  n: number;
  chunkId: string;
  /** Offsets in the article's original text. */
  start: number;
  end: number;
}

export interface Citation {
  n: number;
  file: DocId;
  title: string | null;
  outlet: string | null;
  date: string | null;
  /**
   * The passage the quotes come from: the text of the source's quoted chunks, each sentence once,
   * «…» between chunks that are not consecutive.
   */
  passage: string;
  score: number;
  /** The first quoted chunk of the source (in article order). */
  chunkId: string;
  /** Every quoted chunk of the source, in article order. */
  chunkIds: string[];
  section: 'main' | 'related';
  agency: string | null;
  /** The article's web or t.me address, when it has one. */
  url?: string | null;
  /** Other outlets that published the same story (near-duplicates indexed once). */
  alsoPublishedBy?: Array<{ file: DocId; outlet: string | null; date: string | null; url: string | null }>;
}

export interface Timings {
  totalMs: number;
  embedMs: number;
  denseMs: number;
  lexicalMs: number;
  fuseMs: number;
  answerMs: number;
}

export type RetrievalMode = 'hybrid' | 'lexical';

/** How the answer text was written: quoted sentences, or a language model's checked sentences. */
export type AnswerMode = 'extractive' | 'generative';

/** A generated sentence the check removed, and why. */
export interface DroppedSentence {
  text: string;
  reason: string;
}

/** What the language model did for a generated answer (present when generation was tried). */
export interface GenerationReport {
  model: string;
  /** The model's answer exactly as received (empty when it sent nothing). */
  raw: string;
  /** Sentences the check removed, with the reason. */
  dropped: DroppedSentence[];
  /** Why the generated answer was not used, when it was not (timeout, 429, said «not in sources»…). */
  fallback: string | null;
  /** Whether the answer came from the cache of identical questions over the same passages. */
  cached: boolean;
  /** Milliseconds from the request to the first token, and to the end. */
  firstTokenMs: number | null;
  totalMs: number;
  /** Milliseconds checking the streamed sentences took in all (what can delay a draft). */
  checkMs: number;
  /**
   * Milliseconds spent analysing the sources for the check while the request was in flight
   * (overlapping the model's time to its first token; absent for cached answers).
   */
  prepareMs?: number;
}

export interface Answer {
  question: string;
  /** False when the articles do not cover the question (a grounded refusal). */
  answered: boolean;
  /** Language the answer is written in (follows the question). */
  lang: Lang;
  /** Plain-text answer: quoted sentences each followed by [n]; or the refusal text. */
  answer: string;
  quotes: Quote[];
  /** Sources in the order they are listed: by date, oldest first, undated last. */
  citations: Citation[];
  /** On refusal: the nearest articles, if any, so the reader knows where to look. */
  closest: Array<{ file: DocId; title: string | null; date: string | null }>;
  /**
   * On refusal: countries the question names that no article mentions (their names in the
   * answer's language), said so the reader knows why; empty otherwise.
   */
  unmentioned: string[];
  /** Number of the most recent dated source when sources carry different dates. */
  latest: number | null;
  mode: RetrievalMode;
  /** How the answer text was written (absent means extractive). */
  answerMode?: AnswerMode;
  /** Present when a generated answer was tried: the raw text, what the check dropped, any fallback. */
  generation?: GenerationReport;
  /**
   * For each citation number, the exact source sentences the answer relies on (for generated
   * answers, what a reader checks a claim against; for quoted answers, the quotes themselves).
   */
  support?: Record<number, string[]>;
  /**
   * How strongly the articles support the answer: the share of the question's (IDF-weighted)
   * words the best sentence covers, and the best dense similarity (null without a model).
   * The refusal threshold is applied to these; eval records them to calibrate it.
   */
  evidence: {
    coverage: number;
    /** Question words (after stopwords) and how many of them the best sentence itself holds. */
    words: number;
    matched: number;
    /** Question words in the best sentence, a sentence next to it, or its story's headline. */
    near: number;
    dense: number | null;
  };
  timings: Timings;
}

export interface AskContext {
  /** The question this one follows up on (a reply to an earlier answer). */
  previousQuestion?: string;
  /** Force the answer language; default follows the question. */
  lang?: Lang;
  /** The earlier answer's text, for a follow-up (a generated answer gives it to the model). */
  previousAnswer?: string;
  /**
   * Called with the checked answer so far while a generated answer streams (each call carries
   * whole sentences that passed the check, never an unchecked claim). Not called for quoted answers.
   */
  onDraft?: (text: string) => void;
  /** Abandons generation (the quoted answer is returned instead). */
  signal?: AbortSignal;
}

export interface ArticleInfo {
  file: DocId;
  title: string | null;
  outlet: string | null;
  agency: string | null;
  date: string | null;
  url?: string | null;
  /** Set when this article is a near-duplicate shown under another (see {@link Article.duplicateOf}). */
  duplicateOf?: DocId | null;
}

export interface EngineInfo {
  articles: ArticleInfo[];
  chunks: number;
  mode: RetrievalMode;
  /** Model id in use, or null when answering lexically only. */
  model: string | null;
  /** Why the model is not in use, when it is not. */
  modelError: string | null;
  /** Earliest and latest publication dates among the articles. */
  dateRange: { from: string | null; to: string | null };
}

export interface IndexChanges {
  added: DocId[];
  changed: DocId[];
  removed: DocId[];
  skipped: Array<{ file: string; reason: string }>;
  /** Whether the whole index was rebuilt (model or chunker changed, or index unreadable). */
  rebuilt: boolean;
  chunks: number;
  seconds: number;
}

/** Ranked passages for a question, before answer composition (eval and bench use it). */
export interface Retrieval {
  question: string;
  lang: Lang;
  hits: Hit[];
  mode: RetrievalMode;
  timings: Omit<Timings, 'answerMs' | 'totalMs'>;
}

/** The one seam the surfaces use. */
export interface Engine {
  ask(question: string, context?: AskContext): Promise<Answer>;
  /** Retrieval only: the fused, diversified hits (`limit` of them, default the engine's). */
  retrieve(question: string, context?: AskContext & { limit?: number }): Promise<Retrieval>;
  info(): EngineInfo;
  /** A chunk by id (for "show the full passage" buttons); undefined for unknown ids. */
  chunk(id: string): Chunk | undefined;
  /** Re-read the corpus and bring the index up to date without a restart. */
  reindex(): Promise<IndexChanges>;
  /**
   * Brings just these corpus files (names inside the corpus folder) up to date: each is added,
   * re-read or removed according to what is on disk now, without re-reading the rest of the
   * folder or rewriting the whole index. Resolves once the change is durable (a crash after it
   * loses nothing) and answerable.
   */
  updateFiles(files: DocId[]): Promise<IndexChanges>;
  close(): Promise<void>;
}
