package dev.feedrank.testing;

import dev.feedrank.local.LocalTokens;
import io.restassured.specification.RequestSpecification;

import java.security.KeyPair;
import java.security.PrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static io.restassured.RestAssured.given;

/**
 * Bearer tokens for tests, signed with the key pair {@link FeedrankTestServices} configures the app to trust. The
 * pair is generated once per test JVM (never stored in git) and handed around through system properties, so that
 * the test resource and the tests agree whichever class loader each of them runs in.
 */
public final class TestTokens {

    public static final String ISSUER = "feedrank-test";
    public static final String OPERATOR = "test-operator";
    public static final String VIEWER = "test-viewer";

    // not under feedrank.*: unknown feedrank.* keys are refused by the config mapping
    private static final String PUBLIC_PROPERTY = "feedrank-test.jwt.public-key";
    private static final String PRIVATE_PROPERTY = "feedrank-test.jwt.private-key";

    private TestTokens() {
    }

    /** Role operator (and viewer), subject {@value #OPERATOR}. */
    public static String operator() {
        return token(OPERATOR, "operator", "viewer");
    }

    /** Role viewer only, subject {@value #VIEWER}. */
    public static String viewer() {
        return token(VIEWER, "viewer");
    }

    /** A valid token (one hour) for {@code subject} with {@code roles} (none: no groups claim). */
    public static String token(String subject, String... roles) {
        return LocalTokens.mint(privateKey(), ISSUER, subject, Instant.now().plus(Duration.ofHours(1)), roles);
    }

    /** A token with exactly these claims besides iss, iat, exp and jti. */
    public static String withClaims(Map<String, Object> claims) {
        return LocalTokens.mint(privateKey(), ISSUER, Instant.now().plus(Duration.ofHours(1)), claims);
    }

    /** A token signed by the trusted key that expired {@code ago}. */
    public static String expired(Duration ago, String subject, String... roles) {
        return LocalTokens.mint(privateKey(), ISSUER, subject, Instant.now().minus(ago), roles);
    }

    /** A well-formed token with the right issuer and roles, signed by a key the app does not trust. */
    public static String signedByAnotherKey(String subject, String... roles) {
        return LocalTokens.mint(LocalTokens.generate().getPrivate(), ISSUER, subject, Instant.now().plus(Duration.ofHours(1)), roles);
    }

    /** A token signed by the trusted key but naming another issuer. */
    public static String otherIssuer(String subject, String... roles) {
        return LocalTokens.mint(privateKey(), "someone-else", subject, Instant.now().plus(Duration.ofHours(1)), roles);
    }

    /** {@code given()} with an operator token. */
    public static RequestSpecification asOperator() {
        return given().auth().oauth2(operator());
    }

    /** {@code given()} with a viewer token. */
    public static RequestSpecification asViewer() {
        return given().auth().oauth2(viewer());
    }

    /** PEM of the public key the app must verify with. */
    static String publicKeyPem() {
        ensureKeys();
        return System.getProperty(PUBLIC_PROPERTY);
    }

    private static PrivateKey privateKey() {
        ensureKeys();
        return LocalTokens.readPrivateKey(System.getProperty(PRIVATE_PROPERTY));
    }

    private static void ensureKeys() {
        synchronized (System.class) {
            if (System.getProperty(PRIVATE_PROPERTY) == null) {
                KeyPair pair = LocalTokens.generate();
                System.setProperty(PUBLIC_PROPERTY, LocalTokens.publicKeyPem(pair.getPublic()));
                System.setProperty(PRIVATE_PROPERTY, LocalTokens.privateKeyPem(pair.getPrivate()));
            }
        }
    }
}
