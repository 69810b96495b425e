/** The shared behaviour suite: every file, on one adapter. */
import { afterAll, beforeAll, describe } from 'vitest';
import { arraysSuite } from './arrays.js';
import { batchSuite } from './batch.js';
import { connectionsSuite } from './connections.js';
import { copySuite } from './copy.js';
import { correctnessSuite } from './correctness.js';
import { crudSuite } from './crud.js';
import { cursorsSuite } from './cursors.js';
import { datetimesSuite } from './datetimes.js';
import { ddlSuite } from './ddl.js';
import { ddlChunksSuite } from './ddlchunks.js';
import { differentialSuite } from './differential.js';
import { distinctKeysSuite } from './distinctkeys.js';
import { errorsSuite } from './errors.js';
import { fidelitySuite } from './fidelity.js';
import { ginoBindSuite } from './gino-bind.js';
import { ginoCrudSuite } from './gino-crud.js';
import { ginoDeclarativeSuite } from './gino-declarative.js';
import { ginoEngineSuite } from './gino-engine.js';
import { ginoExecutemanySuite } from './gino-executemany.js';
import { ginoIterateSuite } from './gino-iterate.js';
import { ginoJsonSuite } from './gino-json.js';
import { ginoLoaderSuite } from './gino-loader.js';
import { ginoSchemaSuite, ginoStatementSuite } from './gino-schema.js';
import { ginoTransactionSuite } from './gino-transaction.js';
import { type AdapterUnderTest, bindContext, makeContext, type SuiteContext, unbindContext } from './harness.js';
import { joinLimitSuite } from './join-limit.js';
import { jsonSuite } from './json.js';
import { loadersSuite } from './loaders.js';
import { migrationsSuite } from './migrations.js';
import { modelApiSuite } from './modelapi.js';
import { protocolSuite } from './protocol.js';
import { querySuite } from './query.js';
import { relationshipsSuite } from './relationships.js';
import { sessionsSuite } from './sessions.js';
import { transactionsSuite } from './transactions.js';
import { tutorialSuite } from './tutorial.js';
import { txPropertiesSuite } from './txproperties.js';
import { txSafetySuite } from './txsafety.js';
import { valuesSuite } from './values.js';

const SUITES: Record<string, (ctx: SuiteContext) => void> = {
  tutorial: tutorialSuite,
  crud: crudSuite,
  query: querySuite,
  values: valuesSuite,
  errors: errorsSuite,
  ddl: ddlSuite,
  sessions: sessionsSuite,
  fidelity: fidelitySuite,
  transactions: transactionsSuite,
  batch: batchSuite,
  copy: copySuite,
  cursors: cursorsSuite,
  connections: connectionsSuite,
  loaders: loadersSuite,
  json: jsonSuite,
  modelApi: modelApiSuite,
  correctness: correctnessSuite,
  datetimes: datetimesSuite,
  arrays: arraysSuite,
  distinctKeys: distinctKeysSuite,
  differential: differentialSuite,
  txSafety: txSafetySuite,
  txProperties: txPropertiesSuite,
  ddlChunks: ddlChunksSuite,
  protocol: protocolSuite,
  migrations: migrationsSuite,
  relationships: relationshipsSuite,
  joinLimit: joinLimitSuite,
  // GINO's own test suite (python-gino/gino tests/), translated: one file per GINO test module.
  ginoCrud: ginoCrudSuite,
  ginoLoader: ginoLoaderSuite,
  ginoJson: ginoJsonSuite,
  ginoTransaction: ginoTransactionSuite,
  ginoIterate: ginoIterateSuite,
  ginoDeclarative: ginoDeclarativeSuite,
  ginoBind: ginoBindSuite,
  ginoEngine: ginoEngineSuite,
  ginoExecutemany: ginoExecutemanySuite,
  ginoSchema: ginoSchemaSuite,
  ginoStatement: ginoStatementSuite,
};

/** Register the shared suite (every file, or those named in `only`) for one adapter. */
export function runSharedSuite(adapter: AdapterUnderTest, only?: readonly (keyof typeof SUITES)[]): void {
  describe(`shared suite on ${adapter.name}`, () => {
    afterAll(async () => {
      await adapter.teardown?.();
    });
    for (const [name, suite] of Object.entries(SUITES)) {
      if (only && !only.includes(name)) continue;
      describe(name, () => {
        const ctx = makeContext(adapter);
        beforeAll(() => bindContext(ctx));
        afterAll(() => unbindContext(ctx));
        suite(ctx);
      });
    }
  });
}

export type { AdapterUnderTest };
