// An Apollo gateway over identity_graph (the URL in argv[2]) and two small subgraphs of
// its own: `notes` (notes that reference accounts by id) and `badges` (adds a field to
// Account). Env: GATEWAY_SECRET (sent to identity_graph as X-Gateway-Secret) and
// NOTE_AUTHORS (a JSON list of account ids, valid or not). Prints one JSON line with the
// gateway's URL when it has composed, then serves until stdin closes.
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { ApolloGateway, IntrospectAndCompose, RemoteGraphQLDataSource } from '@apollo/gateway';
import { buildSubgraphSchema } from '@apollo/subgraph';
import gql from 'graphql-tag';
import { Agent } from 'node:http';
import fetch from 'node-fetch';

const identity = process.argv[2];
const authors = JSON.parse(process.env.NOTE_AUTHORS ?? '[]');

const notes = new ApolloServer({
  schema: buildSubgraphSchema({
    typeDefs: gql`
      extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
      type Query { notes: [Note!]! }
      type Note { text: String! author: Account }
      type Account @key(fields: "id", resolvable: false) { id: ID! }
    `,
    resolvers: {
      Query: {
        notes: () => authors.map((id, i) => ({ text: `note ${i}`, author: { id } })),
      },
    },
  }),
  plugins: [ApolloServerPluginInlineTraceDisabled()],
});

const badges = new ApolloServer({
  schema: buildSubgraphSchema({
    typeDefs: gql`
      extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
      type Account @key(fields: "id") { id: ID! badges: [String!]! }
    `,
    resolvers: {
      Account: { __resolveReference: ({ id }) => ({ id, badges: [`badge-${id.slice(0, 4)}`] }) },
    },
  }),
  plugins: [ApolloServerPluginInlineTraceDisabled()],
});

const notesUrl = (await startStandaloneServer(notes, { listen: { port: 0, host: '127.0.0.1' } })).url;
const badgesUrl = (await startStandaloneServer(badges, { listen: { port: 0, host: '127.0.0.1' } })).url;

// A fresh connection per subgraph request: a kept-alive socket the subgraph server already
// closed (its keep-alive timeout passed on a loaded host) would fail with ECONNRESET.
const agent = new Agent({ keepAlive: false });
const fetcher = (url, init) => fetch(url, { ...init, agent });

class IdentitySource extends RemoteGraphQLDataSource {
  willSendRequest({ request, context }) {
    if (this.url === identity) {
      request.http.headers.set('x-gateway-secret', process.env.GATEWAY_SECRET ?? '');
      if (context?.authorization) request.http.headers.set('authorization', context.authorization);
    }
  }
}

const gateway = new ApolloGateway({
  supergraphSdl: new IntrospectAndCompose({
    subgraphs: [
      { name: 'identity', url: identity },
      { name: 'notes', url: notesUrl },
      { name: 'badges', url: badgesUrl },
    ],
  }),
  buildService: ({ url }) => new IdentitySource({ url, fetcher }),
});
const server = new ApolloServer({ gateway });
const { url } = await startStandaloneServer(server, {
  listen: { port: 0, host: '127.0.0.1' },
  context: async ({ req }) => ({ authorization: req.headers.authorization }),
});
process.stdout.write(JSON.stringify({ gateway: url }) + '\n');

process.stdin.resume();
process.stdin.on('end', async () => {
  await server.stop();
  await notes.stop();
  await badges.stop();
  process.exit(0);
});
