/**
 * `npm run ask -- "سؤال"` prints a readable answer with its sources.
 * `npm run --silent ask -- --json "سؤال"` prints exactly one JSON object on stdout.
 * `npm run --silent ask -- --json` (no question) reads one question per line from stdin and
 * writes one JSON object per line, loading the model and the index once.
 * Logs and warnings go to stderr.
 */
import readline from 'node:readline';
import type { Answer } from '../types.js';
import { openCliEngine, runCli } from './setup.js';

/** The `ask --json` shape other tools rely on (extra fields are allowed, these are fixed). */
export function toJson(answer: Answer) {
  return {
    question: answer.question,
    answered: answer.answered,
    answer: answer.answer,
    citations: answer.citations.map((c) => ({
      n: c.n, file: c.file, title: c.title, outlet: c.outlet, date: c.date, passage: c.passage, score: Number(c.score.toFixed(4)),
      section: c.section, chunkId: c.chunkId,
    })),
    timings: { totalMs: Number(answer.timings.totalMs.toFixed(2)), ...Object.fromEntries(Object.entries(answer.timings).map(([k, v]) => [k, Number(v.toFixed(2))])) },
    lang: answer.lang,
    mode: answer.mode,
    lexicalOnly: answer.mode === 'lexical',
    quotes: answer.quotes,
    closest: answer.closest,
    unmentioned: answer.unmentioned,
    latest: answer.latest,
  };
}

runCli(async () => {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const question = args.filter((a) => a !== '--json').join(' ').trim();
  const { engine } = await openCliEngine();
  try {
    if (question) {
      const answer = await engine.ask(question);
      process.stdout.write(json ? JSON.stringify(toJson(answer)) + '\n' : answer.answer + '\n');
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
      process.stdout.write(json ? JSON.stringify(toJson(answer)) + '\n' : answer.answer + '\n\n');
    }
  } finally {
    await engine.close();
  }
});
