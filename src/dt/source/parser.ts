/**
 * DTS parser: dtc 1.6.1's grammar as recursive descent. Top-level blocks are merged into the
 * tree as soon as they are parsed (so `&label { }` sees only what came before), exactly as
 * dtc's parser actions do.
 */
import { DtError, type DtErrorCode, type SrcPos } from '../errors.js';
import { DeviceTree, DtNode, DtProperty, MAX_NODE_DEPTH, addLabel, deleteNode, mergeNodes, nodeByRef, type Marker } from '../tree.js';
import { latin1 } from './escape.js';
import { Lexer, type Token, type TokKind } from './lexer.js';

const U64 = 0xffffffffffffffffn;

class ValueBuilder {
  bytes: number[] = [];
  markers: Marker[] = [];
  mark(kind: Marker['kind'], ref: string, pos?: SrcPos): void {
    this.markers.push({ kind, offset: this.bytes.length, ref, pos });
  }
  int(v: bigint, bits: number): void {
    for (let shift = bits - 8; shift >= 0; shift -= 8) this.bytes.push(Number((v >> BigInt(shift)) & 0xffn));
  }
}

export class Parser {
  private tok: Token;
  constructor(private lex: Lexer) {
    this.tok = lex.next();
  }

  private fail(msg: string, pos: SrcPos = this.tok.pos, code: DtErrorCode = 'syntax'): never {
    throw new DtError(code, msg, pos);
  }
  private describe(t: Token): string {
    switch (t.kind) {
      case 'eof':
        return 'end of input';
      case 'op':
        return `'${t.text}'`;
      case 'name':
        return `name '${t.text}'`;
      case 'label':
        return `label '${t.text}:'`;
      case 'literal':
        return `number ${t.text}`;
      default:
        return t.kind;
    }
  }
  private unexpected(want: string): never {
    this.fail(`syntax error: expected ${want}, found ${this.describe(this.tok)}`);
  }
  /** Current token kind (a method, so TypeScript does not narrow across advance()). */
  private k(): TokKind {
    return this.tok.kind;
  }
  private advance(): Token {
    const t = this.tok;
    this.tok = this.lex.next();
    return t;
  }
  private isOp(text: string): boolean {
    return this.k() === 'op' && this.tok.text === text;
  }
  private expectOp(text: string): Token {
    if (!this.isOp(text)) this.unexpected(`'${text}'`);
    return this.advance();
  }
  private isRef(): boolean {
    return this.k() === 'labelref' || this.k() === 'pathref';
  }

  /** sourcefile: headers memreserves devicetree */
  parseFile(): DeviceTree {
    const tree = new DeviceTree();
    let flags: string | undefined;
    if (this.k() !== 'v1') this.fail('missing /dts-v1/; at the start of the file (old dts-v0 syntax is not supported)');
    while (this.k() === 'v1') {
      const at = this.advance().pos;
      this.expectOp(';');
      let f = 'v1';
      if (this.k() === 'plugin') {
        this.advance();
        this.expectOp(';');
        f = 'plugin';
      }
      if (flags !== undefined && flags !== f) this.fail("header flags don't match earlier ones", at);
      flags = f;
    }
    tree.plugin = flags === 'plugin';
    for (;;) {
      let t = 0;
      while (this.k() === 'label') {
        this.advance();
        t++;
      }
      if (this.k() !== 'memreserve') {
        if (t > 0) this.unexpected('/memreserve/ after a label');
        break;
      }
      this.advance();
      const address = this.integerPrim();
      const size = this.integerPrim();
      this.expectOp(';');
      tree.memreserve.push({ address, size });
    }
    this.devicetree(tree);
    if (this.k() !== 'eof') this.unexpected('end of input');
    return tree;
  }

  private notFound(ref: string, pos: SrcPos): never {
    this.fail(`label or path ${ref} not found`, pos, 'undefined-label');
  }

  private devicetree(tree: DeviceTree): void {
    let first = true;
    for (;;) {
      const t = this.tok;
      if (this.isOp('/')) {
        this.advance();
        const node = this.nodedef('');
        if (first) {
          node.pos = t.pos;
          tree.root = node;
        } else mergeNodes(tree.root, node);
      } else if (first && this.isRef()) {
        this.advance();
        const body = this.nodedef('__overlay__');
        if (!tree.plugin) this.notFound(t.text, t.pos);
        addOrphan(tree, body, t.text);
      } else if (first) {
        this.unexpected("'/ {' (the root node)");
      } else if (t.kind === 'label' || this.isRef()) {
        let label: string | undefined;
        if (t.kind === 'label') {
          label = t.text;
          this.advance();
          if (!this.isRef()) this.unexpected('&reference after the label');
        }
        const ref = this.advance();
        const body = this.nodedef('');
        if (tree.plugin && label === undefined && ref.kind === 'pathref') {
          addOrphan(tree, body, ref.text);
        } else {
          const target = nodeByRef(tree.root, ref.text);
          if (target) {
            if (label !== undefined) addLabel(target.labels, label);
            mergeNodes(target, body);
          } else if (tree.plugin && label === undefined) {
            addOrphan(tree, body, ref.text);
          } else this.notFound(ref.text, ref.pos);
        }
      } else if (t.kind === 'delnode' || t.kind === 'omit') {
        this.advance();
        if (!this.isRef()) this.unexpected('&reference');
        const ref = this.advance();
        this.expectOp(';');
        const target = nodeByRef(tree.root, ref.text);
        if (!target) this.notFound(ref.text, ref.pos);
        if (t.kind === 'delnode') deleteNode(target);
        else target.omitIfUnused = true;
      } else if (t.kind === 'eof') {
        return;
      } else {
        this.unexpected("a node ('/ {' or '&label {')");
      }
      first = false;
    }
  }

  /**
   * nodedef: '{' proplist subnodes '}' ';' — with an explicit stack of open nodes rather
   * than recursion, so nesting as deep as dtc's parser takes (~3,300 levels) is fine.
   */
  private nodedef(name: string): DtNode {
    const open = this.expectOp('{');
    const top = new DtNode(name, open.pos);
    const stack: { node: DtNode; sawSubnode: boolean }[] = [{ node: top, sawSubnode: false }];
    for (;;) {
      const cur = stack[stack.length - 1]!;
      const node = cur.node;
      if (this.isOp('}')) {
        this.advance();
        this.expectOp(';');
        stack.pop();
        if (stack.length === 0) return top;
        continue;
      }
      const labels: Token[] = [];
      while (this.k() === 'label') labels.push(this.advance());
      const t = this.tok;
      if (t.kind === 'delprop') {
        if (cur.sawSubnode) this.fail('properties must precede subnodes');
        this.advance();
        if (this.k() !== 'name') this.unexpected('a property name');
        const name = this.advance().text;
        this.expectOp(';');
        const p = new DtProperty(name, new Uint8Array(0), t.pos);
        p.deleted = true;
        for (const l of labels.reverse()) addLabel(p.labels, l.text);
        node.props.push(p);
        continue;
      }
      if (t.kind === 'name') {
        this.advance();
        if (!this.isOp('{')) {
          if (cur.sawSubnode) this.fail('properties must precede subnodes', t.pos);
          let value = new ValueBuilder();
          if (this.isOp('=')) {
            this.advance();
            value = this.propdata();
          }
          this.expectOp(';');
          const p = new DtProperty(t.text, Uint8Array.from(value.bytes), t.pos);
          p.markers = value.markers;
          for (const l of labels.reverse()) addLabel(p.labels, l.text);
          node.props.push(p);
          continue;
        }
      } else if (t.kind !== 'delnode' && t.kind !== 'omit') {
        this.unexpected("a property, a subnode or '}'");
      }
      // a subnode: `name {`, `/delete-node/ name;` or `/omit-if-no-ref/ ...`
      const child = t.kind === 'name' ? new DtNode(t.text, t.pos) : this.subnodeHead();
      for (const l of labels.reverse()) addLabel(child.labels, l.text);
      node.addChild(child);
      cur.sawSubnode = true;
      if (!child.deleted) {
        if (stack.length >= MAX_NODE_DEPTH) this.fail(`nodes nested more than ${MAX_NODE_DEPTH} deep`, t.pos, 'too-deep');
        this.expectOp('{');
        stack.push({ node: child, sawSubnode: false });
      }
    }
  }

  /**
   * A subnode starting with /delete-node/ or /omit-if-no-ref/: returns the node, complete
   * when deleted (`/delete-node/ name;`), else named and flagged with its body still to read
   * (the current token is its '{').
   */
  private subnodeHead(): DtNode {
    let omit = false;
    const labels: Token[] = [];
    for (;;) {
      const t = this.tok;
      if (t.kind === 'omit') {
        this.advance();
        omit = true;
        while (this.k() === 'label') labels.push(this.advance());
        continue;
      }
      let child: DtNode;
      if (t.kind === 'delnode') {
        this.advance();
        if (this.k() !== 'name') this.unexpected('a node name');
        child = new DtNode(this.advance().text, t.pos);
        child.deleted = true;
        this.expectOp(';');
      } else if (t.kind === 'name') {
        this.advance();
        child = new DtNode(t.text, t.pos);
        if (!this.isOp('{')) this.unexpected("'{'");
      } else this.unexpected('a node name');
      child.omitIfUnused = omit;
      for (const l of labels.reverse()) addLabel(child.labels, l.text);
      return child;
    }
  }

  /** propdata: comma-separated strings, <cells>, [bytes], &refs, /incbin/, with labels. */
  private propdata(): ValueBuilder {
    const v = new ValueBuilder();
    for (;;) {
      while (this.k() === 'label') v.mark('label', this.advance().text);
      const t = this.tok;
      if (t.kind === 'string') {
        this.advance();
        // a loop, not push(...bytes): a spread of a long string overflows the call stack
        for (const b of t.bytes!) v.bytes.push(b);
        v.bytes.push(0);
      } else if (this.isOp('<') || t.kind === 'bits') {
        this.cells(v);
      } else if (this.isOp('[')) {
        this.advance();
        for (;;) {
          if (this.k() === 'byte') v.bytes.push(Number(this.advance().value));
          else if (this.k() === 'label') v.mark('label', this.advance().text);
          else break;
        }
        this.expectOp(']');
      } else if (this.isRef()) {
        this.advance();
        v.mark('path', t.text, t.pos);
      } else if (t.kind === 'incbin') {
        this.incbin(v);
      } else {
        this.unexpected('a property value (string, <cells>, [bytes] or &ref)');
      }
      while (this.k() === 'label') v.mark('label', this.advance().text);
      if (!this.isOp(',')) return v;
      this.advance();
    }
  }

  private cells(v: ValueBuilder): void {
    let bits = 32;
    if (this.k() === 'bits') {
      this.advance();
      if (this.k() !== 'literal') this.unexpected('a bit width after /bits/');
      const b = this.advance();
      if (b.value !== 8n && b.value !== 16n && b.value !== 32n && b.value !== 64n) {
        this.fail('array elements must be 8, 16, 32 or 64-bits', b.pos, 'value-out-of-range');
      }
      bits = Number(b.value);
    }
    this.expectOp('<');
    for (;;) {
      const t = this.tok;
      if (this.isOp('>')) {
        this.advance();
        return;
      }
      if (t.kind === 'label') {
        this.advance();
        v.mark('label', t.text);
      } else if (this.isRef()) {
        this.advance();
        if (bits !== 32) this.fail('references are only allowed in arrays with 32-bit elements', t.pos, 'value-out-of-range');
        v.mark('phandle', t.text, t.pos);
        v.int(0xffffffffn, 32);
      } else {
        const val = this.integerPrim();
        if (bits < 64) {
          const mask = (1n << BigInt(bits)) - 1n;
          if (val > mask && (val | mask) !== U64) {
            this.fail(`value out of range for ${bits}-bit array element`, t.pos, 'value-out-of-range');
          }
        }
        v.int(val, bits);
      }
    }
  }

  private incbin(v: ValueBuilder): void {
    const at = this.advance().pos;
    this.expectOp('(');
    const nameTok = this.tok;
    if (nameTok.kind !== 'string') this.unexpected('a file name string');
    this.advance();
    let offset = 0n;
    let length: bigint | undefined;
    if (this.isOp(',')) {
      this.advance();
      offset = this.integerPrim();
      this.expectOp(',');
      length = this.integerPrim();
    }
    this.expectOp(')');
    const name = latin1(nameTok.bytes!);
    const files = this.lex.sourceFiles;
    const path = files?.resolve(name, this.lex.currentDir);
    if (!path || !files) this.fail(`/incbin/ "${name}": file not found`, at, 'missing-include');
    const data = Buffer.from(files.read(path), 'latin1');
    const start = Number(offset);
    const end = length === undefined ? data.length : Math.min(data.length, start + Number(length));
    for (let i = start; i < end; i++) v.bytes.push(data[i]!);
  }

  /** integer_prim: literal | char | '(' expr ')' */
  private integerPrim(): bigint {
    const t = this.tok;
    if (t.kind === 'literal' || t.kind === 'char') {
      this.advance();
      return t.value;
    }
    if (this.isOp('(')) return this.parenExpr();
    this.unexpected("a number or '(' expression ')'");
  }

  /**
   * '(' expr ')' by operator precedence with explicit stacks, not recursion: dtc's parser
   * takes ~10,000 nested parentheses or unary operators, far more than JS recursion allows.
   * Same grammar as dtc-parser.y: unary - ~ ! bind tightest, binary levels as in C, and
   * `a ? b : c` lowest and right-associative.
   */
  private parenExpr(): bigint {
    const ops: StackOp[] = [];
    const vals: bigint[] = [];
    const reduce = (): void => {
      const o = ops.pop()!;
      if (o.kind === 'unary') {
        const v = vals.pop()!;
        vals.push(o.tok.text === '-' ? (U64 + 1n - v) & U64 : o.tok.text === '~' ? ~v & U64 : v === 0n ? 1n : 0n);
      } else if (o.kind === 'binary') {
        const b = vals.pop()!;
        const a = vals.pop()!;
        vals.push(applyOp(o.tok, a, b));
      } else if (o.kind === 'else') {
        const b = vals.pop()!;
        const a = vals.pop()!;
        const c = vals.pop()!;
        vals.push(c !== 0n ? a : b);
      } else this.fail("syntax error: expected ':'", o.tok.pos);
    };
    /** Reduce everything above the innermost '(' that binds at least as tightly as `prec`. */
    const reduceWhile = (prec: number, rightAssoc: boolean): void => {
      for (;;) {
        const top = ops[ops.length - 1];
        if (!top || top.kind === 'paren' || top.kind === 'then') return;
        if (rightAssoc ? top.prec <= prec : top.prec < prec) return;
        reduce();
      }
    };
    ops.push({ kind: 'paren', prec: -1, tok: this.advance() });
    let operand = true;
    for (;;) {
      const t = this.tok;
      if (operand) {
        if (t.kind === 'literal' || t.kind === 'char') {
          this.advance();
          vals.push(t.value);
          operand = false;
        } else if (this.isOp('(')) {
          ops.push({ kind: 'paren', prec: -1, tok: this.advance() });
        } else if (this.isOp('-') || this.isOp('~') || this.isOp('!')) {
          ops.push({ kind: 'unary', prec: UNARY_PREC, tok: this.advance() });
        } else this.unexpected("a number or '(' expression ')'");
        continue;
      }
      const level = t.kind === 'op' ? BINARY_PREC.get(t.text) : undefined;
      if (level !== undefined) {
        reduceWhile(level, false);
        ops.push({ kind: 'binary', prec: level, tok: this.advance() });
        operand = true;
      } else if (this.isOp('?')) {
        reduceWhile(TERNARY_PREC, true);
        ops.push({ kind: 'then', prec: TERNARY_PREC, tok: this.advance() });
        operand = true;
      } else if (this.isOp(':')) {
        // close the innermost `? b` (whose b is complete) and continue with the else part
        for (;;) {
          const top = ops[ops.length - 1]!;
          if (top.kind === 'then') break;
          if (top.kind === 'paren') this.unexpected("')'");
          reduce();
        }
        ops.pop();
        ops.push({ kind: 'else', prec: TERNARY_PREC, tok: this.advance() });
        operand = true;
      } else if (this.isOp(')')) {
        for (;;) {
          const top = ops[ops.length - 1]!;
          if (top.kind === 'paren') break;
          if (top.kind === 'then') this.unexpected("':'");
          reduce();
        }
        ops.pop();
        this.advance();
        if (ops.length === 0) return vals.pop()!;
      } else {
        const inner = ops[ops.length - 1];
        this.unexpected(inner?.kind === 'then' ? "':'" : "')'");
      }
    }
  }
}

/** An operator waiting on the expression stack. */
interface StackOp {
  kind: 'paren' | 'unary' | 'binary' | 'then' | 'else';
  prec: number;
  tok: Token;
}

const TERNARY_PREC = 0;
const UNARY_PREC = 100;
/** C's binary precedence levels as in dtc-parser.y (1 = ||, loosest). */
const BINARY_PREC = new Map<string, number>(
  [['||'], ['&&'], ['|'], ['^'], ['&'], ['==', '!='], ['<', '>', '<=', '>='], ['<<', '>>'], ['+', '-'], ['*', '/', '%']].flatMap((ops, i) =>
    ops.map((o): [string, number] => [o, i + 1]),
  ),
);

function applyOp(op: Token, a: bigint, b: bigint): bigint {
  const bool = (x: boolean) => (x ? 1n : 0n);
  switch (op.text) {
    case '||':
      return bool(a !== 0n || b !== 0n);
    case '&&':
      return bool(a !== 0n && b !== 0n);
    case '|':
      return a | b;
    case '^':
      return a ^ b;
    case '&':
      return a & b;
    case '==':
      return bool(a === b);
    case '!=':
      return bool(a !== b);
    case '<':
      return bool(a < b);
    case '>':
      return bool(a > b);
    case '<=':
      return bool(a <= b);
    case '>=':
      return bool(a >= b);
    case '<<':
      return b < 64n ? (a << b) & U64 : 0n;
    case '>>':
      return b < 64n ? a >> b : 0n;
    case '+':
      return (a + b) & U64;
    case '-':
      return (a - b) & U64;
    case '*':
      return (a * b) & U64;
    case '/':
    case '%':
      if (b === 0n) throw new DtError('division-by-zero', 'division by zero', op.pos);
      return op.text === '/' ? a / b : a % b;
  }
  throw new DtError('syntax', `unknown operator ${op.text}`, op.pos);
}

/** Overlay fragment for `&ref { }` in a /plugin/ file (dtc's add_orphan_node). */
function addOrphan(tree: DeviceTree, body: DtNode, ref: string): void {
  // dtc numbers fragments with one counter for the whole file, whatever else is in the tree
  const frag = new DtNode(`fragment@${tree.nextFragment++}`);
  let prop: DtProperty;
  if (ref.startsWith('/')) {
    prop = new DtProperty('target-path', new TextEncoder().encode(ref + '\0'));
  } else {
    prop = new DtProperty('target', Uint8Array.of(0xff, 0xff, 0xff, 0xff));
    prop.markers = [{ kind: 'phandle', offset: 0, ref }];
  }
  frag.props.push(prop);
  body.name = '__overlay__';
  frag.addChild(body);
  tree.root.addChild(frag);
}
