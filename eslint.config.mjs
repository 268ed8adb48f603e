import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'bench/peers/', 'coverage/', '*.mjs'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      // Async signatures are part of our contracts (the store port, Fastify plugins) even where a
      // particular implementation happens not to await.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      'no-restricted-syntax': ['error',
        { selector: "CallExpression[callee.name='eval']", message: 'User expressions are CEL data (invariant 10).' },
        { selector: "NewExpression[callee.name='Function']", message: 'User expressions are CEL data (invariant 10).' }],
      'no-restricted-imports': ['error', { paths: [{ name: 'node:vm', message: 'invariant 10' }, { name: 'vm', message: 'invariant 10' }] }],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/store/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [
        { name: 'node:sqlite', message: 'Only src/store/ talks to a database driver.' },
        { name: 'pg', message: 'Only src/store/ talks to a database driver.' },
        { name: 'node:vm', message: 'invariant 10' }] }],
    },
  },
);
