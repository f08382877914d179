// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '**/data/**',
      'eslint.config.js',
      // Spectral's ruleset module: plain JavaScript in no TypeScript project, loaded by Spectral.
      'tools/spectral.mjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // Fastify's hook and plugin API takes async functions as its promise convention, awaited or not.
      '@typescript-eslint/require-await': 'off',
      'no-eval': 'error',
      'no-implied-eval': 'off',
      '@typescript-eslint/no-implied-eval': 'error',
    },
  },
  {
    // Vitest's asymmetric matchers (expect.any, expect.stringMatching…) are typed `any` by design.
    files: ['packages/*/test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },
  {
    // ARCHITECTURE.md: platform/ is domain-agnostic and never imports modules/.
    files: ['packages/api/src/platform/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/modules/**'], message: 'platform/ must not import modules/' }] },
      ],
    },
  },
  {
    // A request flows one way: route → service → repository (ARCHITECTURE.md).
    files: ['packages/api/src/modules/**/routes.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'kysely', message: 'routes never touch SQL; call the service' }],
          patterns: [
            {
              group: ['**/repository.js', '**/db/**'],
              message: 'routes call services, not repositories',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['packages/api/src/modules/**/service.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'kysely', importNames: ['sql'], message: 'SQL belongs in repository.ts' },
          ],
          patterns: [
            { group: ['fastify', '**/routes.js'], message: 'services know nothing of HTTP' },
          ],
        },
      ],
    },
  },
  {
    files: ['packages/api/src/modules/**/repository.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['fastify', '**/routes.js', '**/service.js'],
              message: 'repositories hold SQL only',
            },
          ],
        },
      ],
    },
  },
);
