/**
 * End to end over real HTTP on 127.0.0.1, through the product's own entry points run as child
 * processes: `npm run ingest -- --url` against a real published page (CNN Arabic, from
 * tests/fixtures/intake/pages, see its README for the source and licence) served by the FIXTURE
 * web server; `npm run ingest -- --feeds` against a fixture RSS feed; then `npm start` without a
 * token (the console chat), whose feed poller and corpus watcher make a feed item and a file
 * dropped into the folder answerable while it runs; and `/add` to the bot run by `runBot` (long
 * polling) against the telegram-test-api emulator playing the Bot API on 127.0.0.1.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The package's main entry is `module.exports = TelegramServer`; the named class is typed and importable here.
import { TelegramServer } from 'telegram-test-api/lib/telegramServer.js';
import { createBot } from '../src/bot/create-bot.js';
import { createMemoryFeedbackSink } from '../src/bot/feedback.js';
import { htmlToPlain } from '../src/bot/format.js';
import { runBot } from '../src/bot/run.js';
import { safeFetch } from '../src/intake/fetch.js';
import { IntakeService } from '../src/intake/service.js';
import { silentLogger } from '../src/log.js';
import { ADMIN, botConfig } from './helpers/bot-harness.js';
import { createTestEngine, REPO_CORPUS } from './helpers/engine.js';
import { bodyOf, newsPage, OTHER_POST, rssFeed, WIRE_POST } from './helpers/intake-fixtures.js';
import { page, startWebServer, type WebServer } from './helpers/web-server.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CNN = fs.readFileSync(path.join(ROOT, 'tests/fixtures/intake/pages/02_arabic.cnn.com_2013_syria-clashes.html'));

let web: WebServer;
let tmp: string;
beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'intake-e2e-'));
  web = await startWebServer({
    '/cnn/syria.clashes': page(CNN, 'text/html'),
    '/news/books': page(newsPage({ title: 'معرض الكتاب في عمّان', outlet: 'صحيفة الرأي', date: '2026-11-30', paragraphs: bodyOf(OTHER_POST) })),
  });
  web.route(
    '/feed.xml',
    page(
      rssFeed('صحيفة الفيد', [
        { guid: 'books', link: web.url('/news/books'), title: 'معرض الكتاب في عمّان', date: '2026-11-30T08:00:00Z' },
        { guid: 'gone', link: web.url('/news/gone'), title: 'خبر محذوف', date: '2026-11-29T08:00:00Z' },
      ]),
      'application/rss+xml',
    ),
  );
});
afterAll(async () => {
  await web?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** A fresh corpus (a copy of the five test articles) and index folder. */
function folders(): { CORPUS_DIR: string; INDEX_DIR: string } {
  const dir = fs.mkdtempSync(path.join(tmp, 'run-'));
  fs.cpSync(REPO_CORPUS, path.join(dir, 'corpus'), { recursive: true });
  return { CORPUS_DIR: path.join(dir, 'corpus'), INDEX_DIR: path.join(dir, 'index') };
}

function env(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH!, HOME: os.tmpdir(), EMBEDDING_MODEL: 'none', LOG_LEVEL: 'warn', FETCH_ALLOW_PRIVATE: 'true', TELEGRAM_BOT_TOKEN: '', ...extra };
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a CLI entry point as a child process (asynchronously: the fixture server lives in this process). */
function cli(script: string, args: string[], extra: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli', script), ...args], { cwd: ROOT, env: env(extra) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

const ingest = (args: string[], extra: Record<string, string>) => cli('ingest.ts', args, extra);

describe('npm run ingest -- --url', () => {
  it('adds a real page: prints headline, outlet, date and chunks, exit 0; the answer cites it with its address', async () => {
    const dirs = folders();
    const r = await ingest(['--url', web.url('/cnn/syria.clashes')], dirs);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('headline: معارضون يسيطرون على مخازن للصواريخ بريف دمشق');
    expect(r.stdout).toMatch(/^outlet: \S/m);
    expect(r.stdout).toMatch(/^date: /m);
    expect(r.stdout).toMatch(/^chunks: [1-9]/m);
    const file = /^added: (\S+)/m.exec(r.stdout)![1]!;
    expect(fs.existsSync(path.join(dirs.CORPUS_DIR, file))).toBe(true);

    const ask = await cli('ask.ts', ['--json', 'من سيطر على مخازن الصواريخ في ريف دمشق؟'], dirs);
    expect(ask.status, ask.stderr).toBe(0);
    const answer = JSON.parse(ask.stdout);
    const cited = answer.citations.find((c: { file: string }) => c.file === file);
    expect(cited, ask.stdout).toBeDefined();
    // The page names arabic.cnn.com as its canonical address, but it was fetched from another site
    // (the local server): a canonical on another site is not believed, the fetched address is kept.
    expect(cited.url).toBe(web.url('/cnn/syria.clashes'));

    // The same page again: nothing added, exit non-zero, the reason names the article.
    const again = await ingest(['--url', web.url('/cnn/syria.clashes')], dirs);
    expect(again.status).not.toBe(0);
    expect(again.stderr).toContain(`duplicate (same address) of ${file}`);
  }, 240_000);

  it('exits non-zero with the reason: HTTP 404, a refused private address, no address', async () => {
    const dirs = folders();
    const missing = await ingest(['--url', web.url('/nothing-here')], dirs);
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toMatch(/not added: .*404/);
    const refused = await ingest(['--url', web.url('/news/books')], { ...dirs, FETCH_ALLOW_PRIVATE: 'false' });
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/FETCH_ALLOW_PRIVATE=true/);
    expect(web.count('/news/books')).toBe(0);
    const none = await ingest(['--url'], dirs);
    expect(none.status).not.toBe(0);
    expect(none.stderr).toMatch(/--url needs an address/);
    expect(fs.readdirSync(dirs.CORPUS_DIR)).toHaveLength(5);
  }, 240_000);
});

describe('npm run ingest -- --feeds', () => {
  it('polls every feed once: prints what was added and what failed', async () => {
    const dirs = folders();
    const r = await ingest(['--feeds'], { ...dirs, FEEDS: `${web.url('/feed.xml')},${web.url('/missing-feed.xml')}` });
    expect(r.stdout).toMatch(/added \S+: «معرض الكتاب في عمّان» — صحيفة الرأي · 2026-11-30/);
    expect(r.stderr).toMatch(/news\/gone.*404/);
    expect(r.stderr).toMatch(/missing-feed\.xml: failed: .*404/);
    expect(r.stdout).toMatch(/feeds: 2 \(1 failed\); articles added: 1/);
    expect(r.status).not.toBe(0);
  }, 240_000);
});

describe('npm start (console chat) with live intake', () => {
  it('a feed item and a file dropped into the corpus folder become answerable while it runs; it stops cleanly', async () => {
    const dirs = folders();
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/main.ts')], {
      cwd: ROOT,
      env: env({ ...dirs, LOG_LEVEL: 'info', FEEDS: web.url('/feed.xml'), WATCH_CORPUS: 'true' }),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    const waitFor = async (probe: () => boolean, what: string) => {
      for (const deadline = Date.now() + 90_000; !probe(); ) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`timed out waiting for ${what}\n${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    try {
      await waitFor(() => stderr.includes('live intake running'), 'the intake to start');
      await waitFor(() => stderr.includes('article added'), 'the feed item to be added');
      fs.writeFileSync(path.join(dirs.CORPUS_DIR, 'dropped.txt'), WIRE_POST);
      await waitFor(() => /corpus folder changed.*dropped\.txt/.test(stderr), 'the watcher to pick the file up');
      child.stdin.write('من يشارك في معرض الكتاب في عمّان؟\n');
      await waitFor(() => (stdout.match(/المصادر/g) ?? []).length >= 1, 'the first answer');
      child.stdin.end('كم تنتج محطة تحلية المياه في صور يوميا؟\n');
      expect(await exited).toBe(0);
      const [first, second] = stdout.split(/\n\n(?=\S)/).filter((b) => b.includes('المصادر'));
      expect(first).toContain('معرض الكتاب في عمّان');
      expect(second).toContain('افتتاح محطة لتحلية مياه البحر في مدينة صور الساحلية');
      expect(stderr).toContain('engine closed');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 240_000);
});

describe('the bot over HTTP (telegram-test-api emulator)', () => {
  it('/add from an admin adds the page and says so; anyone else is refused without a fetch; /latest lists it first', async () => {
    const te = await createTestEngine();
    const server = new TelegramServer({ port: 0, host: '127.0.0.1', storeTimeout: 600 });
    const token = '987654323:e2eIntakeAAAAbbbbCCCCddddEEEE';
    const messages = (chatId: number) =>
      (server.storage.botMessages as unknown as Array<{ botToken: string; message: { chat_id: number | string; text: string } }>).filter(
        (m) => m.botToken === token && String(m.message.chat_id) === String(chatId),
      );
    const next = async (chatId: number, n: number) => {
      for (const deadline = Date.now() + 60_000; messages(chatId).length <= n; ) {
        if (Date.now() > deadline) throw new Error(`no bot message #${n + 1} in chat ${chatId}`);
        await new Promise((r) => setTimeout(r, 25));
      }
      return htmlToPlain(messages(chatId)[n]!.message.text);
    };
    await server.start();
    const intake = await IntakeService.open({
      corpusDir: te.corpusDir,
      engine: te.engine,
      fetch: safeFetch,
      log: silentLogger(),
      settings: { fetchAllowPrivate: true, fetchTimeoutMs: 5_000, fetchMaxBytes: 1024 * 1024 },
    });
    const bot = createBot(botConfig({ telegramToken: token, telegramApiRoot: server.config.apiURL }), { engine: te.engine, log: silentLogger(), feedback: createMemoryFeedbackSink(), intake });
    const handle = await runBot(bot, { webhookUrl: null, webhookSecret: null, webhookHost: '127.0.0.1', webhookPort: 0 }, silentLogger(), { registerCommands: false });
    try {
      const stranger = server.getClient(token, { userId: 21, chatId: 21 });
      const fetched = web.count('/news/books');
      await stranger.sendCommand(stranger.makeCommand(`/add ${web.url('/news/books')}`));
      expect(await next(21, 0)).toContain('للمشرفين فقط');
      expect(web.count('/news/books')).toBe(fetched);

      const admin = server.getClient(token, { userId: ADMIN.id, chatId: ADMIN.id });
      await admin.sendCommand(admin.makeCommand(`/add ${web.url('/news/books')}`));
      const reply = await next(ADMIN.id, 0);
      expect(reply).toContain('أُضيف المقال');
      expect(reply).toContain('العنوان: معرض الكتاب في عمّان');
      expect(reply).toContain('المصدر: صحيفة الرأي');
      expect(reply).toContain('التاريخ: 2026-11-30');
      expect(reply).toMatch(/المقاطع المفهرسة: [1-9]/);

      await stranger.sendCommand(stranger.makeCommand('/latest'));
      const latest = await next(21, 1);
      expect(latest.split('\n')[1]).toMatch(/^1\. معرض الكتاب في عمّان — صحيفة الرأي · 2026-11-30/);
    } finally {
      await handle.stop();
      await server.stop();
      await te.cleanup();
    }
  }, 240_000);
});
