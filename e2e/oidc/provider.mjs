// A real OpenID Connect provider on loopback for the ProConnect tests (npm `oidc-provider`,
// the library ProConnect's own federation core is built on): discovery, JWKS, authorization
// code flow with PKCE required, ID token and userinfo signed RS256 (as ProConnect signs
// them), RP-initiated logout.
//
//   node e2e/oidc/provider.mjs            # prints « prêt http://127.0.0.1:PORT » once listening
//
// Environment: OIDC_PORT (0 by default: any free port), OIDC_CLIENT_ID, OIDC_CLIENT_SECRET,
// OIDC_REDIRECT_URIS and OIDC_POST_LOGOUT_URIS (comma-separated).
//
// The interaction (the provider's own sign-in page) is a form whose fields choose the
// identity the provider asserts — `sub`, `email`, `given_name`, `usual_name` — so that a
// test can sign in as an agent, as a stranger, or as the same `sub` with another e-mail.
// Its field `alterer` makes the provider misbehave on the token response of that sign-in,
// as a compromised or impersonated provider would; the relying party must refuse each:
//   signature  the ID token re-signed by a key absent from the JWKS (same `kid`)
//   kid        the same, under a `kid` the JWKS does not list
//   nonce      a valid signature over another nonce
//   audience   a valid signature for another client
//   expire     a valid signature over an expired token
//   none       the ID token with `alg: none` and no signature
import crypto from 'node:crypto';
import http from 'node:http';

import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_PORT || 0);
const clientId = process.env.OIDC_CLIENT_ID || 'bilan';
const clientSecret = process.env.OIDC_CLIENT_SECRET || 'secret-de-test-du-fournisseur-oidc';
const list = (v, d) => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : d);
const redirectUris = list(process.env.OIDC_REDIRECT_URIS, ['http://127.0.0.1:8080/connexion/proconnect/retour']);
const postLogoutUris = list(process.env.OIDC_POST_LOGOUT_URIS, ['http://127.0.0.1:8080/connexion']);

const b64url = (buf) => Buffer.from(buf).toString('base64url');
const json64 = (obj) => b64url(JSON.stringify(obj));

// The provider's signing key, and a foreign one the JWKS never lists.
const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingJwk = { ...privateKey.export({ format: 'jwk' }), kid: 'cle-du-fournisseur', alg: 'RS256', use: 'sig' };
const foreign = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;

function sign(header, payload, key) {
  const input = `${json64(header)}.${json64(payload)}`;
  return `${input}.${b64url(crypto.sign('sha256', Buffer.from(input), key))}`;
}

function decode(jwt) {
  const [h, p] = jwt.split('.');
  return [JSON.parse(Buffer.from(h, 'base64url')), JSON.parse(Buffer.from(p, 'base64url'))];
}

// What each sign-in asserted, by `sub` (the test may reuse a `sub` with another e-mail).
const identities = new Map();
// Misbehaviours to apply to the next token response of a `sub`.
const alterations = new Map();

const server = http.createServer();
server.listen(port, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: redirectUris,
        post_logout_redirect_uris: postLogoutUris,
        response_types: ['code'],
        grant_types: ['authorization_code'],
        token_endpoint_auth_method: 'client_secret_post',
        id_token_signed_response_alg: 'RS256',
        userinfo_signed_response_alg: 'RS256',
      },
    ],
    jwks: { keys: [signingJwk] },
    pkce: { required: () => true },
    // ProConnect's scopes are claim names.
    scopes: ['openid', 'email', 'given_name', 'usual_name'],
    claims: { openid: ['sub'], email: ['email'], given_name: ['given_name'], usual_name: ['usual_name'] },
    features: {
      devInteractions: { enabled: false },
      jwtUserinfo: { enabled: true },
      rpInitiatedLogout: { enabled: true },
    },
    cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: (_ctx, sub) => {
      const who = identities.get(sub);
      if (!who) return undefined;
      return { accountId: sub, claims: () => ({ sub, ...who }) };
    },
    ttl: { AuthorizationCode: 30, Interaction: 600, Session: 600, Grant: 600, AccessToken: 60, IdToken: 60 },
  });
  provider.proxy = false;

  // The sign-in page and its form, then an automatic consent.
  provider.use(async (ctx, next) => {
    const m = ctx.path.match(/^\/interaction\/([^/]+)$/);
    if (!m) {
      await next();
      if (ctx.path === '/token' && ctx.status === 200 && ctx.body && ctx.body.id_token) {
        ctx.body = { ...ctx.body, id_token: alter(ctx.body.id_token) };
      }
      return;
    }
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    if (details.prompt.name === 'login') {
      if (ctx.method === 'GET') {
        ctx.type = 'html';
        ctx.body = `<!doctype html><html lang="fr"><title>Fournisseur de test</title>
<form method="post" action="/interaction/${details.uid}" id="form-fournisseur">
<input name="sub"><input name="email"><input name="given_name"><input name="usual_name"><input name="alterer">
<button type="submit">Se connecter</button></form></html>`;
        return;
      }
      const body = new URLSearchParams(await readBody(ctx.req));
      const sub = body.get('sub');
      if (!sub) {
        ctx.status = 400;
        ctx.body = 'sub manquant';
        return;
      }
      const who = {};
      for (const k of ['email', 'given_name', 'usual_name']) if (body.get(k)) who[k] = body.get(k);
      identities.set(sub, who);
      if (body.get('alterer')) alterations.set(sub, body.get('alterer'));
      else alterations.delete(sub);
      return provider.interactionFinished(ctx.req, ctx.res, { login: { accountId: sub } }, { mergeWithLastSubmission: false });
    }
    // Consent: granted to the one client for what it asked.
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
    if (details.prompt.details.missingOIDCScope) grant.addOIDCScope(details.prompt.details.missingOIDCScope.join(' '));
    if (details.prompt.details.missingOIDCClaims) grant.addOIDCClaims(details.prompt.details.missingOIDCClaims);
    const grantId = await grant.save();
    return provider.interactionFinished(ctx.req, ctx.res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  });

  function alter(idToken) {
    const [header, payload] = decode(idToken);
    const how = alterations.get(payload.sub);
    if (!how) return idToken;
    alterations.delete(payload.sub);
    const privateKeyObject = crypto.createPrivateKey({ key: signingJwk, format: 'jwk' });
    switch (how) {
      case 'signature':
        return sign(header, payload, foreign);
      case 'kid':
        return sign({ ...header, kid: 'cle-inconnue' }, payload, foreign);
      case 'nonce':
        return sign(header, { ...payload, nonce: 'un-autre-nonce-que-celui-de-la-demande' }, privateKeyObject);
      case 'audience':
        return sign(header, { ...payload, aud: 'un-autre-client' }, privateKeyObject);
      case 'expire':
        return sign(header, { ...payload, iat: payload.iat - 7200, exp: payload.iat - 3600 }, privateKeyObject);
      case 'none':
        return `${json64({ alg: 'none', typ: 'JWT' })}.${json64(payload)}.`;
      default:
        return idToken;
    }
  }

  server.on('request', provider.callback());
  console.log(`prêt ${issuer}`);
});

function readBody(req) {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (c) => {
      data += c;
      if (data.length > 65536) reject(new Error('corps trop long'));
    });
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

// Stops with its parent: the test closes our standard input when it ends.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
