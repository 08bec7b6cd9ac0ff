/**
 * Measurement helpers for the bench: percentiles, the machine's description, and how busy the
 * machine was with other work while a section ran (a shared 2-core machine makes that matter:
 * figures taken while other processes ran are reported with the share they took).
 */
import fs from 'node:fs';
import os from 'node:os';

/** Nearest-rank percentile (p in 0..100) of unsorted values; NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export interface Distribution {
  n: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  mean_ms: number;
  max_ms: number;
}

export function distribution(values: readonly number[]): Distribution {
  const mean = values.reduce((a, b) => a + b, 0) / (values.length || 1);
  return {
    n: values.length,
    p50_ms: round(percentile(values, 50)),
    p95_ms: round(percentile(values, 95)),
    p99_ms: round(percentile(values, 99)),
    mean_ms: round(mean),
    max_ms: round(values.length ? Math.max(...values) : NaN),
  };
}

export function round(x: number, digits = 3): number {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export const mb = (bytes: number) => round(bytes / (1024 * 1024), 1);

export interface Machine {
  cpus: number;
  cpu_model: string;
  memory_gb: number;
  os: string;
  node: string;
  hostname_hash: string;
}

export function machine(): Machine {
  const cpus = os.cpus();
  let h = 0;
  for (const c of os.hostname()) h = (Math.imul(h, 31) + c.charCodeAt(0)) >>> 0;
  return {
    cpus: cpus.length,
    cpu_model: cpus[0]?.model.trim() ?? 'unknown',
    memory_gb: round(os.totalmem() / 1024 ** 3, 1),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    hostname_hash: h.toString(16),
  };
}

/** Jiffies of the whole machine (busy, total) from /proc/stat; null where there is none. */
function machineTicks(): { busy: number; total: number } | null {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = (f[3] ?? 0) + (f[4] ?? 0);
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

/** Jiffies this process and its waited-for children used (utime+stime+cutime+cstime). */
function ownTicks(): number | null {
  try {
    const stat = fs.readFileSync('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  } catch {
    return null;
  }
}

/**
 * Measures, between `start` and `stop`, the share of the machine's CPU capacity used by
 * processes other than this one and its children. On a 2-core machine, 0.5 means another
 * process kept one core busy the whole time.
 */
export class Contention {
  private machine0 = machineTicks();
  private own0 = ownTicks();
  private extra = 0;
  /** Ticks of children we measured ourselves but the kernel does not count as ours (still running). */
  addOwn(ticks: number): void {
    this.extra += ticks;
  }
  stop(): number | null {
    const m = machineTicks();
    const o = ownTicks();
    if (!m || !this.machine0 || o === null || this.own0 === null) return null;
    const total = m.total - this.machine0.total;
    if (total <= 0) return 0;
    const others = m.busy - this.machine0.busy - (o - this.own0) - this.extra;
    return round(Math.max(0, others / total), 3);
  }
}

/** Timing helper: `const t = timer(); …; t()` → milliseconds. */
export function timer(): () => number {
  const start = performance.now();
  return () => performance.now() - start;
}

/** Resident set size now, and the peak so far (kernel's VmHWM), in MB. */
export function rss(): { rss_mb: number; peak_rss_mb: number } {
  const now = process.memoryUsage().rss;
  let peak = process.resourceUsage().maxRSS * 1024;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (m) peak = Number(m[1]) * 1024;
  } catch {
    // not Linux: resourceUsage's figure stands
  }
  return { rss_mb: mb(now), peak_rss_mb: mb(peak) };
}

/** Bytes of every file under a folder. */
export function folderBytes(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = `${dir}/${entry.name}`;
    if (entry.isDirectory()) total += folderBytes(full);
    else if (entry.isFile()) total += fs.statSync(full).size;
  }
  return total;
}
