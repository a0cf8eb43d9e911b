/**
 * The body of a fetch worker thread (see fetch-threads.ts): runs fetchVerifiedNar — the same
 * code and checks as on the main thread — for NARs the main thread has already found and
 * whose narinfo signature it has already verified. Loaded through fetch-thread-entry.cts.
 */
import { parentPort } from 'node:worker_threads';
import { fetchVerifiedNar } from './fetch.js';
import { openSubstituter, type HttpOptions } from './substituter/index.js';
import type { Substituter } from './substituter/types.js';
import { serializeError, type ThreadReply, type ThreadRequest } from './fetch-threads.js';

const port = parentPort;
if (!port) throw new Error('fetch-thread.js must run in a worker thread');

const subs = new Map<string, Substituter>();
const running = new Map<number, AbortController>();
const subFor = (url: string, httpOpts: HttpOptions): Substituter => {
  let s = subs.get(url);
  if (!s) subs.set(url, (s = openSubstituter(url, httpOpts)));
  return s;
};
const post = (m: ThreadReply): void => port.postMessage(m);

/** Progress is posted per MiB of NAR (and at the end), not per network chunk. */
const BYTES_STEP = 1 << 20;

async function run(req: Extract<ThreadRequest, { type: 'fetch' }>): Promise<void> {
  const ctl = new AbortController();
  running.set(req.id, ctl);
  let lastPosted = -BYTES_STEP;
  try {
    const cached = await fetchVerifiedNar(subFor(req.subUrl, req.httpOpts), req.info, req.narinfoText, {
      cacheDir: req.cacheDir,
      outDest: req.outDest,
      retry: req.retry,
      signal: ctl.signal,
      onBytes: req.wantBytes
        ? (fileBytes, narBytes) => {
            if (narBytes - lastPosted < BYTES_STEP && narBytes !== req.info.narSize) return;
            lastPosted = narBytes;
            post({ type: 'bytes', id: req.id, fileBytes, narBytes });
          }
        : undefined,
      onRetry: (attempt, err) => post({ type: 'retry', id: req.id, attempt, message: (err as Error).message }),
    });
    post({ type: 'done', id: req.id, cached });
  } catch (err) {
    post({ type: 'error', id: req.id, error: serializeError(err) });
  } finally {
    running.delete(req.id);
  }
}

port.on('message', (m: ThreadRequest) => {
  if (m.type === 'fetch') void run(m);
  else running.get(m.id)?.abort();
});
post({ type: 'ready' });
