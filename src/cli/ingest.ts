/**
 * `npm run ingest [-- --force]`: brings embeddings/ up to date with corpus/ (only what changed
 * is re-embedded; --force rebuilds everything), with a progress bar while embedding and a
 * summary at the end.
 *
 * `npm run ingest -- --url <url>`: fetches the page, extracts its article into corpus/ and
 * indexes it; prints its headline, outlet, date and chunks on stdout and exits 0, or prints why
 * nothing was added (duplicate of which article, no article, refused address, HTTP 404…) on
 * stderr and exits 2.
 *
 * `npm run ingest -- --feeds`: polls every feed in FEEDS once, prints what was added and what
 * failed; exits 0 when every feed could be read, 2 otherwise.
 */
import cliProgress from 'cli-progress';
import { loadConfig, type Config } from '../config.js';
import { loadEmbedder } from '../embed.js';
import { openEngine } from '../engine.js';
import { syncIndex } from '../indexing.js';
import { safeFetch } from '../intake/fetch.js';
import { feedPollerFor } from '../intake/poller.js';
import { describeResult, IntakeService, pollerOutcome } from '../intake/service.js';
import type { Logger } from '../log.js';
import { cliLogger, runCli } from './setup.js';

/** Exit code when nothing was added (a duplicate, a refusal, a failed feed). */
const NOTHING_ADDED = 2;

/** The value after `--name`, or null. */
function option(name: string): string | null {
  const at = process.argv.indexOf(name);
  if (at < 0) return null;
  const value = process.argv[at + 1];
  return value && !value.startsWith('--') ? value : '';
}

runCli(async () => {
  const config = loadConfig();
  const log = cliLogger(config);
  const url = option('--url');
  if (url !== null) return addUrl(config, log, url);
  if (process.argv.includes('--feeds')) return pollFeeds(config, log);
  return syncCorpus(config, log);
});

/** Settings → engine → intake service over the corpus folder. */
async function openIntake(config: Config, log: Logger) {
  const { embedder, error } = await loadEmbedder(config, log);
  const engine = await openEngine({ corpusDir: config.corpusDir, indexDir: config.indexDir, embedder, modelError: error, log });
  const service = await IntakeService.open({ corpusDir: config.corpusDir, engine, fetch: safeFetch, log, settings: config });
  return { engine, service };
}

async function addUrl(config: Config, log: Logger, url: string): Promise<number> {
  if (!url) {
    process.stderr.write('error: --url needs an address, e.g. npm run ingest -- --url https://example.org/news/1\n');
    return 1;
  }
  const { engine, service } = await openIntake(config, log);
  try {
    const result = await service.addUrl(url);
    if (result.status === 'added' || result.status === 'updated') {
      process.stdout.write(
        [
          `${result.status}: ${result.file}`,
          `headline: ${result.title ?? '(none)'}`,
          `outlet: ${result.outlet ?? '(unknown)'}`,
          `date: ${result.date ?? '(undated)'}`,
          `url: ${result.url ?? '(none)'}`,
          `chunks: ${result.chunks}`,
          ...(result.alsoOf ? [`near-duplicate of: ${result.alsoOf.file} (similarity ${result.alsoOf.similarity.toFixed(2)}): indexed once, shown as «also published by»`] : []),
        ].join('\n') + '\n',
      );
      return 0;
    }
    process.stderr.write(`${describeResult(result)}\n`);
    return NOTHING_ADDED;
  } finally {
    await engine.close();
  }
}

async function pollFeeds(config: Config, log: Logger): Promise<number> {
  if (config.feeds.length === 0) {
    process.stderr.write('error: FEEDS is empty: set FEEDS to a comma-separated list of RSS/Atom feed URLs.\n');
    return 1;
  }
  const { engine, service } = await openIntake(config, log);
  try {
    const added: string[] = [];
    const poller = feedPollerFor(
      config,
      async (item, feed) => {
        const result = await service.addFeedItem(item, feed);
        const line = `${feed.url}: ${describeResult(result)}`;
        if (result.status === 'added' || result.status === 'updated') added.push(line);
        else process.stderr.write(`${line}\n`);
        return pollerOutcome(result, item.link ?? item.id);
      },
      log,
    );
    const report = await poller.pollOnce();
    for (const line of added) process.stdout.write(`${line}\n`);
    const failed = report.feeds.filter((f) => f.error);
    for (const f of failed) process.stderr.write(`${f.url}: failed: ${f.error}\n`);
    process.stdout.write(`feeds: ${report.feeds.length} (${failed.length} failed); articles added: ${added.length}\n`);
    return failed.length ? NOTHING_ADDED : 0;
  } finally {
    await engine.close();
  }
}

async function syncCorpus(config: Config, log: Logger): Promise<void> {
  const force = process.argv.includes('--force');
  const { embedder } = await loadEmbedder(config, log);
  const bar = new cliProgress.SingleBar(
    { format: 'embedding {bar} {value}/{total} chunks | {eta_formatted} left', stream: process.stderr, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  const { changes, index } = await syncIndex({
    corpusDir: config.corpusDir,
    indexDir: config.indexDir,
    embedder,
    log,
    force,
    onProgress: (done, total) => {
      if (!started) {
        bar.start(total, 0);
        started = true;
      }
      bar.update(done);
    },
  });
  if (started) bar.stop();
  process.stderr.write(
    [
      `corpus: ${config.corpusDir}`,
      `index:  ${config.indexDir} (${changes.rebuilt ? 'rebuilt' : 'updated'}; ${embedder ? `model ${embedder.modelId}` : 'lexical only, no embedding model'})`,
      `articles: ${Object.keys(index.manifest.files).length} (${changes.added.length} added, ${changes.changed.length} changed, ${changes.removed.length} removed)`,
      `chunks: ${changes.chunks}`,
      `skipped files: ${changes.skipped.length}${changes.skipped.map((s) => `\n  - ${s.file}: ${s.reason}`).join('')}`,
      `seconds: ${changes.seconds.toFixed(2)}`,
    ].join('\n') + '\n',
  );
  await embedder?.close();
}
