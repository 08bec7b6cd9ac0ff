import { describe, expect, it } from 'vitest';
import { countriesNamed } from '../src/text/countries.js';

const codes = (text: string) => countriesNamed(text).map((c) => c.code);

describe('countriesNamed', () => {
  it('finds Arabic names as whole words, behind و/ف and ب/ل/ك proclitics', () => {
    expect(codes('من هو رئيس البرازيل الحالي؟')).toEqual(['BR']);
    expect(codes('ما العلاقة بين روسيا وكندا وبالبرازيل وللنمسا؟')).toEqual(['RU', 'CA', 'BR', 'AT']);
    expect(codes('زار الرئيس البرازيلي موسكو')).toEqual([]); // adjectives of nationality are not names
  });
  it('prefers the longest name: «روسيا البيضاء» is Belarus, not Russia', () => {
    expect(codes('رئيس روسيا البيضاء')).toEqual(['BY']);
    expect(codes('كوريا الشمالية والصين')).toEqual(['KP', 'CN']);
  });
  it('leaves out names that are common words: Arabic always, English unless capitalised', () => {
    expect(codes('ما حجم الدعم المالي للبنين؟ دعم مالي')).toEqual([]);
    expect(codes('هل الكرملين مصر على موقفه؟ ما قطر الأنبوب؟')).toEqual([]);
    expect(codes('a turkey in a jersey at the reunion')).toEqual([]);
    expect(codes('Did Turkey host the talks?')).toEqual(['TR']);
  });
  it('finds English names in any case, and acronyms only in capitals', () => {
    expect(codes('Who is the president of brazil?')).toEqual(['BR']);
    expect(codes('What did the United States of America and South Korea sign?')).toEqual(['US', 'KR']);
    expect(codes('U.S. sanctions on Russia')).toEqual(['RU', 'US']);
    expect(codes('Tell us what Putin said')).toEqual([]);
  });
  it('gives each country once, with its Arabic and English names and the Arabic words an article would hold', () => {
    const [c, ...rest] = countriesNamed('البرازيل ثم Brazil');
    expect(rest).toEqual([]);
    expect(c).toMatchObject({ code: 'BR', name: { ar: 'البرازيل', en: 'Brazil' }, arabicWords: ['البرازيل'] });
  });
});
