/**
 * `${NAME}` in any string value of a playbook is replaced by the environment variable NAME;
 * `${NAME:-default}` falls back to `default` when NAME is unset or empty; `$${` writes a
 * literal `${`. Substitution happens on parsed values, so a variable can never change the
 * YAML structure. A value made only of references that comes out empty (`${TOKEN:-}`) is
 * dropped, as if the field were not written.
 */
import type { FieldPath, PlaybookIssue } from './issues.js';

const TOKEN = /\$\$\{|\$\{([^}]*)\}|\$\{/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Result of {@link interpolate}. */
export interface Interpolated {
  value: unknown;
  /** Missing variables and malformed references, by field path. */
  issues: PlaybookIssue[];
}

function substitute(text: string, env: NodeJS.ProcessEnv, path: FieldPath, issues: PlaybookIssue[]): string {
  return text.replace(TOKEN, (match: string, inner: string | undefined) => {
    if (match === '$${') return '${';
    if (inner === undefined) {
      issues.push({ path, message: 'unclosed "${": expected ${NAME} or ${NAME:-default} (write $${ for a literal "${")' });
      return match;
    }
    const sep = inner.indexOf(':-');
    const name = sep >= 0 ? inner.slice(0, sep) : inner;
    if (!NAME.test(name)) {
      issues.push({ path, message: `"\${${inner}}" is not a valid reference: expected \${NAME} or \${NAME:-default} with NAME of letters, digits and "_"` });
      return match;
    }
    const v = env[name];
    if (v !== undefined && v !== '') return v;
    if (sep >= 0) return inner.slice(sep + 2);
    issues.push({ path, message: `environment variable ${name} is not set` });
    return '';
  });
}

/** Replaces references in every string of `tree` (keys are left alone). */
export function interpolate(tree: unknown, env: NodeJS.ProcessEnv = process.env): Interpolated {
  const issues: PlaybookIssue[] = [];
  const walk = (v: unknown, path: Array<string | number>): unknown => {
    if (typeof v === 'string') {
      if (!v.includes('$')) return v;
      const out = substitute(v, env, path, issues);
      // A value that is only references and comes out empty (`${TOKEN:-}`) is left out.
      return out === '' && /^(\$\{[^}]*\})+$/.test(v) ? undefined : out;
    }
    if (Array.isArray(v)) return v.map((x, i) => walk(x, [...path, i]));
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).flatMap(([k, x]) => {
        const out = walk(x, [...path, k]);
        return out === undefined && x !== undefined ? [] : [[k, out]];
      }));
    }
    return v;
  };
  return { value: walk(tree, []), issues };
}
