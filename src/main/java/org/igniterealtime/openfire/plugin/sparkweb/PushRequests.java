package org.igniterealtime.openfire.plugin.sparkweb;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

import nl.martijndwars.webpush.Encoding;
import nl.martijndwars.webpush.HttpEce;
import nl.martijndwars.webpush.HttpRequest;
import nl.martijndwars.webpush.Notification;
import org.bouncycastle.jce.ECNamedCurveTable;
import org.bouncycastle.jce.spec.ECNamedCurveParameterSpec;
import org.bouncycastle.jce.spec.ECPublicKeySpec;

/**
 * The encrypted request for one push notification (RFC 8291 aes128gcm by webpush-java's
 * {@link HttpEce}, the RFC 8030 TTL/Urgency/Topic headers), not yet sent: SparkWeb sends it
 * through its own guarded outbound client and adds the VAPID header itself (push.encryption).
 *
 * <p>Why not webpush-java's {@code AbstractPushService.prepareRequest}: it names the curve
 * "prime256v1", which BouncyCastle maps to its generic prime-field curve (BigInteger
 * arithmetic with a division per reduction); "secp256r1", the same curve, maps to
 * BouncyCastle's specialised P-256 implementation. A profile of bench/push_bench.py showed
 * more than half of the sending threads' time in that generic arithmetic (key generation and
 * ECDH agreement). Here the per-message key pair and the subscription's key live on the
 * specialised curve; the key pair is still new for every message, as RFC 8291 requires.
 */
public final class PushRequests {

    private static final String KEY_ID = "server-key-id";
    private static final ECNamedCurveParameterSpec P256 = ECNamedCurveTable.getParameterSpec("secp256r1");
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int SALT_BYTES = 16;

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
}
