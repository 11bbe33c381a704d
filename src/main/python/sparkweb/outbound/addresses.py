"""Which hosts and addresses outbound requests may reach (DESIGN section 4 "Outbound HTTP").

A host is turned into exactly one address here, once; the client connects to that address and
nothing resolves the name again (so a DNS answer that changes between check and connection,
"DNS rebinding", cannot slip past). Refused unless an administrator allow-lists them:

- IPv4: this network, private (RFC 1918), loopback, link-local (cloud metadata 169.254.169.254
  among them), shared address space (CGNAT, 100.64/10, Alibaba's metadata among them), IETF and
  documentation ranges, benchmarking, multicast, reserved and broadcast;
- IPv6: everything outside global unicast 2000::/3 (loopback, unspecified, IPv4-mapped and
  -compatible, unique-local fc00::/7 with AWS's metadata fd00:ec2::254, link-local, site-local,
  multicast, NAT64) and, inside it, documentation, 6to4 and Teredo, which embed IPv4 addresses;
- spellings browsers and resolvers read differently: numeric hosts that are not four plain
  decimal numbers (``2130706433``, ``0177.0.0.1``, ``0x7f.1``, ``127.1``), IPv6 zone ids,
  IPv4-mapped IPv6 literals, percent-encoded or non-DNS characters.

A host name is resolved with every address it has; one refused address refuses the name (a
name that also points inside is not fetched at all). The allow-list (setting
``sparkweb.outbound.allow``) holds host names, addresses and networks (``10.1.0.0/16``,
``fd12::/64``); an allow-listed name may resolve to anything, an address or network admits the
addresses inside it. Odd spellings stay refused whatever the list says.
"""
from __future__ import absolute_import

import re

from java.lang import IllegalArgumentException
from java.net import IDN, Inet4Address, InetAddress, UnknownHostException

from sparkweb.outbound.errors import Refused

IPV4_REFUSED = (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
    "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16",
    "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4")
IPV6_GLOBAL = "2000::/3"
IPV6_REFUSED_INSIDE_GLOBAL = ("2001::/32", "2001:db8::/32", "2002::/16", "3fff::/20",
                              "2001:10::/28")

DOTTED_QUAD = re.compile(r"^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
                         r"(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$")
# The last label decides whether a browser reads a host as an IPv4 number (WHATWG URL "ends in
# a number"): decimal digits, or 0x followed by hex digits.
NUMERIC_LABEL = re.compile(r"^([0-9]+|0[xX][0-9a-fA-F]*)$")
IPV6_TEXT = re.compile(r"^[0-9a-fA-F:.]+$")
DNS_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


def _number(raw):
    value = 0
    for byte in raw:
        value = (value << 8) | (byte & 0xff)
    return value


def literal_address(text):
    """The address ``text`` spells plainly (a dotted quad of four decimal numbers without
    leading zeros, or IPv6 text without a zone), or None. Never looks anything up."""
    if DOTTED_QUAD.match(text):
        return InetAddress.getByName(text)
    if ":" in text and IPV6_TEXT.match(text):
        try:
            address = InetAddress.getByName(text)
        except UnknownHostException:
            raise Refused("spelling", "'%s' is not an IPv6 address." % text[:60])
        if isinstance(address, Inet4Address):   # Java reads ::ffff:a.b.c.d as IPv4
            raise Refused("spelling", "IPv4-mapped IPv6 addresses are not fetched.")
        return address
    return None


class Network(object):
    """An address block, ``10.0.0.0/8``; a bare address is a block of one."""

    def __init__(self, text):
        address_text, _, prefix = text.strip().partition("/")
        address = literal_address(address_text)
        if address is None:
            raise ValueError(text)
        raw = address.getAddress()
        self.bits = len(raw) * 8
        self.prefix = int(prefix) if prefix else self.bits
        if not 0 <= self.prefix <= self.bits:
            raise ValueError(text)
        self.value = _number(raw) >> (self.bits - self.prefix)

    def __contains__(self, address):
        raw = address.getAddress()
        if len(raw) * 8 != self.bits:
            return False
        return _number(raw) >> (self.bits - self.prefix) == self.value


REFUSED_V4 = [Network(text) for text in IPV4_REFUSED]
GLOBAL_V6 = Network(IPV6_GLOBAL)
REFUSED_V6 = [Network(text) for text in IPV6_REFUSED_INSIDE_GLOBAL]


def is_public(address):
    """Whether ``address`` is an ordinary address on the internet (see the module doc)."""
    if isinstance(address, Inet4Address):
        return not any(address in network for network in REFUSED_V4)
    return address in GLOBAL_V6 and not any(address in network for network in REFUSED_V6)


def resolve_with_java(host):
    return list(InetAddress.getAllByName(host))


class AddressPolicy(object):
    """Turns a URL's host into the one address a request may connect to, or raises Refused.

    ``allowed`` is the administrator's allow-list (names, addresses, networks as text);
    ``resolve`` maps a host name to its addresses (tests give their own)."""

    def __init__(self, allowed=(), resolve=resolve_with_java):
        self._names = set()
        self._networks = []
        for entry in allowed:
            entry = entry.strip().lower()
            if not entry:
                continue
            try:
                self._networks.append(Network(entry))
            except (ValueError, Refused):
                self._names.add(entry.rstrip("."))
        self._resolve = resolve

    def address_for(self, host):
        """The checked address for ``host`` (as a URL carries it: IPv6 in brackets)."""
        if host.startswith("["):
            if not host.endswith("]") or "%" in host:
                raise Refused("spelling", "Unusable IPv6 host.")
            address = literal_address(host[1:-1])
            if address is None or isinstance(address, Inet4Address):
                raise Refused("spelling", "Unusable IPv6 host.")
            return self._checked(host, [address], named=False)
        name = dns_name(host)
        if NUMERIC_LABEL.match(name.rstrip(".").split(".")[-1]):
            address = literal_address(name)
            if address is None:
                raise Refused("spelling", "'%s' is not a plain IPv4 address; numbers in other "
                              "spellings are not fetched." % host[:60])
            return self._checked(host, [address], named=False)
        if name.rstrip(".") in self._names:
            return self._lookup(name)[0]
        return self._checked(host, self._lookup(name), named=True)

    def _lookup(self, name):
        try:
            addresses = self._resolve(name)
        except (UnknownHostException, IllegalArgumentException):
            addresses = []
        if not addresses:
            raise Refused("unknown_host", "The host '%s' is not known." % name[:60])
        return addresses

    def _checked(self, host, addresses, named):
        for address in addresses:
            if not (is_public(address) or any(address in net for net in self._networks)):
                raise Refused("address", "'%s' %s an address that is not fetched (%s)." % (
                    host[:60], "resolves to" if named else "is", _kind(address)))
        return addresses[0]


def dns_name(host):
    """``host`` as an ASCII DNS name in lower case (IDN converted), or Refused."""
    try:
        name = IDN.toASCII(host, IDN.USE_STD3_ASCII_RULES).lower()
    except IllegalArgumentException:
        raise Refused("spelling", "'%s' is not a valid host name." % host[:60])
    labels = name[:-1].split(".") if name.endswith(".") else name.split(".")
    if not name or len(name) > 253 or not all(DNS_LABEL.match(label) for label in labels):
        raise Refused("spelling", "'%s' is not a valid host name." % host[:60])
    return name


def _kind(address):
    if address.isLoopbackAddress():
        return "loopback"
    if address.isLinkLocalAddress():
        return "link-local"
    if address.isSiteLocalAddress():
        return "private"
    if address.isMulticastAddress():
        return "multicast"
    if address.isAnyLocalAddress():
        return "unspecified"
    return "reserved or private range"
