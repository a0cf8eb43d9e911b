/**
 * Option checkers for modules: small composable validators that return the checked value or
 * throw a `CheckFailure` naming the option path; the module system turns that into an
 * OptionError naming the module.
 */
export class CheckFailure extends Error {
  constructor(
    readonly at: string,
    message: string,
  ) {
    super(message);
  }
}

export type Check<T> = (v: unknown, at: string) => T;

const show = (v: unknown): string => {
  const s = typeof v === 'string' ? `'${v}'` : JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? s.slice(0, 57) + '...' : s;
};

const fail = (at: string, want: string, got: unknown): never => {
  throw new CheckFailure(at, `expected ${want}, got ${show(got)}`);
};

export const t = {
  string(p: { pattern?: RegExp; what?: string; nonEmpty?: boolean } = {}): Check<string> {
    const what = p.what ?? (p.nonEmpty ? 'a non-empty string' : 'a string');
    return (v, at) => {
      if (typeof v !== 'string' || (p.nonEmpty && v === '') || (p.pattern && !p.pattern.test(v))) fail(at, what, v);
      return v as string;
    };
  },
  int(p: { min?: number; max?: number } = {}): Check<number> {
    const what = `an integer${p.min !== undefined ? ` >= ${p.min}` : ''}${p.max !== undefined ? ` <= ${p.max}` : ''}`;
    return (v, at) => {
      if (typeof v !== 'number' || !Number.isInteger(v) || (p.min !== undefined && v < p.min) || (p.max !== undefined && v > p.max)) fail(at, what, v);
      return v as number;
    };
  },
  bool(): Check<boolean> {
    return (v, at) => (typeof v === 'boolean' ? v : fail(at, 'true or false', v));
  },
  oneOf<const T extends string>(...values: T[]): Check<T> {
    return (v, at) => (values.includes(v as T) ? (v as T) : fail(at, `one of ${values.map((x) => `'${x}'`).join(', ')}`, v));
  },
  list<T>(item: Check<T>, p: { nonEmpty?: boolean } = {}): Check<T[]> {
    return (v, at) => {
      if (!Array.isArray(v) || (p.nonEmpty && v.length === 0)) fail(at, p.nonEmpty ? 'a non-empty list' : 'a list', v);
      return (v as unknown[]).map((x, i) => item(x, `${at}[${i}]`));
    };
  },
  record<T>(value: Check<T>, p: { key?: RegExp; keyWhat?: string; nonEmpty?: boolean } = {}): Check<Record<string, T>> {
    return (v, at) => {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(at, 'an object', v);
      const out: Record<string, T> = {};
      const entries = Object.entries(v as Record<string, unknown>);
      if (p.nonEmpty && entries.length === 0) fail(at, 'at least one entry', v);
      for (const [k, x] of entries) {
        if (p.key && !p.key.test(k)) throw new CheckFailure(`${at}.${k}`, `bad key: expected ${p.keyWhat ?? String(p.key)}`);
        out[k] = value(x, `${at}.${k}`);
      }
      return out;
    };
  },
  /** An object with known fields; `required` lists the fields that must be present. */
  object<T extends object>(shape: { [K in keyof T]-?: Check<NonNullable<T[K]>> }, required: (keyof T)[] = []): Check<T> {
    return (v, at) => {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(at, 'an object', v);
      const o = v as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(o)) {
        if (!(k in shape)) throw new CheckFailure(`${at}.${k}`, `unknown field (known: ${Object.keys(shape).join(', ')})`);
      }
      for (const k of Object.keys(shape) as (keyof T & string)[]) {
        if (o[k] === undefined) {
          if (required.includes(k)) throw new CheckFailure(`${at}.${k}`, 'required');
          continue;
        }
        out[k] = shape[k](o[k], `${at}.${k}`);
      }
      return out as T;
    };
  },
};

// Common patterns.
export const hostOrIp = t.string({ pattern: /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$|^\[?[0-9a-fA-F:]+\]?$/, what: 'a host name or IP address' });
export const ifname = t.string({ pattern: /^[A-Za-z0-9_.-]{1,15}$/, what: 'an interface name (1-15 of A-Za-z0-9_.-)' });
export const absPath = t.string({ pattern: /^\/(?!.*\/\.\.?(\/|$))[^\0\n]*$/, what: 'an absolute path without . or .. components' });
export const port = t.int({ min: 1, max: 65535 });
/** Text that goes into a config file on one line: no newline, NUL or quote. */
export const lineText = (what: string) => t.string({ pattern: /^[^\n\r\0"]*$/, what });
