import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { printSubgraphSchema } from '@apollo/subgraph';
import { modules } from '../src/modules';
import { buildAuditSchema } from '../src/schema/build-schema';

/** Writes the subgraph SDL to schema.graphql (a test fails while it is out of date). */
void buildAuditSchema(modules).then((schema) => {
  writeFileSync(join(__dirname, '..', 'schema.graphql'), printSubgraphSchema(schema));
  console.log('schema.graphql written');
});
