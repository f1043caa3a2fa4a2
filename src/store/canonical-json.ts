/**
 * Canonical JSON text: object keys sorted (UTF-16 code-unit order), duplicate keys resolved
 * last-wins (as PostgreSQL jsonb does), no whitespace, strings re-escaped by JSON.stringify,
 * and numbers as exact decimals normalised to `<digits>e<exponent>` (so `2.50`, `2.5` and
 * `25e-1` are equal, and no precision is lost as it would be through JSON.parse).
 */

/** Thrown for text that is not JSON. */
export class InvalidJson extends Error {
  override readonly name = 'InvalidJson';
}

type Node = { t: 'lit'; text: string } | { t: 'arr'; items: Node[] } | { t: 'obj'; entries: Map<string, Node> };

const NUMBER_RE = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const STRING_RE = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;

/** Exact canonical form of a JSON number token. */
export function canonicalJsonNumber(token: string): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(token);
  if (!m) throw new InvalidJson(`bad number ${token}`);
  let digits = (m[2] ?? '') + (m[3] ?? '');
  let exp = Number(m[4] ?? '0') - (m[3]?.length ?? 0);
  digits = digits.replace(/^0+/, '');
  if (digits === '') return '0';
  const trailing = /0+$/.exec(digits)?.[0].length ?? 0;
  digits = digits.slice(0, digits.length - trailing);
  exp += trailing;
  return `${m[1]}${digits}${exp === 0 ? '' : 'e' + exp}`;
}

class Parser {
  private i = 0;
  constructor(private readonly s: string) {}

  parse(): Node {
    const v = this.value();
    this.ws();
    if (this.i !== this.s.length) throw new InvalidJson(`unexpected text at offset ${this.i}`);
    return v;
  }

  private ws(): void {
    while (this.i < this.s.length && ' \t\n\r'.includes(this.s[this.i]!)) this.i++;
  }

  private match(re: RegExp): string | undefined {
    re.lastIndex = this.i;
    const m = re.exec(this.s);
    if (!m) return undefined;
    this.i += m[0].length;
    return m[0];
  }

  private string(): string {
    const tok = this.match(STRING_RE);
    if (tok === undefined) throw new InvalidJson(`expected a string at offset ${this.i}`);
    return JSON.parse(tok) as string;
  }

  private value(): Node {
    this.ws();
    const c = this.s[this.i];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return { t: 'lit', text: JSON.stringify(this.string()) };
    for (const word of ['true', 'false', 'null']) {
      if (this.s.startsWith(word, this.i)) {
        this.i += word.length;
        return { t: 'lit', text: word };
      }
    }
    const num = this.match(NUMBER_RE);
    if (num === undefined) throw new InvalidJson(`unexpected character at offset ${this.i}`);
    return { t: 'lit', text: canonicalJsonNumber(num) };
  }

  private object(): Node {
    this.i++;
    const entries = new Map<string, Node>();
    this.ws();
    if (this.s[this.i] === '}') {
      this.i++;
      return { t: 'obj', entries };
    }
    for (;;) {
      this.ws();
      const key = this.string();
      this.ws();
      if (this.s[this.i++] !== ':') throw new InvalidJson(`expected ':' at offset ${this.i - 1}`);
      entries.delete(key);
      entries.set(key, this.value());
      this.ws();
      const c = this.s[this.i++];
      if (c === '}') return { t: 'obj', entries };
      if (c !== ',') throw new InvalidJson(`expected ',' or '}' at offset ${this.i - 1}`);
    }
  }

  private array(): Node {
    this.i++;
    const items: Node[] = [];
    this.ws();
    if (this.s[this.i] === ']') {
      this.i++;
      return { t: 'arr', items };
    }
    for (;;) {
      items.push(this.value());
      this.ws();
      const c = this.s[this.i++];
      if (c === ']') return { t: 'arr', items };
      if (c !== ',') throw new InvalidJson(`expected ',' or ']' at offset ${this.i - 1}`);
    }
  }
}

function write(n: Node): string {
  if (n.t === 'lit') return n.text;
  if (n.t === 'arr') return `[${n.items.map(write).join(',')}]`;
  const keys = [...n.entries.keys()].sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${write(n.entries.get(k)!)}`).join(',')}}`;
}

/** Canonical text of a JSON document; throws {@link InvalidJson} for text that is not JSON. */
export function canonicalJson(text: string): string {
  return write(new Parser(text).parse());
}

/** Canonical text, or `invalid-json:` + the raw text when it does not parse (so it still compares). */
export function canonicalJsonOrRaw(text: string): string {
  try {
    return canonicalJson(text);
  } catch {
    return `invalid-json:${text}`;
  }
}
