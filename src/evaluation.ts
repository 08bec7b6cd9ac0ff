/**
 * Evaluation: question sets, per-question judgements and aggregate figures with bootstrap
 * confidence intervals. Pure functions over data; `cli/eval.ts` does the I/O.
 *
 * Question set format (JSON lines): `{id, q, kind, gold: [file-name prefixes or passage ids],
 * expect: [strings; any one, after Arabic normalisation, is the fact]}`. SQuAD-format JSON
 * (ARCD, XQuAD) is converted, with gold passages found by their text.
 */
import { createHash } from 'node:crypto';
import { cosine } from './embed-check.js';
import type { Embedder } from './embed.js';
import type { Checker } from './generate/generate.js';
import { rng } from './random.js';
import { normalize } from './text/arabic.js';
import type { Answer, Article, DocId, Engine, Hit } from './types.js';

export interface EvalQuestion {
  id: string;
  q: string;
  kind: string;
  gold: string[];
  expect: string[];
}

export interface Passage {
  id: string;
  source?: string;
  title: string;
  text: string;
}

/** Parses a JSON-lines question set. */
export function parseQuestionSet(text: string, origin: string): EvalQuestion[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((line, i) => {
      try {
        const q = JSON.parse(line) as EvalQuestion;
        if (typeof q.q !== 'string' || !Array.isArray(q.gold)) throw new Error('needs "q" and "gold"');
        return { id: q.id ?? `${i + 1}`, q: q.q, kind: q.kind ?? 'unknown', gold: q.gold, expect: q.expect ?? [] };
      } catch (error) {
        throw new Error(`${origin}:${i + 1}: not a question line (${(error as Error).message})`);
      }
    });
}

const squish = (s: string) => s.replace(/\s+/g, ' ').trim();

/** Converts a SQuAD-format file to questions whose gold is the passage with the same text. */
export function questionsFromSquad(squad: { data: Array<{ paragraphs: Array<{ context: string; qas: Array<{ id: string; question: string; answers: Array<{ text: string }> }> }> }> }, passages: Passage[], kind: string): EvalQuestion[] {
  const byText = new Map(passages.map((p) => [squish(p.text), p.id]));
  const out: EvalQuestion[] = [];
  for (const article of squad.data) {
    for (const paragraph of article.paragraphs) {
      const id = byText.get(squish(paragraph.context));
      if (!id) continue;
      for (const qa of paragraph.qas) {
        out.push({ id: qa.id, q: qa.question.replace(/^[\s-]+/, '').trim(), kind, gold: [id], expect: qa.answers.map((a) => a.text) });
      }
    }
  }
  return out;
}

/** A passage as an article of its own: one section, headline = title, one paragraph per line. */
export function passageArticle(p: Passage): Article {
  const raw = p.text;
  const paragraphs = [];
  let offset = 0;
  for (const line of raw.split('\n')) {
    const lead = line.length - line.trimStart().length;
    const text = line.trim();
    if (text) paragraphs.push({ start: offset + lead, end: offset + lead + text.length, text, heading: false });
    offset += line.length + 1;
  }
  const title = p.title.replace(/_/g, ' ');
  return {
    id: p.id,
    path: p.id,
    raw,
    hash: createHash('sha256').update(raw).digest('hex'),
    title,
    outlet: null,
    agency: null,
    date: null,
    sections: [{ index: 0, kind: 'main', title, outlet: null, agency: null, date: null, paragraphs }],
  };
}

/** Whether a document id matches a gold entry (a file-name prefix such as "001", or a full id). */
export function isGold(doc: DocId, gold: string[]): boolean {
  return gold.some((g) => doc === g || doc.startsWith(g + '_') || doc.startsWith(g + '.'));
}

/** Whether any expected string occurs in the text after Arabic normalisation. */
export function containsExpected(text: string, expect: string[]): boolean {
  const t = normalize(text);
  return expect.some((e) => e.trim() && t.includes(normalize(e.trim())));
}

/** Distinct documents of ranked hits, in rank order. */
export function rankedDocs(hits: Hit[]): DocId[] {
  const docs: DocId[] = [];
  for (const h of hits) if (!docs.includes(h.chunk.docId)) docs.push(h.chunk.docId);
  return docs;
}

export interface Judgement {
  id: string;
  kind: string;
  source: string;
  answerable: boolean;
  /** 1-based rank of the first gold document among retrieved documents, or null. */
  goldRank: number | null;
  /** Answer-level: the top citation (by score) is gold / a gold file is among the citations. */
  citeHit1: boolean;
  citeHit3: boolean;
  answered: boolean;
  answerInCitation: boolean;
  answerInAnswer: boolean;
  totalMs: number;
}

/** Which set a question comes from (by its kind or id prefix). */
export function sourceOf(q: EvalQuestion): string {
  if (q.kind.includes('xquad') || q.id.startsWith('xq')) return 'xquad-ar';
  if (q.kind.includes('arcd') || q.id.startsWith('ar')) return 'arcd';
  return q.kind;
}

export function judge(q: EvalQuestion, docs: DocId[], answer: Answer | null): Judgement {
  const rank = docs.findIndex((d) => isGold(d, q.gold));
  const byScore = answer ? [...answer.citations].sort((a, b) => b.score - a.score) : [];
  return {
    id: q.id,
    kind: q.kind,
    source: sourceOf(q),
    answerable: q.gold.length > 0,
    goldRank: rank >= 0 ? rank + 1 : null,
    citeHit1: byScore.length > 0 && isGold(byScore[0]!.file, q.gold),
    citeHit3: byScore.slice(0, 3).some((c) => isGold(c.file, q.gold)),
    answered: answer?.answered ?? false,
    answerInCitation: answer ? answer.citations.some((c) => containsExpected(c.passage, q.expect)) : false,
    answerInAnswer: answer ? answer.answered && containsExpected(answer.answer, q.expect) : false,
    totalMs: answer?.timings.totalMs ?? 0,
  };
}

export interface Figures {
  n: number;
  'r@1': number;
  'r@5': number;
  'r@10': number;
  'mrr@10': number;
  answer_in_citation: number;
  answer_in_answer: number;
  refused: number;
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

/** Aggregate retrieval and answer figures (fractions in 0–1). */
export function figures(js: Judgement[]): Figures {
  const within = (k: number) => mean(js.map((j) => (j.goldRank !== null && j.goldRank <= k ? 1 : 0)));
  return {
    n: js.length,
    'r@1': within(1),
    'r@5': within(5),
    'r@10': within(10),
    'mrr@10': mean(js.map((j) => (j.goldRank !== null && j.goldRank <= 10 ? 1 / j.goldRank : 0))),
    answer_in_citation: mean(js.map((j) => (j.answerInCitation ? 1 : 0))),
    answer_in_answer: mean(js.map((j) => (j.answerInAnswer ? 1 : 0))),
    refused: mean(js.map((j) => (j.answered ? 0 : 1))),
  };
}

/** Percentile bootstrap 95% intervals for every figure. */
export function bootstrap(js: Judgement[], rounds = 1000, seed = 13): Record<keyof Omit<Figures, 'n'>, [number, number]> {
  const random = rng(seed);
  const samples: Figures[] = [];
  for (let r = 0; r < rounds; r++) {
    const draw = Array.from({ length: js.length }, () => js[Math.floor(random() * js.length)]!);
    samples.push(figures(draw));
  }
  const out = {} as Record<keyof Omit<Figures, 'n'>, [number, number]>;
  for (const key of ['r@1', 'r@5', 'r@10', 'mrr@10', 'answer_in_citation', 'answer_in_answer', 'refused'] as const) {
    const values = samples.map((s) => s[key]).sort((a, b) => a - b);
    out[key] = [values[Math.floor(rounds * 0.025)]!, values[Math.min(rounds - 1, Math.floor(rounds * 0.975))]!];
  }
  return out;
}

export interface KindRow {
  kind: string;
  n: number;
  hit1: number;
  hit3: number;
  fact: number;
  /** Unanswerable questions refused. */
  refused: number;
  /** Answerable questions refused. */
  falseRefusals: number;
}

/** The dev-set table: per question kind, answer-level hit@1/hit@3 (gold among citations), fact, refusals. */
export function kindTable(js: Judgement[]): KindRow[] {
  const kinds = [...new Set(js.map((j) => j.kind))];
  const row = (kind: string, group: Judgement[]): KindRow => {
    const answerable = group.filter((j) => j.answerable);
    return {
      kind,
      n: group.length,
      hit1: mean(answerable.map((j) => (j.citeHit1 ? 1 : 0))),
      hit3: mean(answerable.map((j) => (j.citeHit3 ? 1 : 0))),
      fact: mean(answerable.map((j) => (j.answerInAnswer ? 1 : 0))),
      refused: group.filter((j) => !j.answerable && !j.answered).length,
      falseRefusals: answerable.filter((j) => !j.answered).length,
    };
  };
  return [...kinds.map((k) => row(k, js.filter((j) => j.kind === k))), row('all', js)];
}

/**
 * One question set for {@link refusalSweep}: its questions and the engine over the corpus they
 * are asked of, with a given dense threshold (`AnswerOptions.denseThreshold`). The caller owns
 * the engines (several may share one embedder, which closing an engine would close).
 */
export interface SweepSet {
  name: string;
  questions: EvalQuestion[];
  engine: (denseThreshold: number | null) => Promise<Pick<Engine, 'ask'>>;
}

/** What a refusal rule does to each set: the share of answerable questions answered with the fact, of unanswerable ones refused. */
export interface SweepRow {
  denseThreshold: number | null;
  /** Per set: the share of its answerable questions answered with the fact, and of its unanswerable ones refused (null: it has none). */
  sets: Record<string, { answeredWithFact: number | null; refused: number | null }>;
}

/**
 * Asks every set's questions with each dense threshold (null: refusal rests on lexical
 * evidence alone), so the threshold can be chosen where the model runs: a threshold earns its
 * place if it answers more answerable questions with the fact without answering more
 * unanswerable ones. Lexical figures do not move with it; only a calibrated model's do.
 */
export async function refusalSweep(sets: SweepSet[], thresholds: Array<number | null>): Promise<SweepRow[]> {
  const rows: SweepRow[] = [];
  for (const denseThreshold of thresholds) {
    const row: SweepRow = { denseThreshold, sets: {} };
    for (const set of sets) {
      const engine = await set.engine(denseThreshold);
      let withFact = 0, answerable = 0, refused = 0, unanswerable = 0;
      for (const q of set.questions) {
        const a = await engine.ask(q.q);
        if (q.gold.length > 0) {
          answerable++;
          if (a.answered && containsExpected(a.answer, q.expect)) withFact++;
        } else {
          unanswerable++;
          if (!a.answered) refused++;
        }
      }
      row.sets[set.name] = { answeredWithFact: answerable ? withFact / answerable : null, refused: unanswerable ? refused / unanswerable : null };
    }
    rows.push(row);
  }
  return rows;
}

/**
 * Whether a model's similarities mean anything: the probability that a question's vector is
 * closer (cosine) to its gold passage than to a passage about something else (ROC AUC over the
 * given pairs; 0.5 is chance). A real multilingual model scores far above 0.5; random weights
 * (the timing twin: 0.565 on 200 ARCD-train questions) stay near it, and a threshold calibrated
 * on them means nothing.
 */
export async function denseSeparation(
  embedder: Pick<Embedder, 'embedQueries' | 'embedPassages'>,
  items: Array<{ question: string; gold: string; other: string }>,
): Promise<number> {
  if (items.length === 0) return 0.5;
  const queries = await embedder.embedQueries(items.map((i) => i.question));
  const passages = await embedder.embedPassages(items.flatMap((i) => [i.gold, i.other]));
  let wins = 0;
  items.forEach((_, k) => {
    const gold = cosine(queries[k]!, passages[2 * k]!);
    const other = cosine(queries[k]!, passages[2 * k + 1]!);
    wins += gold > other ? 1 : gold === other ? 0.5 : 0;
  });
  return wins / items.length;
}


/**
 * Which of a question's words the gold passage and the passage ranked first hold: the same ones
 * (`same`: a ranker that reads which words occur cannot tell the two apart, only term frequency
 * and length can), as many but not the same (`different`), or more in one of them.
 */
export type WordsHeld = 'same' | 'different' | 'gold-more' | 'first-more';

export function wordsHeld(question: readonly string[], gold: ReadonlySet<string>, first: ReadonlySet<string>): WordsHeld {
  const inGold = question.filter((t) => gold.has(t));
  const inFirst = question.filter((t) => first.has(t));
  if (inGold.length > inFirst.length) return 'gold-more';
  if (inGold.length < inFirst.length) return 'first-more';
  return inGold.every((t) => first.has(t)) ? 'same' : 'different';
}

/** Questions whose gold passage is not ranked first, by what is ranked first ({@link missAnatomy}). */
export interface MissAnatomy {
  questions: number;
  missed: number;
  rows: Array<{
    /**
     * The passage ranked first is another paragraph of the gold's article (same title) or of
     * another article; `nothing` when nothing was ranked (or the gold is not among the passages).
     */
    first: 'same article' | 'another article' | 'nothing';
    words: WordsHeld | null;
    count: number;
  }>;
}

/**
 * The misses of a passage set taken apart: for each question whose gold passage is not first in
 * its ranking, whether the first passage is another paragraph of the same article and which of
 * the question's words each holds. `questionTerms` and `passageTerms` are the index's analysis
 * (query terms; every document term of a passage's title and text).
 */
export function missAnatomy(
  questions: readonly EvalQuestion[],
  rankings: ReadonlyArray<readonly DocId[]>,
  passages: ReadonlyMap<string, Passage>,
  questionTerms: (question: string) => string[],
  passageTerms: (passage: Passage) => ReadonlySet<string>,
): MissAnatomy {
  const counts = new Map<string, MissAnatomy['rows'][number]>();
  let missed = 0;
  questions.forEach((q, i) => {
    const docs = rankings[i] ?? [];
    if (docs.length > 0 && isGold(docs[0]!, q.gold)) return;
    missed++;
    const gold = passages.get(q.gold[0] ?? '');
    const first = docs.length > 0 ? passages.get(docs[0]!) : undefined;
    let row: MissAnatomy['rows'][number];
    if (!gold || !first) row = { first: 'nothing', words: null, count: 0 };
    else {
      const terms = [...new Set(questionTerms(q.q))];
      row = { first: gold.title === first.title ? 'same article' : 'another article', words: wordsHeld(terms, passageTerms(gold), passageTerms(first)), count: 0 };
    }
    const key = `${row.first}:${row.words}`;
    const kept = counts.get(key) ?? row;
    kept.count++;
    counts.set(key, kept);
  });
  const order = ['same article', 'another article', 'nothing'];
  const rows = [...counts.values()].sort((a, b) => order.indexOf(a.first) - order.indexOf(b.first) || b.count - a.count);
  return { questions: questions.length, missed, rows };
}

/**
 * One question of a generative eval (`npm run eval -- --answer-mode generative`): what the asker
 * saw, and what the check made of the model's answer.
 */
export interface GenerativeJudgement {
  id: string;
  kind: string;
  answerable: boolean;
  /** Not a refusal. */
  answered: boolean;
  /** The answer shown is the model's (checked); false for refusals and fallbacks. */
  generated: boolean;
  /** Why the model's answer was not used, when it was tried and not used. */
  fallback: string | null;
  /** An expected string is in the answer shown (Arabic-normalised). */
  fact: boolean;
  /** Sentences of the answer shown that cite a source, and how many of them the check finds supported by it. */
  cited: number;
  supported: number;
  /** Sentences of the model's answer kept and dropped by the check. */
  kept: number;
  dropped: number;
  totalMs: number;
  firstTokenMs: number | null;
}

/** The sentences of an answer shown, each with its [n]: a generated answer's, or the quotes. */
function shownSentences(answer: Answer, split: (text: string) => { sentences: string[]; rest: string }): string[] {
  if (!answer.answered) return [];
  if (answer.answerMode !== 'generative') return answer.quotes.map((q) => `${q.text} [${q.n}]`);
  const { sentences, rest } = split(answer.answer);
  return rest.trim() ? [...sentences, rest.trim()] : sentences;
}

/**
 * Judges an answer of the generative eval. Citation support re-checks every cited sentence the
 * asker sees against the passages it cites, with the same check the answer went through
 * (src/generate/check.ts): the share should be 1, and anything less is a bug in the wiring.
 */
export function judgeGenerative(q: EvalQuestion, answer: Answer, check: Pick<Checker, 'checkSentence' | 'splitGenerated'>): GenerativeJudgement {
  const sources = answer.citations.map((c) => ({ n: c.n, text: c.passage, title: c.title, outlet: c.outlet, date: c.date }));
  const sentences = shownSentences(answer, check.splitGenerated).filter((s) => /\[[0-9٠-٩]/.test(s));
  const supported = sentences.filter((s) => check.checkSentence(s, sources, answer.lang).ok).length;
  const generated = answer.answerMode === 'generative';
  return {
    id: q.id,
    kind: q.kind,
    answerable: q.gold.length > 0,
    answered: answer.answered,
    generated,
    fallback: answer.generation?.fallback ?? null,
    fact: answer.answered && containsExpected(answer.answer, q.expect),
    cited: sentences.length,
    supported,
    kept: generated ? sentences.length : 0,
    dropped: answer.generation?.dropped.length ?? 0,
    totalMs: answer.timings.totalMs,
    firstTokenMs: answer.generation?.firstTokenMs ?? null,
  };
}

/** A row of the generative eval's table (one question kind, or `all`). */
export interface GenerativeKindRow {
  kind: string;
  n: number;
  /** Answerable questions whose answer shown holds the fact. */
  fact: number;
  /** Share of the cited sentences shown that the check finds supported by their sources. */
  citationSupport: number;
  /** Answers shown in the model's words, and fallbacks to the quoted answer. */
  generated: number;
  fallbacks: number;
  /** Sentences of the model's answers the check dropped, and the share of its sentences kept. */
  dropped: number;
  keptShare: number;
  /** Unanswerable questions refused, answerable ones refused. */
  refused: number;
  falseRefusals: number;
  /** Median milliseconds per question, and to the model's first token. */
  p50Ms: number;
  p50FirstTokenMs: number | null;
}

const median = (xs: number[]): number | null => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

/** The generative eval's table: per question kind, then `all`. */
export function generativeKindTable(js: GenerativeJudgement[]): GenerativeKindRow[] {
  const row = (kind: string, group: GenerativeJudgement[]): GenerativeKindRow => {
    const answerable = group.filter((j) => j.answerable);
    const cited = group.reduce((a, j) => a + j.cited, 0);
    const kept = group.reduce((a, j) => a + j.kept, 0);
    const dropped = group.reduce((a, j) => a + j.dropped, 0);
    return {
      kind,
      n: group.length,
      fact: mean(answerable.map((j) => (j.fact ? 1 : 0))),
      citationSupport: cited ? group.reduce((a, j) => a + j.supported, 0) / cited : 1,
      generated: group.filter((j) => j.generated).length,
      fallbacks: group.filter((j) => j.fallback !== null).length,
      dropped,
      keptShare: kept + dropped ? kept / (kept + dropped) : 0,
      refused: group.filter((j) => !j.answerable && !j.answered).length,
      falseRefusals: answerable.filter((j) => !j.answered).length,
      p50Ms: median(group.map((j) => j.totalMs)) ?? 0,
      p50FirstTokenMs: median(group.flatMap((j) => (j.firstTokenMs === null ? [] : [j.firstTokenMs]))),
    };
  };
  const kinds = [...new Set(js.map((j) => j.kind))];
  return [...kinds.map((k) => row(k, js.filter((j) => j.kind === k))), row('all', js)];
}
