/**
 * In-process bot tests over the REAL engine (tests/helpers/engine.ts: the product's engine over a
 * temporary copy of corpus/, lexical only): updates go through `bot.handleUpdate`, outgoing Bot
 * API calls are captured. Assertions are on behaviour (a [n] marker, the cited headline escaped,
 * the passage behind a button), never on full answer texts.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escapeHtml, htmlToPlain } from '../src/bot/format.js';
import { chunkIdsOfRef } from '../src/bot/buttons.js';
import type { Engine } from '../src/types.js';
import {
  ADMIN, assertBalanced, BOT_INFO, callbackData, CHANNEL, createHarness, EN_USER, GROUP, spyEngine, SUPERGROUP, updates, USER,
} from './helpers/bot-harness.js';
import { createTestEngine, type TestEngine } from './helpers/engine.js';


const QUESTION = 'ماذا قال شي عن العلاقات مع روسيا؟';

let te: TestEngine;
beforeAll(async () => {
  te = await createTestEngine();
});
afterAll(async () => {
  await te?.cleanup();
});

/** The citations' headlines as they must appear in HTML. */
function citedHeadlines(html: string, engine: Engine): string[] {
  return engine
    .info()
    .articles.map((a) => a.title)
    .filter((t): t is string => t !== null && html.includes(escapeHtml(t)));
}

describe('private chat (real engine)', () => {
  it('/start says how many articles, which outlets and the date range', async () => {
    const h = createHarness({ engine: te.engine });
    await h.send(updates.text('/start', { from: EN_USER }));
    const [text] = h.texts();
    const info = te.engine.info();
    expect(text).toContain(`${info.articles.length} Arabic news articles`);
    for (const outlet of new Set(info.articles.map((a) => a.outlet).filter(Boolean))) expect(text).toContain(escapeHtml(outlet!));
    expect(text).toContain(info.dateRange.from!);
    expect(text).toContain(info.dateRange.to!);
    assertBalanced(text!);
  });

  it('answers a question with inline citations, escaped headlines, outlet and date, as a reply with buttons', async () => {
    const h = createHarness({ engine: te.engine });
    await h.send(updates.text(QUESTION, { messageId: 321 }));
    expect(h.sent('sendChatAction')).not.toHaveLength(0);
    const [reply] = h.sent('sendMessage');
    const html = String(reply!.payload.text);
    assertBalanced(html);
    expect(reply!.payload).toMatchObject({ parse_mode: 'HTML', link_preview_options: { is_disabled: true }, reply_parameters: { message_id: 321 } });
    expect(html).toMatch(/\[1\]/);
    expect(html).toContain('المصادر');
    const headlines = citedHeadlines(html, te.engine);
    expect(headlines.length).toBeGreaterThan(0);
    // A headline with quotation marks is escaped, not pasted raw.
    for (const t of headlines) if (t.includes('"')) expect(html).toContain(escapeHtml(t));
    const data = callbackData(reply!.payload.reply_markup);
    const sources = data.filter((d) => d.startsWith('src:'));
    expect(sources.length).toBeGreaterThan(0);
    for (const d of data) expect(Buffer.byteLength(d)).toBeLessThanOrEqual(64);
    for (const d of sources) for (const id of chunkIdsOfRef(d.slice(4))) expect(te.engine.chunk(id)).toBeDefined();
  });

  it('a source button shows the full cited passage with headline, outlet and date', async () => {
    const h = createHarness({ engine: te.engine });
    await h.send(updates.text(QUESTION));
    const [reply] = h.sent('sendMessage');
    const src = callbackData(reply!.payload.reply_markup).find((d) => d.startsWith('src:'))!;
    const chunk = te.engine.chunk(src.slice(4))!;
    const mark = h.mark();
    await h.send(updates.callback(src, h.botMessage(reply!)));
    expect(h.sent('answerCallbackQuery', mark)).toHaveLength(1);
    const [passage] = h.sent('sendMessage', mark);
    const html = String(passage!.payload.text);
    assertBalanced(html);
    expect(html).toContain(escapeHtml(chunk.text));
    if (chunk.title) expect(html).toContain(escapeHtml(chunk.title));
    if (chunk.outlet) expect(html).toContain(escapeHtml(chunk.outlet));
    if (chunk.date) expect(html).toContain(chunk.date);
    expect(html).toMatch(/\[\d+\]/);
  });

  it('a source quoted from two chunks of one story is one button, and it shows both quotes', async () => {
    const h = createHarness({ engine: te.engine });
    const question = 'كم يوم تستغرق زيارة ميشوستين للصين؟';
    const answer = await te.engine.ask(question);
    const multi = answer.citations.find((c) => c.chunkIds.length > 1)!;
    expect(multi).toBeDefined();
    await h.send(updates.text(question));
    const [reply] = h.sent('sendMessage');
    const src = callbackData(reply!.payload.reply_markup).find((d) => d.startsWith('src:') && chunkIdsOfRef(d.slice(4)).length > 1)!;
    expect(chunkIdsOfRef(src.slice(4))).toEqual(multi.chunkIds);
    const mark = h.mark();
    await h.send(updates.callback(src, h.botMessage(reply!)));
    const html = String(h.sent('sendMessage', mark)[0]!.payload.text);
    assertBalanced(html);
    for (const q of answer.quotes.filter((x) => x.n === multi.n)) expect(html).toContain(escapeHtml(q.text));
  });

  it('a reply to an answer is a follow-up: the engine gets the previous question', async () => {
    const { engine, asks } = spyEngine(te.engine);
    const h = createHarness({ engine });
    const first = 'ماذا قال وزير الخارجية الصيني وانغ يي؟';
    await h.send(updates.text(first));
    const answer = h.botMessage(h.sent('sendMessage')[0]!);
    await h.send(updates.text('ومتى كان ذلك؟', { replyTo: answer }));
    expect(asks[1]).toMatchObject({ question: 'ومتى كان ذلك؟', context: { previousQuestion: first } });
    const followUp = h.sent('sendMessage')[1]!;
    assertBalanced(String(followUp.payload.text));
    // Answered (a lone «ومتى كان ذلك؟» has nothing to go on) from an article the first answer cited.
    expect(String(followUp.payload.text)).toMatch(/\[1\]/);
    const files = (markup: unknown) => callbackData(markup).filter((d) => d.startsWith('src:')).map((d) => d.slice(4).split('#')[0]);
    const before = files(answer.reply_markup);
    expect(files(followUp.payload.reply_markup).some((f) => before.includes(f))).toBe(true);
  });

  it('/sources lists every article with headline, outlet and date; /status says index size and lexical mode', async () => {
    const h = createHarness({ engine: te.engine });
    await h.send(updates.text('/sources', { from: EN_USER }));
    await h.send(updates.text('/status', { from: EN_USER }));
    const [sources, status] = h.texts();
    const info = te.engine.info();
    assertBalanced(sources!);
    for (const a of info.articles) {
      if (a.title) expect(sources).toContain(escapeHtml(a.title));
      if (a.outlet) expect(sources).toContain(escapeHtml(a.outlet));
      if (a.date) expect(sources).toContain(a.date);
    }
    expect(sources).toContain(`Articles (${info.articles.length})`);
    expect(status).toContain(`Articles: ${info.articles.length}`);
    expect(status).toContain(`Indexed passages: ${info.chunks}`);
    expect(status).toContain('lexical only');
  });
});

describe('groups and channels (real engine)', () => {
  it('answers /ask and /ask@BotName in groups and supergroups with a citation, and ignores chatter', async () => {
    for (const chat of [GROUP, SUPERGROUP]) {
      const h = createHarness({ engine: te.engine });
      await h.send(updates.text('صباح الخير للجميع', { chat }));
      expect(h.sent('sendMessage')).toHaveLength(0);
      await h.send(updates.text(`/ask ${QUESTION}`, { chat }));
      await h.send(updates.text(`/ask@${BOT_INFO.username} ${QUESTION}`, { chat }));
      const replies = h.sent('sendMessage');
      expect(replies).toHaveLength(2);
      for (const r of replies) {
        expect(r.payload.chat_id).toBe(chat.id);
        expect(String(r.payload.text)).toMatch(/\[1\]/);
        expect(citedHeadlines(String(r.payload.text), te.engine).length).toBeGreaterThan(0);
      }
    }
  });

  it('answers a mention and a reply to the bot in a group', async () => {
    const h = createHarness({ engine: te.engine });
    await h.send(updates.text(`@${BOT_INFO.username} ${QUESTION}`, { chat: SUPERGROUP }));
    const answer = h.botMessage(h.sent('sendMessage')[0]!);
    await h.send(updates.text('ماذا قال بوتين عن الشراكة مع الصين؟', { chat: SUPERGROUP, replyTo: answer }));
    const texts = h.texts();
    expect(texts).toHaveLength(2);
    expect(texts[0]).toMatch(/\[1\]/);
  });

  it('answers /ask in a channel post in the channel', async () => {
    const h = createHarness({ engine: te.engine });
    await h.send(updates.channelPost(`/ask ${QUESTION}`));
    const [reply] = h.sent('sendMessage');
    expect(reply!.payload.chat_id).toBe(CHANNEL.id);
    expect(String(reply!.payload.text)).toMatch(/\[1\]/);
  });

  it('offers inline answers with citations', async () => {
    const h = createHarness({ engine: te.engine });
    await h.send(updates.inline(QUESTION));
    const results = h.sent('answerInlineQuery')[0]!.payload.results as any[];
    expect(results.length).toBeGreaterThanOrEqual(1);
    expect(results.length).toBeLessThanOrEqual(3);
    for (const r of results) {
      assertBalanced(r.input_message_content.message_text);
      expect(r.input_message_content.message_text).toMatch(/\[1\]/);
      expect(r.input_message_content.message_text).toContain(escapeHtml(QUESTION));
    }
  });
});

describe('corpus content and /reindex (real engine, own corpus copy)', () => {
  const hostileFile = '005_hostile.txt';
  const hostile = [
    'قمة <b>سرية</b> & "مفاجئة" حول <script>alert(1)</script> القمح',
    'تاريخ النشر: 9th, May 2025 GMT',
    'التقى وزير الزراعة <i>الفنلندي</i> نظيره الأرجنتيني في هلسنكي لبحث صادرات <b>القمح</b> & الشعير بين البلدين.',
    'وقال الوزير الفنلندي إن الاتفاق الجديد <a href="http://evil">يضاعف</a> كميات القمح المستوردة خلال عام 2026.',
    'وأضاف أن المفاوضات ستستمر في بوينس آيرس الشهر المقبل.',
    '',
  ].join('\n');
  let own: TestEngine;
  beforeAll(async () => {
    own = await createTestEngine();
  });
  afterAll(async () => {
    await own?.cleanup();
  });

  it('/reindex is refused to non-admins and, for admins, picks up new files and reports them', async () => {
    const h = createHarness({ engine: own.engine });
    await h.send(updates.text('/reindex', { from: EN_USER }));
    expect(h.texts()[0]).toContain('administrators only');
    await fs.writeFile(path.join(own.corpusDir, hostileFile), hostile);
    const articlesBefore = own.engine.info().articles.length;
    await h.send(updates.text('/reindex', { from: { ...ADMIN, language_code: 'en' } }));
    const report = h.texts()[2]!;
    assertBalanced(report);
    expect(report).toContain('Reindex complete');
    expect(report).toContain(hostileFile);
    expect(own.engine.info().articles.length).toBe(articlesBefore + 1);
  });

  it('escapes hostile HTML from corpus headlines and passages in answers and passages', async () => {
    const h = createHarness({ engine: own.engine });
    await h.send(updates.text('ماذا بحث وزير الزراعة الفنلندي مع نظيره الأرجنتيني؟'));
    const [reply] = h.sent('sendMessage');
    const html = String(reply!.payload.text);
    assertBalanced(html);
    expect(html).not.toMatch(/<script|<a href|<b>سرية/);
    expect(html).toContain('&lt;script&gt;');
    expect(htmlToPlain(html)).toContain('<b>القمح</b> & الشعير');
    const src = callbackData(reply!.payload.reply_markup).find((d) => d.startsWith(`src:${hostileFile}`))!;
    const mark = h.mark();
    await h.send(updates.callback(src, h.botMessage(reply!)));
    const passage = String(h.sent('sendMessage', mark)[0]!.payload.text);
    assertBalanced(passage);
    expect(htmlToPlain(passage)).toContain('قمة <b>سرية</b> & "مفاجئة" حول <script>alert(1)</script> القمح');
  });

  it('a source whose chunk disappeared after a reindex answers "no longer available"', async () => {
    const h = createHarness({ engine: own.engine });
    await h.send(updates.text('ماذا بحث وزير الزراعة الفنلندي مع نظيره الأرجنتيني؟'));
    const [reply] = h.sent('sendMessage');
    const src = callbackData(reply!.payload.reply_markup).find((d) => d.startsWith(`src:${hostileFile}`))!;
    await fs.rm(path.join(own.corpusDir, hostileFile));
    await h.send(updates.text('/reindex', { from: ADMIN }));
    const mark = h.mark();
    await h.send(updates.callback(src, h.botMessage(reply!), USER));
    expect(h.sent('answerCallbackQuery', mark)[0]!.payload).toMatchObject({ show_alert: true });
    expect(h.sent('sendMessage', mark)).toHaveLength(0);
  });
});
