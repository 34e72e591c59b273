package dev.feedrank.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import org.jose4j.jwk.RsaJsonWebKey;
import org.jose4j.jwk.RsaJwkGenerator;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.lang.JoseException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A small OpenID Connect provider for the console's single sign-on test: discovery, JWKS, an authorization endpoint
 * that signs in the user named by {@code login_hint} at once (without one it shows a sign-in form asking for the
 * user name, for a browser) and a token endpoint that checks the
 * client secret, the redirect URI and the PKCE verifier before it issues an RS256 ID token with the user's
 * {@code groups}. It is a stand-in for a real provider (Keycloak, Dex, Entra ID), written for this test: it
 * implements only what the authorization-code flow needs.
 */
public class TestIdentityProvider implements QuarkusTestResourceLifecycleManager {

    public static final String CLIENT_ID = "feedrank-console";
    public static final String CLIENT_SECRET = "test-client-secret-0123456789abcdef";
    /** The provider's users and their groups ("feedrank-admins" is mapped to role operator by the test profile). */
    public static final Map<String, List<String>> USERS = Map.of(
            "alice", List.of("feedrank-admins"),
            "victor", List.of("viewer"),
            "nobody", List.of());

    private record Grant(String user, String redirectUri, String challenge, String nonce) {
    }

    private final Map<String, Grant> codes = new ConcurrentHashMap<>();
    private HttpServer server;
    private RsaJsonWebKey key;
    private String issuer;

    @Override
    public Map<String, String> start() {
        try {
            key = RsaJwkGenerator.generateJwk(2048);
            key.setKeyId("test-idp");
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (JoseException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        issuer = "http://127.0.0.1:" + server.getAddress().getPort() + "/realm";
        server.createContext("/realm/.well-known/openid-configuration", ex -> send(ex, 200, "application/json", """
                {"issuer":"%1$s","authorization_endpoint":"%1$s/authorize","token_endpoint":"%1$s/token",
                 "jwks_uri":"%1$s/jwks","response_types_supported":["code"],"subject_types_supported":["public"],
                 "id_token_signing_alg_values_supported":["RS256"],"code_challenge_methods_supported":["S256"]}"""
                .formatted(issuer)));
        server.createContext("/realm/jwks", ex -> send(ex, 200, "application/json",
                "{\"keys\":[" + key.toJson(RsaJsonWebKey.OutputControlLevel.PUBLIC_ONLY) + "]}"));
        server.createContext("/realm/authorize", this::authorize);
        server.createContext("/realm/token", this::token);
        server.start();
        Map<String, String> config = new LinkedHashMap<>();
        config.put("quarkus.oidc.tenant-enabled", "true");
        config.put("quarkus.oidc.auth-server-url", issuer);
        config.put("quarkus.oidc.client-id", CLIENT_ID);
        config.put("quarkus.oidc.credentials.secret", CLIENT_SECRET);
        return config;
    }

    @Override
    public void stop() {
        if (server != null) server.stop(0);
    }

    private void authorize(HttpExchange ex) throws IOException {
        Map<String, String> q = form(ex.getRequestURI().getRawQuery());
        if (q.get("login_hint") == null) {
            // a browser arriving from the console: the provider's sign-in form (user name only), which comes back
            // here with the request's parameters and login_hint
            StringBuilder page = new StringBuilder("<!DOCTYPE html><html><head><title>Test identity provider</title></head>"
                    + "<body><h1>Test identity provider</h1><form method=\"get\" action=\"/realm/authorize\">");
            q.forEach((k, v) -> page.append("<input type=\"hidden\" name=\"").append(html(k)).append("\" value=\"")
                    .append(html(v)).append("\">"));
            page.append("<label for=\"username\">User</label> <input id=\"username\" name=\"login_hint\">"
                    + " <button id=\"sign-in\" type=\"submit\">Sign in</button></form></body></html>");
            send(ex, 200, "text/html; charset=utf-8", page.toString());
            return;
        }
        List<String> groups = USERS.get(q.get("login_hint"));
        if (!CLIENT_ID.equals(q.get("client_id")) || !"code".equals(q.get("response_type")) || groups == null
                || q.get("redirect_uri") == null || !"S256".equals(q.get("code_challenge_method"))) {
            send(ex, 400, "text/plain", "bad authorization request: " + q);
            return;
        }
        String code = UUID.randomUUID().toString();
        codes.put(code, new Grant(q.get("login_hint"), q.get("redirect_uri"), q.get("code_challenge"), q.get("nonce")));
        String location = q.get("redirect_uri") + (q.get("redirect_uri").contains("?") ? "&" : "?") + "code=" + code
                + (q.get("state") == null ? "" : "&state=" + URLEncoder.encode(q.get("state"), StandardCharsets.UTF_8));
        ex.getResponseHeaders().set("Location", location);
        send(ex, 302, "text/plain", "");
    }

    private void token(HttpExchange ex) throws IOException {
        Map<String, String> f = form(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        String basic = ex.getRequestHeaders().getFirst("Authorization");
        boolean clientOk = CLIENT_SECRET.equals(f.get("client_secret")) && CLIENT_ID.equals(f.get("client_id"))
                || ("Basic " + Base64.getEncoder().encodeToString((CLIENT_ID + ":" + CLIENT_SECRET)
                .getBytes(StandardCharsets.UTF_8))).equals(basic);
        Grant g = f.get("code") == null ? null : codes.remove(f.get("code"));
        if (!clientOk || g == null || !"authorization_code".equals(f.get("grant_type"))
                || !g.redirectUri().equals(f.get("redirect_uri")) || f.get("code_verifier") == null
                || !s256(f.get("code_verifier")).equals(g.challenge())) {
            send(ex, 400, "application/json", "{\"error\":\"invalid_grant\"}");
            return;
        }
        try {
            JwtClaims c = new JwtClaims();
            c.setIssuer(issuer);
            c.setSubject(g.user());
            c.setAudience(CLIENT_ID);
            c.setIssuedAtToNow();
            c.setExpirationTimeMinutesInTheFuture(30);
            c.setGeneratedJwtId();
            c.setClaim("preferred_username", g.user());
            c.setStringListClaim("groups", USERS.get(g.user()));
            if (g.nonce() != null) c.setClaim("nonce", g.nonce());
            JsonWebSignature jws = new JsonWebSignature();
            jws.setPayload(c.toJson());
            jws.setKey(key.getPrivateKey());
            jws.setKeyIdHeaderValue(key.getKeyId());
            jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.RSA_USING_SHA256);
            String idToken = jws.getCompactSerialization();
            send(ex, 200, "application/json", "{\"access_token\":\"" + idToken + "\",\"id_token\":\"" + idToken
                    + "\",\"token_type\":\"Bearer\",\"expires_in\":1800}");
        } catch (JoseException e) {
            send(ex, 500, "text/plain", e.getMessage());
        }
    }

    private static String html(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static String s256(String verifier) {
        try {
            return Base64.getUrlEncoder().withoutPadding().encodeToString(
                    MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, String> form(String raw) {
        Map<String, String> m = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) return m;
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            m.put(k, eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return m;
    }

    private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) ex.getResponseBody().write(bytes);
        ex.close();
    }
}
