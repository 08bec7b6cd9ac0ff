/**
 * `npm run ask -- "سؤال"` prints a readable answer with its sources.
 * `npm run --silent ask -- --json "سؤال"` prints exactly one JSON object on stdout.
 * `npm run --silent ask -- --json` (no question) reads one question per line from stdin and
 * writes one JSON object per line, loading the model and the index once.
 * Logs and warnings go to stderr. With ANSWER_MODE=generative the answer is the model's checked
 * answer (or the quoted one with a note when it was unusable); `--json` says which (`answerMode`)
 * and gives `generation`: the raw answer, the sentences dropped and why, the fallback.
 */
import readline from 'node:readline';
import { sourceLine } from '../answer.js';
import { ANSWER_TEXT } from '../text/messages.js';
import type { Answer, GenerationReport } from '../types.js';
import { openCliEngine, runCli } from './setup.js';

/** The `ask --json` shape other tools rely on (extra fields are allowed, these are fixed). */
export function toJson(answer: Answer, modelError: string | null = null) {
  return {
    question: answer.question,
    answered: answer.answered,
    answer: answer.answer,
    citations: answer.citations.map((c) => ({
      n: c.n, file: c.file, title: c.title, outlet: c.outlet, date: c.date, passage: c.passage, score: Number(c.score.toFixed(4)),
      section: c.section, chunkId: c.chunkId,
      // The article's web or t.me address, when it came from a link, feed or public channel.
      ...(c.url ? { url: c.url } : {}),
      ...(c.alsoPublishedBy?.length ? { alsoPublishedBy: c.alsoPublishedBy } : {}),
    })),
    timings: { totalMs: Number(answer.timings.totalMs.toFixed(2)), ...Object.fromEntries(Object.entries(answer.timings).map(([k, v]) => [k, Number(v.toFixed(2))])) },
    lang: answer.lang,
    mode: answer.mode,
    lexicalOnly: answer.mode === 'lexical',
    /** Why the embedding model is not in use (not loaded, or failed its check on this corpus). */
    ...(answer.mode === 'lexical' && modelError ? { modelError } : {}),
    quotes: answer.quotes,
    closest: answer.closest,
    unmentioned: answer.unmentioned,
    latest: answer.latest,
    /** How the answer text was written; `mode` stays lexical or hybrid retrieval. */
    answerMode: answer.answerMode ?? 'extractive',
    /** When a generated answer was tried: the model's raw answer, what the check dropped and why, any fallback. */
    ...(answer.generation ? { generation: roundGeneration(answer.generation) } : {}),
    /** For each [n] of a generated answer, the source sentences its claims rely on. */
    ...(answer.support ? { support: answer.support } : {}),
  };
}

function roundGeneration(g: GenerationReport): GenerationReport {
  const ms = (x: number) => Number(x.toFixed(2));
  return { ...g, firstTokenMs: g.firstTokenMs === null ? null : ms(g.firstTokenMs), totalMs: ms(g.totalMs), checkMs: ms(g.checkMs) };
}

/** The readable answer: a generated answer's text is followed by its sources (the quoted answer carries them already). */
export function toText(answer: Answer): string {
  if (answer.answerMode !== 'generative') return answer.answer;
  const lines = [answer.answer, '', `${ANSWER_TEXT[answer.lang].sources}:`, ...answer.citations.map((c) => sourceLine(c, answer.lang))];
  const latest = answer.citations.find((c) => c.n === answer.latest);
  if (latest?.date) lines.push(ANSWER_TEXT[answer.lang].latest(latest.n, latest.date));
  return lines.join('\n');
}

runCli(async () => {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const question = args.filter((a) => a !== '--json').join(' ').trim();
  const { engine } = await openCliEngine();
  try {
    if (question) {
      const answer = await engine.ask(question);
      process.stdout.write(json ? JSON.stringify(toJson(answer, engine.info().modelError)) + '\n' : toText(answer) + '\n');
      return;
    }
    if (!json && process.stdin.isTTY) {
      process.stderr.write('usage: npm run ask -- "your question"   (or --json, with questions on stdin, one per line)\n');
      return 2;
    }
    const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
    for await (const line of lines) {
      if (!line.trim()) continue;
      const answer = await engine.ask(line);
      process.stdout.write(json ? JSON.stringify(toJson(answer, engine.info().modelError)) + '\n' : toText(answer) + '\n\n');
    }
  } finally {
    await engine.close();
  }
});
