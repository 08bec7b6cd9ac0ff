/**
 * The engine end to end over the test corpus: hybrid mode with the TEST ENCODER fixture, the
 * lexical fallback, follow-ups, re-indexing without restart, and what `info()` reports.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTestEngine, type TestEngine } from './helpers/engine.js';
import { readFileSync } from 'node:fs';

/** The dev questions (fixture copy). */
const devQuestions = () =>
  readFileSync(new URL('./fixtures/dev.jsonl', import.meta.url), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l).q as string);

describe('engine', () => {
  it('runs hybrid retrieval when the model is loaded and says which model', async () => {
    const t = await createTestEngine({ withModel: true });
    try {
      const info = t.engine.info();
      expect(info.mode).toBe('hybrid');
      expect(info.model).toBe(t.embedder!.modelId);
      const r = await t.engine.retrieve('من هو المتحدث باسم الكرملين؟');
      expect(r.mode).toBe('hybrid');
      expect(r.hits.some((h) => h.signals.dense && h.signals.lexical)).toBe(true);
      const a = await t.engine.ask('من هو المتحدث باسم الكرملين؟');
      expect(a.answered).toBe(true);
      expect(a.answer).toContain('بيسكوف');
      expect(a.timings.embedMs).toBeGreaterThan(0);
    } finally {
      await t.cleanup();
    }
  });

  it('answers lexically without a model and reports why', async () => {
    const t = await createTestEngine();
    try {
      expect(t.engine.info()).toMatchObject({ mode: 'lexical', model: null, articles: expect.any(Array) });
      const a = await t.engine.ask('لماذا شكر لافروف الصين؟');
      expect(a.mode).toBe('lexical');
      expect(a.answered).toBe(true);
    } finally {
      await t.cleanup();
    }
  });

  it('lists each source once: quotes from several chunks of one story share its number, and its passage holds them all', async () => {
    const t = await createTestEngine();
    try {
      const questions = [
        'كم يوم تستغرق زيارة ميشوستين للصين؟',
        'Who did Li Qiang meet in Hangzhou?',
        ...devQuestions(),
      ];
      let shared = 0;
      for (const q of questions) {
        const a = await t.engine.ask(q);
        const sources = a.citations.map((c) => `${c.file}#${c.chunkId.split('#')[1]!.split('.')[0]}`);
        expect(new Set(sources).size, q).toBe(sources.length);
        for (const quote of a.quotes) {
          const citation = a.citations.find((c) => c.n === quote.n)!;
          expect(citation.passage, q).toContain(quote.text);
          expect(citation.chunkIds, q).toContain(quote.chunkId);
        }
        if (a.citations.some((c) => c.chunkIds.length > 1)) shared++;
      }
      // The first two questions quote two chunks of the same story (001).
      expect(shared).toBeGreaterThanOrEqual(2);
    } finally {
      await t.cleanup();
    }
  });

  it('refuses a question about a country no article mentions and says which, in the question\'s language', async () => {
    const t = await createTestEngine();
    try {
      // «الحالي» and «رئيس» alone are in the articles; Brazil is not.
      const ar = await t.engine.ask('من هو رئيس البرازيل الحالي؟');
      expect(ar.answered).toBe(false);
      expect(ar.unmentioned).toEqual(['البرازيل']);
      expect(ar.answer).toContain('البرازيل');
      const en = await t.engine.ask('Who is the current president of Brazil?');
      expect(en.answered).toBe(false);
      expect(en.unmentioned).toEqual(['Brazil']);
      // A country the articles do mention changes nothing.
      const cn = await t.engine.ask('ما هي الكمية التي ضختها روسيا للصين من الغاز؟');
      expect(cn.answered).toBe(true);
      expect(cn.unmentioned).toEqual([]);
    } finally {
      await t.cleanup();
    }
  });

  it('lets an untitled story\'s lede stand in for its headline: the person it names is near every quote of that story', async () => {
    const t = await createTestEngine();
    try {
      // Article 004 has no headline; only its first sentence names Wang Yi, and the sentence
      // about hegemony says only «وأضاف».
      const untitled = t.engine.info().articles.find((a) => a.title === null)!;
      expect(untitled.file).toMatch(/^004_/);
      const a = await t.engine.ask('What did Wang Yi say about hegemony?');
      expect(a.answered).toBe(true);
      expect(a.citations[0]!.file).toBe(untitled.file);
      expect(a.quotes.map((q) => q.text).join(' ')).toContain('هيمنة');
      // The lede is no answer by itself: a question about what the story does not say is still refused.
      expect((await t.engine.ask('What did Wang Yi say about Brexit?')).answered).toBe(false);
    } finally {
      await t.cleanup();
    }
  });

  it('quotes the sentence holding the question\'s subject over one holding only its rarest word', async () => {
    // «مدة» occurs once in the five articles («هدنة مدتها 30 يومًا»), so its IDF is many times
    // that of «ميشوستين», the subject; the answer is «في زيارة تستغرق يومين».
    const question = 'كم مدة زيارة ميشوستين للصين؟';
    const quoteOf = async (t: TestEngine) => {
      const a = await t.engine.ask(question);
      expect(a.answered).toBe(true);
      return a.quotes[0]!.text;
    };
    const t = await createTestEngine();
    const plain = await createTestEngine({ retrieval: { answer: { selectionIdfPower: 1 } } });
    try {
      const quote = await quoteOf(t);
      expect(quote).toContain('ميشوستين');
      expect(quote).toContain('يومين');
      // With plain IDF the rarest word wins the choice: the failure this setting fixes.
      expect(await quoteOf(plain)).toContain('هدنة');
    } finally {
      await t.cleanup();
      await plain.cleanup();
    }
  });

  it('describes the corpus: articles with metadata and the date range', async () => {
    const t = await createTestEngine();
    try {
      const info = t.engine.info();
      expect(info.articles).toHaveLength(5);
      expect(info.dateRange).toEqual({ from: '2021-06-25', to: '2025-11-03' });
      expect(info.articles.find((a) => a.file.startsWith('000_'))).toMatchObject({ outlet: 'الجزيرة', date: '2025-05-08' });
      expect(t.engine.chunk('no-such-chunk')).toBeUndefined();
    } finally {
      await t.cleanup();
    }
  });

  it('takes the earlier question into account for a follow-up', async () => {
    const t = await createTestEngine();
    try {
      // Both 001 and 002 quote the Kremlin spokesman; the earlier question decides which one.
      const question = 'ماذا قال المتحدث باسم الكرملين؟';
      const previousQuestion = 'ماذا جرى في القمة الافتراضية بين بوتين وشي؟';
      const alone = await t.engine.retrieve(question);
      const followUp = await t.engine.retrieve(question, { previousQuestion });
      expect(alone.hits[0]!.chunk.docId).toMatch(/^001_/);
      expect(followUp.hits[0]!.chunk.docId).toMatch(/^002_/);
      const answer = await t.engine.ask(question, { previousQuestion });
      expect(answer.citations.some((c) => c.file.startsWith('002_'))).toBe(true);
      expect(answer.answer).toContain('بيسكوف');
      // A follow-up that is only a question word behind «و» and one word of its own.
      const visit = await t.engine.ask('وماذا قال عن الزيارة؟', { previousQuestion: 'من هو المتحدث باسم الكرملين؟' });
      expect(visit.answered).toBe(true);
      expect(visit.quotes[0]!.text).toMatch(/بيسكوف.*للزيارة/);
    } finally {
      await t.cleanup();
    }
  });

  it('re-indexes without a restart: a new article becomes answerable, a removed one disappears', async () => {
    const t = await createTestEngine();
    try {
      await fs.writeFile(
        path.join(t.corpusDir, '900_new.txt'),
        'الأرجنتين تفوز بكأس العالم\nتاريخ النشر: 18 ديسمبر 2022\nفازت الأرجنتين بكأس العالم لكرة القدم بعد مباراة نهائية مثيرة أمام فرنسا في قطر.\n',
      );
      await fs.rm(path.join(t.corpusDir, '004_33a37189b7051aed.txt'));
      const changes = await t.engine.reindex();
      expect(changes.added).toEqual(['900_new.txt']);
      expect(changes.removed).toEqual(['004_33a37189b7051aed.txt']);
      const a = await t.engine.ask('من فاز بكأس العالم لكرة القدم؟');
      expect(a.answered).toBe(true);
      expect(a.citations[0]).toMatchObject({ file: '900_new.txt', date: '2022-12-18' });
      const gone = await t.engine.ask('لماذا شكر لافروف الصين؟');
      expect(gone.citations.every((c) => !c.file.startsWith('004_'))).toBe(true);
    } finally {
      await t.cleanup();
    }
  });
});
