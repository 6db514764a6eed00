import { Kind } from '@0no-co/graphql.web';
import type {
  DocumentNode,
  FragmentDefinitionNode,
  OperationDefinitionNode,
  SelectionSetNode,
} from '@0no-co/graphql.web';
import { matchesType, type SchemaIndex } from './schema';

type Fragments = ReadonlyMap<string, FragmentDefinitionNode>;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Put back the `__typename`s graphcache needs into a response, in place.
 *
 * graphcache adds `__typename` to every selection set of the documents it sends, but a request
 * by trusted `documentId` runs the manifest's text, which has none (codegen's persisted
 * documents keep the operation as written). The schema says each field's type, so every
 * object gets its typename back; an abstract field keeps whatever `__typename` the server sent
 * (our documents select it on the RoomEvent union).
 */
export function addTypenames(
  data: Record<string, unknown> | null | undefined,
  document: DocumentNode,
  index: SchemaIndex,
): void {
  if (!data) return;
  const fragments = new Map<string, FragmentDefinitionNode>();
  let operation: OperationDefinitionNode | undefined;
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) {
      fragments.set(definition.name.value, definition);
    } else if (definition.kind === Kind.OPERATION_DEFINITION) {
      operation ??= definition;
    }
  }
  if (!operation) return;
  const root = index.roots[operation.operation];
  if (root) fillObject(data, root, operation.selectionSet, fragments, index, true);
}

function fillObject(
  value: Record<string, unknown>,
  typename: string,
  selectionSet: SelectionSetNode,
  fragments: Fragments,
  index: SchemaIndex,
  isRoot = false,
): void {
  if (!isRoot && typeof value.__typename !== 'string') value.__typename = typename;
  const fields = index.fields.get(typename);
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (!selection.selectionSet) continue;
      const key = selection.alias?.value ?? selection.name.value;
      const fieldType = fields?.get(selection.name.value);
      if (fieldType) fillValue(value[key], fieldType, selection.selectionSet, fragments, index);
    } else {
      const fragment =
        selection.kind === Kind.INLINE_FRAGMENT ? selection : fragments.get(selection.name.value);
      if (!fragment) continue;
      const condition = fragment.typeCondition?.name.value;
      if (condition === undefined || matchesType(index, condition, typename)) {
        fillObject(value, typename, fragment.selectionSet, fragments, index, isRoot);
      }
    }
  }
}

function fillValue(
  value: unknown,
  fieldType: string,
  selectionSet: SelectionSetNode,
  fragments: Fragments,
  index: SchemaIndex,
): void {
  if (Array.isArray(value)) {
    for (const item of value) fillValue(item, fieldType, selectionSet, fragments, index);
    return;
  }
  if (!isRecord(value)) return;
  const kind = index.kinds.get(fieldType);
  const typename =
    kind === 'OBJECT' ? fieldType : typeof value.__typename === 'string' ? value.__typename : null;
  if (typename) fillObject(value, typename, selectionSet, fragments, index);
}
