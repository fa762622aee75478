// One graphql-ws subscriber for tests/graphql/test_subscriptions_workers.py: subscribes once,
// prints one JSON line per event ({"connected", "localPort"} first, then {"next"}), exits
// after `count` events, on completion or on error.
// Usage: node sub.mjs <ws url> <query> <variables JSON> <count> [token]
import { createClient } from "graphql-ws";
import WebSocket from "ws";

const [url, query, variables, count, token] = process.argv.slice(2);
const out = (value) => process.stdout.write(JSON.stringify(value) + "\n");
let seen = 0;
const client = createClient({
  url,
  webSocketImpl: WebSocket,
  retryAttempts: 0,
  connectionParams: token ? { Authorization: `Bearer ${token}` } : {},
  on: {
    // The local port lets the test find which server worker holds this connection.
    connected: (socket) => out({ connected: true, localPort: socket._socket.localPort }),
  },
});
client.subscribe(
  { query, variables: JSON.parse(variables) },
  {
    next: (value) => {
      out({ next: value });
      seen += 1;
      if (seen >= Number(count)) client.dispose().then(() => process.exit(0));
    },
    error: (error) => {
      out({ error: String(error?.reason ?? error?.message ?? JSON.stringify(error)) });
      process.exit(1);
    },
    complete: () => {
      out({ complete: true });
      client.dispose().then(() => process.exit(0));
    },
  },
);
