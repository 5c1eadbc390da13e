// Lint: typescript-eslint recommended, plus the import rules that keep the house in order
// (../shared/docs/ARCHITECTURE.md "Direction of imports"): no cycles, and pure modules never reach effects.
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import prettierConfig from 'eslint-config-prettier';

const EFFECT_PACKAGES = ['pg', 'kysely', 'bullmq', 'ioredis', 'fastify', 'node:net', 'node:tls', 'net', 'tls', '@electric-sql/pglite', '@electric-sql/pglite/*'];
const pure = (dir) => ({
  files: [`src/${dir}/**/*.ts`],
  rules: {
    'no-restricted-imports': ['error', { paths: EFFECT_PACKAGES.filter((p) => !p.includes('*')), patterns: ['@electric-sql/pglite*'] }],
  },
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'data/**', 'bin/**', 'jest.config.js', 'jest.e2e.config.js', 'test-output/**'] },
  ...tseslint.configs.recommended,
  {
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver': { node: { extensions: ['.ts', '.js'] } }, 'import-x/extensions': ['.ts', '.js'], 'import-x/ignore': ['node_modules'] },
    rules: {
      'import-x/no-cycle': ['error', { maxDepth: 10 }],
      'import-x/no-restricted-paths': ['error', {
        zones: [
          { target: './src/core', from: ['./src/hl7', './src/mllp', './src/mappings', './src/pipeline', './src/channels', './src/store', './src/admin', './src/cli', './src/main.ts', './src/engine'], message: 'core depends on nothing else' },
          { target: './src/hl7', from: ['./src/mllp', './src/mappings', './src/pipeline', './src/channels', './src/store', './src/admin', './src/cli', './src/main.ts', './src/engine'], message: 'hl7 depends only on core' },
          { target: './src/mappings', from: ['./src/mllp', './src/pipeline', './src/channels', './src/store', './src/admin', './src/cli', './src/main.ts', './src/engine'], message: 'mappings depend on core and hl7 only' },
          { target: './src/pipeline', from: ['./src/store', './src/admin', './src/cli', './src/main.ts', './src/engine', './src/channels'], message: 'the pipeline reaches the store through its ports' },
          { target: './src/store', from: ['./src/admin', './src/cli', './src/main.ts', './src/engine', './src/mllp'], message: 'the store does not know its callers' },
          { target: './src/mllp', from: ['./src/store', './src/pipeline', './src/admin', './src/cli', './src/main.ts', './src/engine', './src/mappings'], message: 'mllp is transport only' },
          { target: './src/admin', from: ['./src/cli', './src/main.ts', './src/engine'], message: 'admin is wired by main.ts' },
          { target: './src/x12', from: ['./src/hl7', './src/mllp', './src/mappings', './src/pipeline', './src/channels', './src/store', './src/admin', './src/cli', './src/main.ts', './src/engine', './src/billing'], message: 'x12 depends only on core' },
          { target: './src/alerts', from: ['./src/mllp', './src/pipeline', './src/channels', './src/store', './src/admin', './src/cli', './src/main.ts', './src/engine'], message: 'alerts get their readings through functions main.ts passes in' },
          { target: './src/acks', from: ['./src/store', './src/pipeline', './src/channels', './src/admin', './src/cli', './src/main.ts', './src/engine'], message: 'application ACK delivery reaches the store through its port' },
          { target: './src/metrics', from: ['./src/mllp', './src/store', './src/admin', './src/cli', './src/main.ts', './src/engine'], message: 'metrics get their readings through functions main.ts passes in' },
          { target: './src/billing', from: ['./src/mllp', './src/pipeline', './src/channels', './src/store', './src/admin', './src/cli', './src/main.ts', './src/engine'], message: 'billing is pure: it reaches the store through its ports' },
        ],
      }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  pure('core'), pure('hl7'), pure('mappings'), pure('x12'), pure('billing'), pure('alerts'),
  { files: ['src/pipeline/*.ts'], rules: pure('pipeline').rules },
  // Migrations take Kysely<any> on purpose: they stay frozen in time while the Database type moves on.
  { files: ['src/store/migrations/*.ts', 'src/store/db.ts'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
  { files: ['test/**/*.ts'], rules: { '@typescript-eslint/no-non-null-assertion': 'off', '@typescript-eslint/no-explicit-any': 'off' } },
  // Layout is Prettier's (npm run format; lint checks it): no lint rule argues with it.
  prettierConfig,
);
