import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/config.js';
import { COMPOSING_ARABIC_MARKS, countWords, detectLang, DIALECT_TO_MSA, dialectToMsa, lightStem, normalize, normalizeReference, splitSentences, STOPWORDS, terms, words, wordsReference } from '../src/text/arabic.js';

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

describe('normalize equals its reference definition', () => {
  /** Every string that normalize and normalizeReference disagree on (at most a few). */
  const disagreements = (texts: Iterable<string>): string[] => {
    const out: string[] = [];
    for (const t of texts) if (normalize(t) !== normalizeReference(t) && out.push(t) >= 5) break;
    return out;
  };

  it('on every line and sentence of the corpus and the test corpus', () => {
    const texts: string[] = [];
    for (const dir of [path.join(PROJECT_ROOT, 'corpus'), path.join(PROJECT_ROOT, 'tests/fixtures/corpus')]) {
      if (!fs.existsSync(dir)) continue;
      for (const f of fs.readdirSync(dir)) {
        const file = path.join(dir, f);
        if (!fs.statSync(file).isFile()) continue;
        const raw = fs.readFileSync(file, 'utf8');
        texts.push(raw);
        for (const line of raw.split('\n')) texts.push(line, ...splitSentences(line).map((s) => s.text));
      }
    }
    expect(texts.length).toBeGreaterThan(100);
    expect(disagreements(texts)).toEqual([]);
  });

  it('on diacritics, presentation forms, combining hamza, digits, Latin, Greek, invisible characters and emoji', () => {
    const samples = [
      'إِسْتَرَاتِيجِيَّة', 'مُـــوسكو', 'أيضاً', 'ﻻ ﷲ ﺍﻟﺼﻴﻦ ﺑﺴﻢ', 'ﻣﺮﺣﺒﺎ', 'ا\u0654 و\u0654 ي\u0654 ه\u0654 ە\u0654 ے\u0654 ہ\u0654 ا\u0653 ا\u0655',
      'ا\u064E\u0654 أ\u0651\u064E ب\u0651\u064E ب\u064E\u0651 ٢٠٢٢ ۱۳ ١٣٫٨', 'CNN Reuters ÀÉÎõü ǅ ﬁ ﬀ Å Ω K', 'ΟΔΥΣΣΕΥΣ Σ ΑΣ ΣΑ', 'İstanbul',
      'بو\u200Dتين الص\u200Bين \u202Bموسكو\u202C \uFEFFنص', '\u00A0نص\u00A0² ½ ³ … ‥ ™', 'e\u0301 e\u0323\u0302 ệ\u064E', 'قمة 🇸🇦 👍🏽 𝐀𝐁 ‍',
      '中文 한국어 日本語', 'ﺃﺇﺁ ﻯ ﺓ ﺅ ﺉ', 'Ё й ў', 'ٱٲٳ ی ې ۃ ہ ە ھ ک گ', '\u0670\u06D6\u06ED\u0610\u061A\u0640',
    ];
    expect(disagreements(samples)).toEqual([]);
  });

  it('on every code unit of the table ranges alone, before and after a letter, and next to any combining mark', () => {
    const marks: number[] = [];
    for (let c = 0x0300; c <= 0x036f; c++) marks.push(c);
    for (let c = 0x0610; c <= 0x061a; c++) marks.push(c);
    for (let c = 0x064b; c <= 0x065f; c++) marks.push(c);
    for (let c = 0x06d6; c <= 0x06ed; c++) marks.push(c);
    marks.push(0x0670, 0x05b4, 0x05bc, 0x0334, 0x0345, 0x3099);
    const texts: string[] = [];
    for (const [from, to] of [[0x0000, 0x07ff], [0x2000, 0x20cf], [0xfb50, 0xfeff]] as const) {
      for (let c = from; c <= to; c++) {
        const ch = String.fromCharCode(c);
        texts.push(ch, `ا${ch}ب`, `${ch}\u064E`, `\u064E${ch}`);
        if (c % 7 === 0) for (const m of marks) texts.push(ch + String.fromCharCode(m), `${ch}\u0651${String.fromCharCode(m)}`);
      }
    }
    expect(disagreements(texts)).toEqual([]);
  });

  it('on every canonical composition written decomposed (the marks that compose take the reference path)', () => {
    const texts: string[] = [];
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const ch = String.fromCodePoint(cp);
      const decomposed = ch.normalize('NFD');
      if (decomposed !== ch) texts.push(decomposed, `${decomposed}\u064E`, `\u0628${decomposed}\u0651`);
    }
    expect(texts.length).toBeGreaterThan(10_000);
    expect(disagreements(texts)).toEqual([]);
    // The Arabic marks that compose are exactly the ones listed.
    const tails = new Set<number>();
    for (let c = 0x0600; c <= 0x06ff; c++) {
      const d = String.fromCharCode(c).normalize('NFD');
      for (let i = 1; i < d.length; i++) tails.add(d.charCodeAt(i));
    }
    expect([...tails].sort()).toEqual([...COMPOSING_ARABIC_MARKS].sort());
  });

  it('on random strings of letters, marks and punctuation', () => {
    const alphabet = [...'ابتثجحخدذرزسشصضطظعغفقكلمنهوي أإآؤئءىة٠١٢٣٤٥٦٧٨٩۰۱۲0123456789AZaz.,٫ ÀéΣσΑ\u00A0\u200D\u200F\uFEFF\u0640ﻻﺍﺑ²'];
    for (let c = 0x064b; c <= 0x065f; c++) alphabet.push(String.fromCharCode(c));
    alphabet.push('\u0670', '\u06D6', '\u0610', '\u0301', '\u0323', '\u0308', '\u{1F44D}', '\u{1D400}', '中');
    let seed = 42;
    const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x80000000;
    const texts = Array.from({ length: 50_000 }, () => Array.from({ length: 1 + Math.floor(next() * 12) }, () => alphabet[Math.floor(next() * alphabet.length)]).join(''));
    expect(disagreements(texts)).toEqual([]);
  });
});

describe('words equals its reference definition', () => {
  it('on the corpus, numbers with separators, supplementary letters and digits, and random strings', () => {
    const texts: string[] = ['ضخت 13.8 مليار و1,000,000 و١٣٫٨ في 2025.', 'abc.5xyz a..5 5.a .5 x.5.6.7 ٣.٤ 12. ,5', 'e\u0301 😀 中文 ｱ 𝐀𝐁c 𝟏𝟐.𝟑 a.𝟏 \uD800x \uDC00 x\uD835'];
    const dir = path.join(PROJECT_ROOT, 'corpus');
    for (const f of fs.readdirSync(dir)) {
      const raw = fs.readFileSync(path.join(dir, f), 'utf8');
      texts.push(raw, normalize(raw), ...raw.split('\n'));
    }
    const alphabet = [...'ابت ي5٣۱.,٫ aZ-_\u064E\u0301\u200D\u00A0', '\u{1D7CF}', '\u{1D400}', '\u{1F600}', '\uD800', '\uDC00', '中'];
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x80000000;
    for (let i = 0; i < 50_000; i++) texts.push(Array.from({ length: 1 + Math.floor(next() * 10) }, () => alphabet[Math.floor(next() * alphabet.length)]).join(''));
    const differing = texts.filter((t) => words(t).join('|') !== wordsReference(t).join('|') || countWords(t) !== wordsReference(t).length).slice(0, 5);
    expect(differing).toEqual([]);
  });
});

describe('dialectToMsa', () => {
  it('gives the MSA word of every dialect word and any other word itself, names every object inherits included', () => {
    for (const [dialect, msa] of Object.entries(DIALECT_TO_MSA)) expect(dialectToMsa(dialect)).toBe(msa);
    for (const w of ['الصين', 'constructor', 'tostring', 'toString', 'valueof', 'hasownproperty', '__proto__', 'cnn', '']) expect(dialectToMsa(w)).toBe(w);
    // «constructor» is a word like any other (a property lookup would have found the Object function).
    expect(terms('constructor')).toEqual([lightStem('constructor')]);
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
  it('joins a four-letter past-tense or possessive form ending in ت to its stem', () => {
    for (const [a, b] of [['زارت', 'زار'], ['لجأت', 'لجأ'], ['زوجته', 'زوج'], ['تسارعت', 'تسارع']]) {
      expect(lightStem(normalize(a!)), a).toBe(lightStem(normalize(b!)));
    }
  });
  it('joins a word with the possessives quotes use («نا», «هم», «هما», «كم») to its stem', () => {
    for (const [a, b] of [['قادتنا', 'قادة'], ['بلادهم', 'بلاد'], ['علاقاتنا', 'العلاقات'], ['حكومتكم', 'حكومة'], ['زعيمهما', 'زعيم']]) {
      expect(lightStem(normalize(a!)), a).toBe(lightStem(normalize(b!)));
    }
    // Words too short to carry a possessive keep their letters.
    for (const w of ['هنا', 'فهم', 'حكم', 'مهم']) expect(lightStem(w), w).toBe(w);
  });
  it('takes the ا of an accusative tanween off («طرفاً محايداً» → طرف محايد) but not the ا of a place name', () => {
    for (const [a, b] of [['طرفاً', 'طرف'], ['محايداً', 'المحايد'], ['مستقبلا', 'مستقبل'], ['دورا', 'دور']]) {
      expect(lightStem(normalize(a!)), a).toBe(lightStem(normalize(b!)));
    }
    // فرنسا must not meet الفرنسية, nor روسيا الروسية: a question about France is not answered from «Le Figaro, the French paper».
    for (const [place, adjective] of [['فرنسا', 'الفرنسية'], ['روسيا', 'الروسية'], ['كندا', 'الكندي'], ['أوروبا', 'الأوروبية']]) {
      expect(lightStem(normalize(place!)), place).not.toBe(lightStem(normalize(adjective!)));
      // Behind a preposition too («بفرنسا»): what follows the ب is the name, not the adjective's stem.
      expect(lightStem(normalize(`ب${place}`)).slice(1), place).toBe(lightStem(normalize(place!)));
    }
  });
  it('drops a question word behind «و» / «ف», as a follow-up starts («وماذا», «ومتى», «فكيف», «ومين»)', () => {
    expect(terms('وماذا قال عن الزيارة؟')).toEqual(terms('ماذا قال عن الزيارة؟'));
    expect(terms('ومتى وصل ميشوستين؟ فكيف؟ ومين استقبله؟')).toEqual(terms('متى وصل ميشوستين؟ كيف؟ من استقبله؟'));
    // Words that only start like one keep their letters: «ولي» (crown prince), «فهم».
    expect(terms('ولي العهد فهم')).toHaveLength(3);
  });
  it('drops a stray article and ماذا typed with د, which would otherwise weigh as rare words', () => {
    expect(terms('ما عاصمة سوريا ال')).toEqual(terms('ما عاصمة سوريا'));
    expect(terms('لمادا رفض بوتين الهدنة؟')).toEqual(terms('لماذا رفض بوتين الهدنة؟'));
    expect(terms('اعطني اسم خط الأنابيب')).toEqual(terms('خط الأنابيب'));
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
