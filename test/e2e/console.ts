import type { ChildProcess } from 'node:child_process';
import { slow } from '../helpers/slack.js';

/**
 * A serial console driven from a test: collects output, waits for patterns, runs shell
 * commands between markers that the echoed command line cannot match.
 */
export class Console {
  text = '';
  private waiters: Array<() => void> = [];
  private n = 0;

  constructor(private readonly child: ChildProcess) {
    child.stdout!.on('data', (d: Buffer) => {
      this.text += d.toString('latin1');
      for (const w of this.waiters.splice(0)) w();
    });
  }

  send(s: string): void {
    this.child.stdin!.write(s);
  }

  /** Waits up to `ms` (scaled by the machine's load, as test timeouts are) for `re`. */
  async waitFor(re: RegExp, ms: number, from = 0): Promise<RegExpExecArray> {
    const deadline = Date.now() + slow(ms);
    for (;;) {
      const m = re.exec(this.text.slice(from));
      if (m) return m;
      if (this.child.exitCode !== null) throw new Error(`QEMU exited (${this.child.exitCode}) before ${re}; console:\n${this.text.slice(-3000)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${re}; console:\n${this.text.slice(-3000)}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.min(left, 500));
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  /**
   * Run a shell command on the console and return its output. Daemons and the kernel write
   * to the same console, so every output line is prefixed and only prefixed lines are kept.
   */
  async run(cmd: string, ms = 20_000): Promise<string> {
    const id = ++this.n;
    const from = this.text.length;
    // "B""1" is echoed as typed but printed as B1: the markers only match real output.
    this.send(`echo "@@B""${id}@@"; { ${cmd}; } 2>&1 | sed 's/^/@@|/'; echo "@@E""${id}@@"\n`);
    const m = await this.waitFor(new RegExp(`@@B${id}@@\\r?\\n([\\s\\S]*?)@@E${id}@@`), ms, from);
    return m[1]!
      .replace(/\r/g, '')
      .split('\n')
      .filter((l) => l.startsWith('@@|'))
      .map((l) => `${l.slice(3)}\n`)
      .join('');
  }
}
