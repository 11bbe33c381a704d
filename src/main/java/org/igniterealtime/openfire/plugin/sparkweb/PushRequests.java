package org.igniterealtime.openfire.plugin.sparkweb;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import nl.martijndwars.webpush.Encoding;
import nl.martijndwars.webpush.HttpEce;
import nl.martijndwars.webpush.HttpRequest;
import nl.martijndwars.webpush.Notification;
import org.bouncycastle.crypto.generators.ECKeyPairGenerator;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECKeyGenerationParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.jce.ECNamedCurveTable;
import org.bouncycastle.jce.interfaces.ECPublicKey;
import org.bouncycastle.jce.spec.ECNamedCurveParameterSpec;
import org.bouncycastle.jce.spec.ECPublicKeySpec;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.math.ec.FixedPointCombMultiplier;

/**
 * The aes128gcm body of one push message (RFC 8291, RFC 8188) in one call from Jython
 * ({@link #encrypt}): SparkWeb adds the RFC 8030 TTL/Urgency/Topic headers and the VAPID header
 * and sends it through its own guarded outbound client (push.encryption, push.transport).
 *
 * <p>Why Java: this is the push sender's hot loop (issue 13's 1,000 pushes/s), and Jython cannot
 * stand in for the elliptic-curve and AES work. Why not webpush-java's own path: its
 * {@code prepareRequest} names the curve "prime256v1", which BouncyCastle maps to its generic
 * prime-field curve (a division per reduction; "secp256r1", the same curve, is BouncyCastle's
 * specialised P-256), and its {@link HttpEce} key agreement decodes the browser's point again
 * for every message (rebuilding its multiplication table) and uses BouncyCastle's table-driven
 * HMAC and AES-GCM; called from Jython it also took a {@link Notification} builder of seven
 * reflected calls per push. Here the browser's point, decoded once by {@link #userKey} and cached
 * by the caller, keeps its table; the message key pair is BouncyCastle's fixed-point comb on the
 * specialised curve, new for every message as RFC 8291 requires; HMAC-SHA-256 and AES-GCM are
 * the JDK's (the processor's AES and carry-less multiply instructions). RFC 8291's example
 * (section 5, appendix A) is the unit test (jtest_push_crypto); the local push service of the
 * tests decrypts with http_ece.
 *
 * <p>{@link #prepare} and {@link #messageKeys} are SparkWeb's earlier path through webpush-java,
 * no longer called by it: bench/push_bench.py {@code --compare REF} runs REF's Python against
 * this jar, and sources from before {@link #encrypt} call them. Delete them once no comparison
 * with such sources is wanted.
 */
public final class PushRequests {

    private static final String KEY_ID = "server-key-id";
    private static final ECNamedCurveParameterSpec P256 = ECNamedCurveTable.getParameterSpec("secp256r1");
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int SALT_BYTES = 16;
    private static final ECDomainParameters DOMAIN =
            new ECDomainParameters(P256.getCurve(), P256.getG(), P256.getN(), P256.getH());
    private static final ECKeyPairGenerator MESSAGE_KEYS = new ECKeyPairGenerator();
    static {
        MESSAGE_KEYS.init(new ECKeyGenerationParameters(DOMAIN, RANDOM));
    }
    // RFC 8188: one record of at most 4096 bytes; the header is salt, record size, key id length
    // and key id (the message's public key, 65 bytes); the record ends in the delimiter 2.
    private static final int RECORD_SIZE = 4096;
    private static final int POINT_BYTES = 65;
    private static final int HEADER_BYTES = SALT_BYTES + 4 + 1 + POINT_BYTES;
    private static final int TAG_BYTES = 16;
    /** The largest payload one message may carry: its whole body within 4096 bytes. */
    public static final int MAX_PAYLOAD_BYTES = RECORD_SIZE - HEADER_BYTES - 1 - TAG_BYTES;
    private static final byte[] KEY_INFO = "WebPush: info\0".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CEK_INFO =
            "Content-Encoding: aes128gcm\0\1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NONCE_INFO =
            "Content-Encoding: nonce\0\1".getBytes(StandardCharsets.US_ASCII);

    /** A browser's p256dh (an uncompressed point) as a public key on the specialised curve. */
    public static PublicKey userKey(byte[] point) throws GeneralSecurityException {
        try {
            return KeyFactory.getInstance("ECDH", "BC").generatePublic(
                    new ECPublicKeySpec(P256.getCurve().decodePoint(point), P256));
        } catch (IllegalArgumentException notAPoint) {
            throw new GeneralSecurityException("not a P-256 point", notAPoint);
        }
    }

    /** The encrypted request for {@code notification}, whose user key came from {@link #userKey}. */
    public HttpRequest prepare(Notification notification) throws GeneralSecurityException {
        KeyPair messageKeys = messageKeys();   // per message: RFC 8291 section 3.1
        byte[] salt = new byte[SALT_BYTES];
        RANDOM.nextBytes(salt);
        HttpEce ece = new HttpEce(Collections.singletonMap(KEY_ID, messageKeys),
                                  Collections.singletonMap(KEY_ID, "P-256"));
        byte[] body = ece.encrypt(notification.getPayload(), salt, null, KEY_ID,
                                  notification.getUserPublicKey(), notification.getUserAuth(),
                                  Encoding.AES128GCM);
        Map<String, String> headers = new HashMap<>();
        headers.put("TTL", String.valueOf(notification.getTTL()));
        if (notification.hasUrgency()) {
            headers.put("Urgency", notification.getUrgency().getHeaderValue());
        }
        if (notification.hasTopic()) {
            headers.put("Topic", notification.getTopic());
        }
        headers.put("Content-Type", "application/octet-stream");
        headers.put("Content-Encoding", "aes128gcm");
        return new HttpRequest(notification.getEndpoint(), headers, body);
    }

    /** A new key pair for one message, on the specialised curve. */
    public static KeyPair messageKeys() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("ECDH", "BC");
        generator.initialize(P256, RANDOM);
        return generator.generateKeyPair();
    }

    /**
     * The aes128gcm body (RFC 8291, RFC 8188) of one message to the browser whose p256dh is
     * {@code userKey} (from {@link #userKey}) and whose auth secret is {@code auth}: a new key
     * pair and salt for this message only.
     */
    public static byte[] encrypt(PublicKey userKey, byte[] auth, byte[] payload)
            throws GeneralSecurityException {
        AsymmetricCipherKeyPair messageKeys = MESSAGE_KEYS.generateKeyPair();
        byte[] salt = new byte[SALT_BYTES];
        RANDOM.nextBytes(salt);
        return seal(((ECPublicKey) userKey).getQ(), auth, payload,
                    ((ECPrivateKeyParameters) messageKeys.getPrivate()).getD(),
                    ((ECPublicKeyParameters) messageKeys.getPublic()).getQ(), salt);
    }

    /** The same with the message's private key and salt given: for RFC 8291's example only. */
    public static byte[] encryptWith(PublicKey userKey, byte[] auth, byte[] payload,
                                     byte[] messagePrivate, byte[] salt)
            throws GeneralSecurityException {
        BigInteger scalar = new BigInteger(1, messagePrivate);
        ECPoint messagePublic = new FixedPointCombMultiplier().multiply(P256.getG(), scalar);
        return seal(((ECPublicKey) userKey).getQ(), auth, payload, scalar,
                    messagePublic.normalize(), salt);
    }

    private static byte[] seal(ECPoint user, byte[] auth, byte[] payload, BigInteger messagePrivate,
                               ECPoint messagePublic, byte[] salt)
            throws GeneralSecurityException {
        if (payload.length > MAX_PAYLOAD_BYTES) {
            throw new GeneralSecurityException("payload too large for one record");
        }
        ECPoint shared = user.multiply(messagePrivate).normalize();
        if (shared.isInfinity()) {
            throw new GeneralSecurityException("no shared secret");
        }
        byte[] messagePoint = messagePublic.getEncoded(false);
        // RFC 8291 section 3.3 (the auth secret and both public keys) and 3.4 (key and nonce).
        Mac hmac = Mac.getInstance("HmacSHA256");
        byte[] prkKey = hmac(hmac, auth, shared.getAffineXCoord().getEncoded());
        byte[] ikm = hmac(hmac, prkKey, KEY_INFO, user.getEncoded(false), messagePoint, new byte[] {1});
        byte[] prk = hmac(hmac, salt, ikm);
        byte[] key = Arrays.copyOf(hmac(hmac, prk, CEK_INFO), 16);
        byte[] nonce = Arrays.copyOf(hmac(hmac, prk, NONCE_INFO), 12);

        byte[] record = Arrays.copyOf(payload, payload.length + 1);
        record[payload.length] = 2;   // the last (only) record's delimiter, no padding
        byte[] body = new byte[HEADER_BYTES + record.length + TAG_BYTES];
        ByteBuffer.wrap(body).put(salt).putInt(RECORD_SIZE).put((byte) POINT_BYTES).put(messagePoint);
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"),
                    new GCMParameterSpec(8 * TAG_BYTES, nonce));
        cipher.doFinal(record, 0, record.length, body, HEADER_BYTES);
        return body;
    }

    private static byte[] hmac(Mac hmac, byte[] key, byte[]... parts) throws GeneralSecurityException {
        hmac.init(new SecretKeySpec(key, "HmacSHA256"));
        for (byte[] part : parts) {
            hmac.update(part);
        }
        return hmac.doFinal();
    }
}
