/** Wall time per pipeline stage (reported by `nixwrt build --json`; issue 8 adds --timings). */
export interface StageTiming {
  stage: string;
  ms: number;
}

export class StageTimer {
  readonly stages: StageTiming[] = [];

  async time<T>(stage: string, fn: () => Promise<T> | T): Promise<T> {
    const start = performance.now();
    try {
      return await fn();
    } finally {
      this.stages.push({ stage, ms: Math.round((performance.now() - start) * 10) / 10 });
    }
  }
}
