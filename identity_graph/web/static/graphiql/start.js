// Starts GraphiQL against this server's /graphql endpoint (kept in a file: the CSP allows
// scripts from 'self' only, never inline).
(function () {
  var fetcher = GraphiQL.createFetcher({ url: window.location.origin + "/graphql" });
  var defaultQuery = [
    "# identity_graph — try a captcha:",
    "query {",
    "  captcha { id imageDataUrl expiresAt }",
    "}",
    "",
  ].join("\n");
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: defaultQuery,
      defaultEditorToolsVisibility: true,
      shouldPersistHeaders: true,
    })
  );
})();
