/** `switchyard schema`: prints the playbook's JSON Schema (for editor completion). */
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { playbookJsonSchema } from '../../src/playbook/json-schema.js';

/** Registers `switchyard schema`. */
export function registerSchema(program: Command): void {
  program
    .command('schema')
    .description('print the playbook JSON Schema (draft 2020-12) for editor completion')
    .option('-o, --out <file>', 'write it to a file instead of stdout')
    .action(async (opts: { out?: string }) => {
      const text = JSON.stringify(playbookJsonSchema(), null, 2) + '\n';
      if (opts.out) {
        await writeFile(opts.out, text);
        process.stderr.write(`wrote ${opts.out}\n`);
      } else process.stdout.write(text);
    });
}
