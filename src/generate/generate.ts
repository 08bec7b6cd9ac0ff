/**
 * Generated answers around the engine: {@link withGeneration} wraps an {@link Engine} so that
 * `ask()` answers in the model's words, every sentence checked against the source it cites.
 *
 * 1. The engine's own (extractive) answer comes first. A refusal is returned as it is: the model
 *    is not asked what the articles do not cover.
 * 2. Its citations become the numbered sources of the prompt (src/generate/prompt.ts).
 * 3. The model's answer is streamed; each sentence is checked as soon as it is complete
 *    (src/generate/check.ts). A sentence that fails is dropped with the reason; `onDraft` sees
 *    only the sentences that passed, never an unchecked claim. A reasoning model's
 *    `<think>…</think>` blocks are not part of the answer (they stay in `generation.raw`).
 * 4. The answer is the checked sentences, with the sources they cite renumbered [1]..[m] in the
 *    order the answer first cites them (so drafts and the answer agree) and, for each, the exact
 *    source sentences the claims rely on (`support`).
 * 5. When the model fails (timeout, 429, 500, a dropped stream, invalid JSON, nothing said),
 *    says the sources do not hold the answer, or nothing passes the check, the asker gets the
 *    extractive answer with a one-line note, and `generation.fallback` says why. Nothing throws.
 *
 * Identical questions over the same retrieved passages are answered from a bounded cache
 * without a model call. Everything but `ask` passes through to the wrapped engine.
 */
import { createHash } from 'node:crypto';
import { LruCache } from '../cache.js';
import type { Config } from '../config.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { ANSWER_TEXT } from '../text/messages.js';
import type { Answer, AskContext, Citation, DroppedSentence, Engine, GenerationReport, Lang } from '../types.js';
import * as check from './check.js';
import type { CheckedSentence, CheckSource } from './check.js';
import { createLlmClient, LlmFailure, type LlmClient, type StreamEnd } from './llm.js';
import { buildPrompt, sourcesOf } from './prompt.js';

/** The claim checker (src/generate/check.ts): sentence splitting of a streamed answer, and the check. */
export interface Checker {
  checkSentence(sentence: string, sources: CheckSource[], lang: Lang): { ok: true; sentence: CheckedSentence } | { ok: false; reason: string };
  /** The complete sentences of `text` so far, and the incomplete tail. */
  splitGenerated(text: string): { sentences: string[]; rest: string };
  /** Analyses the sources ahead of the answer (optional; done while the model reads the prompt). */
  prepareSources?(sources: readonly CheckSource[]): void;
}

/** What {@link withGeneration} needs. */
export interface GenerationDeps {
  client: LlmClient;
  log: Logger;
  /** The model's name, as reported in `generation.model` and part of the cache key. */
  model: string;
  /** Default: src/generate/check.ts. */
  checker?: Checker;
  /** Most cached answers (default 256). */
  cacheSize?: number;
  /** Milliseconds, monotonic (default `performance.now`). */
  clock?: () => number;
}

/** What the model did for one question, as cached: enough to rebuild the answer. */
interface Outcome {
  raw: string;
  kept: CheckedSentence[];
  dropped: DroppedSentence[];
  /** Set when the outcome is a fallback the model itself caused (said the marker, nothing passed). */
  fallback: string | null;
}

/** Reasons a model reply is not used although the model answered (these are cached). */
export const FALLBACK = {
  notInSources: 'the model said the sources do not contain the answer',
  nothingChecked: 'no sentence of the generated answer passed the check',
  empty: 'empty answer',
} as const;

const ARABIC_DIGITS = /[٠-٩]/g;
const CITATION_MARK = /\s*\[([0-9٠-٩][0-9٠-٩\s,،]*)\]/g;

/**
 * `text` with its [n] markers renumbered through `numbers` (old → new); numbers missing from
 * the map are removed, and a marker left empty goes with the space before it.
 */
export function renumberCitations(text: string, numbers: ReadonlyMap<number, number>): string {
  return text.replace(CITATION_MARK, (mark, list: string) => {
    const mapped = citationNumbers(list)
      .map((n) => numbers.get(n))
      .filter((n): n is number => n !== undefined);
    if (mapped.length === 0) return '';
    const lead = mark.match(/^\s*/)![0];
    return `${lead}[${[...new Set(mapped)].join(', ')}]`;
  });
}

function citationNumbers(list: string): number[] {
  return list
    .replace(ARABIC_DIGITS, (d) => String(d.charCodeAt(0) - 0x660))
    .split(/[\s,،]+/)
    .filter(Boolean)
    .map(Number);
}

/**
 * The numbers the sources get in the answer shown: in the order the checked sentences first cite
 * them ([1] is the first source cited). The map only grows as sentences are added, so a draft
 * and the final answer number every source the same way.
 */
export function citationOrder(sentences: readonly CheckedSentence[]): Map<number, number> {
  const numbers = new Map<number, number>();
  for (const s of sentences) {
    const inText = [...s.text.matchAll(CITATION_MARK)].flatMap((m) => citationNumbers(m[1]!));
    for (const n of [...inText, ...s.citations]) {
      if (s.citations.includes(n) && !numbers.has(n)) numbers.set(n, numbers.size + 1);
    }
  }
  return numbers;
}

/** The checked sentences as shown: renumbered, those left without a citation omitted. */
function shownText(sentences: readonly CheckedSentence[], numbers: ReadonlyMap<number, number>): string[] {
  return sentences.map((s) => renumberCitations(s.text, numbers).trim()).filter((t) => /\[\d/.test(t));
}

const THINK_OPEN = '<think>';
const THINK_CLOSE = '</think>';

/**
 * The part of a (growing) reply that is the answer: a reasoning model's `<think>…</think>`
 * blocks removed, and the text cut at a block still open or at a trailing `<` that may start one.
 * It only grows as the reply grows, so it can be fed to the sentence splitter piece by piece.
 */
export function visibleAnswer(raw: string): string {
  let out = '';
  let i = 0;
  for (;;) {
    const open = raw.indexOf(THINK_OPEN, i);
    if (open < 0) break;
    out += raw.slice(i, open);
    const close = raw.indexOf(THINK_CLOSE, open);
    if (close < 0) return out;
    i = close + THINK_CLOSE.length;
  }
  const tail = raw.slice(i);
  const lt = tail.lastIndexOf('<');
  const partial = lt >= 0 && THINK_OPEN.startsWith(tail.slice(lt)) && tail.length - lt < THINK_OPEN.length;
  return out + (partial ? tail.slice(0, lt) : tail);
}

/**
 * The cache key: the model, the question and its context, and the passages exactly as the model
 * would read them. The passages' text counts, not only their ids: an edited article keeps its
 * chunk ids, and an answer checked against its old text must not be served for the new one.
 */
function cacheKey(model: string, question: string, answer: Answer, context: AskContext): string {
  const passages = answer.citations.map((c) => [c.file, c.chunkIds, c.passage, c.title, c.outlet, c.date]);
  return createHash('sha256')
    .update(JSON.stringify([model, question.trim(), answer.lang, passages, context.previousQuestion ?? '', context.previousAnswer ?? '']))
    .digest('hex');
}

/**
 * Wraps `engine` so that its answers are generated by `deps.client` and checked sentence by
 * sentence (see the module comment). Refusals, retrieval and everything else pass through.
 */
export function withGeneration(engine: Engine, deps: GenerationDeps): Engine {
  const cache = new LruCache<string, Outcome>(deps.cacheSize ?? 256);
  const clock = deps.clock ?? (() => performance.now());
  const checker: Checker = deps.checker ?? check;

  /** The answer the asker sees for an outcome: checked sentences, or the extractive fallback. */
  function finish(extractive: Answer, outcome: Outcome, report: GenerationReport): Answer {
    const sentences = outcome.kept;
    const numbers = citationOrder(sentences);
    const cited = extractive.citations.filter((c) => numbers.has(c.n));
    const texts = shownText(sentences, numbers);
    const fallback = report.fallback ?? outcome.fallback ?? (texts.length === 0 ? FALLBACK.nothingChecked : null);
    const generation: GenerationReport = { ...report, raw: outcome.raw, dropped: outcome.dropped, fallback };
    // The time the model took counts, whether or not its answer is used.
    const timings = { ...extractive.timings, totalMs: extractive.timings.totalMs + report.totalMs };
    if (fallback !== null) {
      return {
        ...extractive,
        answer: `${ANSWER_TEXT[extractive.lang].generationUnavailable}\n${extractive.answer}`,
        answerMode: 'extractive',
        generation,
        timings,
      };
    }
    const citations: Citation[] = cited.map((c) => ({ ...c, n: numbers.get(c.n)! })).sort((a, b) => a.n - b.n);
    const support: Record<number, string[]> = {};
    for (const s of sentences) {
      for (const [n, lines] of Object.entries(s.support)) {
        const to = numbers.get(Number(n));
        if (to === undefined) continue;
        support[to] = [...new Set([...(support[to] ?? []), ...lines])];
      }
    }
    const dates = new Set(citations.map((c) => c.date).filter(Boolean));
    // The most recent dated source, when the sources' dates differ (they are listed in citation order, not by date).
    const newest = citations.reduce<Citation | null>((m, c) => (c.date && (!m || c.date > m.date!) ? c : m), null);
    const latest = dates.size > 1 ? (newest?.n ?? null) : null;
    return {
      ...extractive,
      answer: texts.join(' '),
      quotes: [],
      citations,
      latest,
      answerMode: 'generative',
      generation,
      support,
      timings,
    };
  }

  async function generate(question: string, extractive: Answer, context: AskContext): Promise<Answer> {
    const started = clock();
    const report: GenerationReport = { model: deps.model, raw: '', dropped: [], fallback: null, cached: false, firstTokenMs: null, totalMs: 0, checkMs: 0, prepareMs: 0 };
    const key = cacheKey(deps.model, question, extractive, context);
    const cached = cache.get(key);
    if (cached) {
      return finish(extractive, cached, { ...report, cached: true, totalMs: clock() - started });
    }
    const outcome: Outcome = { raw: '', kept: [], dropped: [], fallback: null };
    const lang = extractive.lang;
    const sources: CheckSource[] = extractive.citations.map((c) => ({ n: c.n, text: c.passage, title: c.title, outlet: c.outlet, date: c.date }));
    const draft = () => {
      if (!context.onDraft) return;
      try {
        context.onDraft(shownText(outcome.kept, citationOrder(outcome.kept)).join(' '));
      } catch (error) {
        deps.log.warn({ err: describeError(error) }, 'draft callback failed; the answer continues');
      }
    };
    let stream: AsyncGenerator<string, StreamEnd, void> | null = null;
    try {
      const consider = (sentence: string) => {
        const text = sentence.trim();
        if (!text) return;
        const t0 = clock();
        const result = checker.checkSentence(text, sources, lang);
        report.checkMs += clock() - t0;
        if (result.ok) {
          outcome.kept.push(result.sentence);
          draft();
        } else outcome.dropped.push({ text, reason: result.reason });
      };
      const messages = buildPrompt({
        question, lang, sources: sourcesOf(extractive), previousQuestion: context.previousQuestion, previousAnswer: context.previousAnswer,
      });
      stream = deps.client.stream(messages, { signal: context.signal });
      let pending = '';
      let fed = 0; // how much of the visible answer the splitter has had
      let end: StreamEnd | null = null;
      // The request goes out with the first next(); while the model reads the prompt, the sources
      // are analysed, so checking the first sentence costs no more than the later ones.
      let upcoming: Promise<IteratorResult<string, StreamEnd>> | null = stream.next();
      upcoming.catch(() => undefined); // awaited below; this only keeps a failure meanwhile from counting as unhandled
      if (checker.prepareSources) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        const t0 = clock();
        checker.prepareSources(sources);
        report.prepareMs = clock() - t0;
      }
      for (;;) {
        const next = await (upcoming ?? stream.next());
        upcoming = null;
        if (next.done) {
          end = next.value;
          break;
        }
        report.firstTokenMs ??= clock() - started;
        outcome.raw += next.value;
        const visible = visibleAnswer(outcome.raw);
        if (check.isNotInSources(visible)) break; // the answer will not be used: the finally ends the stream
        const { sentences, rest } = checker.splitGenerated(pending + visible.slice(fed));
        fed = visible.length;
        pending = rest;
        for (const s of sentences) consider(s);
      }
      const answered = visibleAnswer(`${outcome.raw}\n`);
      if (check.isNotInSources(answered)) {
        outcome.fallback = FALLBACK.notInSources;
      } else if (!answered.trim()) {
        outcome.fallback = FALLBACK.empty;
      } else if (end?.finishReason === 'length') {
        // The model hit its token limit: the last, incomplete sentence is not a claim to check.
        if (pending.trim()) outcome.dropped.push({ text: pending.trim(), reason: 'cut off by the token limit' });
      } else consider(pending + answered.slice(fed));
      cache.set(key, outcome);
    } catch (error) {
      report.fallback = error instanceof LlmFailure ? error.reason : `failed: ${describeError(error)}`;
      const level = error instanceof LlmFailure ? 'warn' : 'error';
      deps.log[level]({ model: deps.model, reason: report.fallback, err: describeError(error) }, 'generated answer unavailable: giving the quoted answer');
    } finally {
      // Ends the request when we stop reading early (the marker, a failing check): frees its slot.
      await stream?.return(undefined as never).catch(() => {});
    }
    report.totalMs = clock() - started;
    if (outcome.dropped.length > 0) {
      deps.log.info({ model: deps.model, dropped: outcome.dropped.length, reasons: outcome.dropped.map((d) => d.reason) }, 'the check dropped generated sentences');
    }
    const answer = finish(extractive, outcome, report);
    if (answer.generation!.fallback && !report.fallback) {
      deps.log.info({ model: deps.model, reason: answer.generation!.fallback, dropped: outcome.dropped.length }, 'generated answer not used: giving the quoted answer');
    }
    return answer;
  }

  return {
    async ask(question, context = {}) {
      const extractive = await engine.ask(question, context);
      if (!extractive.answered || extractive.citations.length === 0) return extractive;
      return generate(question, extractive, context);
    },
    retrieve: (question, context) => engine.retrieve(question, context),
    info: () => engine.info(),
    chunk: (id) => engine.chunk(id),
    reindex: () => engine.reindex(),
    updateFiles: (files) => engine.updateFiles(files),
    close: () => engine.close(),
  };
}

/**
 * `engine` wrapped for generated answers when the settings ask for them (ANSWER_MODE=generative
 * with LLM_BASE_URL and LLM_MODEL); `engine` itself otherwise.
 */
export function withConfiguredGeneration(
  engine: Engine,
  config: Pick<Config, 'answerMode' | 'llmBaseUrl' | 'llmModel' | 'llmApiKey' | 'llmTimeoutMs' | 'llmMaxConcurrency'>,
  log: Logger,
): Engine {
  if (config.answerMode !== 'generative' || !config.llmBaseUrl || !config.llmModel) return engine;
  const client = createLlmClient(
    { baseUrl: config.llmBaseUrl, model: config.llmModel, apiKey: config.llmApiKey, timeoutMs: config.llmTimeoutMs, maxConcurrency: config.llmMaxConcurrency },
    log,
  );
  log.info({ baseUrl: config.llmBaseUrl, model: config.llmModel }, 'generated answers on: every sentence is checked against the source it cites');
  return withGeneration(engine, { client, log, model: config.llmModel });
}
