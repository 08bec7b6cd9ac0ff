/**
 * TEST FIXTURE — a fake {@link Engine} for the bot's tests. It does no retrieval: `ask()` returns
 * a canned {@link Answer} built from its input (the question) and the fixture's chunks. It exists
 * for what a real corpus cannot produce on demand: a 10,000-character answer, hostile HTML in
 * headlines and passages, chunk ids longer than callback data allows, an engine that throws or is
 * slow. Behaviour tests of the product run against the real engine (tests/helpers/engine.ts).
 */
import type { Answer, AskContext, Chunk, Engine, EngineInfo, IndexChanges, Retrieval } from '../../src/types.js';

export function makeChunk(partial: Partial<Chunk> & { id: string; text: string }): Chunk {
  const docId = partial.docId ?? partial.id.split('#')[0]!;
  return {
    docId,
    section: 0,
    sectionKind: 'main',
    title: 'عنوان الخبر',
    outlet: 'الجزيرة',
    agency: null,
    date: '2025-05-08',
    start: 0,
    end: partial.text.length,
    sentences: [{ text: partial.text, start: 0, end: partial.text.length }],
    ordinal: 0,
    heading: null,
    ...partial,
  };
}

export const DEFAULT_CHUNKS: Chunk[] = [
  makeChunk({
    id: '000_aaaaaaaaaaaaaaaa.txt#0.0',
    title: 'شي يلتقي بوتين في موسكو',
    outlet: 'الجزيرة',
    date: '2025-05-08',
    text: 'التقى الرئيس الروسي فلاديمير بوتين نظيره الصيني شي جين بينغ في موسكو. وأشاد الطرفان بالعلاقات المتنامية.',
  }),
  makeChunk({
    id: '001_bbbbbbbbbbbbbbbb.txt#0.1',
    title: 'Markets rally after talks',
    outlet: 'Reuters',
    date: '2025-05-10',
    text: 'Markets rallied after the talks in Moscow. Investors welcomed the statements.',
  }),
];

/** An answer quoting the first sentence of each chunk, cited [1], [2], … in order. */
export function makeAnswer(question: string, chunks: Chunk[], overrides: Partial<Answer> = {}): Answer {
  const quotes = chunks.map((c, i) => ({ text: c.sentences[0]!.text, n: i + 1, chunkId: c.id, start: c.start, end: c.end }));
  return {
    question,
    answered: chunks.length > 0,
    lang: /[A-Za-z]/.test(question) && !/[\u0600-\u06FF]/.test(question) ? 'en' : 'ar',
    answer: chunks.length > 0 ? quotes.map((q) => `${q.text} [${q.n}]`).join('\n') : 'لا تغطي المقالات المتاحة هذا السؤال.',
    quotes,
    citations: chunks.map((c, i) => ({
      n: i + 1,
      file: c.docId,
      title: c.title,
      outlet: c.outlet,
      date: c.date,
      passage: c.text,
      score: 1 / (i + 1),
      chunkId: c.id,
      chunkIds: [c.id],
      section: c.sectionKind,
      agency: c.agency,
    })),
    closest: [],
    unmentioned: [],
    latest: chunks.length > 1 ? chunks.length : null,
    mode: 'lexical',
    timings: { totalMs: 1, embedMs: 0, denseMs: 0, lexicalMs: 1, fuseMs: 0, answerMs: 0 },
    evidence: { coverage: chunks.length > 0 ? 1 : 0, dense: null },
    ...overrides,
  } as Answer;
}

/**
 * A generated answer over `chunks` as `withGeneration` returns it: `text` is the checked answer
 * (sentences with [n]), `support` the source sentences per [n]; the citations are the chunks'.
 */
export function makeGeneratedAnswer(question: string, chunks: Chunk[], text: string, support: Record<number, string[]>, overrides: Partial<Answer> = {}): Answer {
  return makeAnswer(question, chunks, {
    answer: text,
    answerMode: 'generative',
    support,
    generation: { model: 'fake-model', raw: text, dropped: [], fallback: null, cached: false, firstTokenMs: 1, totalMs: 2, checkMs: 0.1 },
    ...overrides,
  });
}

export interface FakeEngineOptions {
  chunks?: Chunk[];
  /**
   * A generated answer streaming: before answering, `ask` calls `context.onDraft` with each of
   * these texts in turn (the checked answer so far), awaiting `between()` before each and once
   * after the last (the model's time).
   */
  drafts?: string[];
  between?: () => Promise<void>;
  /** Build the answer yourself; default: {@link makeAnswer} over all chunks. */
  answer?: (question: string, context: AskContext | undefined, chunks: Chunk[]) => Answer | Promise<Answer>;
  reindex?: () => Promise<IndexChanges>;
  info?: Partial<EngineInfo>;
}

export class FakeEngine implements Engine {
  readonly calls: Array<{ question: string; context: AskContext | undefined }> = [];
  closed = false;
  chunks: Chunk[];
  constructor(private readonly options: FakeEngineOptions = {}) {
    this.chunks = options.chunks ?? DEFAULT_CHUNKS;
  }
  async ask(question: string, context?: AskContext): Promise<Answer> {
    this.calls.push({ question, context });
    for (const draft of this.options.drafts ?? []) {
      await this.options.between?.();
      context?.onDraft?.(draft);
    }
    if (this.options.drafts?.length) await this.options.between?.();
    return this.options.answer ? this.options.answer(question, context, this.chunks) : makeAnswer(question, this.chunks);
  }
  async retrieve(question: string): Promise<Retrieval> {
    return {
      question,
      lang: 'ar',
      hits: this.chunks.map((chunk, i) => ({ chunk, score: 1 / (i + 1), signals: { lexical: { rank: i + 1, score: 1 } } })),
      mode: 'lexical',
      timings: { embedMs: 0, denseMs: 0, lexicalMs: 0, fuseMs: 0 },
    };
  }
  info(): EngineInfo {
    const articles = [...new Map(this.chunks.map((c) => [c.docId, { file: c.docId, title: c.title, outlet: c.outlet, agency: c.agency, date: c.date }])).values()];
    const dates = articles.map((a) => a.date).filter((d): d is string => d !== null).sort();
    return {
      articles,
      chunks: this.chunks.length,
      mode: 'lexical',
      model: null,
      modelError: 'EMBEDDING_MODEL=none',
      dateRange: { from: dates[0] ?? null, to: dates[dates.length - 1] ?? null },
      ...this.options.info,
    };
  }
  chunk(id: string): Chunk | undefined {
    return this.chunks.find((c) => c.id === id);
  }
  async reindex(): Promise<IndexChanges> {
    if (this.options.reindex) return this.options.reindex();
    return { added: [], changed: [], removed: [], skipped: [], rebuilt: false, chunks: this.chunks.length, seconds: 0.01 };
  }
  /** Files passed to updateFiles, in order (intake tests read what the bot handed the engine). */
  readonly updated: string[][] = [];
  async updateFiles(files: string[]): Promise<IndexChanges> {
    this.updated.push(files);
    return { added: files, changed: [], removed: [], skipped: [], rebuilt: false, chunks: this.chunks.length, seconds: 0.01 };
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}
