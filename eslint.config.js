// ESLint with typescript-eslint's type-checked rules; Prettier owns layout (`npm run lint` runs
// both in check mode, and .ci/run runs it). Neither preset below turns on a formatting rule, so the
// two never disagree and eslint-config-prettier is not needed.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  // Build output, run output and downloaded or generated data (the same things .gitignore keeps out).
  globalIgnores(['dist/', 'reports/', 'coverage/', 'test/fixtures/generated/', 'models/', 'datasets/']),
  {
    // A disable comment that no longer suppresses anything fails the lint, so stale ones go.
    linterOptions: { reportUnusedDisableDirectives: 'error', reportUnusedInlineConfigs: 'error' },
  },
  js.configs.recommended,
  {
    rules: {
      // `==` only where it means "null or undefined".
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      // src/ alone is built (tsconfig.json); this one adds test/ and vitest.config.ts so they get types too.
      parserOptions: { project: './tsconfig.eslint.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // From strictTypeChecked, the rules that cost nothing here and catch real bugs:
      // a deprecated API of a dependency (sharp, transformers, node) still in use after an upgrade,
      '@typescript-eslint/no-deprecated': 'error',
      // and `return promise` inside try/catch/finally, where the catch or finally would not see a rejection.
      '@typescript-eslint/return-await': ['error', 'error-handling-correctness-only'],
      // Switches over the unions the data model is made of (task, dataset format, item source kind)
      // must handle every member, or say `default:`, so adding a member finds every place to update.
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
    },
  },
  {
    // Python's str.isspace() counts U+001C..U+001F (control characters) as whitespace, and the
    // reference tokenizer strips and splits with it; these regular expressions reproduce that.
    files: ['src/model/tokenizer.ts', 'src/prompts/template.ts', 'src/datasets/captions.ts'],
    rules: { 'no-control-regex': 'off' },
  },
  {
    // EmbeddingStore is async so a server-backed store can implement it; SQLite answers synchronously.
    // The methods stay `async` so a synchronous throw (SQLITE_BUSY, a full disk) still reaches the
    // caller as a rejected promise, which is what the interface promises.
    files: ['src/cache/sqliteStore.ts'],
    rules: { '@typescript-eslint/require-await': 'off' },
  },
  {
    // Scripts node runs as they are (bin/, bench/, tools/, this file): plain JavaScript, no types.
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: globals.node },
  },
);
