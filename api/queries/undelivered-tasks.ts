/** What the intake acknowledged and no relay has handed to its workflow yet: how many, and the oldest's age. */
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { tasks } from '../../db/schema';

export async function undeliveredTasks(db: Db): Promise<{ n: number; oldestSeconds: number | null } | null> {
  const rows = await db
    .select({ n: sql<number>`count(*)`.mapWith(Number), oldestSeconds: sql<number | null>`extract(epoch from now() - min(${tasks.createdAt}))`.mapWith(Number) })
    .from(tasks)
    .where(sql`${tasks.status} = 'queued' AND ${tasks.deliveredAt} IS NULL`);
  return rows[0] ?? null;
}
