/**
 * The console chat (`npm start` without a token) in process: questions line by line from a
 * stream, answers and commands written back as plain text, follow-ups with «+».
 */
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runConsoleChat } from '../src/cli/chat.js';
import type { AskContext, Engine } from '../src/types.js';
import { createTestEngine, type TestEngine } from './helpers/engine.js';

let te: TestEngine;
beforeAll(async () => {
  te = await createTestEngine();
});
afterAll(async () => {
  await te.cleanup();
});

/** Runs the chat over `lines`; returns what it wrote and what the engine was asked. */
async function chat(lines: string[]): Promise<{ output: string; asked: Array<{ question: string; context: AskContext }> }> {
  const asked: Array<{ question: string; context: AskContext }> = [];
  const engine: Engine = {
    ...te.engine,
    info: () => te.engine.info(),
    ask: (question, context = {}) => {
      asked.push({ question, context });
      return te.engine.ask(question, context);
    },
  };
  const input = new PassThrough();
  const output = new PassThrough();
  let written = '';
  output.on('data', (d: Buffer) => (written += d.toString('utf8')));
  input.end(lines.map((l) => `${l}\n`).join(''));
  await runConsoleChat({ engine, input, output });
  return { output: written, asked };
}

describe('console chat', () => {
  it('answers each line with quotes and sources, and ends at EOF', async () => {
    const { output, asked } = await chat(['من هو المتحدث باسم الكرملين؟', '', '/sources']);
    expect(asked).toEqual([{ question: 'من هو المتحدث باسم الكرملين؟', context: {} }]);
    expect(output).toContain('بيسكوف');
    expect(output).toMatch(/\[1\]/);
    for (const a of te.engine.info().articles) expect(output).toContain(a.file);
  });

  it('/latest lists the newest articles first, as the bot does, and asks the engine nothing', async () => {
    const { output, asked } = await chat(['/latest']);
    expect(asked).toEqual([]);
    const lines = output.trim().split('\n');
    lines.splice(0, lines.indexOf('أحدث المقالات (5)'));
    expect(lines[0]).toBe('أحدث المقالات (5)');
    expect(lines).toHaveLength(6);
    const dates = lines.slice(1).map((l) => /(\d{4}-\d{2}-\d{2})/.exec(l)?.[1] ?? '');
    expect(dates[0]).toBe('2025-11-03');
    expect(dates.filter(Boolean)).toEqual([...dates.filter(Boolean)].sort().reverse());
  });

  it('a line starting with «+» follows up on the previous question; other lines stand alone', async () => {
    const { output, asked } = await chat([
      'من هو المتحدث باسم الكرملين؟',
      '+ وماذا قال عن الزيارة؟',
      '+ ومتى قال ذلك؟',
      'ما هو خط قوة سيبيريا؟',
    ]);
    expect(asked.map((a) => a.context)).toEqual([
      {},
      { previousQuestion: 'من هو المتحدث باسم الكرملين؟' },
      // A follow-up of a follow-up carries the whole thread, as a reply to a reply does in Telegram.
      { previousQuestion: 'من هو المتحدث باسم الكرملين؟\nوماذا قال عن الزيارة؟' },
      {},
    ]);
    expect(asked[1]!.question).toBe('وماذا قال عن الزيارة؟');
    // The follow-up is answered from the Kremlin spokesman's words about the visit.
    expect(output).toMatch(/بيسكوف[^\n]*للزيارة/);
  });

  it('«+» with nothing after it, or before any question, is still handled', async () => {
    const { output, asked } = await chat(['+', '+ من هو المتحدث باسم الكرملين؟']);
    expect(output).toMatch(/\/sources/); // the help line
    expect(asked).toEqual([{ question: 'من هو المتحدث باسم الكرملين؟', context: {} }]);
  });
});
