import { describe, expect, it } from 'vitest';
import { detectLang, lightStem, normalize, splitSentences, STOPWORDS, terms } from '../src/text/arabic.js';

describe('normalize', () => {
  it('removes diacritics and tatweel', () => {
    expect(normalize('إِسْتَرَاتِيجِيَّة')).toBe('استراتيجيه');
    expect(normalize('مُـــوسكو')).toBe('موسكو');
  });
  it('unifies alef forms, ى/ي, ة/ه and hamza seats', () => {
    expect(normalize('أإآٱ')).toBe('اااا');
    expect(normalize('مستشفى')).toBe('مستشفي');
    expect(normalize('وكالة')).toBe('وكاله');
    expect(normalize('مؤتمر رئيس')).toBe('موتمر رييس');
  });
  it('turns Arabic-Indic and Persian digits into ASCII', () => {
    expect(normalize('٢٠٢٢ و۱۳')).toBe('2022 و13');
  });
  it('maps Persian/Urdu letter variants used by scraped pages', () => {
    expect(normalize('بوینت')).toBe('بوينت');
  });
  it('drops zero-width and bidi characters hidden inside words', () => {
    expect(normalize('بو\u200Dتين عن الص\u200Bين \u202Bموسكو\u202C')).toBe(normalize('بوتين عن الصين موسكو'));
  });
  it('lower-cases Latin text', () => {
    expect(normalize('CNN Reuters')).toBe('cnn reuters');
  });
});

describe('terms', () => {
  it('drops stopwords and question words, keeps content words', () => {
    expect(terms('من استقبل ميشوستين في الصين؟')).toEqual(['استقبل', lightStem('ميشوستين'), 'صين']);
  });
  it('maps dialect question words to MSA and drops them as question words', () => {
    expect(terms('شو قال بوتين')).toEqual(terms('ماذا قال بوتين'));
    expect(terms('قديش بدها')).not.toContain('قديش');
    expect(terms('مين استقبل')).toEqual(terms('من استقبل'));
    expect(STOPWORDS.has('وين')).toBe(true);
  });
  it('keeps news nouns that the stopword list files among function words', () => {
    expect(terms('كم استغرقت زيارة ميشوستين؟')).toContain(lightStem(normalize('زيارة')));
    expect(terms('خط أنابيب قوة سيبيريا')).toContain(lightStem(normalize('قوة')));
  });
  it('drops dialect relative pronouns and conjunctions, which would otherwise weigh as rare content words', () => {
    expect(terms('قديش كمية الغاز اللي ضختها روسيا للصين؟')).toEqual(terms('كم كمية الغاز التي ضختها روسيا للصين؟'));
    expect(terms('عشان شو راح شي على موسكو')).toEqual(terms('لماذا راح شي على موسكو'));
  });
  it('drops dialect verbs of saying and «until» as MSA «قال» and «حتى» are dropped, across dialects', () => {
    expect(terms('شو حكى بوتين عن الغاز؟')).toEqual(terms('ماذا قال بوتين عن الغاز؟'));
    expect(terms('لحد امتى رح يضل شي بموسكو؟')).toEqual(terms('حتى متى سوف يضل شي بموسكو؟'));
    expect(terms('شحال من مليار ضخت روسيا؟')).toEqual(terms('كم من مليار ضخت روسيا؟'));
    expect(terms('شكون استقبل ميشوستين؟')).toEqual(terms('من استقبل ميشوستين؟'));
  });
  it('drops the verbs that frame a question: «كم بلغ حجم…», «ما اسم…», «هل يوجد…»', () => {
    expect(terms('كم بلغ حجم التجارة؟')).toEqual(terms('كم حجم التجارة؟'));
    expect(terms('ما اسم خط الأنابيب؟')).toEqual(terms('ما خط الأنابيب؟'));
    expect(terms('هل يوجد تعاون عسكري؟')).toEqual(terms('هل تعاون عسكري؟'));
  });
  it('drops a dialect word even when the MSA word it stands for is not a stopword, and dialect fillers', () => {
    // «بدها» stands for «تريد», which stopwords-iso lacks: it must not become a rare content word.
    expect(terms('ليش الصين بدها تعزز التعاون؟')).toEqual(terms('لماذا الصين تعزز التعاون؟'));
    expect(terms('شو عم يعني بيحكي بوتين؟')).toEqual(terms('ماذا بوتين؟'));
  });
  it('stems clitics and the definite article so spellings of a word meet', () => {
    const stems = ['الصين', 'والصين', 'بالصين', 'الصينية'].map((w) => lightStem(normalize(w)));
    expect(new Set(stems).size).toBe(1);
    expect(lightStem(normalize('العلاقات'))).toBe(lightStem(normalize('علاقة')));
  });
  it('keeps at least three letters of a stem', () => {
    expect(lightStem('صين')).toBe('صين');
    expect(lightStem(normalize('يومين')).length).toBeGreaterThanOrEqual(3);
  });
  it('stems English words with Snowball', () => {
    expect(terms('trading partners')).toEqual(['trade', 'partner']);
  });
  it('keeps decimal numbers whole', () => {
    expect(terms('ضخت 13.8 مليار')).toContain('13.8');
  });
});

describe('splitSentences', () => {
  it('splits on . ؟ ! ؛ and line breaks but never inside 13.8', () => {
    const text = 'ضخت لها 13.8 مليار متر. هل هذا صحيح؟ نعم! أولاً؛ ثانياً\nسطر جديد';
    expect(splitSentences(text).map((s) => s.text)).toEqual([
      'ضخت لها 13.8 مليار متر.',
      'هل هذا صحيح؟',
      'نعم!',
      'أولاً؛',
      'ثانياً',
      'سطر جديد',
    ]);
  });
  it('keeps a closing quote with the sentence it ends', () => {
    expect(splitSentences('وقال: "نعم." ثم غادر.').map((s) => s.text)).toEqual(['وقال: "نعم."', 'ثم غادر.']);
  });
  it('reports offsets that slice back to the sentence, shifted by base', () => {
    const text = '  أولى. ثانية؟  ';
    for (const s of splitSentences(text, 100)) expect(text.slice(s.start - 100, s.end - 100)).toBe(s.text);
  });
  it('skips fragments without letters or digits', () => {
    expect(splitSentences('... ! ؟')).toEqual([]);
  });
});

describe('detectLang', () => {
  it('tells Arabic from English questions', () => {
    expect(detectLang('من هو المتحدث باسم الكرملين؟')).toBe('ar');
    expect(detectLang('Who is the Kremlin spokesman?')).toBe('en');
    expect(detectLang('ما رأي CNN؟')).toBe('ar');
  });
});
