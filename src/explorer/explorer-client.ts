/**
 * The browser script of the explorer page (served as `/graphql/explorer/explorer.js`, after React, GraphiQL and
 * graphql-ws, whose UMD builds define `React`, `ReactDOM`, `GraphiQL` and `graphqlWs`).
 *
 * Queries and mutations go over HTTP (GraphiQL's own fetcher, headers from its Headers tab); subscriptions go over
 * graphql-ws (protocol graphql-transport-ws) with the Headers tab as `connectionParams`, so the token in
 * `Authorization` reaches the server as `connectionParams.Authorization`. A new socket is opened when the headers change.
 */
export const EXPLORER_CLIENT_JS = String.raw`(function () {
  'use strict';
  var config = JSON.parse(document.getElementById('explorer-config').textContent);
  var httpUrl = new URL(config.path, window.location.href);
  var wsUrl = new URL(httpUrl.href);
  wsUrl.protocol = httpUrl.protocol === 'https:' ? 'wss:' : 'ws:';

  var httpFetcher = GraphiQL.createFetcher({ url: httpUrl.href });
  var socket = null;
  var socketKey = null;

  function socketFor(headers) {
    var key = JSON.stringify(headers || {});
    if (!socket || key !== socketKey) {
      if (socket) socket.dispose();
      socketKey = key;
      socket = graphqlWs.createClient({ url: wsUrl.href, lazy: true, retryAttempts: 3, connectionParams: headers || {} });
    }
    return socket;
  }

  function isSubscription(params, options) {
    var document = options && options.documentAST;
    if (!document) return false;
    var operations = document.definitions.filter(function (definition) {
      return definition.kind === 'OperationDefinition';
    });
    var chosen = operations.length === 1 ? operations[0] : operations.find(function (operation) {
      return operation.name && operation.name.value === params.operationName;
    });
    return Boolean(chosen && chosen.operation === 'subscription');
  }

  function fetcher(params, options) {
    if (isSubscription(params, options)) return socketFor(options.headers).iterate(params);
    return httpFetcher(params, options);
  }

  function render(schema) {
    var headers = JSON.stringify(config.headers, null, 2);
    ReactDOM.createRoot(document.getElementById('graphiql')).render(
      React.createElement(GraphiQL, {
        fetcher: fetcher,
        schema: schema,
        defaultQuery: config.defaultQuery,
        headers: headers,
        defaultHeaders: headers,
        isHeadersEditorEnabled: true,
        shouldPersistHeaders: false,
        defaultEditorToolsVisibility: 'headers',
        storage: GraphiQL.createLocalStorage({ namespace: 'audit-subgraph' }),
      }),
    );
  }

  // The schema as an introspection result (undefined, on failure: GraphiQL then introspects by itself).
  fetch(config.schemaUrl)
    .then(function (response) {
      return response.ok ? response.json() : Promise.reject(new Error('HTTP ' + response.status));
    })
    .then(
      function (body) {
        render(body.data);
      },
      function (error) {
        console.warn('explorer: could not load the schema (' + error.message + ')');
        render(undefined);
      },
    );
})();
`;
