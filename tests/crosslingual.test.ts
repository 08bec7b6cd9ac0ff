import { describe, expect, it } from 'vitest';
import { translateEnglish, transliterate } from '../src/text/crosslingual.js';
import { normalize } from '../src/text/arabic.js';
import { createTestEngine } from './helpers/engine.js';

describe('transliterate', () => {
  it('writes English names in Arabic script the way Arabic news spells them', () => {
    expect(transliterate('Mishustin')).toBe('ميشوستين');
    expect(transliterate('Lavrov')).toBe('لافروف');
    expect(transliterate('Peskov')).toBe('بيسكوف');
    expect(normalize(transliterate('Ushakov'))).toBe(normalize('أوشاكوف'));
  });
  it("reads q, x and zh the pinyin way only in words made of pinyin syllables", () => {
    expect(transliterate('Qiang')).toBe('تشيانغ');
    expect(transliterate('Hangzhou')).toBe('هانغتشو');
    expect(transliterate('Xiamen')).toBe('شيامين');
    // Not pinyin: the English reading stays.
    expect(transliterate('Zhukov')).toBe('جوكوف');
    expect(transliterate('Texas')).toBe('تيكساس');
    expect(transliterate('Quebec')).toBe('قويبيك');
  });
});

describe('translateEnglish', () => {
  it('maps content words through the glossary and drops function words', () => {
    const t = translateEnglish('What did the president say about the sanctions?');
    expect(t.map((x) => x.english)).toEqual(['president', 'say', 'sanctions']);
    expect(t.every((x) => !x.transliterated)).toBe(true);
  });
  it('matches glossary phrases before single words', () => {
    expect(translateEnglish('Who is the prime minister?').map((x) => x.arabic)).toContain('رئيس الوزراء');
  });
  it('finds inflected forms through their stem and keeps numbers', () => {
    const t = translateEnglish('partners in 2022');
    expect(t).toEqual([
      { english: 'partners', arabic: 'شركاء', transliterated: false },
      { english: '2022', arabic: '2022', transliterated: false },
    ]);
    expect(translateEnglish('cooperating')[0]!.arabic).toBe('تعاون');
  });
  it('knows the verbs and nouns news reports are made of', () => {
    const arabic = (q: string) => translateEnglish(q).map((t) => t.arabic).join(' ');
    expect(arabic('When did Mishustin arrive in China?')).toContain('وصل');
    expect(arabic('What did they discuss?')).toContain('بحث');
    expect(arabic('Who proposed the truce?')).toContain('اقترح');
    expect(arabic('What did Xi say about the cold war mentality?')).toContain('الحرب الباردة');
    expect(translateEnglish('Who hosted the summit?').every((t) => !t.transliterated)).toBe(true);
  });
  it('reads a hyphenated word as the glossary knows it: joined, or as its parts', () => {
    expect(translateEnglish('after his re-election')).toEqual([{ english: 'reelection', arabic: 'إعادة انتخاب', transliterated: false }]);
    expect(translateEnglish('the Russian-Chinese treaty').every((t) => !t.transliterated)).toBe(true);
    expect(translateEnglish('the Xi-Putin summit').map((t) => t.arabic)).toEqual(['شي', 'بوتين', 'قمة']);
  });
  it('drops the verbs that frame a question («What happened…», «What does … want»), as it drops «did»', () => {
    expect(translateEnglish('What happened in Moscow?').map((t) => t.english)).toEqual(['moscow']);
    expect(translateEnglish('What does China want, and what did they think it means?').map((t) => t.english)).toEqual(['china']);
  });
  it('finds nothing of Object in the glossary: «constructor» or «toString» is a word like any other', () => {
    for (const word of ['constructor', 'toString', 'valueOf', '__proto__', 'hasOwnProperty']) {
      for (const t of translateEnglish(`What is ${word}?`)) expect(typeof t.arabic, word).toBe('string');
    }
  });
  it('transliterates unknown names and says so', () => {
    expect(translateEnglish("Mishustin's visit")).toEqual([
      { english: 'mishustin', arabic: 'ميشوستين', transliterated: true },
      { english: 'visit', arabic: 'زيارة زار', transliterated: false },
    ]);
  });
});

describe('English questions over the Arabic articles without a model', () => {
  it('answers with Arabic quotes and English framing, and still refuses what is not covered', async () => {
    const { engine, cleanup } = await createTestEngine();
    try {
      const answer = await engine.ask('How long was Mishustin’s visit to China?');
      expect(answer.lang).toBe('en');
      expect(answer.answered).toBe(true);
      expect(answer.mode).toBe('lexical');
      expect(answer.citations[0]!.file).toMatch(/^001_/);
      expect(answer.answer).toMatch(/Sources:/);
      // A Chinese name and city in pinyin: «Li Qiang» is «لي تشيانج», Hangzhou «هانغتشو».
      const pinyin = await engine.ask('Who did Li Qiang meet in Hangzhou?');
      expect(pinyin.answered).toBe(true);
      expect(pinyin.quotes.some((q) => q.text.includes('ميشوستين'))).toBe(true);
      // Words that are also names of Object's members: a refusal, not an error.
      expect((await engine.ask('What is the constructor of toString?')).answered).toBe(false);
      const refused = await engine.ask('Who won the 2018 Champions League final?');
      expect(refused.answered).toBe(false);
      expect(refused.answer).toMatch(/don't cover/);
    } finally {
      await cleanup();
    }
  });
});
