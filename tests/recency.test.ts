/**
 * Questions that ask for the latest news prefer the newest articles that answer them
 * (src/retrieve/recency.ts).
 */
import { describe, expect, it } from 'vitest';
import { asksForLatest, preferRecent, recencyQuestion } from '../src/retrieve/recency.js';
import type { Chunk, Hit } from '../src/types.js';

describe('asksForLatest', () => {
  it.each([
    'ما آخر أخبار العلاقات بين روسيا والصين؟',
    'آخر ما قاله بوتين عن الصين',
    'ما هي آخر التطورات في أوكرانيا؟',
    'ما أحدث تصريحات بيسكوف؟',
    'ماذا حدث اليوم في موسكو؟',
    'ماذا قال لافروف هذا الأسبوع؟',
    'ما نتائج الزيارة الأخيرة لشي إلى موسكو؟',
    'شو آخر الأخبار عن الصين؟',
    'What is the latest on Russia and China?',
    'What happened today in Moscow?',
    'most recent statement by Peskov',
  ])('%s → latest', (q) => expect(asksForLatest(q)).toBe(true));

  it.each([
    'من هو المتحدث باسم الكرملين؟',
    'هل زار بوتين بلدا آخر؟',
    'هل هناك طرف آخر في المحادثات؟',
    'متى زار ميشوستين الصين؟',
    'Who is the Kremlin spokesman?',
    'What did Xi say about another country?',
  ])('%s → not latest', (q) => expect(asksForLatest(q)).toBe(false));
});

describe('recencyQuestion', () => {
  it('takes out the words that ask for the order and keeps the rest as written', () => {
    expect(recencyQuestion('ما آخر ما أعلنته وزارة الزراعة؟')).toEqual({ latest: true, rest: 'ما ما أعلنته وزارة الزراعة؟' });
    expect(recencyQuestion('ماذا قال لافروف هذا الأسبوع؟').rest).toBe('ماذا قال لافروف');
    expect(recencyQuestion('What is the latest on Mishustin?').rest).toBe('What is the on Mishustin?');
    expect(recencyQuestion('هل زار بوتين بلدا آخر؟')).toEqual({ latest: false, rest: 'هل زار بوتين بلدا آخر؟' });
  });
});

function hit(id: string, score: number, date: string | null): Hit {
  return { chunk: { id, docId: id, date } as Chunk, score: 1 / (60 + score), signals: { lexical: { rank: 1, score } } };
}

describe('preferRecent', () => {
  it('puts the newest of the hits that answer first, leaves weak hits after them whatever their date', () => {
    const hits = [hit('old', 1.0, '2024-03-26'), hit('new', 0.8, '2025-11-03'), hit('undated', 0.9, null), hit('newest-weak', 0.2, '2026-01-01')];
    expect(preferRecent(hits).map((h) => h.chunk.id)).toEqual(['new', 'old', 'undated', 'newest-weak']);
  });

  it('keeps the order of hits of the same date, and changes nothing for one hit', () => {
    const hits = [hit('a', 1, '2025-01-01'), hit('b', 0.9, '2025-01-01')];
    expect(preferRecent(hits).map((h) => h.chunk.id)).toEqual(['a', 'b']);
    expect(preferRecent([hits[0]!])).toEqual([hits[0]]);
  });

  it('judges hits only the dense half found by their similarity, and never above a lexical match', () => {
    const dense = (id: string, cos: number, date: string): Hit => ({ chunk: { id, docId: id, date } as Chunk, score: 0.01, signals: { dense: { rank: 1, score: cos } } });
    expect(preferRecent([dense('old', 0.9, '2024-01-01'), dense('new', 0.87, '2025-01-01'), dense('far', 0.7, '2026-01-01')]).map((h) => h.chunk.id)).toEqual(['new', 'old', 'far']);
    expect(preferRecent([hit('lex', 1, '2024-01-01'), dense('new', 0.95, '2026-01-01')]).map((h) => h.chunk.id)).toEqual(['lex', 'new']);
  });
});

describe('in the engine', () => {
  it('a question asking for the latest quotes the newest article that answers it first; the same question without it does not', async () => {
    const { createTestEngine } = await import('./helpers/engine.js');
    const te = await createTestEngine({
      emptyCorpus: true,
      corpus: {
        // Fixture articles written for this test: one story reported twice, a year apart.
        'old.txt': 'وزارة الزراعة تعلن حصاد القمح\nتاريخ النشر: 3 مارس 2024\nأعلنت وزارة الزراعة أن محصول القمح بلغ مليوني طن هذا الموسم، وأن القمح المحلي يغطي نصف الاستهلاك.\nوقال الوزير إن الوزارة ستدعم المزارعين.\n',
        'new.txt': 'وزارة الزراعة تعلن أرقاما جديدة\nتاريخ النشر: 5 مارس 2025\nأعلنت وزارة الزراعة أن محصول القمح بلغ ثلاثة ملايين طن هذا الموسم.\nوقال الوزير إن الأسعار ستبقى مستقرة.\n',
        'other.txt': 'افتتاح معرض الكتاب\nتاريخ النشر: 1 يناير 2026\nافتتح معرض الكتاب أبوابه أمس بمشاركة مئات الناشرين من عشرين دولة.\nويستمر المعرض أسبوعين.\n',
      },
    });
    try {
      const plain = await te.engine.ask('ماذا أعلنت وزارة الزراعة عن محصول القمح؟');
      const latest = await te.engine.ask('ما آخر ما أعلنته وزارة الزراعة عن محصول القمح؟');
      const firstSource = (a: typeof plain) => a.citations.find((c) => c.n === a.quotes[0]?.n)?.file;
      expect(firstSource(plain)).toBe('old.txt');
      expect(firstSource(latest)).toBe('new.txt');
      // The newer book fair shares no words with the question: it is not brought in by its date.
      expect(latest.citations.map((c) => c.file)).not.toContain('other.txt');
    } finally {
      await te.cleanup();
    }
  });
});
