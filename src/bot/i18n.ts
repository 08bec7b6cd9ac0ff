/**
 * Every user-facing string of the bot and the console chat, Arabic and English, in one place.
 * Strings that end up in Telegram HTML are built from escaped dynamic parts (see `format.ts`);
 * functions here receive values that are already escaped when they say so (`html` suffix).
 */
import type { Lang } from '../types.js';
import { detectLang } from '../text/arabic.js';
import { ANSWER_TEXT } from '../text/messages.js';

export type { Lang };

/**
 * The language to talk to someone in: the question's language when the text has letters,
 * otherwise the user's Telegram language (English for `en*`), otherwise Arabic.
 */
export function pickLang(options: { text?: string | null; languageCode?: string | null }): Lang {
  const text = options.text ?? '';
  if (/[\u0600-\u06FFA-Za-z]/.test(text)) return detectLang(text);
  if (options.languageCode && /^en\b/i.test(options.languageCode)) return 'en';
  return 'ar';
}

export interface Strings {
  // Answer rendering
  sources: string;
  closest: string;
  untitled: string;
  /** Before the other outlets that published the same story. */
  alsoPublishedBy: string;
  /** The link to a source's page or post. */
  link: string;
  undated: string;
  related: string;
  refusal: string;
  latestNote: (n: number, date: string) => string;
  unmentioned: (names: string[]) => string;
  // Commands
  start: (info: { articles: number; outletsHtml: string; from: string; to: string; botHtml: string }) => string;
  help: (botHtml: string) => string;
  sourcesHeader: (n: number) => string;
  sourcesEmpty: string;
  status: (s: { articles: number; chunks: number; model: string | null; modelErrorHtml: string | null }) => string;
  // Questions
  askUsage: (botHtml: string) => string;
  tooLong: (max: number, got: number) => string;
  nonText: string;
  rateLimited: (seconds: number) => string;
  unknownCommand: string;
  error: string;
  // Access
  notAllowed: (id: number) => string;
  notAllowedShort: string;
  adminOnly: string;
  // Reindex
  reindexStarted: string;
  reindexBusy: string;
  reindexDone: (c: { addedHtml: string; changedHtml: string; removedHtml: string; skippedHtml: string; chunks: number; seconds: string; rebuilt: boolean }) => string;
  reindexFailed: (reasonHtml: string) => string;
  none: string;
  // Buttons
  sourceGone: string;
  sourceHeader: (n: number | null) => string;
  feedbackThanksUp: string;
  feedbackThanksDown: string;
  feedbackGone: string;
  // Inline
  inlineHint: string;
  inlineTooLong: (max: number) => string;
  inlineNoAnswer: string;
  inlineRateLimited: (seconds: number) => string;
  inlineFull: string;
  inlineOneSource: (n: number) => string;
  // Intake (/add, /latest, channel posts, admins' forwards and files)
  /** An article was added (or an edited post updated): what was understood. All parts escaped. */
  intakeAdded: (r: { updated: boolean; titleHtml: string; outletHtml: string; dateHtml: string; chunks: number; fileHtml: string; alsoOfHtml: string | null }) => string;
  /** Not added: the same article is already there. */
  intakeDuplicate: (r: { sameAddress: boolean; ofHtml: string }) => string;
  /** Not added, with the reason (its kind said plainly, the detail escaped). */
  intakeRejected: (r: { code: string; detailHtml: string }) => string;
  addAdminOnly: string;
  addUsage: string;
  intakeOff: string;
  intakeWorking: string;
  latestHeader: (n: number) => string;
  latestEmpty: string;
  // Command menu descriptions (setMyCommands)
  menu: { start: string; help: string; ask: string; sources: string; status: string; add: string; latest: string };
  // Generated answers
  /** The draft shown in a private chat until the first checked sentence of a generated answer. */
  draftPlaceholder: string;
  /** The one line under a quoted answer given because the generated one was unavailable. */
  generationFallback: string;
  /** Heading of the sentences of a source that a generated answer relies on. */
  supportHeader: string;
  // Console chat
  consolePrompt: string;
  consoleHelp: string;
}

const ar: Strings = {
  sources: ANSWER_TEXT.ar.sources,
  closest: ANSWER_TEXT.ar.closest,
  untitled: '(بلا عنوان)',
  alsoPublishedBy: 'نُشر أيضًا في',
  link: 'الرابط',
  undated: 'غير مؤرخ',
  related: 'خبر ذو صلة',
  refusal: ANSWER_TEXT.ar.refusal,
  latestNote: ANSWER_TEXT.ar.latest,
  unmentioned: ANSWER_TEXT.ar.unmentioned,
  start: (i) =>
    `مرحبًا! أجيب عن الأسئلة من ${i.articles} مقالًا إخباريًا عربيًا (${i.outletsHtml})، منشورة بين ${i.from} و${i.to}.\n\n` +
    'اكتب سؤالك وسأقتبس الجمل التي أعتمد عليها حرفيًا مع أرقام المصادر [n]، وتحت كل إجابة أزرار لعرض النص الكامل لكل مصدر.\n\n' +
    `في المجموعات: /ask سؤالك، أو اذكرني (${i.botHtml})، أو ردّ على إحدى رسائلي. /help للمزيد.`,
  help: (bot) =>
    '<b>كيف تستخدمني</b>\n' +
    '• في المحادثة الخاصة: اكتب أي سؤال.\n' +
    `• في المجموعات: <code>/ask سؤالك</code>، أو اذكرني (${bot} سؤالك)، أو ردّ على إحدى رسائلي.\n` +
    '• ردّك على إحدى إجاباتي سؤال متابعة يأخذ السؤال السابق في الحسبان.\n' +
    `• في أي محادثة: اكتب <code>${bot} سؤالك</code> لاختيار إجابة جاهزة للإرسال.\n` +
    '• زر كل مصدر يعرض المقطع المقتبس كاملًا، و👍/👎 لتقييم الإجابة.\n\n' +
    '<b>الأوامر</b>\n/ask — طرح سؤال\n/sources — قائمة المقالات\n/status — حالة الفهرس\n/latest — أحدث المقالات\n/add رابط — إضافة مقال (للمشرفين؛ وكذلك إعادة توجيه منشور أو إرسال ملف .txt أو .html)\n/help — هذه المساعدة',
  sourcesHeader: (n) => `<b>المقالات (${n})</b>`,
  sourcesEmpty: 'لا توجد مقالات في الفهرس بعد.',
  status: (s) =>
    `<b>الحالة</b>\nالمقالات: ${s.articles}\nالمقاطع المفهرسة: ${s.chunks}\n` +
    (s.model
      ? `نموذج التضمين: محمّل (<code>${s.model}</code>)، البحث هجين (دلالي + معجمي).`
      : `نموذج التضمين: غير محمّل — الإجابات معجمية فقط${s.modelErrorHtml ? ` (${s.modelErrorHtml})` : ''}.`),
  askUsage: (bot) => `اكتب سؤالك بعد الأمر، مثلًا:\n<code>/ask ماذا قال بوتين عن العلاقات مع الصين؟</code>\nأو اذكرني: ${bot} سؤالك`,
  tooLong: (max, got) => `سؤالك طويل جدًا (${got} حرفًا). الحد الأقصى ${max} حرف؛ اختصره وأعد إرساله.`,
  nonText: 'أفهم الأسئلة المكتوبة فقط. اكتب سؤالك نصًا وسأجيب من المقالات.',
  rateLimited: (s) => `تمهّل قليلًا من فضلك: وصلت إلى حد الأسئلة المسموح به. حاول مجددًا بعد ${s} ثانية.`,
  unknownCommand: 'لا أعرف هذا الأمر. اكتب سؤالك مباشرة أو استخدم /help.',
  error: 'عذرًا، حدث خطأ أثناء معالجة طلبك. حاول مرة أخرى بعد قليل.',
  notAllowed: (id) => `عذرًا، هذا البوت خاص. اطلب من مديره إضافة المعرّف ${id} إلى قائمة المسموح لهم.`,
  notAllowedShort: 'عذرًا، غير مسموح لك باستخدام هذا البوت.',
  adminOnly: 'هذا الأمر للمشرفين فقط.',
  reindexStarted: 'جارٍ إعادة بناء الفهرس من مجلد corpus/ …',
  reindexBusy: 'إعادة بناء الفهرس جارية بالفعل؛ انتظر حتى تنتهي.',
  reindexDone: (c) =>
    `<b>اكتملت إعادة الفهرسة</b> (${c.seconds} ث${c.rebuilt ? '، أُعيد البناء بالكامل' : ''})\n` +
    `أُضيف: ${c.addedHtml}\nتغيّر: ${c.changedHtml}\nحُذف: ${c.removedHtml}\nتُخطّي: ${c.skippedHtml}\nالمقاطع: ${c.chunks}`,
  reindexFailed: (r) => `فشلت إعادة الفهرسة: ${r}\nالفهرس السابق ما زال مستخدمًا.`,
  none: 'لا شيء',
  sourceGone: 'هذا المصدر لم يعد في الفهرس. اطرح السؤال من جديد.',
  sourceHeader: (n) => (n === null ? '<b>المقطع المقتبس</b>' : `<b>المصدر [${n}]</b>`),
  feedbackThanksUp: 'شكرًا! سُجّل تقييمك 👍',
  feedbackThanksDown: 'شكرًا! سُجّل تقييمك 👎 وسنعمل على التحسين.',
  feedbackGone: 'لم أعد أجد هذه الإجابة لتسجيل التقييم.',
  inlineHint: 'اكتب سؤالًا عن الأخبار',
  inlineTooLong: (max) => `السؤال أطول من ${max} حرف`,
  inlineNoAnswer: 'لا تغطي المقالات هذا السؤال',
  inlineRateLimited: (sec) => `أسئلة كثيرة، حاول بعد ${sec} ثانية`,
  inlineFull: 'الإجابة الكاملة',
  inlineOneSource: (n) => `من المصدر [${n}] فقط`,
  intakeAdded: (r) =>
    `${r.updated ? '✏️ <b>حُدّث المقال</b>' : '✅ <b>أُضيف المقال</b>'}\n` +
    `العنوان: ${r.titleHtml}\nالمصدر: ${r.outletHtml}\nالتاريخ: ${r.dateHtml}\n` +
    (r.alsoOfHtml
      ? `النص نفسه منشور في ${r.alsoOfHtml}: لن يُفهرس مرتين، وسيظهر هذا المصدر تحت «نُشر أيضًا في».\n`
      : `المقاطع المفهرسة: ${r.chunks}\n`) +
    `يمكن الآن السؤال عنه. الملف: <code>${r.fileHtml}</code>`,
  intakeDuplicate: (r) => `لم يُضف: ${r.sameAddress ? 'الرابط نفسه' : 'النص نفسه'} موجود بالفعل في ${r.ofHtml}.`,
  intakeRejected: (r) =>
    `لم يُضف: ${
      ({
        empty: 'النص فارغ',
        'not-article': 'لم أجد مقالًا في هذه الصفحة',
        'too-large': 'الملف أو الصفحة أكبر من المسموح',
        encoding: 'ترميز النص غير مقروء (احفظه بترميز UTF-8)',
        binary: 'الملف ثنائي وليس نصًا',
        unsupported: 'نوع غير مدعوم (أرسل ملف .txt أو .html)',
        refused: 'العنوان مرفوض',
        fetch: 'تعذّر جلب الصفحة',
        index: 'تعذّرت الفهرسة',
      } as Record<string, string>)[r.code] ?? 'خطأ'
    }.\n<code>${r.detailHtml}</code>`,
  addAdminOnly: 'إضافة المقالات للمشرفين فقط؛ لم يُجلب شيء.',
  addUsage: 'اكتب الرابط بعد الأمر، مثلًا:\n<code>/add https://example.org/news/123</code>',
  intakeOff: 'إضافة المقالات غير مفعّلة في هذا التشغيل.',
  intakeWorking: 'جارٍ الجلب والاستخراج…',
  latestHeader: (n) => `<b>أحدث المقالات (${n})</b>`,
  latestEmpty: 'لا توجد مقالات في الفهرس بعد.',
  menu: {
    add: 'إضافة مقال من رابط (للمشرفين)',
    latest: 'أحدث المقالات',
    start: 'بدء الاستخدام ونطاق المقالات',
    help: 'طريقة الاستخدام',
    ask: 'طرح سؤال عن الأخبار',
    sources: 'قائمة المقالات',
    status: 'حجم الفهرس وحالة النموذج',
  },
  draftPlaceholder: '…جارٍ كتابة الإجابة',
  generationFallback: ANSWER_TEXT.ar.generationUnavailable,
  supportHeader: 'ما تعتمد عليه الإجابة من هذا المصدر:',
  consolePrompt: 'سؤالك> ',
  consoleHelp: 'اكتب سؤالًا (ابدأه بـ + لتتابع السؤال السابق)، أو /sources أو /latest أو /status أو /quit.',
};

const en: Strings = {
  sources: ANSWER_TEXT.en.sources,
  closest: ANSWER_TEXT.en.closest,
  untitled: '(untitled)',
  alsoPublishedBy: 'also published by',
  link: 'link',
  undated: 'undated',
  related: 'related story',
  refusal: ANSWER_TEXT.en.refusal,
  latestNote: ANSWER_TEXT.en.latest,
  unmentioned: ANSWER_TEXT.en.unmentioned,
  start: (i) =>
    `Hello! I answer questions from ${i.articles} Arabic news articles (${i.outletsHtml}), published between ${i.from} and ${i.to}.\n\n` +
    'Ask anything: I quote the exact sentences I rely on with numbered sources [n], and under each answer there are buttons that show each full passage.\n\n' +
    `In groups: /ask your question, mention me (${i.botHtml}), or reply to one of my messages. /help for more.`,
  help: (bot) =>
    '<b>How to use me</b>\n' +
    '• Private chat: type any question.\n' +
    `• Groups: <code>/ask your question</code>, mention me (${bot} your question), or reply to one of my messages.\n` +
    '• Replying to one of my answers asks a follow-up that takes the previous question into account.\n' +
    `• Any chat: type <code>${bot} your question</code> to pick an answer ready to send.\n` +
    '• Each source button shows the full quoted passage; 👍/👎 rate the answer.\n\n' +
    '<b>Commands</b>\n/ask — ask a question\n/sources — list the articles\n/status — index status\n/latest — the latest articles\n/add link — add an article (admins; also forward a post or send a .txt or .html file)\n/help — this help',
  sourcesHeader: (n) => `<b>Articles (${n})</b>`,
  sourcesEmpty: 'There are no articles in the index yet.',
  status: (s) =>
    `<b>Status</b>\nArticles: ${s.articles}\nIndexed passages: ${s.chunks}\n` +
    (s.model
      ? `Embedding model: loaded (<code>${s.model}</code>), hybrid search (semantic + lexical).`
      : `Embedding model: not loaded — answers are lexical only${s.modelErrorHtml ? ` (${s.modelErrorHtml})` : ''}.`),
  askUsage: (bot) => `Write your question after the command, e.g.\n<code>/ask What did Putin say about relations with China?</code>\nor mention me: ${bot} your question`,
  tooLong: (max, got) => `Your question is too long (${got} characters). The limit is ${max}; please shorten it and send it again.`,
  nonText: 'I can only read text questions. Please type your question and I will answer from the articles.',
  rateLimited: (s) => `Please slow down a little: you have reached the question limit. Try again in ${s} seconds.`,
  unknownCommand: "I don't know that command. Just type your question, or see /help.",
  error: 'Sorry, something went wrong while handling your request. Please try again in a moment.',
  notAllowed: (id) => `Sorry, this bot is private. Ask its owner to add the id ${id} to the allowed list.`,
  notAllowedShort: 'Sorry, you are not allowed to use this bot.',
  adminOnly: 'This command is for administrators only.',
  reindexStarted: 'Rebuilding the index from the corpus/ folder…',
  reindexBusy: 'A reindex is already running; please wait for it to finish.',
  reindexDone: (c) =>
    `<b>Reindex complete</b> (${c.seconds} s${c.rebuilt ? ', full rebuild' : ''})\n` +
    `Added: ${c.addedHtml}\nChanged: ${c.changedHtml}\nRemoved: ${c.removedHtml}\nSkipped: ${c.skippedHtml}\nPassages: ${c.chunks}`,
  reindexFailed: (r) => `Reindex failed: ${r}\nThe previous index is still in use.`,
  none: 'none',
  sourceGone: 'This source is no longer in the index. Please ask the question again.',
  sourceHeader: (n) => (n === null ? '<b>Quoted passage</b>' : `<b>Source [${n}]</b>`),
  feedbackThanksUp: 'Thanks! Your 👍 was recorded.',
  feedbackThanksDown: 'Thanks! Your 👎 was recorded; we will work on it.',
  feedbackGone: 'I can no longer find this answer to record the vote.',
  inlineHint: 'Type a question about the news',
  inlineTooLong: (max) => `The question is longer than ${max} characters`,
  inlineNoAnswer: 'The articles do not cover this question',
  inlineRateLimited: (sec) => `Too many questions: try again in ${sec} s`,
  inlineFull: 'Full answer',
  inlineOneSource: (n) => `From source [${n}] only`,
  intakeAdded: (r) =>
    `${r.updated ? '✏️ <b>Article updated</b>' : '✅ <b>Article added</b>'}\n` +
    `Headline: ${r.titleHtml}\nOutlet: ${r.outletHtml}\nDate: ${r.dateHtml}\n` +
    (r.alsoOfHtml
      ? `The same text is already in ${r.alsoOfHtml}: it is not indexed twice, this outlet is shown under «also published by».\n`
      : `Indexed passages: ${r.chunks}\n`) +
    `It can be asked about now. File: <code>${r.fileHtml}</code>`,
  intakeDuplicate: (r) => `Not added: the same ${r.sameAddress ? 'address' : 'text'} is already in ${r.ofHtml}.`,
  intakeRejected: (r) =>
    `Not added: ${
      ({
        empty: 'the text is empty',
        'not-article': 'no article found on this page',
        'too-large': 'the file or page is too large',
        encoding: 'unreadable text encoding (save it as UTF-8)',
        binary: 'a binary file, not text',
        unsupported: 'unsupported kind (send a .txt or .html file)',
        refused: 'the address is refused',
        fetch: 'the page could not be fetched',
        index: 'it could not be indexed',
      } as Record<string, string>)[r.code] ?? 'error'
    }.\n<code>${r.detailHtml}</code>`,
  addAdminOnly: 'Only administrators can add articles; nothing was fetched.',
  addUsage: 'Write the address after the command, e.g.\n<code>/add https://example.org/news/123</code>',
  intakeOff: 'Adding articles is not enabled in this run.',
  intakeWorking: 'Fetching and extracting…',
  latestHeader: (n) => `<b>Latest articles (${n})</b>`,
  latestEmpty: 'There are no articles in the index yet.',
  menu: {
    add: 'Add an article from a link (admins)',
    latest: 'The latest articles',
    start: 'Start and what the articles cover',
    help: 'How to use the bot',
    ask: 'Ask a question about the news',
    sources: 'List the articles',
    status: 'Index size and model status',
  },
  draftPlaceholder: 'Writing the answer…',
  generationFallback: ANSWER_TEXT.en.generationUnavailable,
  supportHeader: 'What the answer relies on in this source:',
  consolePrompt: 'question> ',
  consoleHelp: 'Type a question (start it with + to follow up on the previous one), or /sources, /latest, /status or /quit.',
};

const STRINGS: Record<Lang, Strings> = { ar, en };

export function t(lang: Lang): Strings {
  return STRINGS[lang];
}

/** The one-line banner of the console chat (always English: it is addressed to whoever runs the program). */
export const CONSOLE_BANNER =
  'No TELEGRAM_BOT_TOKEN set: this is the local console chat over the same engine. To connect Telegram, put TELEGRAM_BOT_TOKEN=<token from @BotFather> in .env and run `npm start` again.';
