import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..', '..');
export const FIXTURES = join(ROOT, 'fixtures');
export const SEEDS = join(ROOT, 'test', 'fuzz', 'seeds');
