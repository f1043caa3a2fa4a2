import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import knexFactory from 'knex';
import { openStore, type Store } from '../../../src/store/connect.js';
import { migrateControl } from '../../../src/control/migrate.js';
import { CONTROL_MIGRATIONS } from '../../../migrations/index.js';
import { MYSQL_URL, POSTGRES_URL, requireDatabase, tempSqliteUrl } from '../../helpers/databases.js';

// Each engine gets its own scratch database/schema so the migrations start from nothing.
async function scratch(engine: 'mysql' | 'postgres' | 'sqlite'): Promise<{ url: string; drop: () => Promise<void> }> {
  if (engine === 'sqlite') return { url: tempSqliteUrl('control'), drop: async () => undefined };
  const name = `sy_ctl_${process.pid}_${Date.now()}`;
  const admin = engine === 'mysql' ? MYSQL_URL : POSTGRES_URL;
  const k = knexFactory({ client: engine === 'mysql' ? 'mysql2' : 'pg', connection: admin.replace(/^mysql:/, 'mysql:') });
  await k.raw(`create database ${name}`);
  await k.destroy();
  const url = admin.replace(/\/test$/, `/${name}`);
  return {
    url,
    drop: async () => {
      const k2 = knexFactory({ client: engine === 'mysql' ? 'mysql2' : 'pg', connection: admin });
      await k2.raw(`drop database ${name}${engine === 'postgres' ? ' with (force)' : ''}`);
      await k2.destroy();
    },
  };
}

for (const engine of ['sqlite', 'mysql', 'postgres'] as const) {
  describe(`control migrations on ${engine}`, () => {
    let ok = true;
    let db: { url: string; drop: () => Promise<void> };
    beforeAll(async () => {
      if (engine !== 'sqlite') ok = await requireDatabase(engine === 'mysql' ? MYSQL_URL : POSTGRES_URL);
      if (ok) db = await scratch(engine);
    });
    afterAll(async () => {
      if (ok) await db.drop();
    });

    it('applies every migration once, even when two processes start together', async () => {
      if (!ok) return;
      const a: Store = await openStore(db.url);
      const b: Store = await openStore(db.url);
      try {
        const [ra, rb] = await Promise.all([migrateControl(a), migrateControl(b)]);
        const appliedCount = [...ra, ...rb].filter((r) => r.status === 'applied').length;
        expect(appliedCount).toBe(CONTROL_MIGRATIONS.length);
        expect(await a.knex.schema.hasTable('sy_events')).toBe(true);
        const again = await migrateControl(a);
        expect(again.every((r) => r.status === 'already-applied')).toBe(true);
      } finally {
        await a.close();
        await b.close();
      }
    });
  });
}
