/**
 * The local console chat `npm start` runs when no TELEGRAM_BOT_TOKEN is set: the same engine,
 * the same answers and sources as the bot, rendered as plain text by `bot/format.ts`.
 * Reads questions line by line from any stream (a terminal, or piped text) and ends at EOF,
 * on /quit, or when `signal` aborts (after the answer in progress). A line that starts with «+»
 * follows up on the previous question, as replying to an answer does in Telegram: the engine
 * gets the earlier question(s) as context.
 */
import readline from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { redactSecrets } from '../log.js';
import type { Engine, Lang } from '../types.js';
import { latestArticles, renderAnswerPlain, renderLatest, renderSourceLinePlain } from '../bot/format.js';
import { CONSOLE_BANNER, pickLang, t } from '../bot/i18n.js';

export interface ConsoleChatOptions {
  engine: Engine;
  input: Readable;
  output: Writable;
  log?: Logger;
  /** Stop reading: the answer in progress is finished first. */
  signal?: AbortSignal;
  /** Longest question accepted (default 500, as the bot). */
  maxQuestionChars?: number;
}

export function renderStatusPlain(engine: Engine, lang: Lang): string {
  const info = engine.info();
  const s = t(lang);
  const html = s.status({ articles: info.articles.length, chunks: info.chunks, model: info.model, modelErrorHtml: info.modelError });
  return html.replace(/<\/?[a-z]+>/g, '');
}

export function renderSourcesPlain(engine: Engine, lang: Lang): string {
  const s = t(lang);
  const articles = [...engine.info().articles].sort((a, b) => (a.date ?? '9999').localeCompare(b.date ?? '9999') || a.file.localeCompare(b.file));
  if (articles.length === 0) return s.sourcesEmpty;
  const header = s.sourcesHeader(articles.length).replace(/<\/?b>/g, '');
  return [header, ...articles.map((a, i) => `${i + 1}. ${renderSourceLinePlain(a, lang)} (${a.file})`)].join('\n');
}

/** Runs the chat until EOF, /quit or abort. */
export async function runConsoleChat(options: ConsoleChatOptions): Promise<void> {
  const { engine, input, output } = options;
  const maxChars = options.maxQuestionChars ?? 500;
  const interactive = Boolean((input as { isTTY?: boolean }).isTTY && (output as { isTTY?: boolean }).isTTY);
  const write = (text: string) => output.write(`${text}\n`);
  const rl = readline.createInterface({ input, output: interactive ? output : undefined, terminal: interactive });
  let lang: Lang = 'ar';
  /** The last question asked, with the ones it followed up on (as the bot keeps per answer). */
  let context: string | undefined;
  const prompt = () => {
    if (interactive) {
      rl.setPrompt(t(lang).consolePrompt);
      rl.prompt();
    }
  };
  const onAbort = () => rl.close();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) rl.close();

  write(CONSOLE_BANNER);
  if (interactive) write(t('en').consoleHelp);
  prompt();
  try {
    for await (const raw of rl) {
      const line = raw.trim();
      if (!line) {
        prompt();
        continue;
      }
      if (line === '/quit' || line === '/exit') break;
      if (line === '/sources') write(renderSourcesPlain(engine, lang));
      else if (line === '/status') write(renderStatusPlain(engine, lang));
      else if (line === '/latest') write(renderLatest(latestArticles(engine.info().articles), lang, 'plain'));
      else if (line === '/help' || line === '/start') write(t(lang).consoleHelp);
      else if (line.length > maxChars) write(t(pickLang({ text: line })).tooLong(maxChars, line.length));
      else {
        const followUp = line.startsWith('+');
        const question = (followUp ? line.slice(1).trim() : line).replace(/^\/ask(@\S+)?\s*/, '');
        if (!question) {
          write(t(lang).consoleHelp);
          prompt();
          continue;
        }
        lang = pickLang({ text: question });
        const previous = followUp ? context : undefined;
        context = previous ? `${previous.slice(-maxChars)}\n${question}` : question;
        try {
          const answer = await engine.ask(question, previous ? { previousQuestion: previous } : {});
          lang = answer.lang;
          write(`${renderAnswerPlain(answer, answer.lang)}\n`);
        } catch (error) {
          options.log?.error({ error: redactSecrets(describeError(error)) }, 'console question failed');
          write(`${t(lang).error} (${redactSecrets(describeError(error))})`);
        }
      }
      if (options.signal?.aborted) break;
      prompt();
    }
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    rl.close();
  }
}
