/**
 * Every test file runs as the package's Node entry does (`src/node.ts`): adapters named by URL are
 * loaded on demand. The test files import `src/index.ts`, the public names, which Workers and
 * browser bundles get without this.
 */
import '../../src/engine/autoload.js';
