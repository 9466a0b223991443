"""A small PKI for the proxy tests: the operator's CA and server certificate, GPAS's client CA
and client certificate, and a client certificate from a CA nginx does not trust."""

from __future__ import annotations

import datetime
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

_Key = ec.EllipticCurvePrivateKey


@dataclass(frozen=True)
class Pki:
    """Paths of the PEM files the proxy tests use."""

    server_ca: Path          # signs the server certificate; clients trust it
    server_cert: Path        # for 127.0.0.1 and localhost
    server_key: Path
    gpas_ca: Path            # the CA GPAS gives the operator; nginx trusts it for clients
    gpas_client: Path        # certificate and key in one file, as gpas-check takes it
    stranger_client: Path    # a client certificate from a CA nginx does not trust


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(subject: str, key: _Key, issuer: tuple[str, _Key] | None,
                 usage: x509.ObjectIdentifier | None = None) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    issuer_name, issuer_key = issuer or (subject, key)
    builder = (x509.CertificateBuilder().subject_name(_name(subject))
               .issuer_name(_name(issuer_name)).public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(minutes=5))
               .not_valid_after(now + datetime.timedelta(days=2)))
    if usage is None:  # a CA
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=0), True)
    else:
        builder = builder.add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
        builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), False)
    if usage == ExtendedKeyUsageOID.SERVER_AUTH:
        names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
        builder = builder.add_extension(x509.SubjectAlternativeName(names), False)
    return builder.sign(issuer_key, hashes.SHA256())


def _pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def _key_pem(key: _Key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def make_pki(directory: Path) -> Pki:
    """Write the certificates and keys into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    keys = {name: ec.generate_private_key(ec.SECP256R1())
            for name in ("server_ca", "server", "gpas_ca", "gpas", "other_ca", "other")}
    server_ca = _certificate("walletsvc test server CA", keys["server_ca"], None)
    gpas_ca = _certificate("GPAS test client CA", keys["gpas_ca"], None)
    _certificate("some other CA", keys["other_ca"], None)
    files = {
        "server-ca.crt": _pem(server_ca),
        "server.crt": _pem(_certificate("localhost", keys["server"],
                                        ("walletsvc test server CA", keys["server_ca"]),
                                        ExtendedKeyUsageOID.SERVER_AUTH)),
        "server.key": _key_pem(keys["server"]),
        "gpas-ca.crt": _pem(gpas_ca),
        "gpas-client.pem": _pem(_certificate("gpas", keys["gpas"],
                                             ("GPAS test client CA", keys["gpas_ca"]),
                                             ExtendedKeyUsageOID.CLIENT_AUTH))
        + _key_pem(keys["gpas"]),
        "stranger-client.pem": _pem(_certificate("gpas", keys["other"],
                                                 ("some other CA", keys["other_ca"]),
                                                 ExtendedKeyUsageOID.CLIENT_AUTH))
        + _key_pem(keys["other"]),
    }
    for name, data in files.items():
        (directory / name).write_bytes(data)
    return Pki(*(directory / name for name in (
        "server-ca.crt", "server.crt", "server.key", "gpas-ca.crt", "gpas-client.pem",
        "stranger-client.pem")))
