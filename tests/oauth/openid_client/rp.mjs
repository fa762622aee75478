// A relying party built on openid-client (the OpenID-certified Node RP library), driven by
// the Python tests one JSON line at a time on stdin; each answer is one JSON line on stdout.
// The tests play the browser (login and consent pages); this process plays the partner
// site: discovery, the authorization URL (optionally pushed, RFC 9126), the callback with
// every check openid-client makes (state, iss per RFC 9207, PKCE, nonce, ID token), DPoP
// (RFC 9449), UserInfo, refresh, introspection, revocation and the end-session URL.
import * as client from 'openid-client'
import { createInterface } from 'node:readline'

let config
const flows = new Map() // state -> { verifier, nonce, dpop }

function failure(error) {
  return {
    error: {
      name: error?.name,
      message: error?.message,
      code: error?.code,
      error: error?.error,
      error_description: error?.error_description,
      status: error?.status,
      cause: error?.cause instanceof Error ? error.cause.message : undefined,
    },
  }
}

function dpopOptions(flow) {
  return flow?.dpop ? { DPoP: flow.dpop } : undefined
}

const operations = {
  async discover({ issuer, client_id, client_secret }) {
    const auth = client_secret ? client.ClientSecretBasic(client_secret) : client.None()
    config = await client.discovery(new URL(issuer), client_id, undefined, auth, {
      execute: [client.allowInsecureRequests], // the provider under test listens on loopback http
    })
    return { metadata: config.serverMetadata() }
  },

  async authorization_url({ redirect_uri, scope, par = false, dpop = false, extra = {} }) {
    const verifier = client.randomPKCECodeVerifier()
    const state = client.randomState()
    const nonce = client.randomNonce()
    const flow = { verifier, nonce }
    if (dpop) flow.dpop = client.getDPoPHandle(config, await client.randomDPoPKeyPair())
    flows.set(state, flow)
    const parameters = {
      redirect_uri,
      scope,
      state,
      nonce,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      ...extra,
    }
    const url = par
      ? await client.buildAuthorizationUrlWithPAR(config, parameters, dpopOptions(flow))
      : client.buildAuthorizationUrl(config, parameters)
    return { url: url.href, state }
  },

  async callback({ url, state }) {
    const flow = flows.get(state)
    const tokens = await client.authorizationCodeGrant(
      config,
      new URL(url),
      {
        pkceCodeVerifier: flow.verifier,
        expectedState: state,
        expectedNonce: flow.nonce,
        idTokenExpected: true,
      },
      undefined,
      dpopOptions(flow),
    )
    return { tokens: { ...tokens }, claims: tokens.claims() }
  },

  async userinfo({ access_token, sub, state }) {
    return { userinfo: await client.fetchUserInfo(config, access_token, sub, dpopOptions(flows.get(state))) }
  },

  async refresh({ refresh_token, state }) {
    const tokens = await client.refreshTokenGrant(config, refresh_token, undefined, dpopOptions(flows.get(state)))
    return { tokens: { ...tokens } }
  },

  async token_exchange(parameters) {
    // RFC 8693 through openid-client's generic grant: the response is checked as any token
    // response (token_type, expires_in, no ID token expected).
    const tokens = await client.genericGrantRequest(
      config,
      'urn:ietf:params:oauth:grant-type:token-exchange',
      parameters,
    )
    return { tokens: { ...tokens } }
  },

  async introspect({ token, token_type_hint }) {
    const parameters = token_type_hint ? { token_type_hint } : undefined
    return { introspection: await client.tokenIntrospection(config, token, parameters) }
  },

  async revoke({ token }) {
    await client.tokenRevocation(config, token)
    return { revoked: true }
  },

  // CIBA (poll mode): the backchannel request, then openid-client's own polling loop
  // (it waits `interval`, retries on authorization_pending and slow_down).
  async ciba_initiate(parameters) {
    return { response: await client.initiateBackchannelAuthentication(config, parameters) }
  },

  async ciba_poll({ response }) {
    const tokens = await client.pollBackchannelAuthenticationGrant(config, response)
    return { tokens: { ...tokens }, claims: tokens.claims() }
  },

  async end_session_url(parameters) {
    return { url: client.buildEndSessionUrl(config, parameters).href }
  },
}

const lines = createInterface({ input: process.stdin })
for await (const line of lines) {
  const { op, ...args } = JSON.parse(line)
  let answer
  try {
    answer = await operations[op](args)
  } catch (error) {
    answer = failure(error)
  }
  process.stdout.write(JSON.stringify(answer) + '\n')
}
