// @ts-check
import js from '@eslint/js';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import { importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/** Where the layering rules below apply: every file of every module. */
const MODULES = 'packages/api/src/modules';
/** Files that hold SQL: `repository.ts`, `*-repository.ts`, and the backlog count (read by metrics). */
const REPOSITORIES = [
  `${MODULES}/**/repository.ts`,
  `${MODULES}/**/*-repository.ts`,
  `${MODULES}/payments/backlog.ts`,
];
const ROUTES = [`${MODULES}/**/routes.ts`];
/** Import specifiers of repository files, as modules write them (`./repository.js`, `../orders/repository.js`). */
const REPOSITORY_IMPORTS = ['**/repository.js', '**/*-repository.js', '**/backlog.js'];

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
    // No import cycles anywhere: a cycle makes module evaluation order matter and hides layering.
    files: ['packages/*/src/**/*.ts', 'deploy/**/*.ts', 'bench/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      // The plugin reads each imported file itself: it needs the TypeScript parser for `.ts`,
      // and TypeScript's resolution so that a `./x.js` specifier finds `./x.ts`.
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [
        createTypeScriptImportResolver({
          project: ['packages/*/tsconfig.json', 'deploy/tsconfig.json', 'bench/tsconfig.json'],
          noWarnOnMultipleProjects: true,
        }),
      ],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
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
    // platform/ is domain-agnostic and never imports modules/ (modules pass in what it needs).
    files: ['packages/api/src/platform/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/modules/**'], message: 'platform/ must not import modules/' }] },
      ],
    },
  },
  {
    // A request flows one way: route → service → repository. Every module file is in one layer.
    files: ROUTES,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'kysely', message: 'routes never touch SQL; call the service' }],
          patterns: [
            {
              group: [...REPOSITORY_IMPORTS, '**/db/**'],
              message: 'routes call services, not repositories',
            },
          ],
        },
      ],
    },
  },
  {
    // Services and everything else of a module that is neither a route nor a repository: views,
    // settlement, the reconciler, phases, schemas, versions.
    files: [`${MODULES}/**/*.ts`],
    ignores: [...ROUTES, ...REPOSITORIES],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'kysely', importNames: ['sql'], message: 'SQL belongs in a repository' }],
          patterns: [
            { group: ['fastify', '**/routes.js'], message: 'services know nothing of HTTP' },
          ],
        },
      ],
    },
  },
  {
    files: REPOSITORIES,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['fastify', '**/routes.js', '**/service.js', '**/*-service.js'],
              message: 'repositories hold SQL only',
            },
          ],
        },
      ],
    },
  },
  {
    // `npm start`'s launcher: plain JavaScript that any Node.js can run, in no TypeScript project.
    files: ['packages/api/src/cli/launch.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: { process: 'readonly' },
    },
  },
);
