import type { IntrospectionQuery, IntrospectionTypeRef } from 'graphql';

/** What the client needs to know of the schema: each object type's fields and their types. */
export interface SchemaIndex {
  roots: { query: string; mutation?: string; subscription?: string };
  /** object and interface types: field name -> the field's named type */
  fields: Map<string, Map<string, string>>;
  /** the kind of every named composite type */
  kinds: Map<string, string>;
  /** abstract type -> its possible concrete types */
  possibleTypes: Map<string, Set<string>>;
}

function namedType(ref: IntrospectionTypeRef): string | undefined {
  let current: IntrospectionTypeRef = ref;
  while (current.kind === 'LIST' || current.kind === 'NON_NULL') current = current.ofType;
  return 'name' in current ? current.name : undefined;
}

export function indexSchema(data: IntrospectionQuery): SchemaIndex {
  const { __schema: schema } = data;
  const fields = new Map<string, Map<string, string>>();
  const kinds = new Map<string, string>();
  const possibleTypes = new Map<string, Set<string>>();
  for (const type of schema.types) {
    kinds.set(type.name, type.kind);
    if (type.kind === 'OBJECT' || type.kind === 'INTERFACE') {
      const byName = new Map<string, string>();
      for (const field of type.fields) {
        const name = namedType(field.type);
        if (name) byName.set(field.name, name);
      }
      fields.set(type.name, byName);
    }
    if (type.kind === 'UNION' || type.kind === 'INTERFACE') {
      possibleTypes.set(type.name, new Set(type.possibleTypes.map((possible) => possible.name)));
    }
  }
  return {
    roots: {
      query: schema.queryType.name,
      mutation: schema.mutationType?.name,
      subscription: schema.subscriptionType?.name,
    },
    fields,
    kinds,
    possibleTypes,
  };
}

/** Object types without an `id` field (other than the roots): graphcache embeds them. */
export function keylessTypes(index: SchemaIndex): string[] {
  const roots = new Set(Object.values(index.roots));
  const keyless: string[] = [];
  for (const [name, fields] of index.fields) {
    if (index.kinds.get(name) !== 'OBJECT' || roots.has(name) || name.startsWith('__')) continue;
    if (!fields.has('id')) keyless.push(name);
  }
  return keyless.sort();
}

/** Whether `typename` satisfies a fragment's type condition. */
export function matchesType(index: SchemaIndex, condition: string, typename: string): boolean {
  return condition === typename || (index.possibleTypes.get(condition)?.has(typename) ?? false);
}
