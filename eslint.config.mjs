// ESLint (flat config): typescript-eslint's recommended rules, without type information so that
// `npm run lint` stays fast on two cores. Formatting is Prettier's job (`prettier --check`).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'coverage/**', 'web/dist/**', 'web/src/api/schema.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      'no-constant-condition': ['error', { checkLoops: false }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-console': 'off',
      // The XML and OFD writers strip the control characters XML 1.0 forbids, on purpose.
      'no-control-regex': 'off',
      // Reports constants used only as decorator arguments (ParseUUIDPipe instances) as unused.
      'no-useless-assignment': 'off',
    },
  },
  {
    // Lines Prettier cannot break (long strings, comments) stay within its width in the service's code.
    files: ['src/**/*.ts'],
    rules: { 'max-len': ['error', { code: 160, ignoreRegExpLiterals: true }] },
  },
  {
    // Tests poke at hostile and untyped shapes on purpose (fuzzing, problem bodies).
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', 'no-loss-of-precision': 'off', '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', __filename: 'readonly', process: 'readonly', console: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
