/// <reference types="vite/client" />

declare module 'virtual:agilekit-schema' {
  import type { IntrospectionQuery } from 'graphql';
  const schema: IntrospectionQuery;
  export default schema;
}
