"""WebAuthn passkeys: the registration and sign-in ceremonies, verified by webauthn4j.

A ceremony is two calls. *start* answers the options for ``navigator.credentials.create()`` or
``.get()`` (WebAuthn's JSON form, binary values as base64url) with a fresh challenge; *finish*
takes the browser's ``PublicKeyCredential`` (``credential.toJSON()``) and verifies it.

Challenges are random, single use, bound to the user and the ceremony, and expire after
``sparkweb.webauthn.challengeSeconds``. Each passkey keeps its own signature counter; a counter
that goes backwards (a cloned authenticator) is refused, and the stored counter only moves by
compare-and-set, so one assertion cannot sign in twice even when sent twice at once.
"""
from __future__ import absolute_import

import json

from com.fasterxml.jackson.core import JsonFactory
from com.fasterxml.jackson.databind import ObjectMapper
from com.fasterxml.jackson.dataformat.cbor import CBORFactory
from com.webauthn4j import WebAuthnManager
from com.webauthn4j.converter import AttestedCredentialDataConverter
from com.webauthn4j.converter.exception import DataConversionException
from com.webauthn4j.converter.util import ObjectConverter
from com.webauthn4j.credential import CredentialRecordImpl
from com.webauthn4j.data import (AuthenticationParameters, AuthenticationRequest,
                                 AuthenticatorTransport, PublicKeyCredentialParameters,
                                 PublicKeyCredentialType, RegistrationParameters,
                                 RegistrationRequest)
from com.webauthn4j.data.attestation.statement import (COSEAlgorithmIdentifier,
                                                       NoneAttestationStatement)
from com.webauthn4j.data.client import Origin
from com.webauthn4j.data.client.challenge import DefaultChallenge
from com.webauthn4j.server import ServerProperty
from com.webauthn4j.verifier.exception import VerificationException
from java.lang import IllegalArgumentException, RuntimeException, String
from java.nio.charset import StandardCharsets
from java.net import URI
from java.util import ArrayList, Base64, HashSet
from java.util.concurrent import ConcurrentHashMap, ConcurrentLinkedDeque
from java.util.function import Function, Predicate

from sparkweb import config
from sparkweb.errors import BadRequest, Conflict, NotFound, TooManyRequests, Unauthorized
from sparkweb.jackson import pooled
from sparkweb.log import logger
from sparkweb.openfire.facade import PasskeyRecord
from sparkweb.secure_random import base64url as encode, random_bytes, random_token

LOG = logger("passkeys")

REGISTER, AUTHENTICATE = "register", "authenticate"
# The user's WebAuthn user id (random, not the username): a user property, protected like every
# "sparkweb." name, and deleted with the account.
USER_HANDLE_PROPERTY = "sparkweb.webauthn.userHandle"
CHALLENGE_BYTES = 32
# Bounds on memory for unauthenticated starts: per user and ceremony (the oldest challenge
# makes way; a user rarely has more than a few tabs signing in) and for all users together.
MAX_CHALLENGES_PER_USER = 8
MAX_PENDING_CHALLENGES = 50000
MAX_NAME_LENGTH = 64
# ES256, EdDSA, RS256: what browsers' and security keys' authenticators use.
ALGORITHMS = (-7, -8, -257)
_ALGORITHM_IDS = {-7: COSEAlgorithmIdentifier.ES256, -8: COSEAlgorithmIdentifier.EdDSA,
                  -257: COSEAlgorithmIdentifier.RS256}
LOOPBACK_HOSTS = ("127.0.0.1", "[::1]", "::1")

SIGN_IN_FAILED = "Passkey sign-in failed."
CEREMONY_EXPIRED = "The ceremony has expired or was already completed; start it again."


def decode(text, what):
    """A Java byte[] from base64url (padded or not); 400 naming ``what`` when malformed."""
    if not isinstance(text, basestring) or not text:
        raise BadRequest("%s is missing." % what)
    try:
        return Base64.getUrlDecoder().decode(text.rstrip(u"="))
    except IllegalArgumentException:
        raise BadRequest("%s is not base64url." % what)


def _mappers():
    """webauthn4j's JSON and CBOR mappers, buffers pooled (see sparkweb.jackson)."""
    return (ObjectMapper(pooled(JsonFactory.builder())),
            ObjectMapper(pooled(CBORFactory.builder())))


class Challenges(object):
    """Outstanding challenges: ``ceremony|username|challenge`` -> expiry (epoch millis)."""

    def __init__(self, clock):
        self._clock = clock
        self._pending = ConcurrentHashMap()
        self._by_user = ConcurrentHashMap()   # ceremony|username -> deque of keys, oldest first

    def issue(self, username, ceremony, lifetime_seconds):
        """A new challenge (byte[]) for that user and ceremony."""
        if self._pending.size() >= MAX_PENDING_CHALLENGES:
            self.sweep()
            if self._pending.size() >= MAX_PENDING_CHALLENGES:
                raise TooManyRequests("Too many passkey ceremonies in progress; try again soon.",
                                      {"Retry-After": "10"})
        challenge = random_bytes(CHALLENGE_BYTES)
        key = self._key(username, ceremony, encode(challenge))
        self._pending.put(key, self._clock() + lifetime_seconds * 1000)
        self._remember(username, ceremony, key)
        return challenge

    def _remember(self, username, ceremony, key):
        """Keeps at most MAX_CHALLENGES_PER_USER per user and ceremony, so that starts for
        one account (anyone may start a sign-in) cannot crowd out everyone else's."""
        owner = u"%s|%s" % (ceremony, username)
        keys = self._by_user.computeIfAbsent(owner, _new_deque)
        keys.add(key)
        while keys.size() > MAX_CHALLENGES_PER_USER:
            oldest = keys.poll()
            if oldest is not None:
                self._pending.remove(oldest)

    def take(self, username, ceremony, challenge_text):
        """True, once, for a challenge issued to that user for that ceremony and not expired."""
        expires = self._pending.remove(self._key(username, ceremony, challenge_text))
        return expires is not None and expires >= self._clock()

    def sweep(self):
        now = self._clock()
        for entry in list(self._pending.entrySet()):
            if entry.getValue() < now:
                self._pending.remove(entry.getKey(), entry.getValue())
        for entry in list(self._by_user.entrySet()):
            keys = entry.getValue()
            keys.removeIf(_Missing(self._pending))
            if keys.isEmpty():
                self._by_user.remove(entry.getKey(), keys)

    @staticmethod
    def _key(username, ceremony, challenge_text):
        return u"%s|%s|%s" % (ceremony, username, challenge_text)


class _NewDeque(Function):
    def apply(self, _):
        return ConcurrentLinkedDeque()


_new_deque = _NewDeque()


class _Missing(Predicate):
    """True for keys no longer pending (used, expired or crowded out)."""

    def __init__(self, pending):
        self._pending = pending

    def test(self, key):
        return not self._pending.containsKey(key)


class RelyingParty(object):
    """Who passkeys are registered with: id (a domain), display name, allowed page origins."""

    def __init__(self, rp_id, name, origins, user_verification):
        self.id = rp_id
        self.name = name
        self.origins = origins
        self.user_verification = user_verification

    @property
    def verification_required(self):
        return self.user_verification == u"required"

    def server_property(self, challenge):
        origins = HashSet()
        for origin in self.origins:
            origins.add(Origin.create(origin))
        return ServerProperty(origins, self.id, DefaultChallenge(challenge))


def default_origins(web_urls):
    """Openfire's own web addresses, plus their ``localhost`` twin for a loopback address
    (browsers accept ``localhost`` as a passkey domain, never an IP address)."""
    origins = []
    for url in web_urls:
        origins.append(url)
        host = URI(url).getHost()
        if host in LOOPBACK_HOSTS:
            origins.append(url.replace(host, u"localhost", 1))
    return origins


def relying_party(settings, openfire):
    """The relying party as currently configured (settings apply without a restart)."""
    origins = list(settings.get(config.WEBAUTHN_ORIGINS)) or default_origins(openfire.web_urls())
    rp_id = settings.get(config.WEBAUTHN_RP_ID)
    if not rp_id:
        hosts = [URI(origin).getHost() for origin in origins]
        named = [host for host in hosts if host not in LOOPBACK_HOSTS]
        rp_id = named[0] if named else u"localhost"
    return RelyingParty(rp_id, settings.get(config.WEBAUTHN_RP_NAME) or openfire.xmpp_domain(),
                        origins, settings.get(config.WEBAUTHN_USER_VERIFICATION))


class PasskeyService(object):
    def __init__(self, openfire, settings, clock):
        self._openfire = openfire
        self._settings = settings
        self._clock = clock
        self.challenges = Challenges(clock)
        converter = ObjectConverter(*_mappers())
        self._manager = WebAuthnManager.createNonStrictWebAuthnManager(converter)
        self._credential_data = AttestedCredentialDataConverter(converter)
        self._parameters = ArrayList()
        for algorithm in ALGORITHMS:
            self._parameters.add(PublicKeyCredentialParameters(
                PublicKeyCredentialType.PUBLIC_KEY, _ALGORITHM_IDS[algorithm]))

    # --- registration -----------------------------------------------------------------------
    def registration_options(self, username):
        """Options for ``navigator.credentials.create()``; the user's passkeys are excluded so
        that an authenticator is not registered twice."""
        rp = relying_party(self._settings, self._openfire)
        user = self._openfire.get_user(username)
        challenge = self._issue(username, REGISTER)
        return {
            "challenge": encode(challenge),
            "rp": {"id": rp.id, "name": rp.name},
            "user": {"id": self._user_handle(username, create=True), "name": username,
                     "displayName": (user.name if user is not None else u"") or username},
            "pubKeyCredParams": [{"type": "public-key", "alg": alg} for alg in ALGORITHMS],
            "timeout": self._lifetime() * 1000,
            "attestation": "none",
            "excludeCredentials": [_descriptor(record) for record in self.passkeys(username)],
            "authenticatorSelection": {"residentKey": "preferred", "requireResidentKey": False,
                                       "userVerification": rp.user_verification},
            "extensions": {"credProps": True},
        }

    def register(self, username, credential, name=None):
        """Verifies a new credential and adds it to the user's passkeys (never replacing one)."""
        response = _member(credential, "response", dict)
        client_data = decode(response.get("clientDataJSON"), "response.clientDataJSON")
        attestation = decode(response.get("attestationObject"), "response.attestationObject")
        challenge = _client_challenge(client_data)
        if not self.challenges.take(username, REGISTER, challenge):
            raise Unauthorized(CEREMONY_EXPIRED)
        rp = relying_party(self._settings, self._openfire)
        request = RegistrationRequest(attestation, client_data, _extensions(credential),
                                      _transports(response.get("transports")))
        parameters = RegistrationParameters(rp.server_property(decode(challenge, "challenge")),
                                            self._parameters, rp.verification_required, True)
        data = self._verify(lambda: self._manager.verify(request, parameters), BadRequest)
        return self._store(username, data, response.get("transports"), name)

    def _store(self, username, data, transports, name):
        existing = self.passkeys(username)
        limit = self._settings.get(config.WEBAUTHN_MAX_CREDENTIALS)
        if len(existing) >= limit:
            raise Conflict("You have %d passkeys, the most allowed; delete one first." % limit)
        authenticator = data.getAttestationObject().getAuthenticatorData()
        attested = authenticator.getAttestedCredentialData()
        record = PasskeyRecord(
            encode(attested.getCredentialId()), username, self._user_handle(username),
            _clean_name(name) or u"Passkey %d" % (len(existing) + 1),
            encode(self._credential_data.convert(attested)), authenticator.getSignCount(),
            _transport_names(transports), authenticator.isFlagUV(), authenticator.isFlagBE(),
            authenticator.isFlagBS(), self._clock())
        if not self._openfire.add_passkey(record):
            raise Conflict("This passkey is already registered.")
        return record

    # --- sign-in ----------------------------------------------------------------------------
    def authentication_options(self, username):
        """Options for ``navigator.credentials.get()``. Unknown users get the same shape with
        no credentials (and a challenge that can never be used), so the answer does not tell
        who has an account."""
        rp = relying_party(self._settings, self._openfire)
        if self._openfire.get_user(username) is None:
            challenge, allowed = random_bytes(CHALLENGE_BYTES), []
        else:
            challenge, allowed = self._issue(username, AUTHENTICATE), self.passkeys(username)
        return {"challenge": encode(challenge), "rpId": rp.id,
                "timeout": self._lifetime() * 1000,
                "allowCredentials": [_descriptor(record) for record in allowed],
                "userVerification": rp.user_verification}

    def authenticate(self, username, credential):
        """Verifies an assertion; returns the passkey used. Unauthorized for every failure."""
        response = _member(credential, "response", dict)
        client_data = decode(response.get("clientDataJSON"), "response.clientDataJSON")
        authenticator_data = decode(response.get("authenticatorData"),
                                    "response.authenticatorData")
        signature = decode(response.get("signature"), "response.signature")
        raw_id = decode(credential.get("rawId") or credential.get("id"), "rawId")
        record = self._openfire.find_passkey(encode(raw_id))
        challenge = _client_challenge(client_data)
        if not self.challenges.take(username, AUTHENTICATE, challenge):
            raise Unauthorized(CEREMONY_EXPIRED)
        if record is None or record.username != username or \
                record.user_handle != self._user_handle(username):
            raise Unauthorized(SIGN_IN_FAILED)
        user_handle = response.get("userHandle")
        rp = relying_party(self._settings, self._openfire)
        request = AuthenticationRequest(
            raw_id, decode(user_handle, "response.userHandle") if user_handle else None,
            authenticator_data, client_data, _extensions(credential), signature)
        parameters = AuthenticationParameters(
            rp.server_property(decode(challenge, "challenge")), self._credential_record(record),
            None, rp.verification_required, True)
        data = self._verify(lambda: self._manager.verify(request, parameters), Unauthorized)
        flags = data.getAuthenticatorData()
        if not self._openfire.record_passkey_use(username, record.credential_id,
                                                 record.sign_count, flags.getSignCount(),
                                                 flags.isFlagBS(), self._clock()):
            raise Unauthorized(SIGN_IN_FAILED)   # another sign-in used this counter value first
        return record

    # --- the user's passkeys ----------------------------------------------------------------
    def passkeys(self, username):
        """The user's passkeys; records left from a deleted account of the same name are
        removed on sight."""
        handle = self._user_handle(username)
        mine = []
        for record in self._openfire.passkeys(username):
            if record.user_handle == handle:
                mine.append(record)
            else:
                self._openfire.delete_passkey(username, record.credential_id)
        return mine

    def rename(self, username, credential_id, name):
        name = _clean_name(name)
        if not name:
            raise BadRequest("A name of 1 to %d characters is required." % MAX_NAME_LENGTH)
        if not self._openfire.rename_passkey(username, credential_id, name):
            raise NotFound("You have no passkey with that id.")

    def delete(self, username, credential_id):
        if not self._openfire.delete_passkey(username, credential_id):
            raise NotFound("You have no passkey with that id.")

    # --- helpers ----------------------------------------------------------------------------
    def _lifetime(self):
        return self._settings.get(config.WEBAUTHN_CHALLENGE_SECONDS)

    def _issue(self, username, ceremony):
        return self.challenges.issue(username, ceremony, self._lifetime())

    def _user_handle(self, username, create=False):
        handle = self._openfire.get_user_properties(username).get(USER_HANDLE_PROPERTY)
        if handle is None and create:
            handle = random_token(32)
            self._openfire.set_user_property(username, USER_HANDLE_PROPERTY, handle)
        return handle

    def _credential_record(self, record):
        attested = self._credential_data.convert(decode(record.credential_data, "stored data"))
        transports = HashSet()
        for name in record.transports:
            transports.add(AuthenticatorTransport.create(name))
        return CredentialRecordImpl(NoneAttestationStatement(), record.uv_initialized,
                                    record.backup_eligible, record.backup_state,
                                    record.sign_count, attested, None, None, None, transports)

    @staticmethod
    def _verify(call, failure):
        """Runs a webauthn4j verification; its exceptions become ``failure`` (400 or 401)."""
        try:
            return call()
        except (VerificationException, DataConversionException,
                IllegalArgumentException) as error:
            reason = error.getClass().getSimpleName()
            LOG.debug("WebAuthn verification failed: %s" % reason)
        except RuntimeException as error:   # malformed input webauthn4j did not anticipate
            reason = error.getClass().getSimpleName()
            LOG.warn("WebAuthn verification failed unexpectedly: %s" % error)
        if failure is Unauthorized:
            raise Unauthorized(SIGN_IN_FAILED)
        raise failure("The passkey could not be verified (%s)." % reason)


def _member(body, name, kind):
    value = body.get(name) if isinstance(body, dict) else None
    if not isinstance(value, kind):
        raise BadRequest("'%s' is missing or malformed." % name)
    return value


def _client_challenge(client_data):
    """The challenge the browser signed, read from clientDataJSON (webauthn4j checks it again
    against the one we issued)."""
    try:
        parsed = json.loads(unicode(String(client_data, StandardCharsets.UTF_8)))
    except ValueError:
        raise BadRequest("response.clientDataJSON is not JSON.")
    challenge = parsed.get("challenge") if isinstance(parsed, dict) else None
    if not isinstance(challenge, basestring) or not challenge:
        raise BadRequest("response.clientDataJSON has no challenge.")
    return challenge.rstrip(u"=")


def _extensions(credential):
    results = credential.get("clientExtensionResults")
    return json.dumps(results) if isinstance(results, dict) else None


def _transport_names(transports):
    """The transports a browser reported ("usb", "internal", "hybrid", ...), sanitised: they
    are only hints handed back to browsers."""
    if not isinstance(transports, list):
        return ()
    return tuple(name for name in transports
                 if isinstance(name, basestring) and 0 < len(name) <= 32
                 and name.replace(u"-", u"").isalnum())[:8]


def _transports(transports):
    found = HashSet()
    for name in _transport_names(transports):
        found.add(name)
    return found


def _descriptor(record):
    descriptor = {"type": "public-key", "id": record.credential_id}
    if record.transports:
        descriptor["transports"] = list(record.transports)
    return descriptor


def _clean_name(name):
    if not isinstance(name, basestring):
        return None
    name = u"".join(ch for ch in name.strip() if ch >= u" ")
    return name[:MAX_NAME_LENGTH] or None
