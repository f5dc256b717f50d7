// Cross-tenant access is impossible by construction: every organisation-owned schema is built here,
// and a query on it without an `org` filter throws before it reaches the database.
import mongoose, { Schema, type SchemaDefinition, type SchemaOptions } from 'mongoose';

/** Every query and update operation mongoose has (count*, delete*, distinct, find*, replace*, update*). */
const QUERY_OPS = /^(count|delete|distinct|find|replace|update)/;

export class UnscopedQueryError extends Error {}

export function orgScopedSchema<T>(definition: SchemaDefinition, options: SchemaOptions = {}): Schema<T> {
  const schema = new Schema({ org: { type: String, required: true }, ...definition }, options as object);
  schema.pre(QUERY_OPS, function (this: mongoose.Query<unknown, unknown>) {
    const filter = this.getFilter() as { org?: unknown; _id?: unknown };
    if (typeof filter.org !== 'string' || !filter.org) {
      throw new UnscopedQueryError(`unscoped ${(this as unknown as { op: string }).op} on ${this.model.modelName}: filter by organisation`);
    }
    // `_id` first: the same filter to MongoDB, but SecantusDB picks its index by the filter's first servable field,
    // and `{org, _id}` would walk the organisation's documents (test/db/plans.test.ts).
    if ('_id' in filter && Object.keys(filter)[0] !== '_id') this.setQuery({ _id: filter._id, ...filter });
  });
  schema.pre('aggregate', function (this: mongoose.Aggregate<unknown>) {
    const first = this.pipeline()[0] as { $match?: { org?: unknown } } | undefined;
    if (typeof first?.$match?.org !== 'string') {
      throw new UnscopedQueryError('unscoped aggregate: the first stage must $match an organisation');
    }
  });
  return schema as unknown as Schema<T>;
}
