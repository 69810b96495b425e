/**
 * gino-edge's development tools (`gino-edge/dev`), Node only: the local Neon-compatible proxy, and
 * the migrations folder on disk (`loadMigrations`).
 *
 * @example
 * import { startNeonProxy } from 'gino-edge/dev';
 * const proxy = await startNeonProxy({ target: 'postgres://postgres@127.0.0.1:5432/test' });
 * await db.setBind('postgresql+neon-ws://postgres@127.0.0.1/test', proxy.neonOptions);
 */

export {
  type IndexOptions,
  loadMigrations,
  migrationFiles,
  writeIndex,
  writeMigration,
} from './migrate-files.js';
export {
  DEV_PASSWORD,
  NEON_CORS_ALLOW_HEADERS,
  type NeonProxy,
  type NeonProxyClientOptions,
  type NeonProxyJwtOptions,
  type NeonProxyOptions,
  type NeonProxyStats,
  type PGliteInstance,
  type SqlOverHttpLimits,
  startNeonProxy,
} from './proxy.js';
