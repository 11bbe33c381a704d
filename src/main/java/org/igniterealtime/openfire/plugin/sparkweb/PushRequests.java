package org.igniterealtime.openfire.plugin.sparkweb;

import nl.martijndwars.webpush.AbstractPushService;
import nl.martijndwars.webpush.Encoding;
import nl.martijndwars.webpush.HttpRequest;
import nl.martijndwars.webpush.Notification;

/**
 * webpush-java's request builder (aes128gcm encryption, TTL/Urgency/Topic headers)
 * without its HTTP clients: SparkWeb sends the request through its own guarded outbound client.
 *
 * <p>{@code AbstractPushService.prepareRequest} is protected and final, which a Jython subclass
 * cannot call; this class only makes it public. It is made without VAPID keys: SparkWeb adds
 * the VAPID header itself (push.encryption), because webpush-java's JWT names the push
 * service's origin without its port, and signs a new JWT for every request.
 */
public final class PushRequests extends AbstractPushService<PushRequests> {

    /** The encrypted, signed request for {@code notification}, not yet sent. */
    public HttpRequest prepare(Notification notification) throws Exception {
        return prepareRequest(notification, Encoding.AES128GCM);
    }
}
