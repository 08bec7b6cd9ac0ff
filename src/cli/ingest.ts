/**
 * `npm run ingest [-- --force]`: brings embeddings/ up to date with corpus/ (only what changed
 * is re-embedded; --force rebuilds everything), with a progress bar while embedding and a
 * summary at the end.
 */
import cliProgress from 'cli-progress';
import { loadConfig } from '../config.js';
import { loadEmbedder } from '../embed.js';
import { syncIndex } from '../indexing.js';
import { cliLogger, runCli } from './setup.js';

runCli(async () => {
  const force = process.argv.includes('--force');
  const config = loadConfig();
  const log = cliLogger(config);
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
});
