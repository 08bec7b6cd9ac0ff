/**
 * The sentences an answer is made of, in Arabic and English: used by the composed plain-text
 * answer (`src/answer.ts`: CLI, console chat, `ask --json`) and by the bot's HTML rendering
 * (`src/bot/i18n.ts`), so every surface says the same thing.
 */
import type { Lang } from '../types.js';

export interface AnswerText {
  /** Heading of the source list (without a colon). */
  sources: string;
  /** Said instead of guessing when the articles do not answer. */
  refusal: string;
  /** Heading of the articles nearest a refused question (without a colon). */
  closest: string;
  /** Names the most recent report when the sources' dates differ. */
  latest: (n: number, date: string) => string;
  /** Says which countries the question asks about that no article mentions. */
  unmentioned: (names: string[]) => string;
  /** One line above a quoted answer given instead of a generated one (the model failed or was unusable). */
  generationUnavailable: string;
}

export const ANSWER_TEXT: Readonly<Record<Lang, AnswerText>> = {
  ar: {
    sources: 'المصادر',
    refusal: 'لا تتناول المقالات المتوفرة لديّ هذا السؤال، لذا لن أخمّن إجابة.',
    closest: 'أقرب المقالات إلى سؤالك',
    latest: (n, date) => `أحدث هذه التقارير هو [${n}] بتاريخ ${date}؛ قد تكون التفاصيل تغيّرت منذ التقارير الأقدم.`,
    unmentioned: (names) => `لا تذكر أيٌّ من المقالات: ${names.join('، ')}.`,
    generationUnavailable: 'تعذّرت صياغة إجابة مولَّدة موثّقة، فهذه مقتطفات من المقالات نفسها.',
  },
  en: {
    sources: 'Sources',
    refusal: "The articles I have don't cover this question, so I won't guess.",
    closest: 'Closest articles to your question',
    latest: (n, date) => `The most recent of these reports is [${n}], dated ${date}; details may have changed since the older ones.`,
    unmentioned: (names) => `None of the articles mentions ${names.join(', ')}.`,
    generationUnavailable: 'A checked generated answer was unavailable, so here are quotes from the articles themselves.',
  },
};
