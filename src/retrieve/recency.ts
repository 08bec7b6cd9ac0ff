/**
 * Questions that ask for the latest news («ما آخر أخبار …», «أحدث», «اليوم», «هذا الأسبوع»,
 * "latest", "today") prefer the newest articles that answer them.
 *
 * "Answer them" is decided by retrieval, not by date: only hits that score close to the best one
 * (at least {@link RECENCY.relevantShare} of its lexical score) are reordered, newest first, and
 * the rest keep their places after them. A new article that merely shares a word with the
 * question therefore never displaces one that answers it; among those that do, the newest leads,
 * so the answer quotes it first and its source line says it is the most recent.
 *
 * «آخر» also means "other" («بلد آخر»): it only counts as "latest" where it stands before what it
 * qualifies (at the start of the question, after a question word, or before a noun with
 * «ال»/«ما»), never after a noun.
 */
import { normalize, words } from '../text/arabic.js';
import type { Hit } from '../types.js';

export const RECENCY = {
  /** A hit is reordered when its lexical score is at least this share of the best hit's. */
  relevantShare: 0.6,
} as const;

/** Question words after which «آخر» / «أحدث» means "latest" (normalised spellings). */
const QUESTION_WORDS = new Set(['ما', 'ماذا', 'ماهي', 'ماهو', 'هي', 'هو', 'شو', 'ايش', 'وش', 'متي', 'كيف', 'هل', 'عن', 'في', 'اعطني', 'اخبرني']);
/** Words that say "latest" wherever they stand (normalised). */
const ALWAYS = new Set(['مؤخرا', 'حاليا', 'الان']);
/** «اليوم» after these means "per day" or "to this day", not "today". */
const DAY_PREPOSITIONS = new Set(['في', 'الي', 'حتي', 'من', 'منذ', 'لليوم', 'كل']);
/** «الأخيرة» after a noun: «الزيارة الأخيرة», «الانتخابات الأخيرة». */
const LAST = new Set(['الاخيره', 'الاخير']);
const ENGLISH_WORDS = String.raw`\b(?:latest|newest|most recent|recently|today|this week|currently|right now)\b`;
const ENGLISH = new RegExp(ENGLISH_WORDS, 'i');
const ENGLISH_ALL = new RegExp(ENGLISH_WORDS, 'gi');

/** Normalised word of one whitespace-separated token (punctuation and a leading و/ف off). */
function tokenWord(token: string): string {
  return (words(normalize(token))[0] ?? '').replace(/^[وف](?=ال|اخر|احدث)/, '');
}

/**
 * Whether a question asks for the latest news, and the question without the words that say so
 * («آخر», «أحدث», «اليوم», «هذا الأسبوع», "latest", "today"…): those words ask for an order,
 * not for content, and searching for them would make an article that answers look as if it
 * missed a question word (measured: «ما آخر ما أعلنته الوزارة عن القمح؟» was refused with them).
 */
export function recencyQuestion(question: string): { latest: boolean; rest: string } {
  const english = ENGLISH.test(question);
  const tokens = question.split(/(\s+)/);
  const ws = tokens.map((t) => (/^\s*$/.test(t) ? null : tokenWord(t)));
  const content = ws.map((w, i) => ({ w, i })).filter((x): x is { w: string; i: number } => x.w !== null && x.w !== '');
  const drop = new Set<number>();
  content.forEach(({ w, i }, k) => {
    const before = content[k - 1]?.w;
    const after = content[k + 1]?.w;
    if (ALWAYS.has(w)) drop.add(i);
    else if (w === 'اليوم' && !(before !== undefined && DAY_PREPOSITIONS.has(before))) drop.add(i);
    else if (LAST.has(w) && before?.startsWith('ال')) drop.add(i);
    else if (w === 'الجديد' && before !== undefined && QUESTION_WORDS.has(before)) drop.add(i);
    else if (w === 'هذا' && after === 'الاسبوع') (drop.add(i), drop.add(content[k + 1]!.i));
    else if (w === 'الاسبوع' && after === 'الحالي') (drop.add(i), drop.add(content[k + 1]!.i));
    else if (w === 'اخر' || w === 'احدث') {
      // Before what it qualifies: «آخر الأخبار», «آخر ما قاله», «ما آخر تطورات»; not «بلد آخر».
      if (before === undefined || QUESTION_WORDS.has(before)) drop.add(i);
      else if (after !== undefined && (after.startsWith('ال') || after === 'ما' || after === 'اخبار' || after === 'تطورات' || after === 'مستجدات')) drop.add(i);
    }
  });
  const latest = english || drop.size > 0;
  if (!latest) return { latest, rest: question };
  const rest = tokens
    .map((t, i) => (drop.has(i) ? '' : t))
    .join('')
    .replace(ENGLISH_ALL, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return { latest, rest: rest || question };
}

/** Whether a question asks for the latest news (see {@link recencyQuestion}). */
export function asksForLatest(question: string): boolean {
  return recencyQuestion(question).latest;
}

/**
 * How well a hit answers, on a scale where a share of the best means something: its lexical
 * (BM25, reranked) score; for a hit only the dense half found, its cosine similarity. Fused RRF
 * scores cannot serve: ranks 1 and 8 differ by 10% there.
 */
function strength(hit: Hit, bestLexical: number, bestDense: number): number {
  const lexical = hit.signals.lexical?.score;
  if (lexical !== undefined && bestLexical > 0) return lexical / bestLexical;
  const dense = hit.signals.dense?.score;
  // Cosine similarities are compressed near the top: within 0.05 of the best counts as close.
  if (dense !== undefined) return bestLexical > 0 ? 0 : dense >= bestDense - 0.05 ? 1 : 0;
  return 0;
}

/**
 * Hits reordered for a question that asks for the latest: those whose lexical score is at least
 * {@link RECENCY.relevantShare} of the best (or, found by the dense half alone, close to its best
 * similarity), newest first by their article's date (undated after dated, in their order), then
 * the others in their order. Pure; returns a new array.
 */
export function preferRecent(hits: readonly Hit[], share: number = RECENCY.relevantShare): Hit[] {
  if (hits.length < 2) return [...hits];
  const bestLexical = Math.max(0, ...hits.map((h) => h.signals.lexical?.score ?? 0));
  const bestDense = Math.max(-1, ...hits.map((h) => h.signals.dense?.score ?? -1));
  const relevant: Array<{ hit: Hit; at: number }> = [];
  const rest: Hit[] = [];
  hits.forEach((hit, at) => (strength(hit, bestLexical, bestDense) >= share ? relevant.push({ hit, at }) : rest.push(hit)));
  relevant.sort((a, b) => {
    const da = a.hit.chunk.date;
    const db = b.hit.chunk.date;
    if (da && db && da !== db) return da < db ? 1 : -1;
    if (da && !db) return -1;
    if (db && !da) return 1;
    return a.at - b.at;
  });
  return [...relevant.map((r) => r.hit), ...rest];
}
