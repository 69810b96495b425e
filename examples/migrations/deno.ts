/**
 * The blog's migrations applied from Deno, then used:
 *
 *   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/blog deno run --allow-net --allow-env deno.ts
 *
 * `migrations/index.ts` embeds the `.sql` files `gino-edge migrate` generated, so nothing reads
 * the file system. DATABASE_OPTIONS may hold the adapter's options as JSON.
 */
import { migrations } from './migrations/index.ts';
import { Author, db, Post } from './models.ts';

const url = Deno.env.get('DATABASE_URL') ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
await db.setBind(url, JSON.parse(Deno.env.get('DATABASE_OPTIONS') ?? '{}'));
try {
  const result = await db.migrate(migrations);
  console.log(`applied: ${result.applied.join(', ') || 'nothing'}`);
  for (const s of await db.migrationStatus(migrations)) console.log(`${s.state} ${s.id}`);
  const drift = await db.gino.check();
  console.log(`drift: ${drift.length === 0 ? 'none' : drift.map((c) => c.detail).join('; ')}`);
  const author = await Author.create({ name: 'fantix' });
  const post = await Post.create({ authorId: author.id, title: 'Migrations in Deno' });
  console.log(`post: ${JSON.stringify({ title: post.title, status: post.status, content: post.content })}`);
} finally {
  await db.popBind().close();
}
