/**
 * Bench section `generate`: what checking a generated answer costs, and how soon the first
 * checked sentence can be shown.
 *
 * Measured against the FAKE model server (tests/fixtures/fake-llm: a fixture, not a model), which
 * streams instantly, so the figures are this code's own cost and never a model's speed:
 * - check cost per answer: the time `checkSentence` took for all of an answer's sentences
 *   (`generation.checkMs`), over the dev questions the engine answers: the first round apart
 *   (passages the checker has not analysed yet, as for a new question) from later rounds, and
 *   the analysis of new passages done while the request is in flight (`generation.prepareMs`);
 * - first token → first draft: from the first streamed delta reaching the client to the first
 *   `onDraft` call, i.e. finishing the first sentence's stream, splitting and checking it. With a
 *   real model add the time it takes to write its first sentence.
 * Each answer the fake writes has every source's first sentence cited and one sentence stating a
 * number no source holds (so the check both keeps and drops).
 */
import path from 'node:path';
import { openEngine } from '../engine.js';
import { splitGenerated } from '../generate/check.js';
import { withGeneration } from '../generate/generate.js';
import { createLlmClient, type LlmClient } from '../generate/llm.js';
import { firstSentence, sourcesIn, startFakeLlm, tokens, type Scenario } from '../../tests/fixtures/fake-llm/server.js';
import type { BenchContext } from './context.js';
import { copyCorpus } from './ingest.js';
import { distribution, round, type Distribution } from './stats.js';

export interface GenerateResult {
  /** Always says the figures come from the fake server. */
  server: string;
  answers: number;
  sentences_per_answer: number;
  dropped_per_answer: number;
  /**
   * First round: the checker has not seen these passages yet (it analyses a source once, by its
   * text). That analysis runs while the request is in flight (`prepare_ms_first_sight`), so the
   * checks after the first token (this figure) cost about what they cost on later rounds.
   */
  check_ms_per_answer_first_sight: Distribution;
  /** First round: analysing the sources while the model reads the prompt (overlaps its time to first token). */
  prepare_ms_first_sight: Distribution;
  /** Later rounds: the same passages again (their analysis cached). */
  check_ms_per_answer: Distribution;
  first_token_to_first_draft_ms: Distribution;
}

/** Every source's first sentence, cited, then a claim with a number no source holds. */
const benchScenario: Scenario = (request) => {
  const sources = sourcesIn(request.body?.messages);
  const text = sources.map((s) => `${firstSentence(s.text)} [${s.n}].`).join(' ') + ` ${firstSentence(sources[0]?.text ?? '')} 4817 [1].`;
  return { kind: 'answer', chunks: tokens(text, 4) };
};

export async function benchGenerate(ctx: BenchContext, rounds = ctx.quick ? 2 : 5): Promise<GenerateResult> {
  ctx.say('generate: claim check and first draft, against the FAKE model server (a fixture: no model speed is measured)');
  const fake = await startFakeLlm(benchScenario);
  const dir = path.join(ctx.tmp, 'generate');
  const engine = await openEngine({ corpusDir: copyCorpus(ctx.sourceCorpus, path.join(dir, 'corpus')), indexDir: path.join(dir, 'index'), embedder: null, log: ctx.log });
  try {
    const client = createLlmClient({ baseUrl: fake.baseUrl, model: 'fake-model', timeoutMs: 30_000, maxConcurrency: 1 }, ctx.log);
    let firstDelta = 0;
    const timed: LlmClient = {
      model: client.model,
      load: () => client.load(),
      async *stream(messages, options) {
        const inner = client.stream(messages, options);
        let first = true;
        for (;;) {
          const next = await inner.next();
          if (next.done) return next.value;
          if (first) firstDelta = performance.now();
          first = false;
          yield next.value;
        }
      },
    };
    // cacheSize 1 and distinct consecutive questions: every ask calls the model.
    const generative = withGeneration(engine, { client: timed, log: ctx.log, model: 'fake-model', cacheSize: 1 });
    const checkMs: number[] = [];
    const checkMsFirst: number[] = [];
    const prepareFirst: number[] = [];
    const firstDraft: number[] = [];
    let sentences = 0;
    let dropped = 0;
    for (let r = 0; r < rounds; r++) {
      for (const question of ctx.questions) {
        let drafted = 0;
        const answer = await generative.ask(question, {
          onDraft: () => {
            drafted ||= performance.now();
          },
        });
        if (!answer.generation || answer.generation.cached) continue;
        (r === 0 ? checkMsFirst : checkMs).push(answer.generation.checkMs);
        if (r === 0) prepareFirst.push(answer.generation.prepareMs ?? 0);
        if (drafted) firstDraft.push(drafted - firstDelta);
        const shown = answer.answerMode === 'generative' ? splitGenerated(answer.answer) : { sentences: [], rest: '' };
        sentences += answer.generation.dropped.length + shown.sentences.length + (shown.rest.trim() ? 1 : 0);
        dropped += answer.generation.dropped.length;
      }
    }
    return {
      server: 'FAKE OpenAI-compatible server (tests/fixtures/fake-llm, a fixture streaming instantly): figures are this code\'s cost, not a model\'s speed',
      answers: checkMsFirst.length + checkMs.length,
      sentences_per_answer: round(sentences / (checkMsFirst.length + checkMs.length || 1), 2),
      dropped_per_answer: round(dropped / (checkMsFirst.length + checkMs.length || 1), 2),
      check_ms_per_answer_first_sight: distribution(checkMsFirst),
      prepare_ms_first_sight: distribution(prepareFirst),
      check_ms_per_answer: distribution(checkMs),
      first_token_to_first_draft_ms: distribution(firstDraft),
    };
  } finally {
    await engine.close();
    await fake.close();
  }
}
