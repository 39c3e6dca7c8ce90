import { DateTimeResolver, JSONResolver } from 'graphql-scalars';

/** ISO-8601 instants; the name other subgraphs use too, so that the supergraph composes. */
export const DateTimeScalar = DateTimeResolver;
/** Any JSON value. */
export const JSONScalar = JSONResolver;
