/**
 * What Telegram would reject, as checks over captured outgoing Bot API calls (the reliability
 * tests run every call the bot makes through {@link checkCall}), and a capturing logger.
 *
 * Sources: Bot API docs — "Formatting options / HTML style" (the tags and the four named
 * entities it accepts, every other `<`, `>` and `&` escaped), sendMessage (1-4096 characters
 * after entities parsing), answerCallbackQuery (text 0-200 characters), InlineKeyboardButton
 * (callback_data 1-64 bytes), InlineQueryResult (id 1-64 bytes), answerInlineQuery (≤ 50 results,
 * button start_parameter 1-64 of A-Z a-z 0-9 _ -). All text must be valid UTF-8, so a string
 * with a lone surrogate could not even be sent.
 */
import pino from 'pino';
import type { Logger } from '../../src/log.js';

/** Tags Telegram's HTML parse mode accepts, with the attributes each may carry. */
const TELEGRAM_TAGS: Record<string, RegExp | null> = {
  b: null, strong: null, i: null, em: null, u: null, ins: null, s: null, strike: null, del: null,
  'tg-spoiler': null, code: /^(class="language-[\w+-]+")?$/, pre: null, blockquote: /^(expandable)?$/,
  a: /^href="[^"]*"$/, span: /^class="tg-spoiler"$/, 'tg-emoji': /^emoji-id="\d+"$/,
};

/** The only tags the bot's own templates write (format.ts, i18n.ts), never with attributes. */
export const BOT_TAGS = new Set(['b', 'i', 'code', 'blockquote']);

export interface ParsedHtml {
  /** The text a reader sees (tags removed, entities decoded). */
  visible: string;
  tags: Array<{ name: string; attributes: string }>;
}

/** Parses Telegram HTML the way the Bot API does, throwing on anything it would reject. */
export function parseTelegramHtml(html: string): ParsedHtml {
  const stack: string[] = [];
  const tags: ParsedHtml['tags'] = [];
  let visible = '';
  let i = 0;
  while (i < html.length) {
    const c = html[i]!;
    if (c === '<') {
      const m = /^<(\/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^\s>]+)*)\s*>/.exec(html.slice(i));
      if (!m) throw new Error(`unescaped "<" at ${i}: ${JSON.stringify(html.slice(i, i + 30))}`);
      const [whole, closing, rawName, rawAttrs] = m;
      const name = rawName!.toLowerCase();
      const attributes = rawAttrs!.trim();
      if (!(name in TELEGRAM_TAGS)) throw new Error(`tag <${name}> is not a Telegram tag`);
      if (closing) {
        if (attributes) throw new Error(`closing tag </${name}> has attributes`);
        const open = stack.pop();
        if (open !== name) throw new Error(`</${name}> closes <${open ?? 'nothing'}>`);
      } else {
        const rule = TELEGRAM_TAGS[name];
        if (attributes && !(rule && rule.test(attributes))) throw new Error(`<${name} ${attributes}>: attributes Telegram does not accept`);
        if (name === 'a' && !attributes) throw new Error('<a> without href');
        stack.push(name);
        tags.push({ name, attributes });
      }
      i += whole!.length;
    } else if (c === '&') {
      const m = /^&(?:(lt|gt|amp|quot)|#(\d{1,7})|#x([0-9a-fA-F]{1,6}));/.exec(html.slice(i));
      if (!m) throw new Error(`unescaped "&" at ${i}: ${JSON.stringify(html.slice(i, i + 12))}`);
      visible += m[1] ? { lt: '<', gt: '>', amp: '&', quot: '"' }[m[1]]! : String.fromCodePoint(m[2] ? Number(m[2]) : parseInt(m[3]!, 16));
      i += m[0].length;
    } else if (c === '>') {
      throw new Error(`unescaped ">" at ${i}`);
    } else {
      visible += c;
      i++;
    }
  }
  if (stack.length) throw new Error(`unclosed tags: ${stack.join(', ')}`);
  return { visible, tags };
}

/** A lone UTF-16 surrogate: such a string is not valid UTF-8 and cannot be sent. */
export function hasLoneSurrogate(text: string): boolean {
  return /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
}

export interface CheckedText {
  /** The text the reader sees. */
  visible: string;
  /** Whether it was sent as HTML. */
  html: boolean;
  tags: ParsedHtml['tags'];
}

/** Checks a message text as Telegram would (and the bot's own stricter rules); returns what is seen. */
export function checkMessageText(text: unknown, parseMode: unknown, where: string): CheckedText {
  if (typeof text !== 'string') throw new Error(`${where}: text is ${typeof text}`);
  if (parseMode !== undefined && parseMode !== 'HTML') throw new Error(`${where}: parse_mode ${String(parseMode)} (the bot only uses HTML)`);
  if (hasLoneSurrogate(text)) throw new Error(`${where}: lone surrogate (not valid UTF-8)`);
  let parsed: ParsedHtml = { visible: text, tags: [] };
  if (parseMode === 'HTML') {
    try {
      parsed = parseTelegramHtml(text);
    } catch (error) {
      throw new Error(`${where}: Telegram would answer "can't parse entities": ${(error as Error).message}\n${text.slice(0, 300)}`);
    }
    for (const tag of parsed.tags) {
      if (!BOT_TAGS.has(tag.name) || tag.attributes) throw new Error(`${where}: <${tag.name} ${tag.attributes}> is not a tag the bot writes (unescaped input?)`);
    }
  }
  if (parsed.visible.trim() === '') throw new Error(`${where}: message text is empty`);
  if (parsed.visible.length > 4096) throw new Error(`${where}: ${parsed.visible.length} characters after parsing, over 4096`);
  if (text.length > 4096) throw new Error(`${where}: ${text.length} characters of source, over the bot's 4096 limit`);
  return { visible: parsed.visible, html: parseMode === 'HTML', tags: parsed.tags };
}

function checkKeyboard(markup: any, where: string): void {
  if (markup === undefined) return;
  const rows = markup.inline_keyboard;
  if (!Array.isArray(rows)) throw new Error(`${where}: reply_markup without inline_keyboard`);
  for (const button of rows.flat()) {
    if (typeof button.text !== 'string' || button.text.trim() === '' || hasLoneSurrogate(button.text)) throw new Error(`${where}: bad button text ${JSON.stringify(button.text)}`);
    if ('callback_data' in button) {
      const bytes = Buffer.byteLength(button.callback_data, 'utf8');
      if (bytes < 1 || bytes > 64) throw new Error(`${where}: callback_data of ${bytes} bytes`);
    }
  }
}

export interface OutgoingCall {
  method: string;
  payload: Record<string, any>;
}

/**
 * Checks one outgoing Bot API call against Telegram's rules; returns the texts a reader would
 * see (one per message or inline result), for echo checks.
 */
export function checkCall(call: OutgoingCall): CheckedText[] {
  const { method, payload } = call;
  const where = method;
  switch (method) {
    // The bot never edits a message, so "message is not modified" cannot happen: an edit call
    // falls through to the default case and fails the test.
    case 'sendMessage': {
      if (typeof payload.chat_id !== 'number' && typeof payload.chat_id !== 'string') throw new Error(`${where}: no chat_id`);
      checkKeyboard(payload.reply_markup, where);
      return [checkMessageText(payload.text, payload.parse_mode, where)];
    }
    case 'answerCallbackQuery': {
      if (typeof payload.callback_query_id !== 'string') throw new Error(`${where}: no callback_query_id`);
      if (payload.text !== undefined) {
        if (typeof payload.text !== 'string' || payload.text.length > 200 || hasLoneSurrogate(payload.text)) throw new Error(`${where}: bad text ${JSON.stringify(payload.text)}`);
        return [{ visible: payload.text, html: false, tags: [] }];
      }
      return [];
    }
    case 'answerInlineQuery': {
      const results = payload.results as any[];
      if (!Array.isArray(results) || results.length > 50) throw new Error(`${where}: results must be an array of at most 50`);
      const ids = new Set<string>();
      const seen: CheckedText[] = [];
      for (const r of results) {
        const idBytes = Buffer.byteLength(String(r.id), 'utf8');
        if (idBytes < 1 || idBytes > 64 || ids.has(r.id)) throw new Error(`${where}: result id ${JSON.stringify(r.id)} empty, too long or repeated`);
        ids.add(r.id);
        if (typeof r.title !== 'string' || r.title.trim() === '' || hasLoneSurrogate(r.title)) throw new Error(`${where}: bad title`);
        if (r.description !== undefined && hasLoneSurrogate(String(r.description))) throw new Error(`${where}: bad description`);
        checkKeyboard(r.reply_markup, `${where} result`);
        const content = r.input_message_content;
        seen.push(checkMessageText(content?.message_text, content?.parse_mode, `${where} result ${r.id}`));
      }
      if (payload.button) {
        const b = payload.button;
        if (typeof b.text !== 'string' || b.text.trim() === '' || hasLoneSurrogate(b.text)) throw new Error(`${where}: bad button text`);
        if (b.start_parameter !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(b.start_parameter)) throw new Error(`${where}: bad start_parameter`);
        seen.push({ visible: b.text, html: false, tags: [] });
      }
      return seen;
    }
    case 'sendChatAction':
    case 'setMyCommands':
    case 'getMe':
    case 'deleteWebhook':
    case 'setWebhook':
    case 'getUpdates':
      return [];
    default:
      throw new Error(`unexpected Bot API method ${method}`);
  }
}

export interface CapturedLog {
  log: Logger;
  /** Raw JSON lines as written. */
  lines: string[];
  records(): Array<{ level: number; msg: string; [key: string]: unknown }>;
  /** Records at error level or above. */
  errors(): Array<{ level: number; msg: string; [key: string]: unknown }>;
}

/** A pino logger at `level` that keeps every line (the product's own logger when `product`). */
export function capturingLog(level: pino.Level = 'debug'): CapturedLog {
  const lines: string[] = [];
  const log = pino({ level }, { write: (s: string) => void lines.push(s) });
  const records = () => lines.map((l) => JSON.parse(l) as { level: number; msg: string });
  return { log, lines, records, errors: () => records().filter((r) => r.level >= 50) };
}
