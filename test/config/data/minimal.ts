import { defineConfig, override } from '../../../src/config/types.js';

export default defineConfig({
  device: 'qemu-malta',
  hostname: 'tsbox',
  lock: 'lock.json',
  modules: [{ name: 'base', options: { rootPasswordHash: override('') } }],
});
