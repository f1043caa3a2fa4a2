/**
 * Secrets come from the environment, never from the file: checked on the playbook as
 * written, before `${ENV}` substitution. A URL with a literal password anywhere, a literal
 * `adminToken`, or a literal value in a sensitive webhook header is rejected with its path.
 */
import type { FieldPath, PlaybookIssue } from './issues.js';

const URL_PASSWORD = /^[a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:([^@/\s]*)@/i;
const SENSITIVE_HEADER = /authorization|token|secret|password|api[-_]?key|cookie/i;
const ONLY_REFERENCES = /^(\$\{[^}]*\})+$/;

const isReference = (s: string): boolean => ONLY_REFERENCES.test(s);

/** Problems with secrets written into the file. */
export function findLiteralSecrets(tree: unknown): PlaybookIssue[] {
  const issues: PlaybookIssue[] = [];
  const walk = (v: unknown, path: Array<string | number>): void => {
    if (typeof v === 'string') {
      const m = URL_PASSWORD.exec(v);
      if (m && m[1] && !isReference(m[1])) {
        issues.push({ path, message: 'a literal password is not allowed in the playbook: put the URL (or its password) in an environment variable, e.g. ${LEGACY_DATABASE_URL} or mysql://app:${MYSQL_PASSWORD}@db:3306/chat' });
      }
      const key = path[path.length - 1];
      const parent = path[path.length - 2];
      if (key === 'adminToken' && !isReference(v)) issues.push({ path, message: 'the admin token must come from the environment, e.g. ${SWITCHYARD_ADMIN_TOKEN}' });
      if (parent === 'headers' && typeof key === 'string' && SENSITIVE_HEADER.test(key) && !v.includes('${')) {
        issues.push({ path, message: `header ${key} looks like a credential: take its value from the environment, e.g. "Bearer \${HOOK_TOKEN}"` });
      }
      return;
    }
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
    else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
  };
  walk(tree, []);
  return issues;
}

export type { FieldPath };
