/**
 * Preloaded (`node --import`) into processes the bench starts, to report their peak resident set
 * size when they exit: one JSON line on file descriptor 3 (a pipe the bench opened), or nothing
 * when there is no such descriptor.
 */
import fs from 'node:fs';

process.on('exit', () => {
  let peakKb = process.resourceUsage().maxRSS;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (m) peakKb = Number(m[1]);
  } catch {
    // resourceUsage's figure stands
  }
  try {
    fs.writeSync(3, `${JSON.stringify({ peak_rss_kb: peakKb, rss_kb: Math.round(process.memoryUsage().rss / 1024) })}\n`);
  } catch {
    // not started by the bench
  }
});
