/** The squashfs reader: open, walk every entry, read every file and every entry's xattrs. */
import { openSquashfs } from '../../../src/squashfs/index.js';
import type { FuzzTarget } from '../target.js';
import { squashfsSeeds } from './squashfs-images.js';

const target: FuzzTarget = {
  seeds: squashfsSeeds,
  async run(bytes) {
    const img = await openSquashfs(bytes);
    try {
      for (const { inode } of img.walk()) {
        if (inode.kind === 'file') img.readFile(inode);
        img.xattrs(inode);
      }
    } finally {
      img.close();
    }
  },
};
export default target;
