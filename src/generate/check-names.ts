/**
 * Names a text states, without a named-entity recogniser (see check.ts's module doc): in Arabic,
 * the words after a title or role and after a verb of saying at a clause's head, and known names;
 * in English, runs of capitalised words other than common words.
 */
import { normalize, STOPWORDS, words } from '../text/arabic.js';
import { translateEnglish } from '../text/crosslingual.js';
import { arabicForms, hasArticle } from './check-clitics.js';
import { MONTHS } from './check-dates.js';
import { numberToken, ROMAN } from './check-numbers.js';

/** Well-known Arabic names (normalised) from the crosslingual glossary: people, places, outlets. */
export const KNOWN_ARABIC_NAMES: ReadonlySet<string> = new Set(
  ['بوتين', 'شي', 'ترامب', 'ترمب', 'بايدن', 'موسكو', 'بكين', 'كييف', 'واشنطن', 'الكرملين', 'غزة', 'سيبيريا', 'رويترز', 'تاس', 'شينخوا', 'نوفوستي', 'إنترفاكس', 'سبوتنيك', 'ميشوستين', 'لافروف', 'بيسكوف']
    .map((w) => normalize(w)),
);

/**
 * Words after which Arabic names a person or place: titles and roles («الرئيس», «وزير»,
 * «المتحدث باسم»), «نظيره», and place words («مدينة», «العاصمة»). Normalised, without article.
 */
const ARABIC_TITLES: ReadonlySet<string> = new Set(
  ['رئيس', 'رئيسة', 'وزير', 'وزيرة', 'متحدث', 'متحدثة', 'ناطق', 'مستشار', 'مستشارة', 'سفير', 'سفيرة', 'ملك', 'أمير', 'شيخ', 'سيد', 'سيدة',
    'زعيم', 'جنرال', 'مبعوث', 'نائب', 'أمين', 'مدير', 'مديرة', 'مندوب', 'قائد', 'نظير', 'نظيره', 'نظيرته', 'نظيرها', 'عقيد', 'لواء',
    'دكتور', 'البروفيسور', 'مراسل', 'مدينة', 'عاصمة', 'إقليم', 'مقاطعة', 'منطقة', 'ولاية', 'قطاع', 'صحيفة', 'وكالة', 'قناة', 'مجلة', 'موقع']
    .map((w) => normalize(w)),
);

/** Words between a title and the name that complete the title («رئيس مجلس الدولة الصيني لي تشيانج»). */
const TITLE_COMPLEMENTS: ReadonlySet<string> = new Set(
  ['باسم', 'مجلس', 'شؤون', 'لشؤون', 'عام', 'العام', 'الأول', 'السابق', 'الحالي', 'وزراء', 'دولة', 'حكومة', 'خارجية', 'دفاع', 'جمهورية', 'الوزراء', 'الدولة', 'الخارجية']
    .map((w) => normalize(w)),
);

/**
 * Verbs of saying and meeting whose subject, at the head of a clause, is usually a person:
 * «قال بيسكوف», «التقى بوتين», «زار ميشوستين».
 */
const SUBJECT_VERBS: ReadonlySet<string> = new Set(
  ['قال', 'قالت', 'أكد', 'أكدت', 'أضاف', 'أضافت', 'صرح', 'صرحت', 'التقى', 'التقت', 'زار', 'زارت', 'استقبل', 'استقبلت', 'وصل', 'وصلت', 'شكر', 'هنأ', 'أعلن', 'أعلنت', 'أشار', 'دعا', 'حذر', 'اتهم', 'وقع', 'أشاد', 'ندد', 'أعرب']
    .map((w) => normalize(w)),
);

/** Short Arabic words that are names after a title though stopwords elsewhere («لي تشيانج», «وانغ يي», «هو جينتاو»). */
const NAME_STOPWORDS = new Set(['لي', 'شي', 'يي', 'كيم', 'مون', 'هو'].map((w) => normalize(w)));

function isArabicStopword(w: string): boolean {
  return STOPWORDS.has(w) && !NAME_STOPWORDS.has(w);
}

/** Arabic clause boundaries: punctuation that cannot sit inside a name. */
const ARABIC_CLAUSES = /[،,.;:!?؟؛«»"“”()[\]{}\n–—]+|\s-\s/;

export interface NameMention {
  /** The words as written (normalised), for messages. */
  label: string;
  /** Each word's forms (clitics off). */
  words: string[][];
  /** Latin words to transliterate (English sentences). */
  latin?: string[];
}

/** Names an Arabic text states (see the module doc): after titles, after verbs of saying at a clause head, and known names. */
export function arabicNames(
  text: string,
  known: ReadonlySet<string> | null,
  general: (word: string, asName: boolean) => boolean = () => false,
): NameMention[] {
  const out: NameMention[] = [];
  const seen = new Set<string>();
  const push = (ws: string[]) => {
    const label = ws.join(' ');
    if (ws.length === 0 || seen.has(label)) return;
    for (const w of ws) seen.add(w);
    seen.add(label);
    out.push({ label, words: ws.map(arabicForms) });
  };
  for (const clause of text.split(ARABIC_CLAUSES)) {
    const ws = words(normalize(clause)).filter((w) => /[\u0621-\u064A]/.test(w));
    for (let i = 0; i < ws.length; i++) {
      const forms = arabicForms(ws[i]!);
      const isTitle = forms.some((f) => ARABIC_TITLES.has(f));
      const isVerb =
        ((i === 0 || (i === 1 && isArabicStopword(ws[0]!))) && forms.some((f) => SUBJECT_VERBS.has(f))) || ws[i] === 'ان' || ws[i] === 'وان';
      if (isTitle || isVerb) {
        let j = i + 1;
        if (isTitle) {
          let skipped = 0;
          while (j < ws.length && skipped < 4) {
            const w = ws[j]!;
            const fs = arabicForms(w);
            if (hasArticle(w) || fs.some((f) => TITLE_COMPLEMENTS.has(f) || ARABIC_TITLES.has(f))) {
              j++;
              skipped++;
            } else break;
          }
        }
        // The name: up to three words after the title, ending at a stopword, a digit, punctuation,
        // another title or a word with the article. A word the sources use other than as a name
        // («بحضور») is not a name: it is passed over before one starts and ends one that has.
        const name: string[] = [];
        for (let steps = 0; j < ws.length && steps < 3; steps++, j++) {
          const w = ws[j]!;
          if (hasArticle(w) && !known?.has(w)) break;
          if (isArabicStopword(w) || /\d/.test(w) || w.length < 2) break;
          const fs = arabicForms(w);
          if (fs.some((f) => ARABIC_TITLES.has(f) || SUBJECT_VERBS.has(f) || MONTHS.has(f)) || numberToken(w).kind !== 'other') break;
          // (In a source, `known` is null: its writers' names are taken as written.)
          const isKnown = known === null || fs.some((f) => known.has(f));
          if (!isKnown && /^س[يتن]/.test(w) && w.length >= 5 && !general(w, true)) break; // a future verb: «سيزور»
          if (!isKnown && general(w, false)) {
            if (name.length > 0) break;
            continue;
          }
          name.push(w);
          if (hasArticle(w)) break; // «إن الكرملين يولي»: a name with the article («الكرملين») is whole
        }
        // After a verb only a one- or two-word subject that is not an ordinary word of the sources counts.
        if (isTitle) push(name);
        else if (name.length > 0) push(name.slice(0, 2));
      }
    }
    for (const w of ws) {
      const name = known && arabicForms(w).find((f) => known.has(f));
      if (name && !seen.has(w) && !seen.has(name)) push([name]);
    }
  }
  return out;
}

/** English words that are not names when capitalised mid-sentence: titles, institutions, nationalities' companions. */
const ENGLISH_COMMON_CAPITALISED = new Set(
  ('president presidents prime minister ministers foreign defence defense interior finance premier spokesman spokeswoman spokesperson ' +
    'chancellor secretary general ambassador envoy adviser advisor aide deputy vice chairman chair head leader king queen prince sheikh ' +
    'mr mrs ms dr sir state council ministry house office committee assembly duma parliament congress senate union republic party federation ' +
    'forum road belt silk initiative organization organisation day anniversary news agency great patriotic national people people’s ' +
    "people's communist democratic front movement east eastern north northern south southern west western central pacific atlantic " +
    'sea ocean gulf strait island islands bay river lake mount city province region kingdom empire dynasty department bank fund group ' +
    'summit conference games cup festival new old social media world war cold victory security power treaty agreement army navy ' +
    'air force forces military nations united international global federal supreme court parade cooperation friendship strategic ' +
    'partnership comprehensive economic trade energy gas oil pipeline monday tuesday wednesday thursday friday saturday sunday ' +
    'spring summer autumn winter however meanwhile moreover according both also while after before during since although though ' +
    'its his her their this that these those there here in on at by for from with as of the a an and or but if when where which who ' +
    'what why how today yesterday tomorrow last next earlier later then ' +
    'muslim christian islamic arab arabic english sino afro euro anglo strip bank coast valley peninsula').split(/\s+/),
);

/** Glossary words that are names (checked through their Arabic spelling), not general vocabulary. */
const GLOSSARY_NAMES = new Set(
  'xi jinping putin trump biden reuters tass xinhua ria novosti interfax sputnik aljazeera cnn moscow beijing kremlin washington kyiv kiev gaza siberia nato'.split(' '),
);

/** English capitalised words that name something, as runs («Xi Jinping», «Dmitry Peskov»), excluding countries and months. */
export function englishNames(text: string, exclude: ReadonlySet<string>): NameMention[] {
  const out: NameMention[] = [];
  const tokens = [...text.matchAll(/[A-Za-z][A-Za-z'’]*|[^\sA-Za-z]/g)].map((m) => m[0]);
  let run: string[] = [];
  const flush = () => {
    if (run.length) out.push({ label: run.join(' '), words: [], latin: [...run] });
    run = [];
  };
  let initial = true;
  for (const raw of tokens) {
    if (!/^[A-Za-z]/.test(raw)) {
      flush();
      if (/[.:!?"“(—–]/.test(raw)) initial = true;
      continue;
    }
    const word = raw.replace(/['’]s$/i, '').replace(/['’]$/, '');
    const lower = word.toLowerCase();
    const capital = /^[A-Z]/.test(word);
    const wasInitial = initial;
    initial = false;
    if (!capital || ROMAN[word] !== undefined || exclude.has(lower)) {
      flush();
      continue;
    }
    const glossaryName = GLOSSARY_NAMES.has(lower);
    const common = ENGLISH_COMMON_CAPITALISED.has(lower) || /(?:ian|ean|ese|ish)$/.test(lower) && lower.length > 5;
    if (!glossaryName && common) {
      flush();
      continue;
    }
    if (!glossaryName && wasInitial && (STOPWORDS.has(lower) || isGlossaryWord(lower) || COMMON_ENDING.test(lower))) {
      flush();
      continue;
    }
    if (!glossaryName && !wasInitial && isGlossaryWord(lower)) {
      flush();
      continue;
    }
    run.push(word);
  }
  flush();
  return out;
}

/** Endings of English common words; a sentence-initial word with one is not taken for a name («Analysts», «Rapprochement»). */
const COMMON_ENDING = /(?:ing|ed|ly|ment|ments|tion|tions|sion|ness|ity|ists|ers|ants|ents|ances|ences|ships?|ives?|ous|ful|able|ible|ies)$/;

const glossaryCache = new Map<string, boolean>();

/** Whether the crosslingual glossary knows an English word (general vocabulary, not a transliterated guess). */
function isGlossaryWord(lower: string): boolean {
  let known = glossaryCache.get(lower);
  if (known === undefined) {
    const t = translateEnglish(lower);
    known = t.length > 0 && t.every((x) => !x.transliterated);
    if (glossaryCache.size > 10_000) glossaryCache.clear();
    glossaryCache.set(lower, known);
  }
  return known;
}
