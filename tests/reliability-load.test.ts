/**
 * Load, over the REAL engine (lexical, a temp copy of the test corpus):
 * - 1000 questions from 50 chats (private chats, groups with /ask, supergroups with mentions),
 *   all handed to the bot at once: exactly 1000 answers, none lost or duplicated, each the
 *   answer to its own question, in the order asked within each chat;
 * - 10,000 questions in a row in a child process run with --expose-gc
 *   (tests/fixtures/reliability/load-child.ts): every one answered once and in order, and
 *   memory after a full GC stays bounded (RSS and heap at start, middle and end are printed).
 * The rate limit is set high here: this measures throughput and bookkeeping, not the limiter.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Chat, User } from 'grammy/types';
import { renderAnswer } from '../src/bot/format.js';
import { t } from '../src/bot/i18n.js';
import { BOT_INFO, createHarness, updates } from './helpers/bot-harness.js';
import { createTestEngine, type TestEngine } from './helpers/engine.js';
import { capturingLog, checkCall } from './helpers/telegram-rules.js';
import type { Engine } from '../src/types.js';

const CHILD = fileURLToPath(new URL('./fixtures/reliability/load-child.ts', import.meta.url));

const QUESTIONS = [
  'ماذا قال شي عن العلاقات مع روسيا؟',
  'متى التقى بوتين بالرئيس الصيني؟',
  'ما موقف الصين من الأزمة الأوكرانية؟',
  'ماذا قال لافروف؟',
  'من هو ميشوستين؟',
  'التعاون الأمني بين البلدين',
  'يوم النصر في موسكو',
  'ما هو سعر النفط اليوم؟',
];

let te: TestEngine;
beforeAll(async () => {
  te = await createTestEngine();
});
afterAll(async () => {
  await te?.cleanup();
});

describe('load', () => {
  it('1000 questions from 50 chats at once: exactly 1000 answers, each its own, none lost or duplicated, in order per chat', async () => {
    const captured = capturingLog('warn');
    // Answers take a varying time (0-9 ms more than the engine needs), so a later question in a
    // chat would often finish first if the bot did not keep each chat in order.
    let seed = 42;
    const jitter = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 10;
    const engine: Engine = {
      ask: async (q, c) => {
        await new Promise((resolve) => setTimeout(resolve, jitter()));
        return te.engine.ask(q, c);
      },
      retrieve: (q, c) => te.engine.retrieve(q, c),
      info: () => te.engine.info(),
      chunk: (id) => te.engine.chunk(id),
      reindex: () => te.engine.reindex(),
      updateFiles: (files) => te.engine.updateFiles(files),
      close: async () => undefined,
    };
    const h = createHarness({ engine, log: captured.log, config: { rateLimitPerMinute: 10_000 } });
    const expected = new Map<string, string>();
    for (const q of QUESTIONS) {
      const answer = await te.engine.ask(q);
      expected.set(q, renderAnswer(answer, answer.lang, { chunk: (id) => te.engine.chunk(id) }));
    }

    // 30 private chats, 10 groups (/ask), 10 supergroups (mentions); 20 questions each.
    const chats: Array<{ chat: Chat; users: User[]; form: (q: string) => string }> = [];
    for (let i = 0; i < 50; i++) {
      const users = Array.from({ length: i < 30 ? 1 : 3 }, (_, k) => ({ id: 20_000 + i * 10 + k, is_bot: false, first_name: `u${i}.${k}`, language_code: 'ar' }) as User);
      if (i < 30) chats.push({ chat: { id: users[0]!.id, type: 'private', first_name: 'u' }, users, form: (q) => q });
      else if (i < 40) chats.push({ chat: { id: -7000 - i, type: 'group', title: `g${i}` }, users, form: (q) => `/ask ${q}` });
      else chats.push({ chat: { id: -1007000 - i, type: 'supergroup', title: `s${i}` }, users, form: (q) => `@${BOT_INFO.username} ${q}` });
    }
    const asked: Array<{ chatId: number; messageId: number; question: string }> = [];
    const batch = chats.flatMap(({ chat, users, form }, c) =>
      Array.from({ length: 20 }, (_, k) => {
        const question = QUESTIONS[(c + k) % QUESTIONS.length]!;
        const update = updates.text(form(question), { chat, from: users[k % users.length] });
        asked.push({ chatId: chat.id, messageId: (update.message as { message_id: number }).message_id, question });
        return update;
      }),
    );
    expect(batch).toHaveLength(1000);
    // Interleave the chats (as Telegram would deliver them), then hand everything over at once.
    const order = batch.map((_, i) => i).sort((a, b) => (a % 20) - (b % 20) || a - b);
    await Promise.all(order.map((i) => h.send(batch[i]!)));

    const replies = h.sent('sendMessage').filter((c) => c.payload.reply_parameters);
    for (const call of h.calls) checkCall(call);
    expect(replies).toHaveLength(1000);
    const byQuestion = new Map<number, string[]>();
    for (const r of replies) byQuestion.set(r.payload.reply_parameters.message_id, [...(byQuestion.get(r.payload.reply_parameters.message_id) ?? []), r.payload.text]);
    expect(byQuestion.size).toBe(1000); // none lost, none answered twice
    for (const a of asked) {
      expect(byQuestion.get(a.messageId), `question ${a.messageId}`).toEqual([expected.get(a.question)]);
    }
    // In each chat the answers go out in the order the questions were asked.
    for (const { chat } of chats) {
      const askedHere = asked.filter((a) => a.chatId === chat.id).map((a) => a.messageId);
      const answeredHere = replies.filter((r) => r.payload.chat_id === chat.id).map((r) => r.payload.reply_parameters.message_id);
      expect(answeredHere).toEqual(askedHere);
    }
    expect(replies.some((r) => r.payload.text === t('ar').error)).toBe(false);
    expect(captured.records()).toEqual([]);
    console.log(`load: 1000 questions from 50 chats → ${replies.length} answers, ${1000 - byQuestion.size} lost/duplicated`);
  });

  it('10,000 questions in a row: each answered once, in order; memory after GC stays bounded', async () => {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', CHILD, '10000'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => void (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => void (stderr += s));
    const killer = setTimeout(() => child.kill('SIGKILL'), 180_000);
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    clearTimeout(killer);
    expect(code, stderr).toBe(0);
    const r = JSON.parse(stdout.trim().split('\n').pop()!) as {
      questions: number; answers: number; passages: number; inlineAnswers: number; duplicates: number; outOfOrder: number; errors: number;
      rss: { start: number; middle: number; end: number }; heap: { start: number; middle: number; end: number }; seconds: number;
    };
    const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
    console.log(
      `load: ${r.questions} questions in a row → ${r.answers} answers (${r.passages} passages, ${r.inlineAnswers} inline answers), ${r.duplicates} duplicates, ` +
        `RSS ${mb(r.rss.start)} → ${mb(r.rss.middle)} → ${mb(r.rss.end)}, heap ${mb(r.heap.start)} → ${mb(r.heap.middle)} → ${mb(r.heap.end)}, ${r.seconds.toFixed(1)} s`,
    );
    expect(r.answers).toBe(10_000);
    expect(r.passages).toBe(1_000);
    expect(r.inlineAnswers).toBe(500);
    expect(r.duplicates).toBe(0);
    expect(r.outOfOrder).toBe(0);
    expect(r.errors).toBe(0);
    expect(r.rss.end - r.rss.start).toBeLessThan(100 * 1024 * 1024);
    expect(r.heap.end - r.heap.start).toBeLessThan(32 * 1024 * 1024);
    // What growth there is comes from the bot's bounded tables filling; over the last 5000
    // questions the heap barely moves (a leak of 1.6 KB per question would add 8 MB).
    expect(r.heap.end - r.heap.middle).toBeLessThan(8 * 1024 * 1024);
  }, 200_000);
});
