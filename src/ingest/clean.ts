/**
 * Site-chrome recognition for scraped news pages, one line at a time.
 *
 * A scraped page is the article's lines mixed with the site's furniture: subscribe banners,
 * reading-time badges, share buttons, tag lists, "most read" boxes, photo captions, ad labels.
 * {@link CHROME_RULES} lists what that furniture looks like as data (a pattern and what to do
 * with a line that matches); {@link classifyLines} applies the rules in order. To teach the
 * ingester a new site's chrome, add a rule: no code changes needed.
 *
 * Everything here keeps exact offsets into the original text: a {@link Line} is always
 * `raw.slice(start, end)`, so paragraphs built from lines can be quoted verbatim.
 */

/** A non-blank line of the page, trimmed: `text === raw.slice(start, end)`. */
export interface Line {
  text: string;
  start: number;
  end: number;
}

/** Characters trimmed from line edges: whitespace (incl. NBSP, BOM) and invisible marks. */
const EDGE = /[\s\u200B-\u200F\u202A-\u202E\u2060-\u2064\u061C\uFEFF]/;

/**
 * Splits text into its non-blank lines, each trimmed of surrounding whitespace and invisible
 * marks, with exact offsets (`base` is added, for splitting a slice of a larger text).
 * Handles `\n`, `\r\n` and `\r` line ends.
 */
export function splitLines(raw: string, base = 0): Line[] {
  const out: Line[] = [];
  const re = /[^\r\n]*(?:\r\n|\r|\n|$)/g;
  for (let m = re.exec(raw); m !== null && m[0] !== ''; m = re.exec(raw)) {
    const line = trimSpan(raw, m.index, m.index + m[0].length);
    if (line) out.push({ ...line, start: line.start + base, end: line.end + base });
  }
  return out;
}

/** Trims `text.slice(start, end)`; null when nothing but whitespace is left. */
export function trimSpan(text: string, start: number, end: number): Line | null {
  let s = start;
  let e = end;
  while (s < e && EDGE.test(text[s]!)) s++;
  while (e > s && EDGE.test(text[e - 1]!)) e--;
  return e > s ? { text: text.slice(s, e), start: s, end: e } : null;
}

/** Text folded for matching, with the way back to the original. */
export interface Folded {
  text: string;
  /** `map[i]` is the offset in the original of folded character `i`; `map[text.length]` is the original length. */
  map: number[];
}

/** Harakat, Quranic marks, tatweel and invisible format characters: dropped by {@link fold}. */
const DROPPED = /[\u0610-\u061A\u064B-\u065F\u0670\u06D6-\u06ED\u0640\u200B-\u200F\u202A-\u202E\u2060-\u2064\u061C\uFEFF]/;
const SPACES = /[\u00A0\u1680\u2000-\u200A\u202F\u205F\u3000]/;
const LETTER_FOLDS: Readonly<Record<string, string>> = {
  'أ': 'ا', 'إ': 'ا', 'آ': 'ا', 'ٱ': 'ا', 'ى': 'ي', 'ی': 'ي', 'ک': 'ك', 'ہ': 'ه', 'ھ': 'ه', 'ۃ': 'ة',
};

/**
 * Folds text for pattern matching: drops diacritics, tatweel and invisible marks; alef forms
 * become ا, ى/ی become ي; Arabic-Indic digits become ASCII; ASCII is lower-cased; odd spaces
 * become ' '. Unlike `normalize` in text/arabic.ts it keeps ة/ه, ؤ and ئ apart and returns a map
 * to original offsets, so a match can be cut out of the original text. Rule patterns are written
 * against folded text (bare alef, no diacritics, lower-case Latin).
 */
export function fold(text: string): Folded {
  let out = '';
  const map: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (DROPPED.test(c)) continue;
    const code = c.charCodeAt(0);
    let f: string;
    if (code >= 0x0660 && code <= 0x0669) f = String(code - 0x0660);
    else if (code >= 0x06f0 && code <= 0x06f9) f = String(code - 0x06f0);
    else if (code >= 0x41 && code <= 0x5a) f = String.fromCharCode(code + 32);
    else if (SPACES.test(c)) f = ' ';
    else f = LETTER_FOLDS[c] ?? c;
    out += f;
    map.push(i);
  }
  map.push(text.length);
  return { text: out, map };
}

/** Whether two lines say the same thing, ignoring diacritics, alef forms, case and spacing. */
export function sameText(a: string, b: string): boolean {
  return matchKey(a) === matchKey(b);
}

/** The key lines are compared by (folded, whitespace collapsed). */
export function matchKey(text: string): string {
  return fold(text).text.replace(/\s+/g, ' ').trim();
}

/** Number of whitespace-separated words. */
export function wordCount(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

/** What to do with a line a rule matches. */
export type ChromeAction =
  /** The line is chrome: remove it. */
  | 'drop'
  /** The line opens trailing chrome (other stories, comments): remove it and everything after. */
  | 'end'
  /**
   * A header (tags, categories, sources) whose items may follow on their own short lines: remove
   * the header and, when it has no inline value, the short lines after it.
   */
  | 'block'
  /** A photo caption: removed from the body but kept, since it may carry the date or a credit. */
  | 'caption'
  /** «اقرأ أيضاً»: what follows is another story (a related section). */
  | 'related'
  /** A label glued to the start of the line (ad slot): cut the label off, classify the rest. */
  | 'label';

export interface ChromeRule {
  /** Short id, reported on classified lines (debugging, tests). */
  name: string;
  action: ChromeAction;
  /** Tested against the {@link fold}ed line. A named group `value` is captured as {@link meta}. */
  pattern: RegExp;
  /** The rule applies only to lines of at most this many words (guards real sentences). */
  maxWords?: number;
  /** What the captured `value` tells about the story. */
  meta?: 'outlet' | 'source' | 'title';
  /** A second pattern (folded text) whose `value` group is captured, when `pattern` has none. */
  capture?: RegExp;
  /** Seeing this line means the article body is over (sources, tags, share buttons). */
  closes?: boolean;
}

/** Optional trailing punctuation after a fixed phrase. */
const TAIL = String.raw`\s*[:.!…\-–—|»›>]*\s*$`;
/** Inflection endings that turn «إعلان» into a real word (إعلانات، إعلانه، إعلانية …). */
const ILAN_SUFFIX = String.raw`(?:اتها|اتهم|اته|ات|هما|هم|ها|هن|ه|ية|يه|يات|يا|ي|ين|ان|كم|نا|ا)(?:[^\p{L}]|$)`;

/**
 * The chrome rules, tried in order; the first match decides. Patterns match {@link fold}ed text;
 * their Arabic is folded the same way when compiled, so write it naturally, but Latin in
 * lower-case, and [ةه] where sites misspell ة.
 */
export const CHROME_RULES: readonly ChromeRule[] = [
  // «إعلان»/«Advertisement» ad-slot label glued to the next word: «إعلانالمصدر: الجزيرة».
  // Not when the glued letters make a real word (إعلانات، إعلانها، إعلانية).
  {
    name: 'ad-label',
    action: 'label',
    pattern: new RegExp(String.raw`^(?:اعلان(?!${ILAN_SUFFIX})|advertisement)(?=\S)`, 'u'),
  },
  // An ad slot on its own line.
  {
    name: 'ad',
    action: 'drop',
    pattern: new RegExp(String.raw`^(?:اعلان|اعلانات|advertisement|sponsored|محتوى\s+(?:مدعوم|ممول|اعلاني))${TAIL}`, 'u'),
  },
  // «اقرأ أيضاً» (any spelling), «طالع أيضا», «Read also»: another story follows. An inline value
  // is that story's headline.
  {
    name: 'read-also',
    action: 'related',
    pattern: /^(?:(?:اقرا|اقراء|طالع|تابع)\s+(?:ايضا|كذلك)|read\s+also|also\s+read|see\s+also)(?:\s*[:.…\-–—]+\s*|\s+|$)(?<value>.*)$/u,
    meta: 'title',
    maxWords: 30,
  },
  // «الأكثر قراءة», «قصص قد تهمك», «مواضيع ذات صلة», comments boxes: lists of other stories or
  // reader comments; nothing after them belongs to the article.
  {
    name: 'trailing-lists',
    action: 'end',
    pattern: new RegExp(
      String.raw`^(?:الاكثر\s+(?:قراء[ةه]|مشاهد[ةه]|تداولا|تعليقا|شعبي[ةه]|شيوعا)(?:\s+\S+)?` +
        String.raw`|(?:قصص|مواضيع|اخبار|مقالات|موضوعات)\s+(?:قد\s+تهمك|ذات\s+صل[ةه]|متعلق[ةه]|مشابه[ةه]|اخرى)` +
        String.raw`|قد\s+يهمك(?:\s+ايضا)?|قد\s+يعجبك(?:\s+ايضا)?|اخترنا\s+لكم?|المزيد\s+من\s+(?:الاخبار|المقالات|القصص)` +
        String.raw`|(?:افكارك|ارائك|اراؤك|ارائكم|اراؤكم)\s+و\s*تعليقاتك(?:م)?|التعليقات|اضف\s+تعليق(?:ك|ا)?|اترك\s+تعليقا` +
        String.raw`|most\s+(?:read|popular|viewed)|related\s+(?:stories|articles|news)|comments)${TAIL}`,
      'u',
    ),
    maxWords: 6,
  },
  // Subscribe/follow banners: «اشترك مجانا بقناة الديار على يوتيوب». The channel named after
  // «قناة/موقع/صحيفة» is the site's own name, captured as the outlet.
  {
    name: 'subscribe-banner',
    action: 'drop',
    pattern:
      /^(?:ل?اشترك(?:وا|ي)?|للاشتراك|لمتابع[ةه]|تابع(?:وا|ونا|نا|ي)?|انضم(?:وا|ي)?|للانضمام|حمل(?:وا)?|نزل(?:وا)?|subscribe|follow|join)\s.*(?:يوتيوب|يوتوب|youtube|تلغرام|تليغرام|تيليغرام|تلجرام|telegram|واتساب|واتس\s*اب|whatsapp|فيسبوك|فيس\s*بوك|facebook|تويتر|twitter|انستغرام|انستجرام|instagram|تيك\s*توك|tiktok|منص[ةه]\s+اكس|النشر[ةه]|نشرتنا|قنات|تطبيق|جوجل\s+نيوز|google\s+news|newsletter)/u,
    maxWords: 16,
    meta: 'outlet',
    capture:
      /(?:^|\s)[بل]?(?:قنا[ةه]|موقع|صفح[ةه]|حساب|تطبيق|صحيف[ةه]|جريد[ةه])\s+(?<value>[^\s:،,]+(?:\s+[^\s:،,]+){0,2}?)(?:\s+(?:على|عبر|في|من)(?:\s|$)|\s*$)/u,
  },
  // Reading-time badges: «time reading iconدقائق القراءة - 5», «مدة القراءة: 3 دقائق».
  {
    name: 'reading-time',
    action: 'drop',
    pattern: /(?:دقائق|دقيق[ةه]|دقيقتان|دقيقتين)\s*(?:لل|ال)?قراء[ةه]|(?:وقت|مد[ةه]|زمن)\s+(?:ال)?قراء[ةه]|reading\s*(?:time|icon)|min(?:ute)?s?\s+read/u,
    maxWords: 10,
  },
  // Share buttons: «شارك القصة», «شارك المقال», «Share».
  {
    name: 'share',
    action: 'drop',
    pattern: new RegExp(
      String.raw`^(?:شارك|شاركوا|شاركي|مشارك[ةه]|انشر|share)(?:\s+(?:القص[ةه]|المقال|الخبر|الموضوع|الصفح[ةه]|الرابط|عبر|على|this|article|story|via|on)(?:\s+\S+){0,3})?${TAIL}`,
      'u',
    ),
    maxWords: 6,
    closes: true,
  },
  // «تابع القراءة», «اقرأ المزيد», «Read more»: expand/continue links.
  {
    name: 'continue-reading',
    action: 'drop',
    pattern: new RegExp(String.raw`^(?:(?:تابع|واصل|اكمل|متابع[ةه]|استكمال)\s+القراء[ةه]|اقرا\s+المزيد|المزيد|continue\s+reading|read\s+more)${TAIL}`, 'u'),
  },
  // Source lines: «المصدر: الجزيرة», «المصادر:» followed by «العربي - وكالات».
  {
    name: 'source',
    action: 'block',
    pattern: /^(?:المصدر|المصادر|مصدر|مصادر|sources?)\s*:\s*(?<value>.*)$/u,
    maxWords: 12,
    meta: 'source',
    closes: true,
  },
  // Tag lines: «كلمات دلالية: حريات», «الوسوم:», «Tags:».
  {
    name: 'tags',
    action: 'block',
    pattern: /^(?:(?:ال)?كلمات\s+(?:ال)?(?:دلالي[ةه]|مفتاحي[ةه])|(?:ال)?وسوم|هاشتاغ|tags?|keywords)\s*(?::\s*(?<value>.*))?$/u,
    maxWords: 20,
    closes: true,
  },
  // Category boxes: «تصنيفات», «التصنيف: سياسة», «Categories».
  {
    name: 'categories',
    action: 'block',
    pattern: /^(?:(?:ال)?تصنيفات|(?:ال)?تصنيف|(?:ال)?اقسام|categories|category)\s*(?::\s*(?<value>.*))?$/u,
    maxWords: 12,
    closes: true,
  },
  // «(تستمر)», «(يتبع)», «//انتهى//», «(النهاية)»: wire-service continuation and end marks.
  {
    name: 'continued-mark',
    action: 'drop',
    pattern: /^[(\[/\-–—]*\s*(?:تستمر|يتبع|مستمر|انتهى|النهاي[ةه]|continued|more|ends?)\s*[.…]*\s*[)\]/\-–—]*$/u,
  },
  // Stray widget words left by the scraper: «Close», «Changed», «طباعة», «نسخ الرابط».
  {
    name: 'stray-ui',
    action: 'drop',
    pattern: new RegExp(
      String.raw`^(?:close|changed|menu|print|copy\s+link|copied|loading|اغلاق|اغلق|طباع[ةه]|نسخ\s+الرابط|تم\s+النسخ|تكبير\s+الخط|تصغير\s+الخط|حجم\s+الخط|a\s*a|[+\-×x])${TAIL}`,
      'u',
    ),
  },
  // Breadcrumbs: «الرئيسية / أخبار / سياسة».
  {
    name: 'breadcrumbs',
    action: 'drop',
    pattern: /^(?:الرئيسي[ةه]|home)\s*[/>»›|]/u,
    maxWords: 12,
  },
  // Bylines: «كتب محمد أحمد», «بقلم: سارة علي», «By John Smith» (short, no sentence punctuation).
  {
    name: 'byline',
    action: 'drop',
    pattern: /^(?:كتب|كتبت|بقلم|اعداد|by|written\s+by|reporting\s+by)\s*:?\s+[^.!?؟:،,]+$/u,
    maxWords: 7,
  },
  // Wire desk credits: «(إعداد محمد علي للنشرة العربية - تحرير سها جادو)».
  {
    name: 'desk-credit',
    action: 'drop',
    pattern: /^\(\s*(?:اعداد|تغطي[ةه]|كتاب[ةه]|تحرير|ترجم[ةه])\s[^()]*\)$/u,
    maxWords: 25,
  },
  // Embeds and links: a bare URL, «pic.twitter.com/…», «A post shared by …», «اضغط هنا».
  {
    name: 'embed-or-link',
    action: 'drop',
    pattern: /^(?:https?:\/\/|www\.)\S+$|pic\.twitter\.com\/|^a\s+post\s+shared\s+by|(?:اضغط|انقر)\s+هنا|click\s+here/u,
    maxWords: 25,
  },
  // Copyright footers.
  {
    name: 'copyright',
    action: 'drop',
    pattern: /جميع\s+الحقوق\s+محفوظ[ةه]|all\s+rights\s+reserved|^©/u,
    maxWords: 15,
  },
  // Photo captions: ending in a credit «… (الصورة: غيتي)», «… - via REUTERS», «(صورة أرشيفية)»;
  // BBC-style «مصدر الصورة، Getty Images» / «التعليق على الصورة، …».
  // A credit such as «إضاءة لـ"العربي"» names the outlet the picture was made for.
  {
    name: 'photo-caption',
    action: 'caption',
    pattern:
      /^(?:مصدر\s+الصور[ةه]|التعليق\s+على\s+الصور[ةه]|شرح\s+الصور[ةه]|حقوق\s+الصور[ةه])\s*[،,:]|^getty\s+images$|\((?:الصور[ةه]|صور[ةه]|الصور|تصوير|photo|image|credit|getty|مصدر\s+الصور[ةه])[^)]*\)\s*$|[-–—|/]\s*via\s+\S+(?:\s+\S+)?\s*$|(?:getty\s+images|via\s+getty|shutterstock)\s*\)?\s*$|\((?:صور[ةه]\s+)?ارشيفي[ةه]\)\s*$|^(?:صور[ةه]|الصور[ةه]|photo|image)\s*:/u,
    maxWords: 60,
    meta: 'outlet',
    capture: /^(?:اضاء[ةه]|خاص|حصري|رسم|انفوغراف)\S*\s+ل\s*["«“](?<value>[^"»”]{2,30})["»”]/u,
  },
];

/** Kind of a classified line. */
export type LineKind = 'body' | 'chrome' | 'caption' | 'source' | 'related';

/** A line with what the rules made of it. `start/end/text` may be narrower than the page line (a cut label). */
export interface CleanLine extends Line {
  kind: LineKind;
  /** Name of the rule that classified the line; undefined for body lines. */
  rule?: string;
  /** Outlet named by the line (a banner's channel, a caption's credit). */
  outlet?: string;
  /** Text of a source line or source-block item («العربي - وكالات»). */
  source?: string;
  /** Inline headline after «اقرأ أيضاً:». */
  title?: string;
  /** A `related` line whose inline headline appears before the article ended: a link, not a story. */
  link?: boolean;
}

const SENTENCE_END = /[.!?؟:؛;…,،]["'»”’)\]]*$/u;

/** A short line without sentence punctuation at its end (a heading, a list item, a label). */
export function isShortLine(text: string, maxWords = 10, maxChars = 90): boolean {
  return /\p{L}/u.test(text) && wordCount(text) <= maxWords && text.length <= maxChars && !SENTENCE_END.test(text);
}

/** A rule that matched a line, its match on the folded line, and the folded line. */
export interface RuleMatch {
  rule: ChromeRule;
  match: RegExpExecArray;
  folded: Folded;
}

/**
 * Folds the Arabic in a pattern's source the way {@link fold} folds text (alef forms, ى, harakat),
 * so rules can be written in natural spelling («إقرأ أيضاً», «على»). Safe: those characters have
 * no meaning in regex syntax. Latin in patterns must still be lower-case.
 */
export function foldPattern(source: string): string {
  let out = '';
  for (const c of source) if (!DROPPED.test(c)) out += LETTER_FOLDS[c] ?? c;
  return out;
}

const compiled = new WeakMap<RegExp, RegExp>();
/** The pattern with its Arabic folded and the `d` flag (match indices) set, compiled once. */
function indexed(re: RegExp): RegExp {
  let out = compiled.get(re);
  if (!out) {
    out = new RegExp(foldPattern(re.source), re.flags.replace('g', '').replace('y', '') + (re.flags.includes('d') ? '' : 'd'));
    compiled.set(re, out);
  }
  return out;
}

/** The first rule (in order) matching the line `text`, honouring `maxWords`; undefined when none does. */
export function matchRule(text: string, rules: readonly ChromeRule[] = CHROME_RULES): RuleMatch | undefined {
  const folded = fold(text);
  const words = wordCount(folded.text);
  for (const rule of rules) {
    if (rule.maxWords !== undefined && words > rule.maxWords) continue;
    const match = indexed(rule.pattern).exec(folded.text);
    if (match) return { rule, match, folded };
  }
  return undefined;
}

/** Cuts the `value` group of `re` (matched on folded text) out of the original line; quotes stripped. */
function captureValue(line: Line, folded: Folded, re: RegExp): string | undefined {
  const m = indexed(re).exec(folded.text);
  const span = m?.indices?.groups?.value;
  if (!span || span[0] === span[1]) return undefined;
  const start = folded.map[span[0]]!;
  const end = folded.map[span[1]]!;
  const value = line.text.slice(start, end).replace(/^[\s"«“'(]+|[\s"»”')]+$/g, '');
  return value || undefined;
}

/**
 * Classifies every line with {@link CHROME_RULES} (or the given rules): chrome and captions are
 * marked, source lines and banner outlets captured, «اقرأ أيضاً» markers flagged, lines after an
 * `end` rule marked as chrome, and a glued ad label cut off (the rest is classified again, with
 * narrowed offsets). Other body lines come back unchanged. Pure; one output per input line.
 */
export function classifyLines(lines: readonly Line[], rules: readonly ChromeRule[] = CHROME_RULES): CleanLine[] {
  const out: CleanLine[] = [];
  let ended: string | undefined;
  let closed = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (ended) {
      out.push({ ...line, kind: 'chrome', rule: ended });
      continue;
    }
    const classified = classifyOne(line, rules, closed);
    out.push(classified.line);
    if (classified.rule?.closes) closed = true;
    if (classified.line.kind === 'related' && !classified.line.link) closed = false;
    if (classified.rule?.action === 'end') ended = classified.rule.name;
    if (classified.rule?.action === 'block' && !classified.hasValue) {
      // Items of the block on the following short lines (tags, categories, sources).
      while (i + 1 < lines.length) {
        const next = lines[i + 1]!;
        if (!isShortLine(next.text, 6, 60) || matchRule(next.text, rules)) break;
        out.push(
          classified.rule.meta === 'source'
            ? { ...next, kind: 'source', rule: classified.rule.name, source: next.text }
            : { ...next, kind: 'chrome', rule: classified.rule.name },
        );
        i++;
      }
    }
  }
  return out;
}

/** Classifies one line; `closed` says whether end-of-article chrome was seen already. */
function classifyOne(
  line: Line,
  rules: readonly ChromeRule[],
  closed: boolean,
): { line: CleanLine; rule?: ChromeRule; hasValue?: boolean } {
  const found = matchRule(line.text, rules);
  if (!found) return { line: { ...line, kind: 'body' } };
  const { rule, match, folded } = found;
  const valueSpan = match.indices?.groups?.value;
  const hasValue = valueSpan !== undefined && valueSpan[0] < valueSpan[1];
  const value = captureValue(line, folded, rule.capture ?? rule.pattern);
  switch (rule.action) {
    case 'label': {
      const rest = trimSpan(line.text, folded.map[match[0].length]!, line.text.length);
      if (!rest) return { line: { ...line, kind: 'chrome', rule: rule.name }, rule };
      const restLine = { text: rest.text, start: line.start + rest.start, end: line.start + rest.start + rest.text.length };
      return classifyOne(restLine, rules, closed);
    }
    case 'related':
      // An inline «اقرأ أيضاً: headline» inside the body is a link to another page; after the
      // article's closing chrome (source, tags) it introduces an appended story.
      return {
        line: { ...line, kind: 'related', rule: rule.name, title: value, link: value !== undefined && !closed },
        rule,
        hasValue,
      };
    case 'caption':
      return { line: { ...line, kind: 'caption', rule: rule.name, ...(value ? { outlet: value } : {}) }, rule, hasValue };
    case 'block':
      if (rule.meta === 'source') return { line: { ...line, kind: 'source', rule: rule.name, ...(value ? { source: value } : {}) }, rule, hasValue };
      return { line: { ...line, kind: 'chrome', rule: rule.name }, rule, hasValue };
    default:
      return { line: { ...line, kind: 'chrome', rule: rule.name, ...(rule.meta === 'outlet' && value ? { outlet: value } : {}) }, rule, hasValue };
  }
}

/** How often a body line occurs on the page. */
export interface Repeat {
  count: number;
  /** Two copies follow each other (a photo's alt text and its caption; a headline shown twice). */
  adjacent: boolean;
  /** Index (in the given list) of the first copy. */
  first: number;
}

/**
 * Lines that occur more than once, keyed by {@link matchKey}. A line repeated right after itself
 * is a photo caption (or the headline, which the caller checks first); a later copy of an
 * earlier line is a scraping duplicate.
 */
export function findRepeats(lines: readonly Line[]): Map<string, Repeat> {
  const seen = new Map<string, Repeat>();
  let previous: string | undefined;
  lines.forEach((line, index) => {
    const key = matchKey(line.text);
    const entry = seen.get(key);
    if (entry) {
      entry.count++;
      if (previous === key) entry.adjacent = true;
    } else {
      seen.set(key, { count: 1, adjacent: false, first: index });
    }
    previous = key;
  });
  for (const [key, entry] of seen) if (entry.count < 2) seen.delete(key);
  return seen;
}
