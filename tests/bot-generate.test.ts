/**
 * The Telegram side of generated answers, through `bot.handleUpdate` with every Bot API call
 * captured (tests/helpers/bot-harness.ts). The engine is the FakeEngine FIXTURE
 * (tests/helpers/fake-engine.ts): it streams `onDraft` texts the way `withGeneration` does (the
 * checked answer so far) and returns a canned generated, fallback or quoted answer. Timers are
 * faked so the draft throttle and the placeholder delay are driven, never measured.
 * The untitled-source label is also checked over the real engine and the five articles, and the
 * whole path once end to end: the real engine, `withGeneration` and the FIXTURE fake model server
 * (tests/fixtures/fake-llm, not a model), with real timers.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { escapeHtml, htmlToPlain } from '../src/bot/format.js';
import { t } from '../src/bot/i18n.js';
import * as check from '../src/generate/check.js';
import { withGeneration } from '../src/generate/generate.js';
import { createLlmClient } from '../src/generate/llm.js';
import { silentLogger } from '../src/log.js';
import { scenarios, startFakeLlm, type FakeLlm, type Scenario } from './fixtures/fake-llm/server.js';
import type { Answer, Chunk } from '../src/types.js';
import { assertBalanced, callbackData, createHarness, GROUP, updates, USER, type Call, type Harness } from './helpers/bot-harness.js';
import { createTestEngine } from './helpers/engine.js';
import { FakeEngine, makeAnswer, makeChunk, makeGeneratedAnswer } from './helpers/fake-engine.js';

const sentences = (texts: string[]) => {
  let at = 0;
  return texts.map((text) => {
    const s = { text, start: at, end: at + text.length };
    at += text.length + 1;
    return s;
  });
};

const A1 = 'التقى الرئيس الروسي فلاديمير بوتين نظيره الصيني شي جين بينغ في موسكو يوم 8 مايو.';
const A2 = 'وأشاد الطرفان بالعلاقات المتنامية بين البلدين.';
const B1 = 'أكد وزير الخارجية الصيني وانغ يي بحضور نظيره الروسي أن بكين تعتزم تعزيز التعاون مع موسكو.';
const B2 = 'وقال إن التبادل التجاري <بين> البلدين بلغ مستوى "قياسيًا" & غير مسبوق.';

const CHUNKS: Chunk[] = [
  makeChunk({ id: '000_aaaaaaaaaaaaaaaa.txt#0.0', title: 'شي يلتقي بوتين في موسكو', outlet: 'الجزيرة', date: '2025-05-08', text: `${A1} ${A2}`, sentences: sentences([A1, A2]) }),
  makeChunk({ id: '004_33a37189b7051aed.txt#0.0', title: null, outlet: 'الديار', date: null, text: `${B1} ${B2}`, sentences: sentences([B1, B2]) }),
];

// The checked answer, sentence by sentence, as the generation decorator would stream it.
const S1 = 'التقى بوتين وشي جين بينغ في موسكو في 8 مايو [1].';
const S2 = 'وقال وانغ يي إن التبادل التجاري <بين> البلدين "قياسي" & غير مسبوق [2].';
const FINAL = `${S1} ${S2}`;
const SUPPORT = { 1: [A1], 2: [B2] };

const generated = (question: string) => makeGeneratedAnswer(question, CHUNKS, FINAL, SUPPORT);
const QUESTION = 'ماذا قال وانغ يي عن التجارة؟';
const s = t('ar');

/** Resolves after `ms` of (fake) time. */
const wait = (ms: number) => () => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Sends an update and lets (fake) time run until it has been handled. */
async function deliver(h: Harness, update: Parameters<Harness['send']>[0], ms = 5_000): Promise<void> {
  const done = h.send(update);
  await vi.advanceTimersByTimeAsync(ms);
  await done;
}

const draftTexts = (h: Harness) => h.sent('sendMessageDraft').map((c) => String(c.payload.text));

/** The sentences of a draft (each ends with its [n]). */
const draftSentences = (text: string) => text.split(/(?<=\]\.?)\s+/).map((x) => x.trim()).filter(Boolean);

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('private chat: a generated answer is streamed as drafts, then sent', () => {
  it('placeholder first, then only checked text the final answer holds, throttled; then the final message with sources and buttons', async () => {
    const drafts = [S1, S1, FINAL];
    const engine = new FakeEngine({ chunks: CHUNKS, drafts, between: wait(400), answer: (q) => generated(q) });
    const h = createHarness({ engine });
    await deliver(h, updates.text(QUESTION, { messageId: 77 }));

    const sentDrafts = h.sent('sendMessageDraft');
    expect(sentDrafts.length).toBeGreaterThan(1);
    // Private chat, one non-zero draft id for the whole answer, plain text (no HTML to refuse).
    for (const d of sentDrafts) {
      expect(d.payload).toMatchObject({ chat_id: USER.id, draft_id: 77 });
      expect(d.payload.parse_mode).toBeUndefined();
    }
    const texts = draftTexts(h);
    expect(texts[0]).toBe(s.draftPlaceholder);
    // Only what the engine passed as checked, in order, each text once.
    expect(texts.slice(1)).toEqual([S1, FINAL]);
    expect(new Set(texts).size).toBe(texts.length);

    // The final answer: one normal message after the last draft, HTML, escaped, [n] kept.
    const messages = h.sent('sendMessage');
    expect(messages).toHaveLength(1);
    const last = h.calls.indexOf(messages[0]!);
    expect(h.calls.slice(last).some((c) => c.method === 'sendMessageDraft')).toBe(false);
    const html = String(messages[0]!.payload.text);
    assertBalanced(html);
    expect(messages[0]!.payload).toMatchObject({ parse_mode: 'HTML', reply_parameters: { message_id: 77 } });
    expect(html).toContain(escapeHtml(S2));
    expect(html).not.toContain('<بين>');
    const plain = htmlToPlain(html);
    for (const text of texts.slice(1)) for (const sentence of draftSentences(text)) expect(plain).toContain(sentence);
    expect(html).toContain(`<b>${s.sources}:</b>`);
    expect(html).toContain(escapeHtml('شي يلتقي بوتين في موسكو'));
    expect(html).not.toContain(s.generationFallback);
    const data = callbackData(messages[0]!.payload.reply_markup);
    expect(data.filter((d) => d.startsWith('src:'))).toHaveLength(2);
    expect(data.some((d) => d.startsWith('fb:+:'))).toBe(true);
  });

  it('a draft goes out at most once per interval: texts that arrive meanwhile are merged into the latest', async () => {
    const s3 = 'وأشاد الطرفان بالعلاقات [1].';
    const drafts = [S1, `${S1} ${s3}`, `${S1} ${s3} ${S2}`];
    const engine = new FakeEngine({ chunks: CHUNKS, drafts, between: wait(100), answer: (q) => makeGeneratedAnswer(q, CHUNKS, drafts[2]!, SUPPORT) });
    const h = createHarness({ engine });
    await deliver(h, updates.text(QUESTION));
    // t=100 S1 (before the placeholder's 300 ms: no placeholder), t=200 queued, t=300 replaces
    // it, t=400 the latest goes out; the answer comes at t=400.
    const texts = draftTexts(h);
    expect(texts[0]).toBe(S1);
    expect(texts).not.toContain(s.draftPlaceholder);
    expect(texts).not.toContain(drafts[1]);
    expect(texts.length).toBeLessThanOrEqual(2);
    expect(h.sent('sendMessage')).toHaveLength(1);
  });

  it('a quoted answer that comes at once is not drafted at all', async () => {
    const engine = new FakeEngine({ chunks: CHUNKS });
    const h = createHarness({ engine });
    await deliver(h, updates.text(QUESTION));
    expect(h.sent('sendMessageDraft')).toHaveLength(0);
    expect(h.sent('sendChatAction')[0]?.payload).toMatchObject({ action: 'typing' });
    expect(h.sent('sendMessage')).toHaveLength(1);
  });

  it('sendMessageDraft failing (an old server, an emulator: 400/404) stops drafting; the answer is still delivered', async () => {
    for (const error of [
      { ok: false as const, error_code: 400, description: 'Bad Request: method is available only for bots with forum topic mode enabled' },
      { ok: false as const, error_code: 404, description: 'Not Found: method not found' },
    ]) {
      const engine = new FakeEngine({ chunks: CHUNKS, drafts: [S1, FINAL], between: wait(400), answer: (q) => generated(q) });
      const h = createHarness({ engine, respond: (c: Call) => (c.method === 'sendMessageDraft' ? error : undefined) });
      await deliver(h, updates.text(QUESTION));
      expect(h.sent('sendMessageDraft')).toHaveLength(1); // tried once, then no more
      const messages = h.sent('sendMessage');
      expect(messages).toHaveLength(1);
      expect(String(messages[0]!.payload.text)).toContain(escapeHtml(S1));
    }
  });

  it('a follow-up gives the engine the earlier answer the asker read', async () => {
    const engine = new FakeEngine({ chunks: CHUNKS, answer: (q) => generated(q) });
    const h = createHarness({ engine });
    await deliver(h, updates.text(QUESTION));
    const answer = h.botMessage(h.sent('sendMessage')[0]!);
    await deliver(h, updates.text('ومتى قال ذلك؟', { replyTo: answer }));
    expect(engine.calls[1]!.context).toMatchObject({ previousQuestion: QUESTION, previousAnswer: FINAL });
  });
});

describe('groups and inline mode: no drafts', () => {
  it('a group gets "typing…" and then the final answer, never a draft', async () => {
    const engine = new FakeEngine({ chunks: CHUNKS, drafts: [S1, FINAL], between: wait(400), answer: (q) => generated(q) });
    const h = createHarness({ engine });
    await deliver(h, updates.text(`/ask ${QUESTION}`, { chat: GROUP }));
    expect(engine.calls[0]!.context?.onDraft).toBeUndefined();
    expect(h.sent('sendMessageDraft')).toHaveLength(0);
    const typing = h.sent('sendChatAction');
    expect(typing[0]?.payload).toMatchObject({ chat_id: GROUP.id, action: 'typing' });
    const messages = h.sent('sendMessage');
    expect(messages).toHaveLength(1);
    expect(h.calls.indexOf(typing[0]!)).toBeLessThan(h.calls.indexOf(messages[0]!));
    expect(String(messages[0]!.payload.text)).toContain(escapeHtml(S2));
  });

  it('an inline query is answered without streaming', async () => {
    const engine = new FakeEngine({ chunks: CHUNKS, answer: (q) => generated(q) });
    const h = createHarness({ engine });
    await deliver(h, updates.inline(QUESTION));
    expect(engine.calls[0]!.context?.onDraft).toBeUndefined();
    expect(h.sent('sendMessageDraft')).toHaveLength(0);
    expect(h.sent('answerInlineQuery')).toHaveLength(1);
  });
});

describe('what a generated answer shows', () => {
  it('a fallback answer (generation unavailable) is the quoted answer with the one-line note', async () => {
    const fallback = (q: string): Answer => {
      const quoted = makeAnswer(q, CHUNKS);
      return {
        ...quoted,
        answer: `${s.generationFallback}\n${quoted.answer}`,
        answerMode: 'extractive',
        generation: { model: 'fake-model', raw: '', dropped: [], fallback: 'timeout after 30000 ms', cached: false, firstTokenMs: null, totalMs: 30_000, checkMs: 0 },
      };
    };
    const engine = new FakeEngine({ chunks: CHUNKS, answer: fallback });
    const h = createHarness({ engine });
    await deliver(h, updates.text(QUESTION));
    const html = String(h.sent('sendMessage')[0]!.payload.text);
    assertBalanced(html);
    expect(html.split(escapeHtml(s.generationFallback))).toHaveLength(2); // exactly once
    expect(html).toContain(`${escapeHtml(A1)} [1]`);
    expect(html).not.toContain('timeout'); // the reason is for the log and ask --json
    // A refusal after a failed generation is a plain refusal.
    const refused = new FakeEngine({ chunks: [], answer: (q) => ({ ...fallback(q), ...makeAnswer(q, []), generation: fallback(q).generation }) });
    const h2 = createHarness({ engine: refused });
    await deliver(h2, updates.text(QUESTION));
    expect(String(h2.sent('sendMessage')[0]!.payload.text)).not.toContain(escapeHtml(s.generationFallback));
  });

  it("a source button under a generated answer shows first the sentences the answer relies on, then the passage with them in bold, all escaped", async () => {
    const engine = new FakeEngine({ chunks: CHUNKS, answer: (q) => generated(q) });
    const h = createHarness({ engine });
    await deliver(h, updates.text(QUESTION));
    const answer = h.botMessage(h.sent('sendMessage')[0]!);
    const source2 = callbackData(answer.reply_markup).filter((d) => d.startsWith('src:'))[1]!;
    const mark = h.mark();
    await deliver(h, updates.callback(source2, answer));
    const [view] = h.texts(mark);
    assertBalanced(view!);
    expect(view).toContain(s.sourceHeader(2));
    const header = view!.indexOf(escapeHtml(s.supportHeader));
    expect(header).toBeGreaterThan(-1);
    // The support sentence, escaped, under the heading and before the full passage…
    expect(view!.indexOf(`<blockquote>${escapeHtml(B2)}</blockquote>`)).toBeGreaterThan(header);
    // …and in bold inside the passage, whose other sentence is not.
    expect(view).toContain(`<b>${escapeHtml(B2)}</b>`);
    expect(view).not.toContain(`<b>${escapeHtml(B1)}</b>`);
    expect(view).not.toContain('<بين>');
    // Under a quoted answer the same button shows the passage alone.
    const plainEngine = new FakeEngine({ chunks: CHUNKS });
    const h2 = createHarness({ engine: plainEngine });
    await deliver(h2, updates.text(QUESTION));
    const quoted = h2.botMessage(h2.sent('sendMessage')[0]!);
    const mark2 = h2.mark();
    await deliver(h2, updates.callback(callbackData(quoted.reply_markup)[1]!, quoted));
    expect(h2.texts(mark2)[0]).not.toContain(escapeHtml(s.supportHeader));
  });

  it('a generated answer longer than a message is split, the buttons under the last part; rejected HTML is resent as plain text', async () => {
    const long = Array.from({ length: 60 }, () => S2).join(' ');
    const engine = new FakeEngine({ chunks: CHUNKS, answer: (q) => makeGeneratedAnswer(q, CHUNKS, long, SUPPORT) });
    const h = createHarness({ engine });
    await deliver(h, updates.text(QUESTION));
    const parts = h.sent('sendMessage');
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) expect(String(p.payload.text).length).toBeLessThanOrEqual(4096);
    expect(parts.at(-1)!.payload.reply_markup).toBeDefined();
    expect(parts[0]!.payload.reply_markup).toBeUndefined();

    let refused = false;
    const h2 = createHarness({
      engine: new FakeEngine({ chunks: CHUNKS, answer: (q) => generated(q) }),
      respond: (c) => {
        if (c.method !== 'sendMessage' || c.payload.parse_mode !== 'HTML' || refused) return undefined;
        refused = true;
        return { ok: false, error_code: 400, description: "Bad Request: can't parse entities: unsupported start tag" };
      },
    });
    await deliver(h2, updates.text(QUESTION));
    const sent = h2.sent('sendMessage');
    expect(sent).toHaveLength(2);
    expect(sent[1]!.payload.parse_mode).toBeUndefined();
    expect(String(sent[1]!.payload.text)).toContain(S2); // the raw text, «<بين>» included, as plain text
  });
});

describe('a source without a headline is named by its outlet and opening words', () => {
  it('on its button and in the source line (fixture chunks)', async () => {
    const engine = new FakeEngine({ chunks: CHUNKS, answer: (q) => generated(q) });
    const h = createHarness({ engine });
    await deliver(h, updates.text(QUESTION));
    const message = h.sent('sendMessage')[0]!;
    const labels = (message.payload.reply_markup.inline_keyboard as any[][]).flat().map((b) => String(b.text));
    const label = labels.find((l) => l.startsWith('[2]'))!;
    expect(label.startsWith('[2] الديار: أكد وزير الخارجية الصيني')).toBe(true);
    expect(label.endsWith('…')).toBe(true);
    expect(label.length).toBeLessThanOrEqual(4 + 40);
    for (const l of labels) expect(l).not.toMatch(/\.txt/);
    expect(String(message.payload.text)).toContain(escapeHtml('«أكد وزير الخارجية الصيني'));
    expect(String(message.payload.text)).not.toMatch(/\.txt/);
    // Inline alternatives («from source [n] only») are titled the same way.
    const quoted = createHarness({ engine: new FakeEngine({ chunks: CHUNKS }) });
    await deliver(quoted, updates.inline(QUESTION));
    const titles = (quoted.sent('answerInlineQuery')[0]!.payload.results as any[]).map((r) => String(r.title));
    expect(titles.some((title) => title.startsWith(`${s.inlineOneSource(2)}: الديار: أكد وزير الخارجية الصيني`))).toBe(true);
    for (const title of titles) expect(title).not.toContain('.txt');
  });

  it('over the five articles: article 004 (no headline) is «الديار: …» on its button, not 004_33a37189b7051aed.txt', async () => {
    vi.useRealTimers();
    const te = await createTestEngine();
    try {
      const h = createHarness({ engine: te.engine });
      await h.send(updates.text('ماذا قال وانغ يي عن الهيمنة؟'));
      const message = h.sent('sendMessage')[0]!;
      const labels = (message.payload.reply_markup.inline_keyboard as any[][]).flat().map((b) => String(b.text));
      expect(labels.some((l) => /^\[\d\] الديار: أكد وزير الخارجية الصيني/.test(l))).toBe(true);
      for (const l of labels) expect(l).not.toContain('004_33a37189b7051aed');
      expect(String(message.payload.text)).not.toContain('004_33a37189b7051aed');
      // The passage view names it the same way (its file name stays, as the reference under the passage).
      const data = callbackData(message.payload.reply_markup).find((d) => d.startsWith('src:004_'))!;
      const mark = h.mark();
      await h.send(updates.callback(data, h.botMessage(message)));
      const view = h.texts(mark)[0]!;
      expect(view).toContain(escapeHtml('«أكد وزير الخارجية الصيني'));
      // /sources lists it by its opening words too.
      const mark2 = h.mark();
      await h.send(updates.text('/sources'));
      const list = h.texts(mark2)[0]!;
      expect(list).toContain(escapeHtml('«أكد وزير الخارجية الصيني'));
      expect(list).not.toContain(t('ar').untitled);
    } finally {
      await te.cleanup();
    }
  });
});

describe('end to end: withGeneration over the five articles and the FIXTURE fake model server', () => {
  let te: Awaited<ReturnType<typeof createTestEngine>>;
  let fake: FakeLlm;
  beforeAll(async () => {
    te = await createTestEngine();
    fake = await startFakeLlm();
  });
  afterAll(async () => {
    await fake?.close();
    await te?.cleanup();
  });
  beforeEach(() => {
    vi.useRealTimers();
  });

  const generative = (scenario: Scenario) => {
    fake.use(scenario);
    const log = silentLogger();
    const client = createLlmClient({ baseUrl: fake.baseUrl, model: 'fake-model', apiKey: null, timeoutMs: 10_000, maxConcurrency: 2, maxRetries: 0 }, log);
    return withGeneration(te.engine, { client, log, model: 'fake-model', checker: check, cacheSize: 0 });
  };
  /** A sentence's words without its [n] (the final answer renumbers the sources it keeps). */
  const bare = (text: string) => text.replace(/\s*\[\d+\]/g, '').replace(/\s+/g, ' ').trim();

  it('a streamed answer: the placeholder, then drafts whose every sentence the final message holds', async () => {
    const h = createHarness({ engine: generative(scenarios.slow(15)) });
    await h.send(updates.text('ما التعاون بين الصين وروسيا؟'));
    const texts = draftTexts(h);
    expect(texts[0]).toBe(s.draftPlaceholder);
    expect(texts.length).toBeGreaterThan(1);
    const messages = h.sent('sendMessage');
    expect(messages).toHaveLength(1);
    const plain = bare(htmlToPlain(String(messages[0]!.payload.text)));
    for (const text of texts.slice(1)) for (const sentence of draftSentences(text)) expect(plain).toContain(bare(sentence));
    expect(String(messages[0]!.payload.text)).not.toContain(escapeHtml(s.generationFallback));
  });

  it('a claim with a number no source holds is in no draft and not in the answer', async () => {
    // Streamed slowly, so the faithful first sentence is drafted while the second is generated.
    const slowly: Scenario = (r, i) => ({ ...(scenarios.wrongNumber()(r, i) as Extract<ReturnType<Scenario>, { kind: 'answer' }>), delayMs: 40 });
    const h = createHarness({ engine: generative(slowly) });
    await h.send(updates.text('ما التعاون بين الصين وروسيا؟'));
    const texts = draftTexts(h);
    expect(texts.length).toBeGreaterThan(1);
    for (const text of texts) expect(text).not.toContain('4817');
    const html = String(h.sent('sendMessage')[0]!.payload.text);
    expect(html).not.toContain('4817');
    expect(html).toMatch(/\[1\]/);
  });

  it('a model that fails (500) gives the quoted answer with the note; no draft but the placeholder', async () => {
    const h = createHarness({ engine: generative(scenarios.serverError()) });
    await h.send(updates.text('ما التعاون بين الصين وروسيا؟'));
    for (const text of draftTexts(h)) expect(text).toBe(s.draftPlaceholder);
    const html = String(h.sent('sendMessage')[0]!.payload.text);
    assertBalanced(html);
    expect(html).toContain(escapeHtml(s.generationFallback));
    expect(html).toMatch(/\[1\]/);
  });
});
