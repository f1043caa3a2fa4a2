/**
 * Loading a playbook: YAML → secrets check (as written) → `${ENV}` substitution → schema
 * (zod) → cross-field rules → `.proto` references. Every problem names its field path and
 * line; all problems of one kind are reported together.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { fail, SwitchyardError } from '../errors.js';
import { loadProto, type ProtoSchema } from '../schema/load.js';
import { interpolate } from './interpolate.js';
import { fromZod, issuesError, locate, type PlaybookIssue } from './issues.js';
import { playbookKeys } from './json-schema.js';
import { checkAgainstProto } from './proto-check.js';
import { checkRules } from './rules.js';
import { playbookSchema, type Playbook } from './schema/playbook.js';
import { findLiteralSecrets } from './secrets.js';

/** A loaded playbook. */
export interface LoadedPlaybook {
  /** Validated, defaults filled in, durations in ms, `service.protos`/`includePaths` absolute. */
  playbook: Playbook;
  /** The file, as given (for messages). */
  file: string;
  /** Its folder, absolute: hooks run there; relative paths resolve against it. */
  dir: string;
  /** The loaded `.proto` (when `loadProto` was not false). */
  proto?: ProtoSchema;
}

/** Options for {@link parsePlaybook} and {@link loadPlaybook}. */
export interface LoadPlaybookOptions {
  /** Variables for `${NAME}`. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Load the `.proto` files and check method and field references. Default true. */
  loadProto?: boolean;
  /** Folder relative paths resolve against (parsePlaybook only). Default: the working directory. */
  dir?: string;
}

function parseYaml(text: string, file: string): { doc: Document; lines: LineCounter; tree: unknown } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length) {
    const issues = doc.errors.map((e) => ({ path: [] as string[], line: e.linePos?.[0].line, message: `YAML: ${e.message.split('\n')[0]}` }));
    throw issuesError('PLAYBOOK_INVALID', file, issues, 'the file is not valid YAML; check indentation and quoting around the line named');
  }
  return { doc, lines, tree: doc.toJS({ maxAliasCount: 100 }) };
}

/** Validates playbook text. Throws PLAYBOOK_LITERAL_SECRET, PLAYBOOK_MISSING_ENV or PLAYBOOK_INVALID listing every problem. */
export async function parsePlaybook(text: string, file: string, options: LoadPlaybookOptions = {}): Promise<LoadedPlaybook> {
  const dir = path.resolve(options.dir ?? process.cwd());
  const { doc, lines, tree } = parseYaml(text, file);
  if (tree === null || typeof tree !== 'object' || Array.isArray(tree)) throw issuesError('PLAYBOOK_INVALID', file, [{ path: [], message: 'expected a mapping (version, migration, service, proxy, stages, ...)' }]);
  const where = (issues: PlaybookIssue[]): PlaybookIssue[] => locate(issues, doc, lines);
  const secrets = findLiteralSecrets(tree);
  if (secrets.length) throw issuesError('PLAYBOOK_LITERAL_SECRET', file, where(secrets), 'secrets come from environment variables: write ${NAME} and export NAME before running');
  const env = interpolate(tree, options.env ?? process.env);
  if (env.issues.length) throw issuesError('PLAYBOOK_MISSING_ENV', file, where(env.issues), 'export the variables named above (or give a default: ${NAME:-value})');
  const parsed = playbookSchema.safeParse(env.value);
  if (!parsed.success) throw issuesError('PLAYBOOK_INVALID', file, where(fromZod(parsed.error.issues, tree, playbookKeys(), env.value)));
  const pb = parsed.data;
  const ruleIssues = checkRules(pb);
  if (ruleIssues.length) throw issuesError('PLAYBOOK_INVALID', file, where(ruleIssues));
  pb.service.protos = pb.service.protos.map((p) => path.resolve(dir, p));
  pb.service.includePaths = pb.service.includePaths.map((p) => path.resolve(dir, p));
  let proto: ProtoSchema | undefined;
  if (options.loadProto ?? true) {
    try {
      proto = await loadProto(pb.service.protos, { includePaths: pb.service.includePaths });
    } catch (err) {
      const e = SwitchyardError.from(err);
      throw issuesError('PLAYBOOK_INVALID', file, where([{ path: ['service', 'protos'], message: e.rawMessage }]));
    }
    const protoIssues = checkAgainstProto(pb, proto);
    if (protoIssues.length) throw issuesError('PLAYBOOK_INVALID', file, where(protoIssues));
  }
  return { playbook: pb, file, dir, proto };
}

/** Reads and validates a playbook file. Throws PLAYBOOK_NOT_FOUND when it cannot be read. */
export async function loadPlaybook(file: string, options: LoadPlaybookOptions = {}): Promise<LoadedPlaybook> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw fail('PLAYBOOK_NOT_FOUND', `cannot read playbook ${file}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`, {
      hint: 'pass --playbook FILE, or create one with `switchyard init`',
    });
  }
  return parsePlaybook(text, file, { ...options, dir: options.dir ?? path.dirname(path.resolve(file)) });
}
