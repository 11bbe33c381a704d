"""The request as a handler sees it: path parameters, query, headers, body, the signed-in user,
and ``app`` (the services the handler may use). Bodies are read lazily and at most once, never
beyond the configured limit."""
from __future__ import absolute_import

from java.lang import IllegalArgumentException
from java.nio import ByteBuffer
from java.nio.charset import CharacterCodingException, StandardCharsets
from javax.ws.rs.core import MediaType

from sparkweb.auth.tokens import Claims

from sparkweb.errors import BadRequest, PayloadTooLarge
from sparkweb.http.body_reader import BODY_ATTRIBUTE
from sparkweb.http.client_address import ATTRIBUTE
from sparkweb.json_input import JsonInputError, parse


class Request(object):
    def __init__(self, context, app, max_body_bytes):
        self._context = context
        self._max_body = max_body_bytes
        self._text = None
        self.app = app
        self.claims = None   # set by the pipeline once the token is verified
        uri = context.getUriInfo()
        self.params = dict([(k, v[0]) for k, v in uri.getPathParameters(True).items()])
        self._query = uri.getQueryParameters(True)

    @property
    def user(self):
        """The signed-in username (None on public routes)."""
        return self.claims.username if self.claims is not None else None

    @property
    def client_address(self):
        """The client's address (see http.client_address), or None outside the servlet."""
        return self._context.getProperty(ATTRIBUTE)

    def header(self, name):
        return self._context.getHeaderString(name)

    def query(self, name, default=None):
        values = self._query.get(name)
        return values[0] if values else default

    def query_lists(self):
        """Every query parameter, name -> list of values (what a forwarded call carries)."""
        return dict([(name, list(values)) for name, values in self._query.items()])

    def text(self):
        """The body as text (UTF-8); 413 past the limit, 400 when not UTF-8."""
        if self._text is None:
            self._text = self._read_text()
        return self._text

    def json(self):
        """The body parsed as JSON (see :mod:`sparkweb.json_input` for the limits); 400 when
        it is not JSON this server accepts."""
        text = self.text()
        if not text.strip():
            raise BadRequest("A JSON body is required.")
        try:
            return parse(text)
        except JsonInputError as error:
            raise BadRequest("The body is not accepted as JSON: %s" % error.args[0])

    def json_object(self, shape="a JSON object"):
        """The body as a JSON object (a dict); 400 naming ``shape`` (what the route expects,
        e.g. ``'JSON {"name": ...}'``) when it is anything else."""
        body = self.json()
        if not isinstance(body, dict):
            raise BadRequest("Expected %s." % shape)
        return body

    def is_json(self):
        media = self._context.getMediaType()
        return media is not None and media.getSubtype().lower().endswith("json")

    def _read_text(self):
        # The body filter (http.body_reader) has read the body into memory already, refusing a
        # declared or actual size over the limit. Without that filter (requests made inside
        # the plugin), the entity stream is in memory too.
        data = self._context.getProperty(BODY_ATTRIBUTE)
        if data is None:
            data = self._context.getEntityStream().readNBytes(self._max_body + 1)
        if len(data) > self._max_body:
            raise PayloadTooLarge("The body is larger than %d bytes." % self._max_body)
        try:
            decoder = StandardCharsets.UTF_8.newDecoder()
            return unicode(decoder.decode(ByteBuffer.wrap(data)).toString())
        except CharacterCodingException:
            raise BadRequest("The body is not UTF-8 text.")


class ForwardedRequest(Request):
    """A request that arrived on another cluster node, run here on the user's home node
    (cluster.forwarding): its token was verified there, and only the username and the
    operation came (cluster.messages). Claims name the user and nothing else."""

    def __init__(self, call, app):
        self._context = None
        self._max_body = None
        self._text = call.body if call.body is not None else u""
        self._headers = dict([(name.lower(), value) for name, value in call.headers.items()])
        self._client = call.client
        self.app = app
        self.claims = Claims(call.username, None, None)
        self.params = dict(call.params)
        self._query = call.query

    @property
    def client_address(self):
        return self._client

    def header(self, name):
        return self._headers.get(name.lower())

    def is_json(self):
        content_type = self.header("Content-Type")
        try:
            media = MediaType.valueOf(content_type) if content_type else None
        except IllegalArgumentException:
            return False
        return media is not None and media.getSubtype().lower().endswith("json")
