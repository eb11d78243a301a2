// Lint rules. The one that matters most: workflow code must stay deterministic, so it may not import
// Node built-ins or I/O libraries (Temporal replays workflow code; a clock, a socket or a file read
// inside it would break replay).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
const ioLibraries = ['postgres', 'pg', 'drizzle-orm', 'drizzle-orm/*', '@electric-sql/pglite', 'hono', 'hono/*',
  '@hono/*', 'pino', '@temporalio/client', '@temporalio/worker', '@temporalio/activity', 'zod'];

export default tseslint.config(
  { ignores: ['node_modules/**', '.data/**', 'db/migrations/**', 'test-results/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: nodeBuiltins.map((name) => ({ name, message: 'Workflow code must be deterministic: no Node built-ins.' })),
        patterns: [{ group: ioLibraries, message: 'Workflow code must be deterministic: no I/O libraries; use an activity.' }],
      }],
      'no-restricted-globals': ['error',
        { name: 'setTimeout', message: 'Use sleep() or condition() from @temporalio/workflow.' },
        { name: 'setInterval', message: 'Use sleep() from @temporalio/workflow.' },
        { name: 'process', message: 'Workflow code may not read the process environment.' },
      ],
    },
  },
);
