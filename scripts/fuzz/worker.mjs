// Worker bootstrap, plain JS so it loads the same way under node, tsx and vitest: registers
// tsx's loader in this thread, then loads the TypeScript worker body.
import { register } from 'tsx/esm/api';

register();
await import('./worker-body.ts');
