/** The squashfs extractor, into a fresh directory under the temp dir (removed afterwards). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extractSquashfs, openSquashfs } from '../../../src/squashfs/index.js';
import type { FuzzTarget } from '../target.js';
import { squashfsSeeds } from './squashfs-images.js';

const target: FuzzTarget = {
  seeds: squashfsSeeds,
  async run(bytes) {
    const dir = mkdtempSync(join(tmpdir(), 'nixwrt-fuzz-x-'));
    try {
      const img = await openSquashfs(bytes);
      try {
        await extractSquashfs(img, join(dir, 'out'));
      } finally {
        img.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
export default target;
