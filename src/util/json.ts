/**
 * JSON.parse with the place of a syntax error: Node 20's messages often give none ("Unexpected
 * token 'x', ..."). Every proper prefix of valid JSON text fails only for ending early (or
 * parses), and every prefix past the first bad character fails otherwise, so a binary search
 * over prefix lengths finds that character.
 */
export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
  }
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const at = positionIn(err as Error) ?? errorOffset(text);
    const before = text.slice(0, at);
    const line = before.split('\n').length;
    const column = at - (before.lastIndexOf('\n') + 1) + 1;
    throw new JsonSyntaxError((err as Error).message.replace(/\s+/g, ' '), line, column);
  }
}

/** V8's "... in JSON at position N", when the message has it. */
function positionIn(err: Error): number | undefined {
  const m = /at position (\d+)/.exec(err.message);
  return m ? Number(m[1]) : undefined;
}

function endsEarly(prefix: string): boolean {
  try {
    JSON.parse(prefix);
    return true;
  } catch (err) {
    const at = positionIn(err as Error);
    return at !== undefined ? at >= prefix.length : /end of JSON input|Unterminated string/.test((err as Error).message);
  }
}

/** Offset of the first character no valid JSON text could have there. */
function errorOffset(text: string): number {
  let lo = 0; // endsEarly(text.slice(0, lo)) holds (the empty prefix ends early)
  let hi = text.length; // the whole text fails for another reason, or ends early (then: its end)
  if (endsEarly(text)) return text.trimEnd().length;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (endsEarly(text.slice(0, mid))) lo = mid;
    else hi = mid;
  }
  return hi - 1;
}
