import { describe, expect, it } from 'vitest';
import { LexicalIndex } from '../src/retrieve/lexical.js';

function build() {
  const index = new LexicalIndex();
  index.add(0, { text: 'استقبل رئيس الوزراء الصيني لي تشيانج نظيره الروسي ميشوستين في هانغتشو.' });
  index.add(1, { text: 'قال المتحدث باسم الكرملين دميتري بيسكوف إن الزيارة مهمة.' });
  index.add(2, { text: 'ضخت روسيا 13.8 مليار متر مكعب من الغاز إلى الصين.', title: 'الغاز الروسي' });
  return index;
}
const q = (index: LexicalIndex, text: string) => index.analyze(text).map((term) => ({ term, weight: 1 }));

describe('LexicalIndex (BM25)', () => {
  it('ranks the chunk that holds the query terms first', () => {
    const index = build();
    expect(index.search(q(index, 'من استقبل ميشوستين؟'), 3)[0]!.label).toBe(0);
    expect(index.search(q(index, 'المتحدث باسم الكرملين'), 3)[0]!.label).toBe(1);
  });
  it('matches across clitics and diacritics', () => {
    const index = build();
    expect(index.search(q(index, 'وبالغاز'), 3)[0]!.label).toBe(2);
    expect(index.search(q(index, 'الكِرْمْلِين'), 3)[0]!.label).toBe(1);
  });
  it('returns nothing for terms it has never seen', () => {
    const index = build();
    expect(index.search(q(index, 'عاصمة كندا'), 3)).toEqual([]);
  });
  it('gives rarer terms a higher idf', () => {
    const index = build();
    index.add(3, { text: 'الصين وروسيا.' });
    expect(index.idf('ميشوست')).toBeGreaterThan(index.idf('صين'));
  });
  it('counts headline terms with a lower weight than body terms', () => {
    const index = new LexicalIndex();
    index.add(0, { text: 'الغاز الغاز' });
    index.add(1, { text: 'شيء آخر', title: 'الغاز الغاز' });
    const hits = index.search(q(index, 'الغاز'), 2);
    expect(hits.map((h) => h.label)).toEqual([0, 1]);
  });
  it('removes a document so it is never returned again and frees its statistics', () => {
    const index = build();
    index.remove(0);
    expect(index.size).toBe(2);
    expect(index.search(q(index, 'ميشوستين'), 3)).toEqual([]);
    expect(index.docFreq('ميشوست')).toBe(0);
    index.add(0, { text: 'ميشوستين مرة أخرى' });
    expect(index.search(q(index, 'ميشوستين'), 3).map((h) => h.label)).toEqual([0]);
  });
  it('round-trips through JSON with identical rankings', () => {
    const index = build();
    index.remove(1);
    const copy = LexicalIndex.fromJSON(JSON.parse(JSON.stringify(index.toJSON())));
    for (const text of ['ميشوستين', 'الغاز الصين', 'الكرملين']) {
      expect(copy.search(q(copy, text), 3)).toEqual(index.search(q(index, text), 3));
    }
  });
  it('resolves an unknown word through a one-letter proclitic the stemmer leaves on', () => {
    const index = build();
    const [unit] = index.expandQuery(index.analyze('بميشوستين').map((term) => ({ term, weight: 1 })));
    expect(unit!.alternatives).toEqual([{ term: index.analyze('ميشوستين')[0], factor: 1 }]);
    // «سكان» is not «س» + «كان», although the corpus knows «كان».
    index.add(9, { text: 'كان الرئيس هناك.' });
    expect(index.expandQuery([{ term: 'سكان', weight: 1 }])[0]!.alternatives.map((a) => a.term)).not.toContain('كان');
  });
  it('resolves an unknown word behind the conjunction و or a preposition («بوتين وشي», «لشي»), and only an unknown one', () => {
    const index = new LexicalIndex();
    index.add(0, { text: 'التقى بوتين الرئيس الصيني شي جين بينغ في موسكو.' });
    index.add(1, { text: 'وصل الوفد إلى بكين.' });
    const alternatives = (word: string) => index.expandQuery(index.analyze(word).map((term) => ({ term, weight: 1 })))[0]!.alternatives.map((a) => a.term);
    expect(alternatives('وشي')).toEqual(index.analyze('شي'));
    // The prepositions ب / ل before a short name too: «ماذا قال بوتين لشي؟».
    expect(alternatives('لشي')).toEqual(index.analyze('شي'));
    expect(alternatives('بشي')).toEqual(index.analyze('شي'));
    // «وصل» is a word the corpus knows: it is not «و» + «صل».
    expect(alternatives('وصل')).toEqual(index.analyze('وصل'));
  });
  it('resolves an unknown three-letter ة noun through its form before a suffix («مرة» → «مرتين»), and only an unknown one', () => {
    const index = new LexicalIndex();
    index.add(0, { text: 'والتقى قادتنا مرتين هذا العام.' });
    const alternatives = (word: string) => index.expandQuery(index.analyze(word).map((term) => ({ term, weight: 1 })))[0]!.alternatives.map((a) => a.term);
    expect(alternatives('مرة')).toEqual(index.analyze('مرتين'));
    index.add(1, { text: 'وقال إنها المرة الأولى.' });
    expect(alternatives('مرة')).toEqual(index.analyze('مرة'));
  });
  it('searches a derived-form verb in its other tense too, when the corpus has it («استقبل» ↔ «يستقبل»)', () => {
    const index = new LexicalIndex();
    index.add(0, { text: 'رئيس مجلس الدولة الصيني يستقبل رئيس الوزراء الروسي.' });
    index.add(1, { text: 'اجتمع الرئيسان في بكين.' });
    const alternatives = (word: string) => index.expandQuery(index.analyze(word).map((term) => ({ term, weight: 1 })))[0]!.alternatives;
    index.add(2, { text: 'وخلال استقبل الوفد.' });
    expect(alternatives('استقبل')).toEqual([...index.analyze('استقبل'), ...index.analyze('يستقبل')].map((term) => ({ term, factor: 1 })));
    index.add(4, { text: 'ويجتمع المجلس غدا.' });
    expect(alternatives('يجتمع')).toEqual([...index.analyze('يجتمع'), ...index.analyze('اجتمع')].map((term) => ({ term, factor: 1 })));
    // A noun of the same shape has no such form in the corpus: it keeps itself alone.
    index.add(3, { text: 'الاتفاق بين البلدين.' });
    expect(alternatives('الاتفاق')).toEqual([{ term: index.analyze('الاتفاق')[0], factor: 1 }]);
  });
  it('gives a verb its other gender («يقع» / «تقع») for the answer only: ranking never sees it', () => {
    const index = new LexicalIndex();
    index.add(0, { text: 'تقع المدينة على ضفة النهر.' });
    index.add(1, { text: 'يقع الخلاف بين الطرفين.' });
    const [unit] = index.expandQuery(index.analyze('يقع').map((term) => ({ term, weight: 1 })));
    expect(unit!.alternatives).toEqual([
      { term: index.analyze('يقع')[0], factor: 1 },
      { term: index.analyze('تقع')[0], factor: 1, answerOnly: true },
    ]);
    expect(LexicalIndex.flatten([unit!]).map((t) => t.term)).toEqual(index.analyze('يقع'));
    expect(index.search(LexicalIndex.flatten([unit!]), 5).map((h) => h.label)).toEqual([1]);
  });
  it('resolves an unknown form II verb through its verbal noun, and back («تعزز» ↔ «تعزيز»)', () => {
    const index = build();
    index.add(5, { text: 'تعزيز التعاون الأمني بين البلدين.' });
    index.add(6, { text: 'قالت الوزارة إن الشركات تطور محركات جديدة.' });
    const alternatives = (word: string) => index.expandQuery(index.analyze(word).map((term) => ({ term, weight: 1 })))[0]!.alternatives;
    expect(alternatives('تعزز')).toEqual([{ term: index.analyze('تعزيز')[0], factor: 1 }]);
    expect(alternatives('يعزز')).toEqual([{ term: index.analyze('تعزيز')[0], factor: 1 }]);
    expect(alternatives('تطوير').map((a) => a.term)).toContain(index.analyze('تطور')[0]);
    // Only for words the corpus does not know: a known word keeps itself alone.
    expect(alternatives('تعزيز')).toEqual([{ term: index.analyze('تعزيز')[0], factor: 1 }]);
  });
  it('matches a differently spelt name by character trigrams, at its similarity', () => {
    const index = new LexicalIndex();
    index.add(0, { text: 'التقى بوتين الرئيس الصيني شي جينبينغ.' });
    const [unit] = index.expandQuery(index.analyze('جينبنغ').map((term) => ({ term, weight: 1 })));
    expect(unit!.alternatives[0]!.term).toBe(index.analyze('جينبينغ')[0]);
    expect(unit!.alternatives[0]!.factor).toBeGreaterThanOrEqual(0.6);
    expect(unit!.alternatives[0]!.factor).toBeLessThan(1);
    expect(index.expandQuery([{ term: 'كندا', weight: 1 }])[0]!.alternatives).toEqual([]);
  });
  it('treats the letters transliterations use for G as one when comparing spellings', () => {
    const index = new LexicalIndex();
    index.add(0, { text: 'وذكرت صحيفة لوفيجارو أن شي جين بينغ وصل.' });
    for (const [asked, written] of [['لوفيغارو', 'لوفيجارو'], ['بينق', 'بينغ'], ['بينج', 'بينغ']] as const) {
      const [unit] = index.expandQuery(index.analyze(asked).map((term) => ({ term, weight: 1 })));
      expect(unit!.alternatives.map((a) => a.term)).toContain(index.analyze(written)[0]);
    }
    // Only spelling similarity folds them: غاز and جاز stay different index terms.
    index.add(1, { text: 'الغاز' });
    expect(index.docFreq(index.analyze('جاز')[0]!)).toBe(0);
  });
});
