/** Wall time per pipeline stage, and what each stage took from the artefact cache (`nixwrt build --timings`, `--json`). */
export interface StageTiming {
  stage: string;
  ms: number;
  /** Artefact cache use during this stage, when it used the cache at all. */
  cache?: StageCache;
}

export interface StageCache {
  hits: number;
  misses: number;
  damaged: number;
  puts: number;
}

export class StageTimer {
  readonly stages: StageTiming[] = [];

  /** `cacheStats` reads the cache's running totals; each stage gets the difference. */
  constructor(private readonly cacheStats?: () => StageCache) {}

  async time<T>(stage: string, fn: () => Promise<T> | T): Promise<T> {
    const start = performance.now();
    const before = this.cacheStats && { ...this.cacheStats() };
    try {
      return await fn();
    } finally {
      const t: StageTiming = { stage, ms: Math.round((performance.now() - start) * 10) / 10 };
      if (before) {
        const now = this.cacheStats!();
        const d = { hits: now.hits - before.hits, misses: now.misses - before.misses, damaged: now.damaged - before.damaged, puts: now.puts - before.puts };
        if (d.hits + d.misses + d.damaged + d.puts > 0) t.cache = d;
      }
      this.stages.push(t);
    }
  }
}
