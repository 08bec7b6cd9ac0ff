/**
 * Measures the near-duplicate detector (src/intake/dedup.ts) on real Arabic text.
 *
 *   npx tsx scripts/measure-dedup.ts [--seed 13] [--variants 2] [--scale 30000]
 *
 * Texts (each a list of paragraphs, and a topic):
 *   - the corpus articles (corpus/*.txt, parsed as the bot parses them; all five are about Russia
 *     and China, so they are same-topic different stories);
 *   - the body text of the real pages in ../shared/intake/pages (Readability over linkedom);
 *   - the ARCD and XQuAD-ar passages (../shared/external/protocol/passages.jsonl): paragraphs of
 *     one Wikipedia article share its topic and names, the hard negatives.
 * Texts under 3 sentences or 50 words are left out (all intro); per Wikipedia article of three
 * passages or more, the last is held out as new material (in no pair itself).
 * Each text is republished `--variants` times, as an outlet takes a wire story, by random
 * realistic edits, each applied with some probability and at a random strength: chrome lines
 * added («شارك المقال», «اقرأ أيضاً», a date line); the intro rewritten (a dateline and some
 * words changed, or replaced by a held-out sentence of another topic); 5–20 % of sentences
 * dropped; 5–20 % reworded (words swapped for synonyms, dropped, a «و» added or removed); a
 * paragraph moved; a held-out sentence appended. One follow-up report per article: its held-out
 * passage quoting a sentence or two (at most a third) of one of its other passages.
 *
 * Labels: two texts are the same story when one is a republication of the other or both are of
 * the same text; everything else (other paragraphs of the same article, follow-ups, other
 * corpus articles on the same subject, other topics) is a different story. ARCD passages that
 * are copies of each other in the data are the same story; a short span inside a much longer
 * one is left out (see {@link overlapping}). Every pair is scored with the estimated similarity
 * of the signatures; the table gives, at each threshold, true matches, false matches (and how
 * many of them are same-topic) and misses; then recall at the threshold by text length, the
 * closest different stories and the farthest same-story pairs. Then the LSH index: each
 * republication and follow-up looked up among the originals with `NearDuplicates.find`; and the
 * cost of `minhash` + `add` and of `find` with `--scale` signatures stored (0 to skip).
 *
 * Reads ../shared; says so and exits when it is absent.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';
import { parseArticle } from '../src/ingest/articles.js';
import { minhash, NearDuplicates, NEAR_DUPLICATE_THRESHOLD, similarity } from '../src/intake/dedup.js';
import { rng } from '../src/random.js';
import { normalize, splitSentences, words } from '../src/text/arabic.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const SHARED = path.resolve(ROOT, '../shared');

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

/** A text of the labelled set. */
interface Text {
  name: string;
  /** Texts of one story share this. */
  story: string;
  /** Texts about the same subject (same article, same corpus) share this. */
  topic: string;
  kind: 'original' | 'republished' | 'follow-up';
  paragraphs: string[][];
}

/** Paragraphs as lists of sentences; a text with fewer than 3 paragraphs is regrouped by sentences. */
function toParagraphs(paragraphs: string[]): string[][] {
  let out = paragraphs.map((p) => splitSentences(p).map((s) => s.text)).filter((p) => p.length > 0);
  if (out.length < 3) {
    const sentences = out.flat();
    out = [];
    for (let i = 0; i < sentences.length; i += 2) out.push(sentences.slice(i, i + 2));
  }
  return out;
}

function loadTexts(): Text[] {
  const texts: Text[] = [];
  const corpus = path.join(ROOT, 'corpus');
  for (const file of fs.readdirSync(corpus).filter((f) => f.endsWith('.txt')).sort()) {
    const a = parseArticle({ id: file, raw: fs.readFileSync(path.join(corpus, file), 'utf8') });
    const ps = a.sections[0]!.paragraphs.filter((p) => !p.heading).map((p) => p.text);
    texts.push({ name: `corpus/${file}`, story: `corpus/${file}`, topic: 'corpus', kind: 'original', paragraphs: toParagraphs(ps) });
  }
  const pages = path.join(SHARED, 'intake/pages');
  for (const file of fs.readdirSync(pages).filter((f) => /\.html(\.gz)?$/.test(f)).sort()) {
    let bytes = fs.readFileSync(path.join(pages, file));
    if (file.endsWith('.gz')) bytes = zlib.gunzipSync(bytes);
    const { document } = parseHTML(bytes.toString('utf8'));
    const article = new Readability(document as unknown as Document).parse();
    const ps = (article?.textContent ?? '').split(/\n+/).map((s) => s.trim()).filter((s) => s.split(/\s+/).length >= 6);
    texts.push({ name: `page/${file}`, story: `page/${file}`, topic: `page/${file}`, kind: 'original', paragraphs: toParagraphs(ps) });
  }
  const passages = fs.readFileSync(path.join(SHARED, 'external/protocol/passages.jsonl'), 'utf8').split('\n').filter(Boolean);
  for (const line of passages) {
    const p = JSON.parse(line) as { id: string; source: string; title: string; text: string };
    texts.push({ name: p.id, story: p.id, topic: `${p.source}/${p.title}`, kind: 'original', paragraphs: toParagraphs([p.text]) });
  }
  // A news story has a few sentences; a one-sentence passage would be all intro.
  return texts.filter((t) => t.paragraphs.flat().length >= 3 && t.paragraphs.flat().join(' ').split(/\s+/).length >= 50);
}

/**
 * Splits the texts into originals and, per topic of three texts or more, the last one held out
 * as the new material of a follow-up report (it is in no pair itself, so a follow-up is not a
 * copy of any other text of the set).
 */
function holdOut(texts: readonly Text[]): { originals: Text[]; heldOut: Map<string, Text> } {
  const byTopic = new Map<string, Text[]>();
  for (const t of texts) byTopic.set(t.topic, [...(byTopic.get(t.topic) ?? []), t]);
  const heldOut = new Map<string, Text>();
  for (const [topic, group] of byTopic) if (group.length >= 3 && topic !== 'corpus') heldOut.set(topic, group[group.length - 1]!);
  const held = new Set(heldOut.values());
  return { originals: texts.filter((t) => !held.has(t)), heldOut };
}

const CHROME = [
  'شارك المقال', 'تابعونا على تلغرام', 'المصدر: وكالات', 'الأكثر قراءة', 'اقرأ أيضاً', 'نشر في: الخميس 3 نوفمبر 2025 - 10:30 ص',
  'حجم الخط', 'تابعوا آخر الأخبار عبر حسابنا على فيسبوك', 'مدة القراءة: دقيقتان', 'إعلان',
];
const DATELINES = ['القاهرة - (رويترز) - ', 'موسكو (أ ف ب) - ', 'بكين - شينخوا: ', 'بيروت - ', 'عواصم - وكالات: '];
const SWAPS: Array<[string, string]> = [
  ['قال', 'أكد'], ['أعلن', 'كشف'], ['اليوم', 'الخميس'], ['إن', 'أن'], ['في', 'خلال'], ['كما', 'وأيضاً'], ['التي', 'الذي'], ['على', 'بشأن'],
];

/** A sentence reworded: some words swapped for a synonym, dropped, or given / stripped of «و». */
function reword(sentence: string, rand: () => number, strength: number): string {
  return sentence
    .split(/\s+/)
    .flatMap((w) => {
      if (rand() > strength) return [w];
      const r = rand();
      const swap = SWAPS.find(([a, b]) => w === a || w === b);
      if (swap && r < 0.6) return [w === swap[0] ? swap[1] : swap[0]];
      if (r < 0.35) return [];
      if (r < 0.7) return [w.startsWith('و') && w.length > 3 ? w.slice(1) : `و${w}`];
      return [w];
    })
    .join(' ');
}

function pick<T>(items: readonly T[], rand: () => number): T {
  return items[Math.floor(rand() * items.length)]!;
}

/**
 * A republication of `text` by another outlet: random realistic edits (see module doc). New
 * sentences (another intro, an appended line) come from `fresh`, text in no pair of the set
 * (held-out passages) of another topic, so that an edit cannot make the copy resemble some other
 * text of the set, nor the follow-up made of its topic's held-out passage.
 */
function republish(text: Text, fresh: Map<string, Text>, rand: () => number, n: number): Text {
  const pool = [...fresh.values()];
  const newSentence = () => {
    let source = pick(pool, rand);
    while (source.topic === text.topic && pool.length > 1) source = pick(pool, rand);
    const short = source.paragraphs.flat().filter((x) => x.split(/\s+/).length <= 30);
    return pick(short.length ? short : source.paragraphs.flat(), rand);
  };
  let ps = text.paragraphs.map((p) => [...p]);
  const all = () => ps.flat().length;
  // Intro rewritten.
  if (rand() < 0.7) {
    const first = ps[0]![0]!;
    ps[0]![0] = rand() < 0.6 ? pick(DATELINES, rand) + reword(first, rand, 0.3) : newSentence();
  }
  // 5–20 % of sentences dropped, then 5–20 % reworded (never the whole text).
  for (const op of ['drop', 'reword'] as const) {
    if (rand() < 0.3) continue;
    const share = 0.05 + rand() * 0.15;
    // Rounded at random, so a short text loses 5–20 % of its sentences on average too, not one in three.
    const exact = all() * share;
    const count = Math.floor(exact) + (rand() < exact - Math.floor(exact) ? 1 : 0);
    for (let k = 0; k < count && all() > 2; k++) {
      const p = Math.floor(rand() * ps.length);
      const s = Math.floor(rand() * ps[p]!.length);
      if (op === 'drop') ps[p]!.splice(s, 1);
      else ps[p]![s] = reword(ps[p]![s]!, rand, 0.25);
    }
    ps = ps.filter((p) => p.length > 0);
  }
  // A paragraph moved.
  if (rand() < 0.5 && ps.length > 2) {
    const [moved] = ps.splice(1 + Math.floor(rand() * (ps.length - 1)), 1);
    ps.splice(Math.floor(rand() * ps.length), 0, moved!);
  }
  // A sentence appended (background on the same topic when there is some).
  if (rand() < 0.5) ps.push([newSentence()]);
  // Chrome lines.
  if (rand() < 0.7) {
    const lines = 1 + Math.floor(rand() * 3);
    for (let k = 0; k < lines; k++) {
      if (rand() < 0.5) ps.unshift([pick(CHROME, rand)]);
      else ps.push([pick(CHROME, rand)]);
    }
  }
  return { name: `${text.name}~${n}`, story: text.story, topic: text.topic, kind: 'republished', paragraphs: ps };
}

/** A follow-up report: new text on the same topic (`material`) that quotes a sentence or two of `text`. */
function followUp(text: Text, material: Text, rand: () => number): Text {
  const fresh = material.paragraphs.map((p) => [...p]);
  const quoted = text.paragraphs.flat();
  // One or two sentences, never more than a third of the first report: a recap, not a copy.
  const k = Math.max(1, Math.min(1 + Math.floor(rand() * 2), Math.floor(quoted.length / 3)));
  const start = Math.floor(rand() * Math.max(1, quoted.length - k));
  fresh.push(quoted.slice(start, start + k));
  return { name: `${text.name}+follow-up`, story: `${text.name}+follow-up`, topic: text.topic, kind: 'follow-up', paragraphs: fresh };
}

/**
 * ARCD holds overlapping spans of one article («فلسطين» intro + paragraph, and the paragraph
 * alone; two revisions of one lead), so some "different" passages are copies of each other. Two
 * originals are compared by their runs of 8 words (much longer than the detector's shingles, so
 * only copied text counts): sharing half of the longer one's runs, they are the same story (and
 * so are their republications): `same`. A short span inside a much longer one (half of the
 * shorter's runs shared, not of the longer's) is neither clearly the same story nor another:
 * `ambiguous`, left out of the count. Not transitive. Pairs of stories as `a|b`, both ways.
 */
function overlapping(originals: readonly Text[]): { same: Set<string>; ambiguous: Set<string> } {
  const grams = originals.map((t) => {
    const w = words(normalize(body(t)));
    const out = new Set<string>();
    for (let i = 0; i + 8 <= w.length; i++) out.add(w.slice(i, i + 8).join(' '));
    return out;
  });
  const same = new Set<string>();
  const ambiguous = new Set<string>();
  for (let i = 0; i < originals.length; i++) {
    for (let j = i + 1; j < originals.length; j++) {
      const [a, b] = [grams[i]!, grams[j]!];
      let shared = 0;
      for (const x of a) if (b.has(x)) shared++;
      if (shared === 0 || shared < Math.min(a.size, b.size) / 2) continue;
      const into = shared >= Math.max(a.size, b.size) / 2 ? same : ambiguous;
      into.add(`${originals[i]!.story}|${originals[j]!.story}`);
      into.add(`${originals[j]!.story}|${originals[i]!.story}`);
    }
  }
  return { same, ambiguous };
}

const body = (t: Text) => t.paragraphs.map((p) => p.join(' ')).join('\n');

function main(): void {
  if (!fs.existsSync(path.join(SHARED, 'external/protocol/passages.jsonl')) || !fs.existsSync(path.join(SHARED, 'intake/pages'))) {
    console.error(`measure-dedup: ${SHARED}/external and ${SHARED}/intake are needed (real texts); not found, nothing measured.`);
    process.exit(1);
  }
  const seed = arg('seed', 13);
  const variants = arg('variants', 2);
  const rand = rng(seed);
  const { originals, heldOut } = holdOut(loadTexts());
  const linked = overlapping(originals);
  let leftOut = 0;
  const texts: Text[] = [...originals];
  const followed = new Set<string>();
  for (const t of originals) {
    for (let n = 1; n <= variants; n++) texts.push(republish(t, heldOut, rand, n));
    const material = heldOut.get(t.topic);
    if (material && !followed.has(t.topic)) {
      followed.add(t.topic); // one follow-up a topic: two made of the same material would be copies of each other
      texts.push(followUp(t, material, rand));
    }
  }
  const sigs = texts.map((t) => minhash(body(t)));
  const thresholds = [0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7];
  const table = thresholds.map(() => ({ tp: 0, fp: 0, fn: 0, fpTopic: 0 }));
  let positives = 0;
  let negatives = 0;
  let topicNegatives = 0;
  let followUpNegatives = 0;
  const wordsOf = texts.map((t) => body(t).split(/\s+/).length);
  const byLength = [100, 200, 400, Infinity].map((below) => ({ below, pairs: 0, found: 0 }));
  const worstNegatives: Array<{ s: number; a: string; b: string }> = [];
  const weakestPositives: Array<{ s: number; a: string; b: string }> = [];
  for (let i = 0; i < texts.length; i++) {
    for (let j = i + 1; j < texts.length; j++) {
      const a = texts[i]!;
      const b = texts[j]!;
      if (linked.ambiguous.has(`${a.story}|${b.story}`)) {
        leftOut++;
        continue;
      }
      const same = a.story === b.story || linked.same.has(`${a.story}|${b.story}`);
      const topic = a.topic === b.topic;
      const s = similarity(sigs[i]!, sigs[j]!);
      if (same) positives++;
      else {
        negatives++;
        if (topic) topicNegatives++;
        if (a.kind === 'follow-up' || b.kind === 'follow-up') followUpNegatives++;
      }
      for (const [k, t] of thresholds.entries()) {
        const row = table[k]!;
        if (s >= t && same) row.tp++;
        else if (s >= t) {
          row.fp++;
          if (topic) row.fpTopic++;
        } else if (same) row.fn++;
      }
      if (same) {
        const words = Math.min(wordsOf[i]!, wordsOf[j]!);
        const bucket = byLength.find((b) => words < b.below)!;
        bucket.pairs++;
        if (s >= NEAR_DUPLICATE_THRESHOLD) bucket.found++;
      }
      if (!same && s >= 0.2) worstNegatives.push({ s, a: a.name, b: b.name });
      if (same && s < 0.5) weakestPositives.push({ s, a: a.name, b: b.name });
    }
  }
  console.log(`data: ${linked.same.size / 2} pairs of originals are mostly the same text (ARCD has overlapping spans and revisions of one Wikipedia article): labelled the same story; ${linked.ambiguous.size / 2} where a short span sits inside a long one: their ${leftOut} pairs (with republications) left out`);
  console.log(`texts: ${heldOut.size} held out as follow-up material; ${originals.length} originals (${originals.filter((t) => t.name.startsWith('corpus/')).length} corpus, ${originals.filter((t) => t.name.startsWith('page/')).length} real pages, ${originals.filter((t) => !t.name.includes('/')).length} ARCD/XQuAD passages), ${texts.length - originals.length} made from them; seed ${seed}`);
  console.log(`pairs: ${positives + negatives} = ${positives} same-story + ${negatives} different-story (${topicNegatives} of them same topic, ${followUpNegatives} involving a follow-up)`);
  console.log('\nthreshold    TP     FP  (same-topic FP)   FN   precision  recall');
  for (const [k, t] of thresholds.entries()) {
    const { tp, fp, fn, fpTopic } = table[k]!;
    console.log(
      `${t.toFixed(2).padStart(9)} ${String(tp).padStart(5)} ${String(fp).padStart(6)} ${String(fpTopic).padStart(10)} ${String(fn).padStart(12)}   ${(tp / Math.max(1, tp + fp)).toFixed(4)}   ${(tp / Math.max(1, tp + fn)).toFixed(4)}${t === NEAR_DUPLICATE_THRESHOLD ? '   ← NEAR_DUPLICATE_THRESHOLD' : ''}`,
    );
  }
  console.log(
    `recall at ${NEAR_DUPLICATE_THRESHOLD} by the shorter text's length: ` +
      byLength.map((b, k) => `${k ? byLength[k - 1]!.below : 0}–${b.below === Infinity ? '' : b.below} words ${b.found}/${b.pairs}`).join(', '),
  );
  worstNegatives.sort((x, y) => y.s - x.s);
  weakestPositives.sort((x, y) => x.s - y.s);
  console.log('\nmost similar different stories:');
  for (const w of worstNegatives.slice(0, 8)) console.log(`  ${w.s.toFixed(3)}  ${w.a}  ×  ${w.b}`);
  console.log('least similar same-story pairs:');
  for (const w of weakestPositives.slice(0, 8)) console.log(`  ${w.s.toFixed(3)}  ${w.a}  ×  ${w.b}`);

  // The index: each republication looked up among the originals, as intake would.
  const index = new NearDuplicates();
  for (const [i, t] of texts.entries()) if (t.kind === 'original') index.add(t.name, sigs[i]!);
  let found = 0;
  let pairwise = 0;
  let wrong = 0;
  let queries = 0;
  let falseOnFollowUps = 0;
  let followUps = 0;
  for (const [i, t] of texts.entries()) {
    if (t.kind === 'original') continue;
    const hit = index.find(sigs[i]!);
    if (t.kind === 'follow-up') {
      followUps++;
      if (hit) falseOnFollowUps++;
      continue;
    }
    queries++;
    if (similarity(sigs[i]!, sigs[texts.findIndex((o) => o.name === t.story)]!) >= NEAR_DUPLICATE_THRESHOLD) pairwise++;
    if (hit?.id === t.story || (hit && linked.same.has(`${t.story}|${hit.id}`))) found++;
    else if (hit) wrong++;
  }
  console.log(
    `\nindex (threshold ${NEAR_DUPLICATE_THRESHOLD}): ${queries} republications looked up among ${index.size} originals: ${found} found their original (or a copy of it in the data), ${wrong} another story, ${queries - found - wrong} nothing (pairwise, ${pairwise} are at or above the threshold); ${followUps} follow-ups: ${falseOnFollowUps} matched something`,
  );

  // Scale: signatures of texts made by mixing random passages' sentences, to fill the index.
  const scale = arg('scale', 30000);
  if (scale <= 0) return;
  const pool = originals.flatMap((t) => t.paragraphs.flat());
  const big = new NearDuplicates();
  const r2 = rng(seed + 1);
  let t0 = performance.now();
  for (let i = 0; i < scale; i++) {
    const sentences = Array.from({ length: 6 }, () => pick(pool, r2));
    big.add(`s${i}`, minhash(sentences.join(' ')));
  }
  const addMs = (performance.now() - t0) / scale;
  t0 = performance.now();
  for (const [i, t] of texts.entries()) if (t.kind !== 'original') big.find(sigs[i]!);
  const findMs = (performance.now() - t0) / (texts.length - originals.length);
  console.log(
    `scale: ${big.size} signatures (random sentence mixes), minhash+add ${addMs.toFixed(3)} ms each, find ${findMs.toFixed(3)} ms each; heap ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB`,
  );
}

main();
