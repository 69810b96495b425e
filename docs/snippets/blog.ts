/**
 * The blog of examples/migrations, as the migrations guide uses it: its models (third version) and
 * the migrations `gino-edge migrate generate` wrote for them (`migrations/index.ts`).
 */
export { migrations } from '../../examples/migrations/migrations/index.js';
export { Author, db, Post, Tag } from '../../examples/migrations/models.js';
