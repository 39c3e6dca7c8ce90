import { composeServices } from '@apollo/composition';
import { printSubgraphSchema } from '@apollo/subgraph';
import gql from 'graphql-tag';
import { modules } from '../../src/modules';
import { buildAuditSchema } from '../../src/schema/build-schema';
import { COMMON_CRM_TYPE_NAMES, crmTypeDefs, type CrmShape } from '../support/crm-subgraph';

/** We cannot know the other subgraphs' shapes: our SDL must compose with each common one. */
describe('composing our subgraph with CRM subgraphs of every common shape', () => {
  let audit: ReturnType<typeof gql>;
  beforeAll(async () => {
    audit = gql(printSubgraphSchema(await buildAuditSchema(modules)));
  });

  const shapes: Array<[string, CrmShape]> = [
    ['a minimal PageInfo', { pageInfo: 'minimal' }],
    ['a full Relay PageInfo and a Node interface', { pageInfo: 'relay', relayNode: true }],
    ['a PageInfo with totalCount', { pageInfo: 'withTotalCount' }],
    ['no PageInfo at all', { pageInfo: 'none' }],
    ['entities with a second @key', { pageInfo: 'minimal', secondKey: true }],
    ['types of its own under the names CRMs commonly use', { pageInfo: 'minimal', ownTypes: COMMON_CRM_TYPE_NAMES }],
  ];

  it.each(shapes)('composes with %s', (_, shape) => {
    const result = composeServices([
      { name: 'crm', url: 'http://crm:4000/graphql', typeDefs: crmTypeDefs(shape) },
      { name: 'audit', url: 'http://audit:4001/graphql', typeDefs: audit },
    ]);
    expect(result.errors?.map((error) => error.message) ?? []).toEqual([]);
    expect(result.supergraphSdl).toMatch(/type AuditPageInfo\b/);
  });
});
