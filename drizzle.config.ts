import { defineConfig } from 'drizzle-kit';

// `npm run db:generate` writes a new numbered SQL migration from db/schema.ts; review and commit it.
export default defineConfig({
  dialect: 'postgresql',
  schema: './db/schema.ts',
  out: './db/migrations',
  casing: 'snake_case',
});
