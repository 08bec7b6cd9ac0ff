/**
 * The dense-threshold calibration tools (scripts/tune.ts --dense-threshold) over the test corpus
 * with the TEST ENCODER fixture: its similarities are not mE5's, so these tests check what the
 * tools measure, not which threshold is right.
 */
import fs, { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openEngine } from '../src/engine.js';
import { denseSeparation, parseQuestionSet, refusalSweep } from '../src/evaluation.js';
import { silentLogger } from '../src/log.js';
import type { Engine } from '../src/types.js';
import { createTestEngine, REPO_CORPUS } from './helpers/engine.js';

const read = (file: string) => parseQuestionSet(readFileSync(new URL(`./fixtures/${file}`, import.meta.url), 'utf8'), file);

describe('refusalSweep and denseSeparation', () => {
  it('measure what a dense threshold does to refusals, and whether the model tells gold passages apart', async () => {
    const t = await createTestEngine({ withModel: true });
    try {
      const engines = new Map<number | null, Engine>();
      const engine = async (denseThreshold: number | null) => {
        if (!engines.has(denseThreshold)) {
          engines.set(denseThreshold, await openEngine({
            corpusDir: t.corpusDir, indexDir: t.indexDir, embedder: t.embedder, log: silentLogger(), retrieval: { answer: { denseThreshold } },
          }));
        }
        return engines.get(denseThreshold)!;
      };
      const sets = [
        { name: 'dev', questions: read('dev.jsonl'), engine },
        { name: 'calibration', questions: read('news-calibration.jsonl'), engine },
      ];
      // No threshold; one no cosine similarity reaches; one every dense match passes.
      const [none, unreachable, every] = await refusalSweep(sets, [null, 1.01, -1]);
      expect(none!.sets.dev!.answeredWithFact).toBeGreaterThan(0.9);
      expect(none!.sets.dev!.refused).toBe(1);
      expect(unreachable!.sets).toEqual(none!.sets);
      // Every match confident halves the coverage an answer needs: unanswerable questions
      // whose best sentence covers a fifth to a third of them are answered.
      expect(every!.sets.calibration!.refused!).toBeLessThan(none!.sets.calibration!.refused!);
      expect(every!.denseThreshold).toBe(-1);

      // Each dev question against its gold article and another one.
      const articles = fs.readdirSync(REPO_CORPUS).sort();
      const text = (prefix: string) => fs.readFileSync(path.join(REPO_CORPUS, articles.find((f) => f.startsWith(prefix))!), 'utf8');
      const items = read('dev.jsonl').filter((q) => q.gold.length > 0).map((q) => {
        const other = articles.find((f) => !f.startsWith(q.gold[0]!))!;
        return { question: q.q, gold: text(q.gold[0]!), other: text(other.slice(0, 3)) };
      });
      expect(await denseSeparation(t.embedder!, items)).toBeGreaterThan(0.5); // the fixture's bag of sub-words shares words
      expect(await denseSeparation(t.embedder!, items.map((i) => ({ ...i, gold: i.other, other: i.gold })))).toBeLessThan(0.5);
    } finally {
      await t.cleanup();
    }
  });
});
