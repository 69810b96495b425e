/** The wide table as Drizzle and Kysely declare it (kept apart: only the processes running them load them). */
import { bigint, customType, integer, jsonb, numeric, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({ dataType: () => 'bytea' });

export const drizzleWide = pgTable('wide', {
  id: integer('id').primaryKey(),
  big: bigint('big', { mode: 'number' }),
  amount: numeric('amount'),
  name: text('name'),
  at: timestamp('at', { withTimezone: true }),
  doc: jsonb('doc'),
  blob: bytea('blob'),
  tags: integer('tags').array(),
});

export interface KyselyWide {
  wide: {
    id: number;
    big: number | string;
    amount: string;
    name: string;
    at: Date;
    doc: unknown;
    blob: Uint8Array;
    tags: number[];
  };
}
