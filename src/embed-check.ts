/**
 * The embedding model's sanity check: before the dense half of retrieval is trusted, the model
 * must show that its vectors mean something on the corpus at hand.
 *
 * The test: each story's headline, embedded as a query, must be closer (cosine) to the opening of
 * its own story than to the openings of the other stories. Over every (headline, own story,
 * other story) triple this is a ROC AUC: 0.5 is chance, a working multilingual model is near 1.
 * A model for another language (most Arabic words become one unknown token), a corrupted file or
 * random weights stay near chance and fail; the dense half is then left out and the reason is
 * said in the warning, `/status` and `ask --json`. Measured: the committed test encoder scores
 * 1.0 on the five articles, mE5-small's timing twin (its architecture with random weights) near
 * chance (tests/embed-check.test.ts).
 *
 * Only a sample of the corpus is read (files spread evenly over the folder), so the check costs
 * the same at five articles and at thirty thousand: at most {@link MODEL_CHECK.stories} headlines
 * and openings are embedded.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Embedder } from './embed.js';
import { parseArticle } from './ingest/articles.js';
import { fileHash } from './ingest/corpus.js';

export const MODEL_CHECK = {
  /** Most stories sampled. */
  stories: 24,
  /** Fewest titled stories for the check to mean anything; below it the model is used unchecked. */
  minStories: 3,
  /**
   * A story's opening: its first body paragraphs joined up to this many characters. The opening
   * is what a headline sums up; later passages drift to what every story of a topical corpus
   * shares (measured on the five articles: headline vs opening AUC 0.94 with the test encoder,
   * headline vs any passage 0.64, so only the opening is used).
   */
  openingChars: 300,
  /** Lowest AUC that passes (random weights give ~0.5–0.6, a real model ~0.9+). */
  minAuc: 0.75,
} as const;

/** What the check found. */
export interface ModelCheck {
  /** `passed`, `failed`, or `skipped` when the corpus has too few titled stories to tell. */
  status: 'passed' | 'failed' | 'skipped';
  /** ROC AUC of own story over other stories (0.5 is chance); null when skipped. */
  auc: number | null;
  /** Share of headlines whose own story is the closest of the sample; null when skipped. */
  top1: number | null;
  /** Stories sampled. */
  stories: number;
  /** One line for a person: what was measured and what follows. */
  summary: string;
}

/** A story for the check: its headline (null: it only serves as another story) and its opening. */
export interface CheckStory {
  title: string | null;
  opening: string;
}

/** Cosine similarity of two vectors (0 when either is all zeros). */
export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}

/**
 * Runs the check: each titled story's headline (as a query) against the openings of every story
 * (as passages). The AUC counts the (headline, other story) pairs in which the headline's own
 * opening is closer; `top1` the headlines whose closest opening is their own.
 */
export async function checkEmbedder(embedder: Pick<Embedder, 'modelId' | 'embedQueries' | 'embedPassages'>, stories: CheckStory[]): Promise<ModelCheck> {
  const titled = stories.flatMap((s, i) => (s.title === null ? [] : [{ title: s.title, i }]));
  const n = titled.length;
  if (n < MODEL_CHECK.minStories) {
    return {
      status: 'skipped',
      auc: null,
      top1: null,
      stories: n,
      summary: `model ${embedder.modelId} not checked: the corpus has ${n} titled ${n === 1 ? 'story' : 'stories'}, the check needs ${MODEL_CHECK.minStories}`,
    };
  }
  const queries = await embedder.embedQueries(titled.map((s) => s.title));
  const openings = await embedder.embedPassages(stories.map((s) => s.opening));
  let wins = 0;
  let pairs = 0;
  let top = 0;
  titled.forEach(({ i }, q) => {
    const own = cosine(queries[q]!, openings[i]!);
    let first = true;
    openings.forEach((other, j) => {
      if (j === i) return;
      const sim = cosine(queries[q]!, other);
      wins += own > sim ? 1 : own === sim ? 0.5 : 0;
      pairs++;
      if (sim >= own) first = false;
    });
    if (first) top++;
  });
  const auc = pairs ? wins / pairs : 0.5;
  const top1 = top / n;
  const passed = auc >= MODEL_CHECK.minAuc;
  const figures = `a headline is closer to its own story than to another with probability ${auc.toFixed(2)} (0.5 is chance); ${top} of ${n} headlines find their own story first`;
  return {
    status: passed ? 'passed' : 'failed',
    auc,
    top1,
    stories: n,
    summary: passed
      ? `model ${embedder.modelId} passed its check on this corpus: ${figures}`
      : `model ${embedder.modelId} failed its check on this corpus (${figures}): its vectors do not tell these stories apart, as with a model for another language, a damaged file or random weights, so answers use lexical retrieval only`,
  };
}

/**
 * Up to `count` stories from a corpus folder, from files spread evenly over its sorted `.txt`
 * names (unreadable files are passed over; identical texts count once). An untitled story is
 * kept as another story for the titled ones to be told apart from.
 */
export async function sampleStories(corpusDir: string, count: number = MODEL_CHECK.stories): Promise<CheckStory[]> {
  let names: string[];
  try {
    names = (await fs.readdir(corpusDir)).filter((n) => n.endsWith('.txt')).sort();
  } catch {
    return [];
  }
  // Evenly spread picks, then the rest in order, until enough titled stories are found.
  const step = Math.max(1, Math.floor(names.length / count));
  const order = [...names.filter((_, i) => i % step === 0), ...names.filter((_, i) => i % step !== 0)];
  const stories: CheckStory[] = [];
  const seen = new Set<string>();
  for (const name of order) {
    if (stories.length >= count) break;
    if (name.startsWith('.')) continue;
    try {
      const file = path.join(corpusDir, name);
      const stat = await fs.stat(file);
      if (!stat.isFile() || stat.size > 5 * 1024 * 1024) continue;
      const bytes = await fs.readFile(file);
      const hash = fileHash(bytes);
      if (seen.has(hash)) continue;
      seen.add(hash);
      const article = parseArticle({ id: name, path: file, raw: bytes.toString('utf8').replace(/^\uFEFF/, ''), hash });
      let opening = '';
      for (const p of article.sections[0]?.paragraphs ?? []) {
        if (p.heading) continue;
        opening = opening ? `${opening} ${p.text}` : p.text;
        if (opening.length >= MODEL_CHECK.openingChars) break;
      }
      if (opening.length < 80) continue;
      stories.push({ title: article.title, opening: opening.slice(0, MODEL_CHECK.openingChars * 2) });
    } catch {
      // A file that cannot be read or parsed is the corpus reader's to report, not the check's.
    }
  }
  return stories;
}

/**
 * {@link checkEmbedder} on a sample of `corpusDir`, remembered in `cacheFile` (when given) under
 * the model's id and the sample's text: a restart with the same model and corpus does not embed
 * the sample again (mE5-small: ~0.5 s of start-up on this machine).
 */
export async function checkEmbedderOnCorpus(
  embedder: Pick<Embedder, 'modelId' | 'embedQueries' | 'embedPassages'>,
  corpusDir: string,
  cacheFile?: string,
): Promise<ModelCheck> {
  const stories = await sampleStories(corpusDir);
  const key = createHash('sha256')
    .update(JSON.stringify([embedder.modelId, MODEL_CHECK, stories]))
    .digest('hex');
  if (cacheFile) {
    try {
      const cached = JSON.parse(await fs.readFile(cacheFile, 'utf8')) as { key?: string; check?: ModelCheck };
      if (cached.key === key && cached.check) return cached.check;
    } catch {
      // No cache yet, or an unreadable one: check again.
    }
  }
  const check = await checkEmbedder(embedder, stories);
  if (cacheFile) {
    try {
      await fs.mkdir(path.dirname(cacheFile), { recursive: true });
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      await fs.writeFile(tmp, JSON.stringify({ key, check }));
      await fs.rename(tmp, cacheFile);
    } catch {
      // A read-only index folder only costs the check again at the next start.
    }
  }
  return check;
}
