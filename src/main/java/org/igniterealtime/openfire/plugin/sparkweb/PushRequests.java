package org.igniterealtime.openfire.plugin.sparkweb;

import java.security.KeyPair;

import nl.martijndwars.webpush.AbstractPushService;
import nl.martijndwars.webpush.Encoding;
import nl.martijndwars.webpush.HttpRequest;
import nl.martijndwars.webpush.Notification;

/**
 * webpush-java's request builder (aes128gcm encryption, VAPID JWT, TTL/Urgency/Topic headers)
 * without its HTTP clients: SparkWeb sends the request through its own guarded outbound client.
 *
 * <p>{@code AbstractPushService.prepareRequest} is protected and final, which a Jython subclass
 * cannot call; this class only makes it public.
 */
public final class PushRequests extends AbstractPushService<PushRequests> {

    public PushRequests(KeyPair vapidKeys, String subject) {
        super(vapidKeys, subject);
    }

    /** The encrypted, signed request for {@code notification}, not yet sent. */
    public HttpRequest prepare(Notification notification) throws Exception {
        return prepareRequest(notification, Encoding.AES128GCM);
    }
}
