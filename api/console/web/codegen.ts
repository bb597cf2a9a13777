// Types for every operation in src/ from the schema the API prints (schema.graphql, written by
// `npm run schema`, i.e. `python -m cli.sdl`; not committed: the test prints it afresh).
// onlyOperationTypes: only the types the console's operations use are written, so a schema
// change elsewhere leaves src/gql as it is, and one that breaks an operation fails the build. documentMode 'string': each operation is its query text with its
// result and variables types attached, so the client sends it as it is (no GraphQL parser
// in the bundle).
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: process.env.CONSOLE_SCHEMA || 'schema.graphql',
  documents: ['src/**/*.ts', 'src/**/*.tsx', '!src/gql/**'],
  ignoreNoDocuments: false,
  generates: {
    [process.env.CONSOLE_GQL_DIR || 'src/gql/']: {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        documentMode: 'string',
        useTypeImports: true,
        enumsAsTypes: true,
        onlyOperationTypes: true,
        skipTypename: true,
        scalars: { Long: 'number', BigInt: 'string', Decimal: 'string', DateTime: 'string', Date: 'string', JSON: 'unknown' },
      },
    },
  },
};

export default config;
