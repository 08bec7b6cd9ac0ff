import { describe, expect, it } from 'vitest';
import { composeAnswer } from '../src/answer.js';
import { chunkArticle } from '../src/ingest/chunk.js';
import { fuse } from '../src/retrieve/hybrid.js';
import { LexicalIndex } from '../src/retrieve/lexical.js';
import { detectLang } from '../src/text/arabic.js';
import type { Chunk } from '../src/types.js';
import { makeArticle } from './helpers/articles.js';

const older = makeArticle('old.txt', {
  title: 'بوتين يلتقي شي عبر الفيديو',
  outlet: 'العربي',
  date: '2022-12-30',
  paragraphs: [
    'التقى الرئيس الروسي فلاديمير بوتين نظيره الصيني عبر تقنية الفيديو.',
    'وقال بوتين إن التعاون العسكري بين البلدين له مكانة خاصة.',
  ],
});
const newer = makeArticle('new.txt', {
  title: 'شي في موسكو',
  outlet: 'الجزيرة',
  date: '2025-05-08',
  paragraphs: ['وصل الرئيس الصيني إلى موسكو للقاء بوتين.', 'وأكد بوتين أن التعاون العسكري مع الصين يتعزز.'],
});
const undated = makeArticle('undated.txt', {
  title: null,
  outlet: 'الديار',
  paragraphs: ['شكر وزير الخارجية لافروف الصين على دعمها بعد إعادة انتخاب بوتين.'],
});

const chunks: Chunk[] = [older, newer, undated].flatMap((a) => chunkArticle(a));
const lexical = new LexicalIndex();
chunks.forEach((c, i) => lexical.add(i, { text: c.text, title: c.title }));

function ask(question: string) {
  const query = lexical.expandQuery(lexical.analyze(question).map((term) => ({ term, weight: 1 })));
  const hits = fuse(lexical.search(LexicalIndex.flatten(query), 10), [], (l) => chunks[l]);
  return composeAnswer(
    { question, lang: detectLang(question), query, hits, lexical, mode: 'lexical' },
    { startedAt: performance.now(), embedMs: 0, denseMs: 0, lexicalMs: 0, fuseMs: 0 },
  );
}

describe('composeAnswer', () => {
  it('quotes the answering sentence verbatim with a citation marker', () => {
    const answer = ask('لماذا شكر لافروف الصين؟');
    expect(answer.answered).toBe(true);
    expect(answer.quotes[0]!.text).toBe('شكر وزير الخارجية لافروف الصين على دعمها بعد إعادة انتخاب بوتين.');
    expect(answer.answer).toContain(`${answer.quotes[0]!.text} [${answer.quotes[0]!.n}]`);
  });
  it('every quote is a verbatim substring of the passage it cites, at the recorded offsets', () => {
    const articles = new Map([older, newer, undated].map((a) => [a.id, a]));
    for (const question of ['ماذا قال بوتين عن التعاون العسكري؟', 'من شكر الصين؟', 'أين وصل الرئيس الصيني؟']) {
      const answer = ask(question);
      for (const quote of answer.quotes) {
        const citation = answer.citations.find((c) => c.n === quote.n)!;
        expect(citation.passage.includes(quote.text)).toBe(true);
        expect(articles.get(citation.file)!.raw.slice(quote.start, quote.end)).toBe(quote.text);
      }
    }
  });
  it('lists sources oldest first and names the most recent report when dates differ', () => {
    const answer = ask('ماذا قال بوتين عن التعاون العسكري؟');
    expect(answer.citations.length).toBeGreaterThanOrEqual(2);
    const dates = answer.citations.map((c) => c.date);
    expect(dates).toEqual([...dates].sort());
    expect(answer.citations.map((c) => c.n)).toEqual(answer.citations.map((_, i) => i + 1));
    const latest = answer.citations.find((c) => c.n === answer.latest)!;
    expect(latest.date).toBe('2025-05-08');
    expect(answer.answer).toContain(`[${answer.latest}]`);
    expect(answer.answer).toMatch(/أحدث/);
  });
  it('lists headline, outlet and date of each source in the answer text', () => {
    const answer = ask('ماذا قال بوتين عن التعاون العسكري؟');
    for (const c of answer.citations) {
      expect(answer.answer).toContain(c.title!);
      expect(answer.answer).toContain(c.outlet!);
      expect(answer.answer).toContain(c.date!);
    }
  });
  it('counts the story headline as near the quote: the subject it names need not be repeated', () => {
    const paragraphs = [
      'عقد الرئيس الروسي مؤتمرا صحفيا مطولا في العاصمة.',
      'وتناول المؤتمر ملفات الاقتصاد والطاقة والعلاقات الخارجية.',
      'وحضر المؤتمر عدد كبير من الصحفيين.',
      'وأكد أن صادرات الغاز إلى آسيا ستتضاعف خلال خمس سنوات.',
    ];
    const answerWith = (title: string | null) => {
      const story = chunkArticle(makeArticle('gas.txt', { title, outlet: 'العربي', date: '2024-01-01', paragraphs }));
      const index = new LexicalIndex();
      [...story, ...chunks].forEach((c, i) => index.add(i, { text: c.text, title: c.title }));
      const question = 'ماذا قال بوتين عن الغاز؟';
      const query = index.expandQuery(index.analyze(question).map((term) => ({ term, weight: 1 })));
      const hits = fuse(index.search(LexicalIndex.flatten(query), 10), [], (l) => [...story, ...chunks][l]);
      return composeAnswer({ question, lang: 'ar', query, hits, lexical: index, mode: 'lexical' }, { startedAt: 0, embedMs: 0, denseMs: 0, lexicalMs: 0, fuseMs: 0 });
    };
    const titled = answerWith('بوتين: صادرات الطاقة إلى آسيا في ازدياد');
    expect(titled.answered).toBe(true);
    expect(titled.quotes.map((q) => q.text)).toContain(paragraphs[3]);
    // The same story without a headline naming Putin: nothing near the gas sentence says who spoke.
    expect(answerWith(null).quotes.map((q) => q.text)).not.toContain(paragraphs[3]);
  });
  it('counts a verb in its other gender as the question\'s word when it weighs sentences («يقع» / «تقع»)', () => {
    // «يقع» is in another story, so the corpus knows it but no sentence near the answer holds it.
    const story = [
      ...chunkArticle(makeArticle('city.txt', { title: 'مدن الصين', outlet: 'العربي', date: '2024-01-01', paragraphs: ['تقع مدينة هانغتشو في شرق الصين.', 'وهي عاصمة مقاطعة تشجيانغ.'] })),
      ...chunkArticle(makeArticle('other.txt', { title: 'حوادث', outlet: 'العربي', date: '2024-01-02', paragraphs: ['يقع الحادث كل عام في الشتاء.'] })),
    ];
    const index = new LexicalIndex();
    story.forEach((c, i) => index.add(i, { text: c.text, title: c.title }));
    const question = 'أين يقع هانغتشو؟';
    const query = index.expandQuery(index.analyze(question).map((term) => ({ term, weight: 1 })));
    const hits = fuse(index.search(LexicalIndex.flatten(query), 10), [], (l) => story[l]);
    const answer = composeAnswer({ question, lang: 'ar', query, hits, lexical: index, mode: 'lexical' }, { startedAt: 0, embedMs: 0, denseMs: 0, lexicalMs: 0, fuseMs: 0 });
    expect(answer.answered).toBe(true);
    expect(answer.quotes[0]!.text).toBe('تقع مدينة هانغتشو في شرق الصين.');
  });
  it('a «متى» question (however it is spelt) prefers the sentence that holds a date', () => {
    const paragraphs = [
      'زار وزير الخارجية الصيني العاصمة الروسية لبحث ملف الطاقة.',
      'وكان وزير الخارجية الصيني قد زار العاصمة الروسية في مايو 2023.',
    ];
    const story = chunkArticle(makeArticle('visit.txt', { title: 'زيارات متبادلة', outlet: 'العربي', date: '2024-01-01', paragraphs }));
    const index = new LexicalIndex();
    story.forEach((c, i) => index.add(i, { text: c.text, title: c.title }));
    const first = (question: string) => {
      const query = index.expandQuery(index.analyze(question).map((term) => ({ term, weight: 1 })));
      const hits = fuse(index.search(LexicalIndex.flatten(query), 10), [], (l) => story[l]);
      return composeAnswer({ question, lang: 'ar', query, hits, lexical: index, mode: 'lexical' }, { startedAt: 0, embedMs: 0, denseMs: 0, lexicalMs: 0, fuseMs: 0 }).quotes[0]?.text;
    };
    for (const question of ['متى زار وزير الخارجية الصيني العاصمة الروسية؟', 'امتى زار وزير الخارجية الصيني العاصمة الروسية؟', 'في أي عام زار وزير الخارجية الصيني العاصمة الروسية؟']) {
      expect(first(question)).toBe(paragraphs[1]);
    }
    // Without asking «when», the first and closer sentence is quoted first.
    expect(first('هل زار وزير الخارجية الصيني العاصمة الروسية؟')).toBe(paragraphs[0]);
  });
  it('a «كم» question is answered by a sentence that holds a number, and refused when none covers it', () => {
    const answerOver = (paragraphs: string[], question: string, requireKind = true) => {
      const story = chunkArticle(makeArticle('gas2.txt', { title: 'الغاز الروسي إلى الصين', outlet: 'العربي', date: '2024-01-01', paragraphs }));
      const index = new LexicalIndex();
      story.forEach((c, i) => index.add(i, { text: c.text, title: c.title }));
      const query = index.expandQuery(index.analyze(question).map((term) => ({ term, weight: 1 })));
      const hits = fuse(index.search(LexicalIndex.flatten(query), 10), [], (l) => story[l]);
      return composeAnswer({ question, lang: 'ar', query, hits, lexical: index, mode: 'lexical', options: { requireKind } }, { startedAt: 0, embedMs: 0, denseMs: 0, lexicalMs: 0, fuseMs: 0 });
    };
    const named = 'ضخت روسيا الغاز إلى الصين عبر خط أنابيب قوة سيبيريا بكميات متزايدة.';
    const howMuch = 'كم ضخت روسيا من الغاز إلى الصين عبر خط أنابيب قوة سيبيريا؟';
    // The sentence that covers the question best has no number; the next one does.
    const both = [named, 'وبلغت الكميات التي ضختها روسيا 13.8 مليار متر مكعب من الغاز.'];
    expect(answerOver(both, howMuch, false).quotes[0]!.text).toBe(named);
    expect(answerOver(both, howMuch).quotes[0]!.text).toBe(both[1]);
    // Only sentences that name the pipeline: asked how long it is, nothing gives a number.
    const howLong = 'كم طول خط أنابيب قوة سيبيريا الذي يضخ الغاز الروسي إلى الصين؟';
    const onlyNamed = [named, 'ويعد خط أنابيب قوة سيبيريا من أهم مشاريع الطاقة بين البلدين.'];
    expect(answerOver(onlyNamed, howLong, false).answered).toBe(true);
    expect(answerOver(onlyNamed, howLong).answered).toBe(false);
  });
  it('a month name counts as a date only as a whole word: «اب» inside «كتاب» is not August', async () => {
    const { analyzeChunk } = await import('../src/retrieve/evidence.js');
    const [chunk] = chunkArticle(makeArticle('m.txt', { title: null, paragraphs: ['صدر الكتاب الجديد للكاتب.', 'وصل الوفد في آب الماضي.', 'وانعقد الاجتماع يوم الخميس.'] }));
    expect(analyzeChunk(chunk!, new LexicalIndex()).hasDate).toEqual([false, true, true]);
  });
  it('a number or a date may be written in words: «يومين», «ثلاثة», «الشهر الماضي»; a year is a date, not a number', async () => {
    const { analyzeChunk } = await import('../src/retrieve/evidence.js');
    const [chunk] = chunkArticle(
      makeArticle('n.txt', { title: null, paragraphs: ['وتستغرق الزيارة يومين.', 'ووقع الجانبان ثلاثة اتفاقات.', 'والتقى الوزيران الشهر الماضي.', 'وناقش الوزيران ملف الطاقة.', 'ووقع البلدان الاتفاقية في فبراير 2022.', 'وبلغت التجارة 250 مليار دولار عام 2024.'] }),
    );
    const a = analyzeChunk(chunk!, new LexicalIndex());
    // A year alone is a date, not the count a «كم» question asks for.
    expect(a.hasNumber).toEqual([true, true, false, false, false, true]);
    expect(a.hasDate).toEqual([false, false, true, false, true, true]);
    // «متى» is also answered by an event: «بعد إعادة انتخابه», «عندما…».
    const [events] = chunkArticle(makeArticle('e.txt', { title: null, paragraphs: ['وشكر لافروف الصين بعد إعادة انتخاب بوتين.', 'وشكر لافروف الصين على دعمها.'] }));
    expect(analyzeChunk(events!, new LexicalIndex()).hasDate).toEqual([true, false]);
  });
  it('refuses in Arabic for an Arabic question the articles do not cover', () => {
    const answer = ask('ما هي عاصمة كندا؟');
    expect(answer.answered).toBe(false);
    expect(answer.citations).toEqual([]);
    expect(answer.lang).toBe('ar');
    expect(answer.answer).toMatch(/لا تتناول/);
  });
  it('refuses in English for an English question and invents nothing', () => {
    const answer = ask('Who won the 2018 Champions League final?');
    expect(answer.answered).toBe(false);
    expect(answer.answer).toMatch(/don't cover/);
    expect(answer.quotes).toEqual([]);
  });
  it('names the closest articles when a refused question partly matches', () => {
    const answer = ask('ما رأي وزير خارجية فرنسا في الطقس؟');
    expect(answer.answered).toBe(false);
    expect(answer.closest.map((c) => c.file)).toContain('undated.txt');
  });
  it('refuses a question with no content words', () => {
    expect(ask('ماذا؟').answered).toBe(false);
  });
  it('reports timings', () => {
    const { timings } = ask('من شكر الصين؟');
    expect(timings.totalMs).toBeGreaterThanOrEqual(timings.answerMs);
  });
});

describe('joinChunks', () => {
  const story = chunkArticle(
    makeArticle('long.txt', { title: 'عنوان', paragraphs: Array.from({ length: 60 }, (_, i) => `الجملة رقم ${i + 1} من هذا الخبر الطويل عن العلاقات بين البلدين.`) }),
    { maxTokens: 60, overlapSentences: 1 },
  );
  it('joins consecutive chunks without repeating the sentence they share, and marks a gap', async () => {
    const { joinChunks } = await import('../src/answer.js');
    expect(story.length).toBeGreaterThan(3);
    const two = joinChunks([story[0]!, story[1]!]);
    for (const s of [...story[0]!.sentences, ...story[1]!.sentences]) expect(two.split(s.text)).toHaveLength(2); // exactly once
    expect(two).not.toContain('…');
    expect(joinChunks([story[0]!, story[2]!])).toContain(' … ');
    expect(joinChunks([story[1]!])).toBe(story[1]!.text);
  });
});

describe('which quote leads (the five articles, real engine)', () => {
  it('«متى زار ميشوستين الصين؟» leads with Mishustin arriving in China, not with Xi visiting Moscow in 2023', async () => {
    const { createTestEngine } = await import('./helpers/engine.js');
    const quotesWith = async (leadRankPrior?: number) => {
      const te = await createTestEngine(leadRankPrior === undefined ? {} : { retrieval: { answer: { leadRankPrior } } });
      try {
        return (await te.engine.ask('متى زار ميشوستين الصين؟')).quotes.map((q) => q.text);
      } finally {
        await te.cleanup();
      }
    };
    const quotes = await quotesWith();
    expect(quotes[0]).toContain('ووصل ميشوستين إلى الصين الاثنين');
    // The order the reader saw (sentence scores with the small rank prior): the 2023 visit first.
    const before = await quotesWith(0.08);
    expect(before[0]).toContain('زار الرئيس الصيني شي جين بينغ موسكو');
    // Only the order changed: the same sentences are quoted.
    expect([...quotes].sort()).toEqual([...before].sort());
  });
});
