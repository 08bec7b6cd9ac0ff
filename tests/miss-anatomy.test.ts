/**
 * The miss anatomy of scripts/tune.ts --misses: which passage a missed question ranks first and
 * which of the question's words it and the gold passage hold. Passages and rankings here are
 * small made-up ones; the analysis is the index's own (light stems).
 */
import { describe, expect, it } from 'vitest';
import { missAnatomy, wordsHeld, type EvalQuestion, type Passage } from '../src/evaluation.js';
import { terms } from '../src/text/arabic.js';

const set = (...xs: string[]) => new Set(xs);

describe('wordsHeld', () => {
  it('tells a tie from a passage holding more of the question', () => {
    expect(wordsHeld(['a', 'b'], set('a', 'b', 'x'), set('a', 'b'))).toBe('same');
    expect(wordsHeld(['a', 'b'], set('a'), set('b'))).toBe('different');
    expect(wordsHeld(['a', 'b'], set('a', 'b'), set('a'))).toBe('gold-more');
    expect(wordsHeld(['a', 'b'], set(), set('b'))).toBe('first-more');
    expect(wordsHeld([], set('a'), set())).toBe('same');
  });
});

describe('missAnatomy', () => {
  const passages: Passage[] = [
    { id: 'p1', title: 'شيرين عبد الوهاب', text: 'تزوجت شيرين من الموزع الموسيقي محمد مصطفى عام 2007.' },
    { id: 'p2', title: 'شيرين عبد الوهاب', text: 'انفصلت شيرين بعد أن تزوجت وغنت في حفلات كثيرة.' },
    { id: 'p3', title: 'نجيب محفوظ', text: 'ولد نجيب محفوظ في حي الجمالية بالقاهرة.' },
    { id: 'p4', title: 'القاهرة', text: 'القاهرة عاصمة مصر وفيها حي الجمالية.' },
  ];
  const byId = new Map(passages.map((p) => [p.id, p]));
  const q = (id: string, text: string, gold: string): EvalQuestion => ({ id, q: text, kind: 'test', gold: [gold], expect: [] });
  const questionTerms = (text: string) => terms(text);
  const passageTerms = (p: Passage) => new Set(terms(`${p.title}\n${p.text}`, { variants: true }));

  it('counts only misses, by article and words held', () => {
    const questions = [
      q('hit', 'أين ولد نجيب محفوظ؟', 'p3'),
      q('tie', 'متى تزوجت شيرين؟', 'p1'), // p2 holds تزوجت and شيرين too
      q('more', 'من تزوجت شيرين عام 2007؟', 'p1'), // only p1 holds 2007
      q('other', 'أين يقع حي الجمالية؟', 'p3'), // p4, another article, holds حي and الجمالية too
      q('empty', 'سؤال بلا ترتيب', 'p1'),
    ];
    const rankings = [['p3', 'p4'], ['p2', 'p1'], ['p2', 'p1'], ['p4', 'p3'], []];
    const a = missAnatomy(questions, rankings, byId, questionTerms, passageTerms);
    expect(a.questions).toBe(5);
    expect(a.missed).toBe(4);
    expect(a.rows).toEqual([
      { first: 'same article', words: 'same', count: 1 },
      { first: 'same article', words: 'gold-more', count: 1 },
      { first: 'another article', words: 'same', count: 1 },
      { first: 'nothing', words: null, count: 1 },
    ]);
  });

  it('reads a gold given as a file-name prefix the way judging does', () => {
    const a = missAnatomy([q('x', 'متى تزوجت شيرين؟', 'p1')], [['p1_part']], byId, questionTerms, passageTerms);
    expect(a.missed).toBe(0);
  });
});
