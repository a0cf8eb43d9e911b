import { NixwrtError } from '../errors.js';

/** Stable names for every device-tree diagnostic; tests and users match on these. */
export type DtErrorCode =
  | 'syntax'
  | 'unterminated-string'
  | 'unterminated-comment'
  | 'unterminated-char'
  | 'bad-literal'
  | 'bad-escape'
  | 'undefined-label'
  | 'duplicate-label'
  | 'duplicate-node'
  | 'duplicate-property'
  | 'bad-node-name'
  | 'bad-property-name'
  | 'bad-phandle'
  | 'value-out-of-range'
  | 'division-by-zero'
  | 'missing-include'
  | 'include-cycle'
  | 'macro-recursion'
  | 'macro-args'
  | 'bad-directive'
  | 'unbalanced-conditional'
  | 'error-directive'
  | 'bad-dtb'
  | 'too-deep'
  | 'expansion-limit'
  | 'no-such-node';

/** Where in the original source a diagnostic points (1-based line and column). */
export interface SrcPos {
  file: string;
  line: number;
  col: number;
}

export function formatPos(pos: SrcPos): string {
  return `${pos.file}:${pos.line}:${pos.col}`;
}

/** Every device-tree error: message starts with file:line:col when a source position is known. */
export class DtError extends NixwrtError<DtErrorCode> {
  readonly pos: SrcPos | undefined;
  constructor(code: DtErrorCode, message: string, pos?: SrcPos) {
    super(code, pos ? `${formatPos(pos)}: ${message}` : message);
    this.pos = pos;
  }
}
