/** Worker-thread entry: runs the binary-tree match finder over every position into the ring. */
import { workerData } from 'node:worker_threads';
import { BinTreeMatchFinder } from './match-finder.js';
import { CTRL_FAILED, CTRL_READ, CTRL_STARTED, CTRL_WRITE, PUBLISH_EVERY, type MatchFinderJob } from './match-ring.js';

const job = workerData as MatchFinderJob;
const ctrl = new Int32Array(job.ctrl);
try {
  const ring = new Int32Array(job.ring);
  const data = new Uint8Array(job.data, 0, job.length);
  const mf = new BinTreeMatchFinder(data, job.dictSize, job.niceLen, job.cutValue);
  const m = mf.matches;
  const size = job.ringInts;
  const mask = size - 1;
  const every = Math.min(PUBLISH_EVERY, size >>> 2);
  Atomics.store(ctrl, CTRL_STARTED, 1);
  Atomics.notify(ctrl, CTRL_WRITE);
  let w = 0;
  let published = 0;
  let read = 0;
  const publish = (): void => {
    Atomics.store(ctrl, CTRL_WRITE, w);
    Atomics.notify(ctrl, CTRL_WRITE);
    published = w;
  };
  for (let p = 0; p < data.length; p++) {
    const count = mf.find();
    const need = 1 + 2 * count;
    if (size - ((w - read) | 0) < need) {
      publish();
      read = Atomics.load(ctrl, CTRL_READ);
      while (size - ((w - read) | 0) < need) {
        Atomics.wait(ctrl, CTRL_READ, read, 100);
        read = Atomics.load(ctrl, CTRL_READ);
      }
    }
    ring[w & mask] = count;
    for (let i = 0; i < 2 * count; i++) ring[(w + 1 + i) & mask] = m[i]!;
    w = (w + need) | 0;
    if (((w - published) | 0) >= every) publish();
  }
  publish();
} catch (err) {
  Atomics.store(ctrl, CTRL_FAILED, 1);
  Atomics.notify(ctrl, CTRL_WRITE);
  throw err;
}
