import { readFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import { findAgency, isDateLine, parseArticle, parseDateline, readSources } from '../src/ingest/articles.js';
import { classifyLines, fold, splitLines, type CleanLine } from '../src/ingest/clean.js';
import {
  ARABIC_MONTHS,
  ENGLISH_MONTHS,
  LEVANTINE_MONTHS,
  MAGHREBI_MONTHS,
  findDates,
  monthNumber,
  parseDate,
} from '../src/ingest/dates.js';
import type { Article } from '../src/types.js';

const CORPUS = new URL('../corpus/', import.meta.url);

function load(id: string): Article {
  return parseArticle({ id, raw: readFileSync(new URL(id, CORPUS), 'utf8') });
}

const FILES = {
  a000: '000_7d6114e92663cbab.txt',
  a001: '001_e807085ce81d8918.txt',
  a002: '002_7885229fa645d1c2.txt',
  a003: '003_65547c7958172f08.txt',
  a004: '004_33a37189b7051aed.txt',
} as const;

const EXPECTED: Record<string, { title: string | null; outlet: string; agency: string | null; date: string | null; headings: string[] }> = {
  [FILES.a000]: {
    title: 'شي يلتقي بوتين ويتعهد بالدفاع عن مصالح الصين وروسيا',
    outlet: 'الجزيرة',
    agency: null,
    date: '2025-05-08',
    headings: [],
  },
  [FILES.a001]: {
    title: 'الصين تبدي استعدادها لتعزيز التعاون الأمني مع روسيا لـ"حماية مصالح البلدين"',
    outlet: 'رويترز',
    agency: 'رويترز',
    date: '2025-11-03',
    headings: ['"زيارة هامة للغاية"', '"علاقة ود بين الجيران"'],
  },
  [FILES.a002]: {
    title: 'تأكيد على أهمية التعاون الاستراتيجي.. لقاء افتراضي يجمع بوتين ونظيره الصيني',
    outlet: 'العربي',
    agency: null,
    date: '2024-03-26',
    // The photo caption (kept once, credit removed) is short: searchable, never quoted.
    headings: ['إضاءة لـ"العربي" حول القمة الافتراضية التي جمعت الرئيسين الروسي والصيني', 'بوتين', 'الرئيس الصيني'],
  },
  [FILES.a003]: {
    title: 'بوتين ونظيره الصيني سيجريان تقيما شاملًا لآفاق الشراكة بين البلدين يوم 28 يونيو - الكرملين',
    outlet: 'سبوتنيك',
    agency: 'سبوتنيك',
    date: '2021-06-25',
    headings: [],
  },
  [FILES.a004]: {
    title: null,
    outlet: 'الديار',
    agency: null,
    date: null,
    headings: ['الصينيون أصدقاؤنا', 'مسيرة تعاون'],
  },
};

const CHROME = [
  'اشترك', 'دقائق القراءة', 'الأكثر قراءة', 'لا تهينوا الطائفة الجريحة', 'شارك القصة', 'تابع القراءة', 'Close',
  'Changed', 'تصنيفات', 'قصص قد تهمك', 'أفكارك وتعليقاتك', 'كلمات دلالية', 'via REUTERS', 'إعلان',
];

const paragraphsOf = (a: Article) => a.sections.flatMap((s) => s.paragraphs);

describe('parseArticle on the five corpus articles', () => {
  for (const [id, want] of Object.entries(EXPECTED)) {
    describe(id, () => {
      const article = load(id);

      it('reads headline, outlet, agency and date', () => {
        expect(article.title).toBe(want.title);
        expect(article.outlet).toBe(want.outlet);
        expect(article.agency).toBe(want.agency);
        expect(article.date).toBe(want.date);
        const main = article.sections[0]!;
        expect(main).toMatchObject({ index: 0, kind: 'main', title: want.title, outlet: want.outlet, agency: want.agency, date: want.date });
      });

      it('keeps no site chrome in paragraphs', () => {
        for (const p of paragraphsOf(article)) for (const chrome of CHROME) expect(p.text).not.toContain(chrome);
      });

      it('does not repeat the headline as a paragraph', () => {
        if (article.title === null) return;
        for (const p of paragraphsOf(article)) expect(p.text).not.toBe(article.title);
      });

      it('gives every paragraph exact, trimmed offsets into raw', () => {
        for (const p of paragraphsOf(article)) {
          expect(article.raw.slice(p.start, p.end)).toBe(p.text);
          expect(p.text).toBe(p.text.trim());
          expect(p.text.length).toBeGreaterThan(0);
        }
      });

      it('flags exactly the sub-headings', () => {
        expect(paragraphsOf(article).filter((p) => p.heading).map((p) => p.text)).toEqual(want.headings);
      });

      it('hashes raw with sha256 when no hash is given', () => {
        expect(article.hash).toMatch(/^[0-9a-f]{64}$/);
        expect(article.id).toBe(id);
      });
    });
  }

  it('000: the story after «إقرأ أيضاً» is a related section with its own title and no inherited metadata', () => {
    const article = load(FILES.a000);
    expect(article.sections).toHaveLength(2);
    const [main, related] = article.sections as [Article['sections'][0], Article['sections'][0]];
    expect(related).toMatchObject({
      index: 1,
      kind: 'related',
      title: 'نكايةً في ترامب.. الرئيس الصيني يثني على متانة التعاون الإستراتيجي مع روسيا',
      outlet: null,
      agency: null,
      date: null,
    });
    const relatedText = related.paragraphs.map((p) => p.text).join('\n');
    const mainText = main.paragraphs.map((p) => p.text).join('\n');
    expect(relatedText).toContain('لوفيجارو');
    expect(relatedText).toContain('شينخوا');
    expect(mainText).not.toContain('لوفيجارو');
    expect(mainText).not.toContain('شينخوا');
    expect(related.paragraphs.map((p) => p.text)).not.toContain(related.title);
    expect(mainText).not.toContain('المصدر');
    expect(mainText).not.toContain('إقرأ أيضاً');
  });

  it('sections other than 000 are single', () => {
    for (const id of [FILES.a001, FILES.a002, FILES.a003, FILES.a004]) expect(load(id).sections).toHaveLength(1);
  });

  it('003: a dateline glued to the first sentence is cut off, the sentence kept', () => {
    const first = load(FILES.a003).sections[0]!.paragraphs[0]!;
    expect(first.text.startsWith('أعلن الكرملين، اليوم الجمعة')).toBe(true);
    expect(first.text).not.toContain('سبوتنيك');
  });

  it('keeps a photo caption once, without its credit, and drops datelines from the body', () => {
    const a001 = paragraphsOf(load(FILES.a001)).map((p) => p.text);
    expect(a001.filter((t) => t.includes('يستقبل رئيس الوزراء الروسي ميخائيل ميشوستين، هانغتشو'))).toHaveLength(1);
    expect(a001.some((t) => t.includes('via REUTERS'))).toBe(false);
    expect(a001).not.toContain('موسكو -رويترز');
    const a002 = paragraphsOf(load(FILES.a002)).map((p) => p.text);
    expect(a002.some((t) => t.includes('(الصورة: غيتي)'))).toBe(false);
    expect(a002.some((t) => t.includes('الثلاثاء 26 مارس'))).toBe(false);
    expect(a002).not.toContain('العربي - وكالات');
    expect(a002.filter((t) => !t.startsWith('إضاءة لـ'))[0]).toMatch(/^حضر الملف الأوكراني/);
  });

  it('004: body dates (events) are not the publication date and body agency mentions are not the agency', () => {
    const article = load(FILES.a004);
    expect(article.date).toBeNull();
    expect(article.agency).toBeNull();
    expect(paragraphsOf(article)[0]!.text).toMatch(/^أكد وزير الخارجية الصيني وانغ يي/);
  });

  it('is pure: the same input gives the same article', () => {
    expect(load(FILES.a001)).toEqual(load(FILES.a001));
  });
});

describe('parseDate', () => {
  const cases: Array<[string, string | null]> = [
    ['تاريخ النشر: 8th, May 2025 GMT', '2025-05-08'],
    ['1st June 2024', '2024-06-01'],
    ['22nd, Feb 2023', '2023-02-22'],
    ['الثلاثاء 26 مارس / مارس 2024', '2024-03-26'],
    ['الثلاثاء 26 مارس / آذار 2024', '2024-03-26'],
    ['28 حزيران/يونيو 2021', '2021-06-28'],
    ['( أردو بوینت نتورك ۔ / سبوتنيك - 25 يونيو 2021ء) أعلن الكرملين', '2021-06-25'],
    ['25 يونيو 2021م', '2021-06-25'],
    ['رئيس مجلس الدولة الصيني يستقبل رئيس الوزراء الروسي، هانغتشو، 3 نوفمبر 2025 - via REUTERS', '2025-11-03'],
    ['1 كانون الثاني 2020', '2020-01-01'],
    ['14 شباط 2022', '2022-02-14'],
    ['5 آذار 2023', '2023-03-05'],
    ['5 اذار 2023', '2023-03-05'],
    ['9 نيسان 2023', '2023-04-09'],
    ['1 أيار 2025', '2025-05-01'],
    ['30 حزيران 2019', '2019-06-30'],
    ['4 تموز 2018', '2018-07-04'],
    ['15 آب 2017', '2017-08-15'],
    ['20 أيلول 2016', '2016-09-20'],
    ['7 تشرين الأول 2023', '2023-10-07'],
    ['7 تشرين اول 2023', '2023-10-07'],
    ['11 تشرين الثاني 2015', '2015-11-11'],
    ['25 كانون الأول 2014', '2014-12-25'],
    ['3 يناير 2024', '2024-01-03'],
    ['3 فبراير 2024', '2024-02-03'],
    ['3 أبريل 2024', '2024-04-03'],
    ['3 إبريل 2024', '2024-04-03'],
    ['3 مايو 2024', '2024-05-03'],
    ['3 يونيه 2024', '2024-06-03'],
    ['3 يوليه 2024', '2024-07-03'],
    ['3 يوليو 2024', '2024-07-03'],
    ['3 أغسطس 2024', '2024-08-03'],
    ['3 اغسطس 2024', '2024-08-03'],
    ['3 سبتمبر 2024', '2024-09-03'],
    ['3 أكتوبر 2024', '2024-10-03'],
    ['3 ديسمبر 2024', '2024-12-03'],
    ['3 جويلية 2024', '2024-07-03'],
    ['May 8, 2025', '2025-05-08'],
    ['Sept. 9, 2021', '2021-09-09'],
    ['Thursday, 8 May 2025 10:00 GMT', '2025-05-08'],
    ['8 DEC 2020', '2020-12-08'],
    ['2024-03-26', '2024-03-26'],
    ['2024-03-26T10:15:00Z', '2024-03-26'],
    ['26/03/2024', '2024-03-26'],
    ['26-3-2024', '2024-03-26'],
    ['03/26/2024', '2024-03-26'],
    ['٢٦ مارس ٢٠٢٤', '2024-03-26'],
    ['٢٦/٠٣/٢٠٢٤', '2024-03-26'],
    ['۲۶ مارس ۲۰۲۴', '2024-03-26'],
    ['29 شباط 2024', '2024-02-29'],
    // Not dates, or impossible ones.
    ['31 فبراير 2024', null],
    ['29 فبراير 2023', null],
    ['31 نيسان 2024', null],
    ['2023-02-29', null],
    ['13/13/2024', null],
    ['32 مايو 2024', null],
    ['0 مايو 2024', null],
    ['12 مايو 1850', null],
    ['في شباط 2022', null],
    ['مارس 2024', null],
    ['نما الاقتصاد 13.8 في المئة', null],
    ['', null],
  ];
  for (const [text, iso] of cases) {
    it(`${JSON.stringify(text)} → ${iso}`, () => expect(parseDate(text)).toBe(iso));
  }

  it('reports date spans in the original text, invalid ones with iso null', () => {
    const text = 'الثلاثاء 26 مارس / مارس 2024';
    const [d] = findDates(text);
    expect(text.slice(d!.start, d!.end)).toBe('26 مارس / مارس 2024');
    expect(findDates('31 فبراير 2024')).toEqual([{ iso: null, start: 0, end: 14 }]);
    expect(findDates('من 3 مايو 2024 إلى 5 يونيو 2024').map((x) => x.iso)).toEqual(['2024-05-03', '2024-06-05']);
  });

  it('rejects two different month names for one date', () => {
    expect(parseDate('26 مارس / نيسان 2024')).toBeNull();
  });

  it('exports month tables', () => {
    expect(Object.keys(ARABIC_MONTHS)).toContain('يونيه');
    expect(LEVANTINE_MONTHS['تشرين الأول']).toBe(10);
    expect(MAGHREBI_MONTHS['جانفي']).toBe(1);
    expect(ENGLISH_MONTHS.sept).toBe(9);
    expect(monthNumber('آب')).toBe(8);
    expect(monthNumber('كانون   الأول')).toBe(12);
    expect(monthNumber('أغسطس')).toBe(8);
    expect(monthNumber('Banana')).toBeNull();
  });

  it('recognises date-only lines', () => {
    expect(isDateLine('الثلاثاء 26 مارس / مارس 2024')).toBe(true);
    expect(isDateLine('تاريخ النشر: 8th, May 2025 GMT')).toBe(true);
    expect(isDateLine('نُشر في: الأحد 12 أيار 2024 - 10:30 ص')).toBe(true);
    expect(isDateLine('آخر تحديث: 2024-03-26 14:05 بتوقيت القدس')).toBe(true);
    expect(isDateLine('وقّع البلدان الاتفاق في 26 مارس 2024 في موسكو.')).toBe(false);
  });
});

/** Which rule classified each line of a small page. */
function rules(page: string): Array<[string, string]> {
  return classifyLines(splitLines(page)).map((l: CleanLine) => [l.text, l.kind === 'body' ? 'body' : `${l.kind}:${l.rule}`]);
}

describe('chrome rules', () => {
  it('recognise each kind of chrome line, in other sites’ wording too', () => {
    const page = [
      'اشترك مجانا بقناة الديار على يوتيوب',
      'تابعونا على تلغرام لآخر الأخبار',
      'time reading iconدقائق القراءة - 5',
      'مدة القراءة: 3 دقائق',
      'شارك القصة',
      'شارك المقال عبر فيسبوك',
      'تابع القراءة',
      'اقرأ المزيد',
      'Close',
      'Changed',
      'طباعة',
      'كلمات دلالية: حريات',
      'الوسوم: روسيا، الصين',
      '(تستمر)',
      '(يتبع)',
      'الرئيسية / أخبار / سياسة',
      'إعلان',
      'Advertisement',
      'جميع الحقوق محفوظة © 2024',
      'الوزيران في موسكو (الصورة: غيتي)',
      'الرئيس في الكرملين - via REUTERS',
      'المصدر: الجزيرة',
      'أفكارك وتعليقاتك',
      'بعد النهاية',
    ].join('\n');
    expect(rules(page)).toEqual([
      ['اشترك مجانا بقناة الديار على يوتيوب', 'chrome:subscribe-banner'],
      ['تابعونا على تلغرام لآخر الأخبار', 'chrome:subscribe-banner'],
      ['time reading iconدقائق القراءة - 5', 'chrome:reading-time'],
      ['مدة القراءة: 3 دقائق', 'chrome:reading-time'],
      ['شارك القصة', 'chrome:share'],
      ['شارك المقال عبر فيسبوك', 'chrome:share'],
      ['تابع القراءة', 'chrome:continue-reading'],
      ['اقرأ المزيد', 'chrome:continue-reading'],
      ['Close', 'chrome:stray-ui'],
      ['Changed', 'chrome:stray-ui'],
      ['طباعة', 'chrome:stray-ui'],
      ['كلمات دلالية: حريات', 'chrome:tags'],
      ['الوسوم: روسيا، الصين', 'chrome:tags'],
      ['(تستمر)', 'chrome:continued-mark'],
      ['(يتبع)', 'chrome:continued-mark'],
      ['الرئيسية / أخبار / سياسة', 'chrome:breadcrumbs'],
      ['إعلان', 'chrome:ad'],
      ['Advertisement', 'chrome:ad'],
      ['جميع الحقوق محفوظة © 2024', 'chrome:copyright'],
      ['الوزيران في موسكو (الصورة: غيتي)', 'caption:photo-caption'],
      ['الرئيس في الكرملين - via REUTERS', 'caption:photo-caption'],
      ['المصدر: الجزيرة', 'source:source'],
      ['أفكارك وتعليقاتك', 'chrome:trailing-lists'],
      ['بعد النهاية', 'chrome:trailing-lists'],
    ]);
  });

  it('leave real sentences that merely start like chrome alone', () => {
    const page = [
      'اشترك الجيشان في مناورات بحرية مشتركة قرب السواحل.',
      'شارك آلاف المتظاهرين في المسيرة التي جابت شوارع العاصمة يوم الجمعة.',
      'المصدر نفسه أكد أن المحادثات ستستأنف الأسبوع المقبل.',
      'إعلانات الشركات الفرنسية ارتفعت بنسبة كبيرة هذا العام.',
      'إعلانه عن الترشح جاء مفاجئا للجميع.',
      'تابع الوزير جولته في المنطقة بزيارة إلى عمّان.',
    ];
    expect(rules(page.join('\n')).map(([, r]) => r)).toEqual(page.map(() => 'body'));
  });

  it('cut an ad label glued to the next word and classify the rest', () => {
    const raw = 'فقرة أولى من الخبر.\nإعلانالمصدر: الجزيرة\nإعلانوتابع الوزير حديثه.';
    const lines = classifyLines(splitLines(raw));
    expect(lines[1]).toMatchObject({ kind: 'source', source: 'الجزيرة', text: 'المصدر: الجزيرة' });
    expect(lines[2]).toMatchObject({ kind: 'body', text: 'وتابع الوزير حديثه.' });
    for (const l of lines) expect(raw.slice(l.start, l.end)).toBe(l.text);
  });

  it('capture the site name from a banner and the items of a sources block', () => {
    const lines = classifyLines(splitLines('نص.\nاشترك في قناة النهار على يوتيوب\nالمصادر:\nالعربي - وكالات\nشارك القصة'));
    expect(lines[1]).toMatchObject({ kind: 'chrome', outlet: 'النهار' });
    expect(lines[3]).toMatchObject({ kind: 'source', source: 'العربي - وكالات' });
    expect(lines[4]).toMatchObject({ kind: 'chrome', rule: 'share' });
  });

  it('fold keeps a map back to original offsets', () => {
    const f = fold('إقرأ أيضاً ٢٠٢٤');
    expect(f.text).toBe('اقرا ايضا 2024');
    expect(f.map).toHaveLength(f.text.length + 1);
  });
});

describe('parseArticle on synthetic pages', () => {
  // An unknown site, with chrome of the same kinds as the corpus in other wording.
  const unknownSite = [
    'الرئيسية / أخبار / سياسة عربية',
    'وزير الخارجية المصري يزور عمّان لبحث التعاون الإقليمي',
    'وزير الخارجية المصري يزور عمّان لبحث التعاون الإقليمي',
    'نُشر في: الأحد 12 أيار 2024 - 10:30 ص',
    'مدة القراءة: 3 دقائق',
    'الوزيران خلال المؤتمر الصحفي في عمّان (صورة: أرشيفية)',
    'عمّان - أ ف ب',
    '',
    'وصل وزير الخارجية المصري إلى العاصمة الأردنية عمّان اليوم الأحد في زيارة رسمية تستمر يومين.',
    'وقال الوزير في تصريح للصحفيين إن العلاقات بين البلدين "متينة ومتجذرة"، حسبما نقلت وكالة الأناضول.',
    'ملفات على الطاولة',
    'وبحث الجانبان ملفات التعاون الاقتصادي والأوضاع في المنطقة، وفي مقدمتها الحرب في غزة منذ تشرين الأول 2023.',
    'Advertisement',
    'تابعونا على تلغرام لآخر الأخبار',
    'الوسوم:',
    'الأردن',
    'مصر',
    'شارك المقال',
    'اقرأ أيضاً',
    'البنك المركزي الأردني يثبت أسعار الفائدة',
    'أعلن البنك المركزي الأردني اليوم تثبيت أسعار الفائدة دون تغيير للمرة الثالثة على التوالي.',
    'الأكثر مشاهدة',
    'قصة أخرى لا علاقة لها بالخبر',
    'وهذه فقرة من قصة أخرى تماما لا يجب أن تظهر.',
  ].join('\n');

  it('reads an unknown site’s page with the general rules', () => {
    const a = parseArticle({ id: 'x.txt', raw: unknownSite });
    expect(a).toMatchObject({
      title: 'وزير الخارجية المصري يزور عمّان لبحث التعاون الإقليمي',
      date: '2024-05-12',
      agency: 'فرانس برس',
      outlet: 'فرانس برس',
    });
    const main = a.sections[0]!;
    expect(main.paragraphs.map((p) => [p.text.slice(0, 20), p.heading])).toEqual([
      ['الوزيران خلال المؤتم', true],
      ['وصل وزير الخارجية ال', false],
      ['وقال الوزير في تصريح', false],
      ['ملفات على الطاولة', true],
      ['وبحث الجانبان ملفات ', false],
    ]);
    expect(a.sections).toHaveLength(2);
    expect(a.sections[1]).toMatchObject({
      kind: 'related',
      title: 'البنك المركزي الأردني يثبت أسعار الفائدة',
      date: null,
      agency: null,
      outlet: null,
    });
    expect(a.sections[1]!.paragraphs.map((p) => p.text)).toEqual([
      'أعلن البنك المركزي الأردني اليوم تثبيت أسعار الفائدة دون تغيير للمرة الثالثة على التوالي.',
    ]);
    const all = a.sections.flatMap((s) => s.paragraphs.map((p) => p.text)).join('\n');
    for (const chrome of ['الرئيسية', 'مدة القراءة', 'صورة', 'Advertisement', 'تابعونا', 'الوسوم', 'شارك', 'الأكثر', 'قصة أخرى', 'نُشر']) {
      expect(all).not.toContain(chrome);
    }
    expect(a.sections.flatMap((s) => s.paragraphs).map((p) => p.text)).not.toContain('مصر');
  });

  it('handles CRLF, a «CITY (AGENCY) -» dateline, an inline link, a glued ad label and a mixed source line', () => {
    const raw = [
      'باريس (رويترز) - قال الرئيس الفرنسي إيمانويل ماكرون اليوم إن بلاده ستزيد دعمها العسكري لأوكرانيا.',
      '',
      'اقرأ أيضا: ماكرون يزور برلين الأسبوع المقبل',
      'وأضاف ماكرون في مؤتمر صحفي أن "الوقت ليس في صالح أحد".',
      'إعلانوتابع أن القرار اتخذ بالتشاور مع الحلفاء الأوروبيين.',
      'إعلانات الشركات الفرنسية ارتفعت بنسبة كبيرة هذا العام.',
      'المصدر: الشرق الأوسط + رويترز',
    ].join('\r\n');
    const a = parseArticle({ id: 'y.txt', raw, path: '/corpus/y.txt', hash: 'abc' });
    expect(a).toMatchObject({ title: null, agency: 'رويترز', outlet: 'الشرق الأوسط', date: null, path: '/corpus/y.txt', hash: 'abc' });
    expect(a.sections).toHaveLength(1);
    const texts = a.sections[0]!.paragraphs.map((p) => p.text);
    expect(texts).toEqual([
      'قال الرئيس الفرنسي إيمانويل ماكرون اليوم إن بلاده ستزيد دعمها العسكري لأوكرانيا.',
      'وأضاف ماكرون في مؤتمر صحفي أن "الوقت ليس في صالح أحد".',
      'وتابع أن القرار اتخذ بالتشاور مع الحلفاء الأوروبيين.',
      'إعلانات الشركات الفرنسية ارتفعت بنسبة كبيرة هذا العام.',
    ]);
    for (const p of a.sections[0]!.paragraphs) expect(raw.slice(p.start, p.end)).toBe(p.text);
  });

  it('drops a repeated headline, a doubled caption and scraped duplicates; a closing credit names the agency', () => {
    const raw = [
      'الجيش يعلن السيطرة على المدينة',
      'الجيش يُعلن السيطرة على المدينة',
      'جنود في شوارع المدينة صباح اليوم',
      'جنود في شوارع المدينة صباح اليوم',
      'أعلن الجيش اليوم السيطرة الكاملة على المدينة بعد معارك استمرت أسبوعا، وفق ما نقلت وكالة رويترز.',
      'وقال متحدث عسكري إن العمليات انتهت.',
      'أعلن الجيش اليوم السيطرة الكاملة على المدينة بعد معارك استمرت أسبوعا، وفق ما نقلت وكالة رويترز.',
      '(أ ف ب)',
    ].join('\n');
    const a = parseArticle({ id: 'z.txt', raw });
    expect(a.title).toBe('الجيش يعلن السيطرة على المدينة');
    expect(a.agency).toBe('فرانس برس');
    // The doubled caption is kept once (a short line: searchable, never quoted).
    expect(a.sections[0]!.paragraphs.map((p) => p.text.slice(0, 20))).toEqual(['جنود في شوارع المدين', 'أعلن الجيش اليوم الس', 'وقال متحدث عسكري إن ']);
    expect(a.sections[0]!.paragraphs[0]!.heading).toBe(true);
  });

  it('never takes metadata from body sentences', () => {
    const raw = [
      'روسيا والصين تجريان مناورات مشتركة',
      'أجرت روسيا والصين في 3 مارس 2024 مناورات مشتركة، حسبما ذكرت وكالة إنترفاكس.',
      'ونقلت وكالة شينخوا عن مسؤول صيني أن المناورات ناجحة، وفق ما نقلت CNN.',
    ].join('\n');
    const a = parseArticle({ id: 'w.txt', raw });
    expect(a).toMatchObject({ title: 'روسيا والصين تجريان مناورات مشتركة', outlet: null, agency: null, date: null });
  });

  it('reads a kicker, a Hijri + Gregorian date line, an outlet dateline, BBC-style captions and wire end marks', () => {
    const raw = [
      'سياسة',
      'قادة الخليج يجتمعون في الرياض لبحث أمن المنطقة',
      'الأربعاء 7 ذو القعدة 1445 هـ - 15 مايو 2024 م',
      'أبوظبي - سكاي نيوز عربية',
      'مصدر الصورة، Getty Images',
      'التعليق على الصورة، القادة خلال الجلسة الافتتاحية',
      'اجتمع قادة دول مجلس التعاون الخليجي اليوم في الرياض لبحث التطورات الأمنية في المنطقة.',
      'https://twitter.com/example/status/1',
      'وقال الأمين العام للمجلس إن القمة "ناجحة بكل المقاييس".',
      '(إعداد محمد علي للنشرة العربية - تحرير سها جادو)',
      '//انتهى//',
    ].join('\n');
    const a = parseArticle({ id: 'u.txt', raw });
    expect(a).toMatchObject({ title: 'قادة الخليج يجتمعون في الرياض لبحث أمن المنطقة', date: '2024-05-15', outlet: 'سكاي نيوز عربية', agency: null });
    // The credit line goes; the caption's text stays without its label.
    expect(a.sections[0]!.paragraphs.map((p) => p.text.slice(0, 12))).toEqual(['القادة خلال ', 'اجتمع قادة د', 'وقال الأمين ']);
  });

  it('skips a byline above the headline and a glued or standalone «إعلان»', () => {
    const raw = [
      'كتب محمد أحمد',
      'الأحد، 12 مايو 2024 10:00 ص',
      'وزير الخارجية يستقبل نظيره الأردني في القاهرة',
      'إعلان',
      'استقبل وزير الخارجية اليوم نظيره الأردني في مقر الوزارة بالقاهرة.',
      'إعلانوبحث الوزيران تطورات الأوضاع في المنطقة.',
      'المصدر: الجزيرة + وكالات',
    ].join('\n');
    const a = parseArticle({ id: 'r.txt', raw });
    expect(a).toMatchObject({ title: 'وزير الخارجية يستقبل نظيره الأردني في القاهرة', date: '2024-05-12', outlet: 'الجزيرة', agency: null });
    expect(a.sections[0]!.paragraphs.map((p) => p.text)).toEqual([
      'استقبل وزير الخارجية اليوم نظيره الأردني في مقر الوزارة بالقاهرة.',
      'وبحث الوزيران تطورات الأوضاع في المنطقة.',
    ]);
  });

  it('reads an Anadolu-style «CITY/ AGENCY» dateline', () => {
    const raw = 'تركيا وقطر توقعان اتفاقيات تعاون جديدة\nأنقرة/ الأناضول\nوقعت تركيا وقطر اليوم سبع اتفاقيات تعاون في مجالات الطاقة والدفاع.';
    expect(parseArticle({ id: 't.txt', raw })).toMatchObject({ agency: 'الأناضول', outlet: 'الأناضول', title: 'تركيا وقطر توقعان اتفاقيات تعاون جديدة' });
  });

  it('takes an inline «اقرأ أيضا: headline» after the article closed as a related story with that headline', () => {
    const raw = [
      'عنوان الخبر الرئيسي عن القمة',
      'تاريخ النشر: 2024-05-01',
      'انعقدت القمة اليوم بحضور عدد كبير من القادة.',
      'المصدر: الجزيرة',
      'اقرأ أيضا: البرلمان يقر الموازنة الجديدة',
      'أقر البرلمان اليوم الموازنة العامة الجديدة بأغلبية كبيرة.',
    ].join('\n');
    const a = parseArticle({ id: 'q.txt', raw });
    expect(a).toMatchObject({ title: 'عنوان الخبر الرئيسي عن القمة', date: '2024-05-01', outlet: 'الجزيرة' });
    expect(a.sections[1]).toMatchObject({ kind: 'related', title: 'البرلمان يقر الموازنة الجديدة', date: null, outlet: null, agency: null });
    expect(a.sections[1]!.paragraphs.map((p) => p.text)).toEqual(['أقر البرلمان اليوم الموازنة العامة الجديدة بأغلبية كبيرة.']);
  });

  it('does not make a related section of bare link headlines', () => {
    const raw = [
      'عنوان الخبر الرئيسي عن القمة',
      'انعقدت القمة اليوم بحضور عدد كبير من القادة.',
      'المصدر: الجزيرة',
      'اقرأ أيضاً:',
      'عنوان رابط أول عن موضوع آخر تماما في الاقتصاد والسياسة الدولية الراهنة',
      'عنوان رابط ثان',
    ].join('\n');
    const a = parseArticle({ id: 's.txt', raw });
    expect(a.sections).toHaveLength(1);
    expect(a.sections[0]!.paragraphs.map((p) => p.text)).toEqual(['انعقدت القمة اليوم بحضور عدد كبير من القادة.']);
  });

  it('gives a page of chrome only no paragraphs', () => {
    const a = parseArticle({ id: 'v.txt', raw: 'اشترك مجانا بقناة الديار على يوتيوب\nالأكثر قراءة\nلا تهينوا الطائفة الجريحة' });
    expect(a.sections).toHaveLength(1);
    expect(a.sections[0]!.paragraphs).toEqual([]);
    expect(a.title).toBeNull();
  });
});

describe('datelines and sources', () => {
  const line = (text: string) => ({ text, start: 0, end: text.length });
  it('reads datelines and keeps the glued sentence', () => {
    expect(parseDateline(line('موسكو -رويترز'))).toEqual({ agency: 'رويترز', outlet: null, date: null, rest: null });
    expect(parseDateline(line('أنقرة/ الأناضول'))).toMatchObject({ agency: 'الأناضول', rest: null });
    expect(parseDateline(line('أبوظبي - سكاي نيوز عربية'))).toMatchObject({ agency: null, outlet: 'سكاي نيوز عربية', rest: null });
    expect(parseDateline(line('بيروت - «الشرق الأوسط»'))).toMatchObject({ outlet: 'الشرق الأوسط' });
    expect(parseDateline(line('واشنطن - وكالات'))).toMatchObject({ agency: null, outlet: null, rest: null });
    expect(parseDateline(line('القاهرة - أ ش أ: قال الوزير إن...'))).toMatchObject({ agency: 'أ ش أ', rest: { text: 'قال الوزير إن...' } });
    expect(parseDateline(line('(رويترز) - قال مسؤولون'))).toMatchObject({ agency: 'رويترز', rest: { text: 'قال مسؤولون', start: 11 } });
    expect(parseDateline(line('( أردو بوینت نتورك ۔ / سبوتنيك - 25 يونيو 2021ء) أعلن الكرملين'))).toMatchObject({
      agency: 'سبوتنيك',
      date: '2021-06-25',
      rest: { text: 'أعلن الكرملين' },
    });
    expect(parseDateline(line('بكين - أكد الرئيس الصيني أن بلاده مستعدة.'))).toBeNull();
    expect(parseDateline(line('(قوة سيبيريا) خط أنابيب للغاز.'))).toBeNull();
  });

  it('reads source lines: generic items ignored, agencies recognised', () => {
    expect(readSources(['العربي - وكالات'])).toEqual({ outlet: 'العربي', agency: null });
    expect(readSources(['الجزيرة'])).toEqual({ outlet: 'الجزيرة', agency: null });
    expect(readSources(['الجزيرة ووكالات'])).toEqual({ outlet: 'الجزيرة', agency: null });
    expect(readSources(['وكالة الأناضول'])).toEqual({ outlet: null, agency: 'الأناضول' });
    expect(readSources(['AFP'])).toEqual({ outlet: null, agency: 'فرانس برس' });
  });

  it('knows agencies by their usual spellings', () => {
    expect(findAgency('أ.ف.ب')).toBe('فرانس برس');
    expect(findAgency('د ب أ')).toBe('د ب أ');
    expect(findAgency('Reuters')).toBe('رويترز');
    expect(findAgency('ريا نوفوستي')).toBe('ريا نوفوستي');
    expect(findAgency('العالم')).toBeNull();
  });
});
