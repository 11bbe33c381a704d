"""The passkey ceremonies, registration and sign-in, verified by webauthn4j, and the user's
own passkeys.

A ceremony is two calls. *start* answers the options for ``navigator.credentials.create()`` or
``.get()`` (WebAuthn's JSON form, binary values as base64url) with a fresh challenge; *finish*
takes the browser's ``PublicKeyCredential`` (``credential.toJSON()``) and verifies it.

Challenges come from :mod:`.challenges`, the relying party from :mod:`.relying_party`. A
challenge is marked used once the credential has verified, so one ceremony completes once.
Each passkey keeps its own signature counter; a counter that goes backwards (a cloned
authenticator) is refused, and the stored counter only moves by compare-and-set, so two clones
cannot both sign in with one counter value, even at the same moment.

Sign-in never tells who exists: users without passkeys, unknown ones included, get options of
the same shape (see :mod:`.stand_ins`), starts are limited alike (:mod:`.limits`), and a
sign-in fails with the same answer whoever it names.
"""
from __future__ import absolute_import

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
from com.webauthn4j.verifier.exception import VerificationException
from java.lang import IllegalArgumentException, RuntimeException
from java.util import ArrayList, HashSet

from sparkweb import config
from sparkweb.auth.passkeys.challenges import AUTHENTICATE, REGISTER, Challenges
from sparkweb.auth.passkeys.cleanup import StalePasskeys
from sparkweb.auth.passkeys.limits import StartLimits
from sparkweb.auth.passkeys.relying_party import relying_party
from sparkweb.auth.passkeys.stand_ins import stand_in_credentials
from sparkweb.auth.passkeys.webauthn_json import (
    MAX_NAME_LENGTH, clean_name, client_challenge, decode, descriptor, extensions, member,
    transport_names, transport_set)
from sparkweb.errors import BadRequest, Conflict, NotFound, Unauthorized
from sparkweb.jackson import pooled
from sparkweb.log import logger
from sparkweb.openfire.facade import PasskeyRecord
from sparkweb.secure_random import base64url as encode, random_token

LOG = logger("passkeys")

# The user's WebAuthn user id (random, not the username): a user property, protected like every
# "sparkweb." name, and deleted with the account.
USER_HANDLE_PROPERTY = "sparkweb.webauthn.userHandle"
# Challenges used anywhere in the cluster (challenges.Challenges, shared).
USED_CHALLENGES_CACHE = "SparkWeb Used Passkey Challenges"
# ES256, EdDSA, RS256: what browsers' and security keys' authenticators use.
ALGORITHMS = (-7, -8, -257)
_ALGORITHM_IDS = {-7: COSEAlgorithmIdentifier.ES256, -8: COSEAlgorithmIdentifier.EdDSA,
                  -257: COSEAlgorithmIdentifier.RS256}

SIGN_IN_FAILED = "Passkey sign-in failed."
CEREMONY_EXPIRED = "The ceremony has expired or was already completed; start it again."


def _mappers():
    """webauthn4j's JSON and CBOR mappers, buffers pooled (see sparkweb.jackson)."""
    return (ObjectMapper(pooled(JsonFactory.builder())),
            ObjectMapper(pooled(CBORFactory.builder())))


class PasskeyService(object):
    def __init__(self, openfire, settings, clock, secret):
        self._openfire = openfire
        self._settings = settings
        self._clock = clock
        self._secret = secret
        self.challenges = Challenges(secret, clock,
                                     shared=openfire.shared_cache(USED_CHALLENGES_CACHE))
        self.limits = StartLimits(settings, clock)
        # Registrations are started only by the user (token or password), so they are limited
        # per user alone: a bound on the challenges one user can mark used (see .challenges).
        self.registration_limits = StartLimits(settings, clock, what=u"registrations")
        self.stale = StalePasskeys(openfire)
        converter = ObjectConverter(*_mappers())
        self._manager = WebAuthnManager.createNonStrictWebAuthnManager(converter)
        self._credential_data = AttestedCredentialDataConverter(converter)
        self._parameters = ArrayList()
        for algorithm in ALGORITHMS:
            self._parameters.add(PublicKeyCredentialParameters(
                PublicKeyCredentialType.PUBLIC_KEY, _ALGORITHM_IDS[algorithm]))

    # --- registration -----------------------------------------------------------------------
    def registration_options(self, username):
        """Options for ``navigator.credentials.create()``, limited per user like sign-in starts;
        the user's passkeys are excluded so that an authenticator is not registered twice."""
        self.registration_limits.check(username, None)
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
            "excludeCredentials": [descriptor(record) for record in self.passkeys(username)],
            "authenticatorSelection": {"residentKey": "preferred", "requireResidentKey": False,
                                       "userVerification": rp.user_verification},
            "extensions": {"credProps": True},
        }

    def register(self, username, credential, name=None):
        """Verifies a new credential and adds it to the user's passkeys (never replacing one)."""
        response = member(credential, "response", dict)
        client_data = decode(response.get("clientDataJSON"), "response.clientDataJSON")
        attestation = decode(response.get("attestationObject"), "response.attestationObject")
        challenge = client_challenge(client_data)
        if not self.challenges.is_valid(username, REGISTER, challenge):
            raise Unauthorized(CEREMONY_EXPIRED)
        rp = relying_party(self._settings, self._openfire)
        request = RegistrationRequest(attestation, client_data, extensions(credential),
                                      transport_set(response.get("transports")))
        parameters = RegistrationParameters(rp.server_property(decode(challenge, "challenge")),
                                            self._parameters, rp.verification_required, True)
        data = self._verify(lambda: self._manager.verify(request, parameters), BadRequest)
        self._check_room(username)   # before use(): a refused passkey leaves no mark behind
        if not self.challenges.use(username, REGISTER, challenge):
            raise Unauthorized(CEREMONY_EXPIRED)   # the same response, sent twice at once
        return self._store(username, data, response.get("transports"), name)

    def _check_room(self, username):
        """409 when the user holds the most passkeys allowed; their list, else."""
        existing = self.passkeys(username)
        limit = self._settings.get(config.WEBAUTHN_MAX_CREDENTIALS)
        if len(existing) >= limit:
            raise Conflict("You have %d passkeys, the most allowed; delete one first." % limit)
        return existing

    def _store(self, username, data, transports, name):
        existing = self._check_room(username)   # again: another registration may have won
        authenticator = data.getAttestationObject().getAuthenticatorData()
        attested = authenticator.getAttestedCredentialData()
        record = PasskeyRecord(
            encode(attested.getCredentialId()), username, self._user_handle(username),
            clean_name(name) or u"Passkey %d" % (len(existing) + 1),
            encode(self._credential_data.convert(attested)), authenticator.getSignCount(),
            transport_names(transports), authenticator.isFlagUV(), authenticator.isFlagBE(),
            authenticator.isFlagBS(), self._clock())
        if not self._openfire.add_passkey(record):
            raise Conflict("This passkey is already registered.")
        return record

    # --- sign-in ----------------------------------------------------------------------------
    def authentication_options(self, username, address=None):
        """Options for ``navigator.credentials.get()``, limited per address and username.
        Every name gets the same: a challenge for it, and its passkeys or stand-ins for them,
        so the answer does not tell who has an account or a passkey."""
        self.limits.check(username, address)
        rp = relying_party(self._settings, self._openfire)
        allowed = [descriptor(record) for record in self.passkeys(username)]
        return {"challenge": encode(self._issue(username, AUTHENTICATE)), "rpId": rp.id,
                "timeout": self._lifetime() * 1000,
                "allowCredentials": allowed or stand_in_credentials(self._secret, username),
                "userVerification": rp.user_verification}

    def authenticate(self, username, credential):
        """Verifies an assertion; returns the passkey used. Unauthorized for every failure."""
        response = member(credential, "response", dict)
        client_data = decode(response.get("clientDataJSON"), "response.clientDataJSON")
        authenticator_data = decode(response.get("authenticatorData"),
                                    "response.authenticatorData")
        signature = decode(response.get("signature"), "response.signature")
        raw_id = decode(credential.get("rawId") or credential.get("id"), "rawId")
        challenge = client_challenge(client_data)
        if not self.challenges.is_valid(username, AUTHENTICATE, challenge):
            raise Unauthorized(CEREMONY_EXPIRED)
        record = self._openfire.find_passkey(encode(raw_id))
        if record is None or record.username != username or \
                record.user_handle != self._user_handle(username):
            raise Unauthorized(SIGN_IN_FAILED)
        user_handle = response.get("userHandle")
        rp = relying_party(self._settings, self._openfire)
        request = AuthenticationRequest(
            raw_id, decode(user_handle, "response.userHandle") if user_handle else None,
            authenticator_data, client_data, extensions(credential), signature)
        parameters = AuthenticationParameters(
            rp.server_property(decode(challenge, "challenge")), self._credential_record(record),
            None, rp.verification_required, True)
        data = self._verify(lambda: self._manager.verify(request, parameters), Unauthorized)
        if not self.challenges.use(username, AUTHENTICATE, challenge):
            raise Unauthorized(CEREMONY_EXPIRED)   # the same assertion, sent twice at once
        flags = data.getAuthenticatorData()
        if not self._openfire.record_passkey_use(username, record.credential_id,
                                                 record.sign_count, flags.getSignCount(),
                                                 flags.isFlagBS(), self._clock()):
            raise Unauthorized(SIGN_IN_FAILED)   # another sign-in used this counter value first
        return record

    # --- the user's passkeys ----------------------------------------------------------------
    def passkeys(self, username):
        """The user's passkeys; records left from a deleted account of the same name are
        ignored and left to housekeeping to delete."""
        handle = self._user_handle(username)
        mine = []
        for record in self._openfire.passkeys(username):
            if record.user_handle == handle:
                mine.append(record)
            else:
                self.stale.notice(record)
        return mine

    def rename(self, username, credential_id, name):
        name = clean_name(name)
        if not name:
            raise BadRequest("A name of 1 to %d characters is required." % MAX_NAME_LENGTH)
        if not self._openfire.rename_passkey(username, credential_id, name):
            raise NotFound("You have no passkey with that id.")

    def delete(self, username, credential_id):
        if not self._openfire.delete_passkey(username, credential_id):
            raise NotFound("You have no passkey with that id.")

    def housekeeping(self):
        """Forgets expired challenges and idle start limits, deletes stale records (the
        plugin's timer runs this)."""
        self.challenges.sweep()
        self.limits.sweep()
        self.registration_limits.sweep()
        self.stale.sweep()

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
