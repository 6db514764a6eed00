import { readFileSync } from 'node:fs';
import { getIntrospectedSchema, minifyIntrospectionQuery } from '@urql/introspection';
import type { Plugin } from 'vite';

const MODULE_ID = 'virtual:agilekit-schema';
const RESOLVED_ID = `\0${MODULE_ID}`;

/**
 * `import schema from 'virtual:agilekit-schema'`: the repository's committed
 * schema/schema.graphql as minified introspection data, for graphcache (fragment matching,
 * partial results) and for restoring `__typename` on trusted-document responses.
 */
export function agilekitSchema(schemaFile: string): Plugin {
  return {
    name: 'agilekit-schema',
    resolveId(source) {
      return source === MODULE_ID ? RESOLVED_ID : undefined;
    },
    load(id) {
      if (id !== RESOLVED_ID) return undefined;
      this.addWatchFile(schemaFile);
      const introspection = minifyIntrospectionQuery(
        getIntrospectedSchema(readFileSync(schemaFile, 'utf8')),
        {
          includeDirectives: false,
          includeEnums: false,
          includeScalars: false,
          includeInputs: false,
        },
      );
      return `export default ${JSON.stringify(introspection)};`;
    },
  };
}
