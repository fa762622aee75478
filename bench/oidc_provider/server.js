// The Node.js oidc-provider (OpenID-certified), configured as a small production deployment
// would be, for SPEC §13's comparison (bench/compare_oidc_provider.py starts it).
//
// Environment:
//   PORT           port to listen on (127.0.0.1)
//   WORKERS        cluster workers (default: the machine's cores)
//   BENCH_FIXTURE  JSON file written by the benchmark: the client, and the tokens every worker
//                  loads into its store before it listens (see below)
//
// Configuration: one confidential client (client_secret_basic; client_credentials,
// refresh_token, authorization_code), features clientCredentials, introspection, revocation
// and resourceIndicators (one API whose access tokens are ES256 JWTs), refresh tokens rotated
// on every use (as identity_graph does; oidc-provider's default rotates a confidential
// client's only near expiry), signing keys (ES256 and RS256) generated at start-up by the
// primary and shared with the workers, devInteractions off (no browser flow is measured).
//
// Store: an unbounded in-memory adapter in each worker (the bundled MemoryAdapter is an LRU of
// 1,000 entries: it would evict the prepared tokens). No network round trip, so this is
// favourable to oidc-provider: identity_graph keeps the same state in PostgreSQL.
//
// Cluster mode: Node's cluster module, one worker per core as identity_graph runs. The state the
// measured requests read (a grant per refresh token, the session, one user access token, one
// client-credentials token) is the same in every worker because each loads it from the fixture
// under the same ids; what a request writes (rotated refresh tokens, new access tokens) stays in
// the worker that served it, and nothing of it is read again. A client-credentials grant needs
// no shared state at all.

import cluster from 'node:cluster';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';

import Provider, { errors } from 'oidc-provider';

const port = Number(process.env.PORT || 3000);
const workers = Number(process.env.WORKERS || os.availableParallelism?.() || os.cpus().length);
const DAY = 24 * 60 * 60;
const API = 'urn:idg-bench:api';

function signingKeys() {
  const jwk = (pair, alg, kid) => ({ ...pair.privateKey.export({ format: 'jwk' }), alg, use: 'sig', kid });
  return [
    jwk(generateKeyPairSync('ec', { namedCurve: 'P-256' }), 'ES256', 'es256-1'),
    jwk(generateKeyPairSync('rsa', { modulusLength: 2048 }), 'RS256', 'rs256-1'),
  ];
}

// -- the store ------------------------------------------------------------------------------

const store = new Map(); // `${model}:${id}` -> { payload, expiresAt }
const grantMembers = new Map(); // grantId -> Set of keys
const sessionUids = new Map(); // session uid -> session id
const userCodes = new Map();
const GRANTABLE = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
]);
const epoch = () => Math.floor(Date.now() / 1000);

class MemoryAdapter {
  constructor(model) {
    this.model = model;
  }

  key(id) {
    return `${this.model}:${id}`;
  }

  async upsert(id, payload, expiresIn) {
    const key = this.key(id);
    store.set(key, { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : Infinity });
    if (this.model === 'Session') sessionUids.set(payload.uid, id);
    if (payload.userCode) userCodes.set(payload.userCode, id);
    if (payload.grantId && GRANTABLE.has(this.model)) {
      let members = grantMembers.get(payload.grantId);
      if (!members) grantMembers.set(payload.grantId, (members = new Set()));
      members.add(key);
    }
  }

  async find(id) {
    const key = this.key(id);
    const entry = store.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      store.delete(key);
      return undefined;
    }
    return entry.payload;
  }

  async findByUid(uid) {
    const id = sessionUids.get(uid);
    return id === undefined ? undefined : this.find(id);
  }

  async findByUserCode(userCode) {
    const id = userCodes.get(userCode);
    return id === undefined ? undefined : this.find(id);
  }

  async consume(id) {
    const entry = store.get(this.key(id));
    if (entry) entry.payload.consumed = epoch();
  }

  async destroy(id) {
    store.delete(this.key(id));
  }

  async revokeByGrantId(grantId) {
    for (const key of grantMembers.get(grantId) ?? []) store.delete(key);
    grantMembers.delete(grantId);
  }
}

function sweep() {
  const now = Date.now();
  for (const [key, entry] of store) if (entry.expiresAt <= now) store.delete(key);
}

// -- the provider ---------------------------------------------------------------------------

const ACCOUNT_CLAIMS = {
  preferred_username: 'bench000000',
  account_type: 'NATURAL_PERSON',
  name: '测试用户',
};

function provider(fixture, keys, cookieKeys) {
  const issuer = `http://127.0.0.1:${port}`;
  const oidc = new Provider(issuer, {
    adapter: MemoryAdapter,
    clients: [
      {
        client_id: fixture.clientId,
        client_secret: fixture.clientSecret,
        grant_types: ['client_credentials', 'refresh_token', 'authorization_code'],
        response_types: ['code'],
        redirect_uris: ['https://rp.example.cn/cb'],
        token_endpoint_auth_method: 'client_secret_basic',
        scope: 'openid offline_access profile',
      },
    ],
    jwks: { keys },
    cookies: { keys: cookieKeys },
    scopes: ['openid', 'offline_access', 'profile'],
    claims: { openid: ['sub'], profile: Object.keys(ACCOUNT_CLAIMS) },
    async findAccount(ctx, accountId) {
      return { accountId, claims: () => ({ sub: accountId, ...ACCOUNT_CLAIMS }) };
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: (ctx, client, oneOf) => oneOf,
        useGrantedResource: () => false,
        getResourceServerInfo(ctx, resource) {
          if (resource !== API) throw new errors.InvalidTarget();
          return {
            scope: 'profile',
            audience: fixture.clientId,
            accessTokenTTL: DAY,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'ES256' } },
          };
        },
      },
    },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    rotateRefreshToken: true,
    ttl: {
      AccessToken: 900,
      ClientCredentials: 3600,
      Grant: 14 * DAY,
      IdToken: 900,
      Interaction: 600,
      RefreshToken: 14 * DAY,
      Session: 14 * DAY,
      AuthorizationCode: 60,
    },
  });
  oidc.on('server_error', (ctx, error) => console.error('server_error', error));
  return oidc;
}

/** The state the measured requests read, under the fixture's ids (the same in every worker). */
async function load(oidc, fixture) {
  const client = await oidc.Client.find(fixture.clientId);
  const accountId = fixture.accountId;
  const now = epoch();
  // the format is otherwise chosen when oidc-provider draws the id; these ids are given
  const opaque = (token) => Object.assign(token, { format: 'opaque' });
  const grantFor = async (jti, scope) => {
    const grant = new oidc.Grant({ jti, accountId, clientId: client.clientId });
    grant.addOIDCScope(scope);
    await grant.save();
  };

  // a login session, with its grant, and one session-bound user access token (for UserInfo)
  const sessionGrant = 'bench-session-grant';
  await grantFor(sessionGrant, 'openid profile');
  const session = new oidc.Session({
    jti: 'bench-session',
    uid: 'bench-session-uid',
    accountId,
    loginTs: now,
    authorizations: { [client.clientId]: { grantId: sessionGrant, sid: 'bench-sid', persistsLogout: false } },
  });
  await session.save(14 * DAY);
  await opaque(new oidc.AccessToken({
    jti: fixture.userAccessToken,
    accountId,
    client,
    grantId: sessionGrant,
    scope: 'openid profile',
    gty: 'authorization_code',
    sessionUid: 'bench-session-uid',
    sid: 'bench-sid',
    expiresWithSession: true,
    expiresIn: DAY,
  })).save();

  // one client-credentials token (opaque: oidc-provider introspects no JWT)
  await opaque(new oidc.ClientCredentials({
    jti: fixture.clientCredentialsToken,
    client,
    scope: 'profile',
    expiresIn: DAY,
  })).save();

  // refresh tokens, one grant (family) each, as an authorization code exchange leaves them.
  // No `openid` in their scope: identity_graph leaves the ID token out of refresh responses
  // (OIDC Core §12.2), and oidc-provider would sign one whenever the scope has `openid`.
  for (const token of fixture.refreshTokens) {
    const grantId = createHash('sha256').update(token).digest('base64url').slice(0, 21);
    await grantFor(grantId, fixture.refreshScope);
    await opaque(new oidc.RefreshToken({
      jti: token,
      accountId,
      client,
      grantId,
      scope: fixture.refreshScope,
      gty: 'authorization_code',
      authTime: now,
      iiat: now,
      acr: 'urn:identity-graph:acr:phone-verified',
      amr: ['pwd'],
      expiresWithSession: false,
    })).save();
  }
}

if (cluster.isPrimary) {
  const keys = JSON.stringify(signingKeys());
  const cookieKeys = JSON.stringify([randomBytes(32).toString('base64url')]);
  let ready = 0;
  for (let index = 0; index < workers; index += 1) {
    const worker = cluster.fork({ BENCH_KEYS: keys, BENCH_COOKIE_KEYS: cookieKeys });
    worker.on('message', (message) => {
      if (message === 'listening' && (ready += 1) === workers) {
        console.log(`READY ${workers} workers, oidc-provider listening on ${port}`);
      }
    });
  }
  cluster.on('exit', (worker, code, signal) => {
    // a benchmark must not go on with fewer workers than it reports
    console.error(`worker ${worker.process.pid} exited (${signal || code})`);
    process.exit(1);
  });
  const stop = () => {
    for (const worker of Object.values(cluster.workers)) worker.process.kill('SIGTERM');
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} else {
  const fixture = JSON.parse(readFileSync(process.env.BENCH_FIXTURE, 'utf8'));
  const oidc = provider(fixture, JSON.parse(process.env.BENCH_KEYS), JSON.parse(process.env.BENCH_COOKIE_KEYS));
  await load(oidc, fixture);
  setInterval(sweep, 60_000).unref();
  const server = http.createServer(oidc.callback());
  server.keepAliveTimeout = 65_000;
  server.listen(port, '127.0.0.1', () => process.send('listening'));
}
