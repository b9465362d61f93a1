//! Signed JSON Web Tokens (JWS compact form) as an OpenID provider issues them: ID tokens
//! and signed userinfo responses. Pure: parsing, signature verification against the
//! provider's published keys (JWKS) and the claims checks of OpenID Connect Core §3.1.3.7.
//!
//! Algorithms: RS256 (ProConnect's) and ES256, verified with `ring` (the TLS stack's own
//! crypto, so no second RSA implementation is built). Anything else — `none`, HS256 (which
//! would make the client secret a signing key), RS512… — is refused.

use base64ct::{Base64UrlUnpadded, Encoding};
use ring::signature::{self, UnparsedPublicKey};
use serde_json::{Map, Value};

/// Allowed clock difference with the provider, in seconds.
pub const LEEWAY: i64 = 60;

/// A public key of the provider's JWKS.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Jwk {
    pub kid: Option<String>,
    pub key: PublicKey,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PublicKey {
    /// Modulus and exponent, big-endian.
    Rsa { n: Vec<u8>, e: Vec<u8> },
    /// An uncompressed P-256 point (0x04 ‖ x ‖ y).
    P256(Vec<u8>),
}

/// Why a token is refused. `Display` is the French reason shown on the refusal page.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    #[error("le jeton reçu est illisible")]
    Malformed,
    #[error("le jeton est signé par un algorithme refusé ({0})")]
    Algorithm(String),
    #[error("le jeton est signé par une clé que le fournisseur ne publie pas")]
    UnknownKey,
    #[error("la signature du jeton n’est pas celle du fournisseur")]
    Signature,
    #[error("le jeton n’a pas été émis par le fournisseur configuré")]
    Issuer,
    #[error("le jeton n’est pas destiné à cette application")]
    Audience,
    #[error("le jeton a expiré")]
    Expired,
    #[error("le jeton est daté dans le futur")]
    NotYetValid,
    #[error("le jeton ne répond pas à cette demande de connexion (nonce différent)")]
    Nonce,
    #[error("le jeton ne désigne pas d’utilisateur")]
    Subject,
}

/// The parts of a compact JWS: header, claims, the signed input and the signature.
pub struct Jws {
    pub alg: String,
    pub kid: Option<String>,
    pub claims: Map<String, Value>,
    signed: Vec<u8>,
    signature: Vec<u8>,
}

fn b64(part: &str) -> Result<Vec<u8>, JwtError> {
    Base64UrlUnpadded::decode_vec(part).map_err(|_| JwtError::Malformed)
}

fn object(bytes: &[u8]) -> Result<Map<String, Value>, JwtError> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(JwtError::Malformed),
    }
}

/// Splits and decodes a compact JWS, without verifying anything.
pub fn parse(token: &str) -> Result<Jws, JwtError> {
    let parts: Vec<&str> = token.trim().split('.').collect();
    let [header, payload, signature] = parts[..] else { return Err(JwtError::Malformed) };
    let h = object(&b64(header)?)?;
    let alg = h.get("alg").and_then(Value::as_str).ok_or(JwtError::Malformed)?.to_string();
    let kid = h.get("kid").and_then(Value::as_str).map(str::to_string);
    // A critical extension we do not understand must not be ignored (RFC 7515 §4.1.11).
    if h.contains_key("crit") {
        return Err(JwtError::Algorithm("en-tête crit".into()));
    }
    Ok(Jws {
        alg,
        kid,
        claims: object(&b64(payload)?)?,
        signed: format!("{header}.{payload}").into_bytes(),
        signature: b64(signature)?,
    })
}

impl Jws {
    /// Verifies the signature with the key of the header's `kid` (or, without one, any key
    /// of the algorithm's type). `UnknownKey` when no published key has that `kid`: the
    /// caller may refresh the JWKS once and retry.
    pub fn verify(&self, keys: &[Jwk]) -> Result<(), JwtError> {
        let rsa = match self.alg.as_str() {
            "RS256" => true,
            "ES256" => false,
            other => return Err(JwtError::Algorithm(other.to_string())),
        };
        let candidates: Vec<&Jwk> = keys
            .iter()
            .filter(|k| matches!((&k.key, rsa), (PublicKey::Rsa { .. }, true) | (PublicKey::P256(_), false)))
            .filter(|k| self.kid.is_none() || k.kid == self.kid)
            .collect();
        if candidates.is_empty() {
            return Err(JwtError::UnknownKey);
        }
        let ok = candidates.iter().any(|k| match &k.key {
            PublicKey::Rsa { n, e } => signature::RsaPublicKeyComponents { n, e }
                .verify(&signature::RSA_PKCS1_2048_8192_SHA256, &self.signed, &self.signature)
                .is_ok(),
            PublicKey::P256(point) => UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, point)
                .verify(&self.signed, &self.signature)
                .is_ok(),
        });
        if ok {
            Ok(())
        } else {
            Err(JwtError::Signature)
        }
    }
}

/// The signing keys of a JWKS document; keys for encryption, of other types or malformed
/// are skipped.
pub fn keys_of(jwks: &Value) -> Vec<Jwk> {
    let Some(list) = jwks.get("keys").and_then(Value::as_array) else { return Vec::new() };
    let text = |k: &Value, name: &str| k.get(name).and_then(Value::as_str).map(str::to_string);
    let bytes = |k: &Value, name: &str| text(k, name).and_then(|s| Base64UrlUnpadded::decode_vec(&s).ok());
    list.iter()
        .filter(|k| text(k, "use").is_none_or(|u| u == "sig"))
        .filter_map(|k| {
            let key = match text(k, "kty")?.as_str() {
                "RSA" => PublicKey::Rsa { n: bytes(k, "n")?, e: bytes(k, "e")? },
                "EC" if text(k, "crv").as_deref() == Some("P-256") => {
                    let (x, y) = (bytes(k, "x")?, bytes(k, "y")?);
                    if x.len() != 32 || y.len() != 32 {
                        return None;
                    }
                    let mut point = vec![4u8];
                    point.extend_from_slice(&x);
                    point.extend_from_slice(&y);
                    PublicKey::P256(point)
                }
                _ => return None,
            };
            Some(Jwk { kid: text(k, "kid"), key })
        })
        .collect()
}

/// What the claims of a token must say.
pub struct Expected<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    /// The sign-in's nonce (ID tokens); `None` for a userinfo response.
    pub nonce: Option<&'a str>,
    /// Seconds since the epoch.
    pub now: i64,
    /// Whether `exp` must be present (ID tokens).
    pub expiring: bool,
}

/// Constant-time comparison of two secrets.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Checks `iss`, `aud` (and `azp`), `exp`, `iat`, `nonce`; returns `sub`.
pub fn check_claims(claims: &Map<String, Value>, e: &Expected<'_>) -> Result<String, JwtError> {
    if claims.get("iss").and_then(Value::as_str) != Some(e.issuer) {
        return Err(JwtError::Issuer);
    }
    let audiences: Vec<&str> = match claims.get("aud") {
        Some(Value::String(a)) => vec![a.as_str()],
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if !audiences.contains(&e.client_id) {
        return Err(JwtError::Audience);
    }
    match claims.get("azp").and_then(Value::as_str) {
        Some(azp) if azp != e.client_id => return Err(JwtError::Audience),
        // Several audiences: the token must say which one it was issued to (§3.1.3.7 4–5).
        None if audiences.len() > 1 => return Err(JwtError::Audience),
        _ => {}
    }
    match claims.get("exp").map(Value::as_i64) {
        Some(Some(exp)) if exp + LEEWAY <= e.now => return Err(JwtError::Expired),
        Some(Some(_)) => {}
        Some(None) => return Err(JwtError::Malformed),
        None if e.expiring => return Err(JwtError::Malformed),
        None => {}
    }
    match claims.get("iat").map(Value::as_i64) {
        Some(Some(iat)) if iat > e.now + LEEWAY => return Err(JwtError::NotYetValid),
        Some(None) => return Err(JwtError::Malformed),
        None if e.expiring => return Err(JwtError::Malformed),
        _ => {}
    }
    if let Some(Some(nbf)) = claims.get("nbf").map(Value::as_i64) {
        if nbf > e.now + LEEWAY {
            return Err(JwtError::NotYetValid);
        }
    }
    if let Some(nonce) = e.nonce {
        match claims.get("nonce").and_then(Value::as_str) {
            Some(n) if same(n, nonce) => {}
            _ => return Err(JwtError::Nonce),
        }
    }
    match claims.get("sub").and_then(Value::as_str) {
        Some(sub) if !sub.is_empty() && sub.len() <= 255 => Ok(sub.to_string()),
        _ => Err(JwtError::Subject),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::rand::SystemRandom;
    use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
    use serde_json::json;

    fn enc(bytes: &[u8]) -> String {
        Base64UrlUnpadded::encode_string(bytes)
    }

    /// An ES256 key of ours (ring generates EC keys; RSA keys come from the real provider in
    /// tests/oidc.rs) and its JWKS entry.
    fn es256_key(kid: &str) -> (EcdsaKeyPair, Value) {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).unwrap();
        let point = pair.public_key().as_ref().to_vec();
        let jwk = json!({"kty": "EC", "crv": "P-256", "kid": kid, "use": "sig",
                         "x": enc(&point[1..33]), "y": enc(&point[33..65])});
        (pair, jwk)
    }

    fn sign(pair: &EcdsaKeyPair, header: Value, claims: &Value) -> String {
        let input = format!("{}.{}", enc(header.to_string().as_bytes()), enc(claims.to_string().as_bytes()));
        let sig = pair.sign(&SystemRandom::new(), input.as_bytes()).unwrap();
        format!("{input}.{}", enc(sig.as_ref()))
    }

    fn claims(now: i64) -> Value {
        json!({"iss": "https://fournisseur.example", "aud": "bilan", "sub": "agent-1",
               "nonce": "n-123", "iat": now, "exp": now + 60})
    }

    fn expected(now: i64) -> Expected<'static> {
        Expected {
            issuer: "https://fournisseur.example",
            client_id: "bilan",
            nonce: Some("n-123"),
            now,
            expiring: true,
        }
    }

    #[test]
    fn a_token_signed_by_a_published_key_verifies() {
        let (pair, jwk) = es256_key("k1");
        let keys = keys_of(&json!({ "keys": [jwk] }));
        let now = 1_800_000_000;
        let token = sign(&pair, json!({"alg": "ES256", "kid": "k1"}), &claims(now));
        let jws = parse(&token).unwrap();
        jws.verify(&keys).unwrap();
        assert_eq!(check_claims(&jws.claims, &expected(now)).unwrap(), "agent-1");
    }

    #[test]
    fn a_token_signed_by_a_foreign_key_is_refused() {
        let (_, published) = es256_key("k1");
        let (foreign, _) = es256_key("k1");
        let keys = keys_of(&json!({ "keys": [published] }));
        let now = 1_800_000_000;
        // Same kid, other key: the signature does not verify.
        let token = sign(&foreign, json!({"alg": "ES256", "kid": "k1"}), &claims(now));
        assert_eq!(parse(&token).unwrap().verify(&keys), Err(JwtError::Signature));
        // A kid the JWKS does not list: the caller refreshes, then refuses.
        let token = sign(&foreign, json!({"alg": "ES256", "kid": "k2"}), &claims(now));
        assert_eq!(parse(&token).unwrap().verify(&keys), Err(JwtError::UnknownKey));
        // A claim changed after signing.
        let (pair, jwk) = es256_key("k3");
        let keys = keys_of(&json!({ "keys": [jwk] }));
        let token = sign(&pair, json!({"alg": "ES256", "kid": "k3"}), &claims(now));
        let mut parts: Vec<String> = token.split('.').map(str::to_string).collect();
        let mut forged = claims(now);
        forged["sub"] = json!("administrateur");
        parts[1] = enc(forged.to_string().as_bytes());
        assert_eq!(parse(&parts.join(".")).unwrap().verify(&keys), Err(JwtError::Signature));
    }

    #[test]
    fn unsafe_algorithms_are_refused() {
        let (_, jwk) = es256_key("k1");
        let keys = keys_of(&json!({ "keys": [jwk] }));
        let payload = enc(claims(1_800_000_000).to_string().as_bytes());
        for alg in ["none", "HS256", "RS512", "PS256"] {
            let header = enc(json!({"alg": alg, "kid": "k1"}).to_string().as_bytes());
            let token = format!("{header}.{payload}.{}", enc(b"signature"));
            assert_eq!(parse(&token).unwrap().verify(&keys), Err(JwtError::Algorithm(alg.into())), "{alg}");
        }
        let header = enc(json!({"alg": "ES256", "crit": ["exp"]}).to_string().as_bytes());
        assert!(matches!(parse(&format!("{header}.{payload}.")), Err(JwtError::Algorithm(_))));
        for bad in ["", "a.b", "a.b.c.d", "!!.??.**", "e30.e30"] {
            assert!(matches!(parse(bad), Err(JwtError::Malformed)), "{bad}");
        }
    }

    #[test]
    fn claims_are_checked() {
        let now = 1_800_000_000;
        let check = |edit: &dyn Fn(&mut Value)| {
            let mut c = claims(now);
            edit(&mut c);
            check_claims(c.as_object().unwrap(), &expected(now))
        };
        assert_eq!(check(&|_| {}), Ok("agent-1".into()));
        assert_eq!(check(&|c| c["iss"] = json!("https://autre.example")), Err(JwtError::Issuer));
        assert_eq!(check(&|c| c["aud"] = json!("autre-client")), Err(JwtError::Audience));
        assert_eq!(check(&|c| c["aud"] = json!(["bilan", "autre"])), Err(JwtError::Audience), "azp needed");
        assert_eq!(
            check(&|c| {
                c["aud"] = json!(["bilan", "autre"]);
                c["azp"] = json!("bilan")
            }),
            Ok("agent-1".into())
        );
        assert_eq!(check(&|c| c["azp"] = json!("autre")), Err(JwtError::Audience));
        assert_eq!(check(&|c| c["exp"] = json!(now - LEEWAY)), Err(JwtError::Expired));
        assert_eq!(check(&|c| c["exp"] = json!(now - LEEWAY + 1)), Ok("agent-1".into()), "within the leeway");
        assert_eq!(check(&|c| c["iat"] = json!(now + LEEWAY + 1)), Err(JwtError::NotYetValid));
        assert_eq!(check(&|c| c["nonce"] = json!("n-456")), Err(JwtError::Nonce));
        assert_eq!(
            check(&|c| {
                c.as_object_mut().unwrap().remove("nonce");
            }),
            Err(JwtError::Nonce)
        );
        assert_eq!(check(&|c| c["sub"] = json!("")), Err(JwtError::Subject));
        assert_eq!(
            check(&|c| {
                c.as_object_mut().unwrap().remove("exp");
            }),
            Err(JwtError::Malformed)
        );
        assert_eq!(check(&|c| c["exp"] = json!("demain")), Err(JwtError::Malformed));
    }

    #[test]
    fn jwks_keep_signing_keys_only() {
        let (_, ec) = es256_key("ec");
        let keys = keys_of(&json!({ "keys": [
            ec,
            {"kty": "RSA", "kid": "rsa", "n": "AQAB", "e": "AQAB"},
            {"kty": "RSA", "kid": "chiffrement", "use": "enc", "n": "AQAB", "e": "AQAB"},
            {"kty": "oct", "kid": "secret", "k": "AQAB"},
            {"kty": "EC", "crv": "P-384", "kid": "p384", "x": "AQAB", "y": "AQAB"},
            {"kty": "RSA", "kid": "illisible", "n": "!!", "e": "AQAB"},
        ]}));
        let kids: Vec<_> = keys.iter().map(|k| k.kid.as_deref().unwrap()).collect();
        assert_eq!(kids, ["ec", "rsa"]);
        assert!(keys_of(&json!({})).is_empty());
    }
}
