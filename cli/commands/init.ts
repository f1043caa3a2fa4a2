/** `switchyard init`: writes a starting playbook. */
import { access, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { fail } from '../../src/errors.js';
import { scaffoldPlaybook, type ScaffoldMethod } from '../../src/playbook/scaffold.js';
import { loadProto } from '../../src/schema/load.js';
import { printJson, printLines } from '../print.js';

interface InitOptions {
  out: string;
  migration?: string;
  proto?: string;
  protoPath?: string[];
  force?: boolean;
  json?: boolean;
}

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

/** Registers `switchyard init`. */
export function registerInit(program: Command): void {
  program
    .command('init')
    .description('write a starting playbook (methods pre-filled from a .proto)')
    .option('-o, --out <file>', 'where to write it', 'playbook.yaml')
    .option('--migration <name>', 'migration name (default: the .proto\'s package, else "migration")')
    .option('--proto <file>', '.proto of the service: its methods are listed and classified')
    .option('--proto-path <dir>', 'include path for imports; repeatable', collect)
    .option('--force', 'overwrite an existing file')
    .option('--json', 'print {"file", "methods"} as JSON')
    .action(async (opts: InitOptions) => {
      if (!opts.force) {
        const exists = await access(opts.out).then(() => true, () => false);
        if (exists) throw fail('INVALID_ARGUMENT', `${opts.out} already exists`, { hint: 'pass --force to overwrite it, or --out to pick another file' });
      }
      let methods: ScaffoldMethod[] = [];
      let migration = opts.migration;
      let proto: string | undefined;
      if (opts.proto) {
        const schema = await loadProto(opts.proto, { includePaths: opts.protoPath });
        methods = [...schema.methods.values()].map((m) => ({ path: m.path, kind: m.kind }));
        migration ??= schema.services[0]?.name.split('.')[0]?.toLowerCase();
        proto = path.relative(path.dirname(path.resolve(opts.out)), path.resolve(opts.proto)) || path.basename(opts.proto);
      }
      const name = (migration ?? 'migration').replace(/[^\w.-]/g, '-');
      await writeFile(opts.out, scaffoldPlaybook({ migration: name, proto, methods }));
      if (opts.json) printJson({ file: opts.out, migration: name, methods: methods.map((m) => m.path) });
      else printLines([`wrote ${opts.out} (${methods.length} methods${methods.length ? '' : '; pass --proto to list them'}); next: edit it, then \`switchyard plan -p ${opts.out}\``]);
    });
}
