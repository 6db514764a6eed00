/// <reference types="vite/client" />

declare module 'virtual:agilekit-schema' {
  import type { IntrospectionQuery } from 'graphql';
  const schema: IntrospectionQuery;
  export default schema;
}

interface ImportMetaEnv {
  /** the API's origin when the app is deployed on another one (default: the app's own) */
  readonly VITE_AGILEKIT_API_URL?: string;
}
