/**
 * English questions over Arabic articles without the embedding model.
 *
 * With a multilingual model the dense retriever matches English to Arabic by itself. When the
 * model is missing, an English question would otherwise find nothing; this module turns its
 * content words into Arabic query words: a glossary of general news vocabulary (politics,
 * diplomacy, economy, conflict, places) and, for names it does not know, a rule-based
 * transliteration into Arabic script whose spelling the lexical index then matches to the
 * corpus's own spelling by character trigrams (Mishustin → ميشوستين, Lavrov → لافروف).
 *
 * It is a fallback, not a translator: it adds candidate Arabic words, it never writes an answer.
 */
import { stemmer as snowballEnglish } from '@orama/stemmers/english';

/**
 * English headword → Arabic words (space-separated alternatives). General news vocabulary.
 * Without a prototype: a question's words are looked up in it, and «constructor» or «toString»
 * must find nothing rather than Object's methods.
 */
const GLOSSARY: Readonly<Record<string, string>> = Object.assign(Object.create(null) as Record<string, string>, {
  // People and roles
  president: 'رئيس', presidents: 'رؤساء', 'prime minister': 'رئيس الوزراء', premier: 'رئيس الوزراء', minister: 'وزير',
  ministry: 'وزارة', foreign: 'خارجية', defense: 'دفاع', defence: 'دفاع', interior: 'داخلية', finance: 'مالية',
  spokesman: 'متحدث', spokesperson: 'متحدث', spokeswoman: 'متحدثة', leader: 'زعيم قائد', leaders: 'زعماء قادة',
  king: 'ملك', prince: 'أمير', official: 'مسؤول', officials: 'مسؤولين', ambassador: 'سفير', envoy: 'مبعوث',
  adviser: 'مستشار', advisor: 'مستشار', diplomat: 'دبلوماسي', general: 'جنرال', army: 'جيش', soldiers: 'جنود',
  troops: 'قوات جنود', forces: 'قوات', government: 'حكومة', parliament: 'برلمان', council: 'مجلس', cabinet: 'حكومة',
  chancellor: 'مستشار', secretary: 'أمين', counterpart: 'نظير', people: 'شعب', citizens: 'مواطنين', friend: 'صديق',
  journalist: 'صحفي', newspaper: 'صحيفة', agency: 'وكالة', media: 'إعلام', press: 'صحفي صحافة', reporters: 'صحفيين',
  // Politics and diplomacy
  visit: 'زيارة زار', visited: 'زار زيارة', meeting: 'لقاء اجتماع', meet: 'لقاء التقى', met: 'التقى', summit: 'قمة',
  talks: 'محادثات مباحثات', negotiations: 'مفاوضات', agreement: 'اتفاقية اتفاق', treaty: 'معاهدة', deal: 'صفقة اتفاق',
  partnership: 'شراكة', partner: 'شريك', partners: 'شركاء', alliance: 'تحالف', ally: 'حليف', allies: 'حلفاء',
  relations: 'علاقات', relationship: 'علاقة علاقات', cooperation: 'تعاون', cooperate: 'تعاون', support: 'دعم',
  supported: 'دعم', statement: 'بيان', declaration: 'إعلان', announced: 'أعلن', announce: 'أعلن', said: 'قال', say: 'قال',
  says: 'قال', told: 'قال', stated: 'صرح', described: 'وصف', describe: 'وصف', called: 'دعا وصف', urged: 'حث دعا',
  thanked: 'شكر', thank: 'شكر', praised: 'أشاد', praise: 'أشاد', criticized: 'انتقد', condemned: 'ندد أدان',
  accused: 'اتهم', warned: 'حذر', signed: 'وقع', sign: 'وقع', election: 'انتخابات', elections: 'انتخابات',
  elected: 'انتخاب منتخب', reelection: 'إعادة انتخاب', vote: 'تصويت', policy: 'سياسة', policies: 'سياسات',
  political: 'سياسي', politics: 'سياسة', strategic: 'استراتيجي', strategy: 'استراتيجية', security: 'أمن أمني',
  peace: 'سلام', stability: 'استقرار', sovereignty: 'سيادة', hegemony: 'هيمنة', multipolar: 'متعدد الأقطاب',
  international: 'دولي', global: 'عالمي', world: 'عالم', order: 'نظام', neutral: 'محايد', side: 'طرف جانب',
  party: 'طرف حزب', member: 'عضو', members: 'أعضاء', permanent: 'دائم', congratulations: 'تهاني تهنئة', congratulated: 'هنأ تهاني', congratulate: 'هنأ تهنئة',
  anniversary: 'ذكرى', celebration: 'احتفال', victory: 'نصر انتصار', parade: 'عرض', pressure: 'ضغوط ضغط',
  pressures: 'ضغوط', unprecedented: 'غير مسبوقة', friendship: 'صداقة', trust: 'ثقة', mutual: 'متبادل',
  // Economy
  trade: 'تجارة تجاري', trading: 'تجاري تجارة', economic: 'اقتصادي', economy: 'اقتصاد', sanctions: 'عقوبات',
  sanction: 'عقوبات', energy: 'طاقة', gas: 'غاز', oil: 'نفط', pipeline: 'خط أنابيب', power: 'قوة', billion: 'مليار', million: 'مليون',
  dollars: 'دولار', dollar: 'دولار', yuan: 'يوان', currency: 'عملة', investment: 'استثمار', market: 'سوق',
  supplier: 'مورد', suppliers: 'موردي', exports: 'صادرات', imports: 'واردات', growth: 'نمو', bilateral: 'ثنائي',
  volume: 'حجم', technology: 'تكنولوجيا تقنية', technologies: 'تقنيات', industrial: 'صناعي', agriculture: 'زراعة',
  transport: 'نقل', settlements: 'تسويات', first: 'أول', largest: 'أكبر', biggest: 'أكبر', main: 'رئيسي',
  // Conflict
  war: 'حرب', military: 'عسكري', conflict: 'صراع نزاع', invasion: 'غزو', invaded: 'غزو', attack: 'هجوم',
  offensive: 'هجوم', ceasefire: 'وقف إطلاق النار', truce: 'هدنة', crisis: 'أزمة', weapons: 'أسلحة',
  exercises: 'مناورات تدريبات', drills: 'مناورات', naval: 'بحري', fleet: 'أسطول', technical: 'فني تقني',
  // Time and quantity
  year: 'عام سنة', years: 'أعوام سنوات', month: 'شهر', months: 'أشهر', day: 'يوم', days: 'أيام', week: 'أسبوع',
  today: 'اليوم', yesterday: 'أمس', tomorrow: 'غدا', long: 'مدة تستغرق', duration: 'مدة', since: 'منذ',
  two: 'يومين اثنين', second: 'ثاني', date: 'تاريخ', time: 'وقت', win: 'فاز', won: 'فاز', lost: 'خسر',
  // Places
  china: 'الصين', chinese: 'الصيني الصينية', russia: 'روسيا', russian: 'الروسي الروسية', ukraine: 'أوكرانيا',
  ukrainian: 'الأوكراني', moscow: 'موسكو', beijing: 'بكين', kremlin: 'الكرملين', america: 'أمريكا',
  american: 'الأمريكي الأميركي', usa: 'الولايات المتحدة', 'united states': 'الولايات المتحدة', washington: 'واشنطن',
  europe: 'أوروبا', european: 'الأوروبي', west: 'الغرب', western: 'الغربي الغربية', asia: 'آسيا', japan: 'اليابان',
  india: 'الهند', iran: 'إيران', turkey: 'تركيا', syria: 'سوريا', gaza: 'غزة', israel: 'إسرائيل', mongolia: 'منغوليا',
  france: 'فرنسا', french: 'الفرنسي الفرنسية', germany: 'ألمانيا', britain: 'بريطانيا', canada: 'كندا',
  capital: 'عاصمة', city: 'مدينة', country: 'دولة بلد', countries: 'دول بلدان', nations: 'دول', region: 'منطقة',
  siberia: 'سيبيريا', nazi: 'النازية', soviet: 'السوفيتي', 'security council': 'مجلس الأمن',
  // Verbs and nouns of news reports
  arrive: 'وصل وصول', arrived: 'وصل وصول', arrival: 'وصول', turn: 'لجأ تحول', turned: 'لجأ تحول',
  discuss: 'بحث ناقش مباحثات', discussed: 'بحث ناقش مباحثات', discussion: 'مباحثات نقاش', reach: 'وصل توصل',
  reached: 'وصل توصل', pump: 'ضخ', pumped: 'ضخ', supply: 'إمدادات زود', supplied: 'زود', supplies: 'إمدادات',
  propose: 'اقترح', proposed: 'اقترح مقترح', proposal: 'اقتراح مقترح', reject: 'رفض', rejected: 'رفض',
  host: 'استضاف استضافة', hosted: 'استضاف', receive: 'استقبل تلقى', received: 'استقبل تلقى', attend: 'حضر حضور',
  attended: 'حضر حضور', strengthen: 'تعزيز عزز', strengthening: 'تعزيز', boost: 'تعزيز', protect: 'حماية',
  defend: 'دفاع', interests: 'مصالح', interest: 'مصلحة مصالح', reelected: 'إعادة انتخاب', participate: 'شارك مشاركة',
  participated: 'شارك مشاركة', participation: 'مشاركة', joint: 'مشترك مشتركة', sea: 'بحر', navy: 'بحرية',
  record: 'قياسي', ruble: 'روبل', rouble: 'روبل', unilateralism: 'أحادية', bullying: 'ترهيب تسلط', mentality: 'عقلية',
  'cold war': 'الحرب الباردة', limits: 'حدود', dear: 'عزيز', aide: 'مساعد مستشار', documentary: 'وثائقي',
  film: 'فيلم شريط', hours: 'ساعات', three: 'ثلاثة', four: 'أربعة', five: 'خمسة', twenty: 'عشرين',
  expected: 'متوقع المتوقع', scheduled: 'مقرر المقرر', trip: 'زيارة رحلة', tour: 'جولة زيارة', video: 'فيديو',
  conference: 'مؤتمر', virtual: 'افتراضية', phone: 'هاتف هاتفي', message: 'رسالة', letter: 'رسالة', article: 'مقال',
  added: 'أضاف', stressed: 'أكد شدد', emphasized: 'أكد شدد', confirmed: 'أكد', ago: 'قبل', topics: 'قضايا ملفات',
  agenda: 'جدول أعمال', cultural: 'ثقافي', humanitarian: 'إنساني', neighborliness: 'حسن الجوار',
  neighbourliness: 'حسن الجوار', 'united nations': 'الأمم المتحدة', kyiv: 'كييف', kiev: 'كييف',
  // Well-known names whose Arabic spelling transliteration would miss
  xi: 'شي', jinping: 'جين بينغ', putin: 'بوتين', trump: 'ترامب ترمب', biden: 'بايدن', reuters: 'رويترز',
  tass: 'تاس', xinhua: 'شينخوا', ria: 'ريا', novosti: 'نوفوستي', interfax: 'إنترفاكس', sputnik: 'سبوتنيك',
  'al jazeera': 'الجزيرة', aljazeera: 'الجزيرة', cnn: 'CNN', covid: 'كوفيد', un: 'الأمم المتحدة', nato: 'الناتو',
});

const PHRASES = Object.keys(GLOSSARY).filter((k) => k.includes(' ')).sort((a, b) => b.length - a.length);
const BY_STEM = new Map<string, string>();
for (const [english, arabic] of Object.entries(GLOSSARY)) {
  if (!english.includes(' ')) BY_STEM.set(snowballEnglish(english), arabic);
}

const ENGLISH_STOPWORDS = new Set(
  ('a an the of to in on at by for from with about into over after before and or but not no is are was were be been being ' +
    'do does did what which who whom whose when where why how much many this that these those it its he she they them his her ' +
    'their there here as than then so such can could would should will shall may might must has have had i you we me us our your ' +
    'tell please according between during against any some all each other more most very also just only ' +
    // Verbs that frame a question («What happened…», «What does … mean», «What did they want»).
    'happen happens happened mean means meant want wants wanted think thinks thought get gets got make makes made ' +
    'take takes took taken become becomes became').split(' '),
);

const DIGRAPHS: Array<[string, string]> = [
  ['sch', 'ش'], ['sh', 'ش'], ['ch', 'تش'], ['kh', 'خ'], ['gh', 'غ'], ['th', 'ث'], ['ph', 'ف'], ['zh', 'ج'], ['ts', 'تس'],
  ['ck', 'ك'], ['ou', 'و'], ['oo', 'و'], ['ee', 'ي'], ['ey', 'ي'], ['ay', 'اي'], ['ai', 'اي'], ['ya', 'يا'], ['yu', 'يو'],
];
const LETTERS: Record<string, string> = {
  a: 'ا', b: 'ب', c: 'ك', d: 'د', e: 'ي', f: 'ف', g: 'غ', h: 'ه', i: 'ي', j: 'ج', k: 'ك', l: 'ل', m: 'م', n: 'ن',
  o: 'و', p: 'ب', q: 'ق', r: 'ر', s: 'س', t: 'ت', u: 'و', v: 'ف', w: 'و', x: 'كس', y: 'ي', z: 'ز',
};

/**
 * A word made only of Mandarin pinyin syllables (Qiang, Hangzhou, Xiamen, Zhejiang). Chinese
 * names are common in this news and pinyin's q, x and zh sound «تش», «ش» and «تش», which the
 * English reading (ق, كس, ج) misses: Arabic outlets write تشيانغ, هانغتشو, شيامن.
 */
const PINYIN_WORD = /^(?:(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?(?:iang|iong|uang|ang|eng|ing|ong|ian|iao|uan|uai|ai|ei|ao|ou|an|en|in|un|ia|ie|iu|ua|uo|ui|ue|er|a|o|e|i|u))+$/;
const PINYIN_LETTERS: Array<[string, string]> = [['zh', 'تش'], ['q', 'تش'], ['x', 'ش']];

/**
 * Rule-based English → Arabic-script transliteration of a name (Mishustin → ميشوستين, Lavrov →
 * لافروف), reading q, x and zh the pinyin way in words that are pinyin (Qiang → تشيانغ).
 */
export function transliterate(word: string): string {
  const w = word.toLowerCase().replace(/[^a-z]/g, '');
  const pinyin = /q|x|zh/.test(w) && PINYIN_WORD.test(w);
  let out = '';
  for (let i = 0; i < w.length; ) {
    const digraph = (pinyin ? PINYIN_LETTERS.find(([latin]) => w.startsWith(latin, i)) : undefined) ?? DIGRAPHS.find(([latin]) => w.startsWith(latin, i));
    if (digraph) {
      out += digraph[1];
      i += digraph[0].length;
      continue;
    }
    const c = w[i]!;
    // A word-initial vowel is carried by an alef: Ushakov → اوشاكوف, Erdogan → اردوغان.
    if (i === 0 && 'aeiou'.includes(c)) {
      out += 'ا' + (c === 'o' || c === 'u' ? 'و' : c === 'i' ? 'ي' : '');
      i++;
      continue;
    }
    // A silent final e is not written («Crimee»); a doubled consonant is written once.
    if (!(c === 'e' && i === w.length - 1 && i > 2)) out += LETTERS[c] ?? '';
    i += c === w[i + 1] && !'aeiou'.includes(c) ? 2 : 1;
  }
  return out;
}

export interface EnglishTranslation {
  /** The English word or phrase as it appears (lower-cased). */
  english: string;
  /** Arabic words that stand for it. */
  arabic: string;
  /** Whether the Arabic is a transliteration (a guess at a name) rather than a glossary entry. */
  transliterated: boolean;
}

/**
 * Hyphenated words as the glossary knows them: joined when it has the joined form
 * («re-election» → reelection), otherwise as separate words («Russian-Chinese», «Xi-Putin»),
 * so that neither is transliterated whole as if it were a name.
 */
function dehyphenate(question: string): string {
  return question.replace(/[A-Za-z0-9]+(?:-[A-Za-z0-9]+)+/g, (hyphenated) => {
    const joined = hyphenated.replace(/-/g, '');
    const lower = joined.toLowerCase();
    return GLOSSARY[lower] !== undefined || BY_STEM.has(snowballEnglish(lower)) ? joined : hyphenated.replace(/-/g, ' ');
  });
}

/**
 * Arabic query words for the content words of an English question: glossary phrases and words
 * first, then transliterated names (capitalised words and anything else unknown of 3+ letters).
 */
export function translateEnglish(question: string): EnglishTranslation[] {
  question = dehyphenate(question);
  let text = ` ${question.toLowerCase().replace(/['’]s\b/g, '').replace(/[^a-z0-9\s-]/g, ' ')} `;
  const out: EnglishTranslation[] = [];
  for (const phrase of PHRASES) {
    if (text.includes(` ${phrase} `)) {
      out.push({ english: phrase, arabic: GLOSSARY[phrase]!, transliterated: false });
      text = text.replaceAll(` ${phrase} `, ' ');
    }
  }
  const original = question.replace(/['’]s\b/g, '').split(/[^A-Za-z0-9-]+/).filter(Boolean);
  for (const raw of original) {
    const word = raw.toLowerCase();
    if (!text.includes(` ${word} `) || ENGLISH_STOPWORDS.has(word)) continue;
    if (/^\d+$/.test(word)) {
      out.push({ english: word, arabic: word, transliterated: false });
      continue;
    }
    const glossary = GLOSSARY[word] ?? BY_STEM.get(snowballEnglish(word));
    if (glossary) out.push({ english: word, arabic: glossary, transliterated: false });
    else if (word.length >= 3) out.push({ english: word, arabic: transliterate(word), transliterated: true });
  }
  return out;
}
