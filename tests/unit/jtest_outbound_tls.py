"""HTTPS through the guarded client: the connection goes to the checked address while TLS
names the URL's host (SNI) and verifies the certificate against that name, with the JVM's
trust unless a test passes its own. A loopback TLS server with a certificate made by keytool
for tls.example stands in for a web server."""
from __future__ import absolute_import

import os
import tempfile

import jarray
from java.io import FileInputStream, IOException
from java.lang import ProcessBuilder, Runnable, System, Thread
from java.net import InetAddress
from java.security import KeyStore
from java.util.concurrent import CopyOnWriteArrayList, TimeUnit
from javax.net.ssl import (KeyManagerFactory, SNIMatcher, SSLContext, StandardConstants,
                           TrustManagerFactory)

from sparkweb import config
from sparkweb.outbound.client import OutboundClient
from sparkweb.outbound.errors import Failed
from support import raised, services

PASSWORD = "changeit"


def make_keystore():
    path = os.path.join(tempfile.mkdtemp(prefix="sparkweb-tls-"), "tls.p12")
    keytool = os.path.join(System.getProperty("java.home"), "bin", "keytool")
    process = ProcessBuilder([keytool, "-genkeypair", "-alias", "tls", "-keyalg", "EC",
                              "-groupname", "secp256r1", "-dname", "CN=tls.example",
                              "-ext", "SAN=dns:tls.example", "-validity", "2",
                              "-keystore", path, "-storetype", "PKCS12",
                              "-storepass", PASSWORD, "-keypass", PASSWORD]) \
        .redirectErrorStream(True).start()
    assert process.waitFor(60, TimeUnit.SECONDS) and process.exitValue() == 0, "keytool failed"
    store = KeyStore.getInstance("PKCS12")
    stream = FileInputStream(path)
    try:
        store.load(stream, PASSWORD)
    finally:
        stream.close()
    return store


class RecordingNames(SNIMatcher):
    def __init__(self, names):
        SNIMatcher.__init__(self, StandardConstants.SNI_HOST_NAME)
        self.names = names

    def matches(self, name):
        self.names.add(name.getAsciiName())
        return True


class _Serve(Runnable):
    def __init__(self, server):
        self.server = server

    def run(self):
        while not self.server.socket.isClosed():
            try:
                connection = self.server.socket.accept()
            except IOException:
                return
            try:
                connection.startHandshake()
                connection.getOutputStream().write(jarray.array(
                    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok", "b"))
                connection.getOutputStream().flush()
            except IOException:
                pass      # the client refused our certificate: expected in some tests
            finally:
                connection.close()


class TlsServer(object):
    def __init__(self, store):
        keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm())
        keys.init(store, PASSWORD)
        context = SSLContext.getInstance("TLS")
        context.init(keys.getKeyManagers(), None, None)
        self.names = CopyOnWriteArrayList()
        self.socket = context.getServerSocketFactory().createServerSocket(
            0, 50, InetAddress.getByName("127.0.0.2"))
        parameters = self.socket.getSSLParameters()
        parameters.setSNIMatchers([RecordingNames(self.names)])
        self.socket.setSSLParameters(parameters)
        self.port = self.socket.getLocalPort()
        thread = Thread(_Serve(self), "tls-fixture")
        thread.setDaemon(True)
        thread.start()

    def stop(self):
        self.socket.close()


def trusting(store):
    trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm())
    trust.init(store)
    context = SSLContext.getInstance("TLS")
    context.init(None, trust.getTrustManagers(), None)
    return context.getSocketFactory()


def client(tls=None):
    app = services()
    app.settings.set(config.OUTBOUND_ALLOW, "127.0.0.2")
    return OutboundClient(app.settings, resolve=lambda name: [InetAddress.getByName("127.0.0.2")],
                          tls=tls)


def test_tls_names_the_host_verifies_it_and_refuses_untrusted_or_mismatched_certificates():
    store = make_keystore()
    server = TlsServer(store)
    try:
        answer = client(trusting(store)).request("GET", "https://tls.example:%d/" % server.port)
        assert answer.status == 200 and answer.body.tostring() == "ok", "trusted: %s" % (
            answer.status)
        assert list(server.names) == ["tls.example"], "SNI %s" % list(server.names)
        mismatch = raised(lambda: client(trusting(store)).request(
            "GET", "https://other.example:%d/" % server.port))
        assert isinstance(mismatch, Failed) and mismatch.reason == "tls", \
            "a certificate for another name was accepted: %r" % mismatch
        untrusted = raised(lambda: client().request("GET", "https://tls.example:%d/" %
                                                    server.port))
        assert isinstance(untrusted, Failed) and untrusted.reason == "tls", \
            "a self-signed certificate was trusted by default: %r" % untrusted
    finally:
        server.stop()


def test_an_idn_host_is_named_in_ascii_for_sni_and_the_certificate_check():
    store = make_keystore()
    server = TlsServer(store)
    try:
        error = raised(lambda: client(trusting(store)).request(
            "GET", u"https://b\u00fccher.example:%d/" % server.port))
        assert isinstance(error, Failed) and error.reason == "tls", \
            "a certificate for tls.example passed for another name, or no clean error: %r" % error
        assert list(server.names) == ["xn--bcher-kva.example"], "SNI %s" % list(server.names)
    finally:
        server.stop()
