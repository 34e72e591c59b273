package dev.feedrank.local;

import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.jose4j.lang.JoseException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * RSA key pairs (PEM files) and RS256-signed JWTs in the shape feedrank's smallrye-jwt configuration accepts:
 * {@code iss}, {@code sub}, {@code groups} (the roles), {@code iat}, {@code exp}, {@code jti}. Signing is jose4j's
 * (a dependency of smallrye-jwt); nothing here needs the application's configuration, so it works before Quarkus
 * boots. Used by local mode and by the tests.
 */
public final class LocalTokens {

    public static final String PRIVATE_KEY_FILE = "privateKey.pem";
    public static final String PUBLIC_KEY_FILE = "publicKey.pem";

    private LocalTokens() {
    }

    /** A fresh RSA-2048 key pair. */
    public static KeyPair generate() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot generate an RSA key pair", e);
        }
    }

    /**
     * The key pair kept in {@code dir}: created on first use ({@value #PRIVATE_KEY_FILE}, mode 600, and
     * {@value #PUBLIC_KEY_FILE}), reused afterwards. The private key is the reference: the public key file is
     * derived from it and rewritten when missing or different, so two processes starting at once end up agreeing.
     */
    public static KeyPair loadOrCreate(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path privateFile = dir.resolve(PRIVATE_KEY_FILE);
        Path publicFile = dir.resolve(PUBLIC_KEY_FILE);
        if (!Files.isRegularFile(privateFile)) {
            KeyPair fresh = generate();
            Path tmp = Files.createTempFile(dir, ".privateKey", ".tmp");
            try {
                ownerOnly(tmp);
                Files.writeString(tmp, privateKeyPem(fresh.getPrivate()), StandardCharsets.US_ASCII);
                Files.move(tmp, privateFile); // no replacing: refuses when another process got there first
            } catch (FileAlreadyExistsException raced) {
                // another process created it first: use theirs
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
        PrivateKey privateKey = readPrivateKey(Files.readString(privateFile, StandardCharsets.US_ASCII));
        PublicKey publicKey = publicKeyOf(privateKey);
        String publicPem = publicKeyPem(publicKey);
        if (!Files.isRegularFile(publicFile) || !publicPem.equals(Files.readString(publicFile, StandardCharsets.US_ASCII))) {
            Path tmp = Files.createTempFile(dir, ".publicKey", ".tmp");
            Files.writeString(tmp, publicPem, StandardCharsets.US_ASCII);
            readableByAll(tmp); // e.g. by the container user when docker-compose mounts the folder
            try {
                Files.move(tmp, publicFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, publicFile, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return new KeyPair(publicKey, privateKey);
    }

    /** An RS256 token for {@code subject} with roles {@code groups} (no groups claim when none), valid until {@code expiresAt}. */
    public static String mint(PrivateKey key, String issuer, String subject, Instant expiresAt, String... groups) {
        Map<String, Object> claims = new LinkedHashMap<>();
        if (subject != null) claims.put("sub", subject);
        if (groups.length > 0) claims.put("groups", List.of(groups));
        return mint(key, issuer, expiresAt, claims);
    }

    /** An RS256 token with {@code iss}, {@code iat} (now), {@code exp}, a random {@code jti} and the given claims. */
    public static String mint(PrivateKey key, String issuer, Instant expiresAt, Map<String, Object> claims) {
        JwtClaims c = new JwtClaims();
        c.setIssuer(issuer);
        c.setIssuedAt(NumericDate.fromSeconds(Math.min(Instant.now().getEpochSecond(), expiresAt.getEpochSecond())));
        c.setExpirationTime(NumericDate.fromSeconds(expiresAt.getEpochSecond()));
        c.setGeneratedJwtId();
        claims.forEach(c::setClaim);
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(c.toJson());
        jws.setKey(key);
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.RSA_USING_SHA256);
        jws.setHeader("typ", "JWT");
        try {
            return jws.getCompactSerialization();
        } catch (JoseException e) {
            throw new IllegalStateException("cannot sign a token", e);
        }
    }

    public static String publicKeyPem(PublicKey key) {
        return pem("PUBLIC KEY", key.getEncoded());
    }

    public static String privateKeyPem(PrivateKey key) {
        return pem("PRIVATE KEY", key.getEncoded());
    }

    /** A PKCS#8 PEM ({@code BEGIN PRIVATE KEY}) RSA private key. */
    public static PrivateKey readPrivateKey(String pem) {
        try {
            return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(unpem(pem, "PRIVATE KEY")));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalArgumentException("not a PKCS#8 PEM RSA private key: " + e.getMessage(), e);
        }
    }

    /** An X.509 PEM ({@code BEGIN PUBLIC KEY}) RSA public key. */
    public static PublicKey readPublicKey(String pem) {
        try {
            return KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(unpem(pem, "PUBLIC KEY")));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalArgumentException("not a PEM RSA public key: " + e.getMessage(), e);
        }
    }

    static PublicKey publicKeyOf(PrivateKey key) {
        if (!(key instanceof RSAPrivateCrtKey crt)) {
            throw new IllegalArgumentException("the private key lacks its public exponent (not an RSA CRT key)");
        }
        try {
            return KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(crt.getModulus(), crt.getPublicExponent()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String pem(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
    }

    private static byte[] unpem(String pem, String type) {
        String begin = "-----BEGIN " + type + "-----";
        String end = "-----END " + type + "-----";
        int b = pem.indexOf(begin);
        int e = pem.indexOf(end);
        if (b < 0 || e < b) throw new IllegalArgumentException("no " + begin + " ... " + end + " block");
        return Base64.getMimeDecoder().decode(pem.substring(b + begin.length(), e));
    }

    private static void readableByAll(Path file) throws IOException {
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        } catch (UnsupportedOperationException notPosix) {
            // e.g. Windows: the file stays with the folder's permissions
        }
    }

    private static void ownerOnly(Path file) throws IOException {
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException notPosix) {
            // e.g. Windows: the file stays with the folder's permissions
        }
    }
}
