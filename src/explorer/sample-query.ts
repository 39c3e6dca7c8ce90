/**
 * What the explorer opens with: one operation that runs as-is with the prefilled development token (the latest events of the
 * demo tenant), and, in comments, more to try.
 */
export const SAMPLE_QUERY = `# audit-subgraph explorer
# On the development secret, Headers holds an ADMIN token for
# tenant "demo"; otherwise put a token of yours there.
# Run with Ctrl-Enter or the button. No events yet?
# Load a demo history: npm run seed
#
# More to try (in place of the query below):
#   auditEvents(search: "action:LOGIN_FAILED ip:192.0.2.0/24")
#   auditEvents(filter: { entityTypes: ["Opportunity"],
#     field: "stage", preset: LAST_30_DAYS })
#   subscription { auditEventRecorded { action entityId } }
#   auditLogIntegrity { ok eventsChecked }
# A record's history, as the gateway asks for it:
#   _entities(representations: [{ __typename: "Lead",
#     id: "L-1001" }]) { ... on Lead { auditHistory {
#       edges { node { occurredAt action actor { id }
#         changes { field oldValue newValue } } } } } }

query LatestEvents {
  auditEvents(first: 20) {
    edges {
      node {
        occurredAt
        actor {
          id
          email
          role
        }
        action
        category
        entityType
        entityId
        changes {
          field
          oldValue
          newValue
        }
        source
        ipAddress
        location {
          city
          country
        }
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
`;
