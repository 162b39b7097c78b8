"""TLS with a client certificate per terminal (R-SYNC-4), against a real PostgreSQL.

A cluster of its own listens on 127.0.0.1 with ``ssl = on``; its pg_hba.conf lets the
terminals' group in only over TLS with a certificate whose CN is the role (``cert``), as
docs/SYNC.md prescribes. A terminal with its certificate reaches the sync functions; without
one, with a certificate of another CA, with another terminal's certificate, or checking the
server against the wrong root, it does not get in.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import shutil
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from madoguchi.app.services.centre_setup import install_centre_permissions
from madoguchi.storage.central.admin import central_engine, create_database, provision_terminal
from madoguchi.storage.central.cluster import ClusterError, ThrowawayCluster
from madoguchi.storage.migrations import upgrade_central
from madoguchi.storage.sync import CentreRefused, CentreUnavailable, PostgresCentre

NOW = dt.datetime.now(dt.UTC)


@dataclass
class Authority:
    """A CA that signs certificates (server, terminals)."""

    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate

    @classmethod
    def new(cls, name: str) -> Authority:
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(NOW - dt.timedelta(minutes=5))
            .not_valid_after(NOW + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256())
        )
        return cls(key, cert)

    def issue(self, common_name: str, *, server: bool = False) -> tuple[bytes, bytes]:
        """PEM certificate and key for ``common_name``."""
        key = ec.generate_private_key(ec.SECP256R1())
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
            .issuer_name(self.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(NOW - dt.timedelta(minutes=5))
            .not_valid_after(NOW + dt.timedelta(days=1))
        )
        if server:
            builder = builder.add_extension(
                x509.SubjectAlternativeName(
                    [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
                ),
                critical=False,
            )
        cert = builder.sign(self.key, hashes.SHA256())
        key_pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return cert.public_bytes(serialization.Encoding.PEM), key_pem

    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)


def _write(path: Path, content: bytes, owner_dir: Path) -> Path:
    path.write_bytes(content)
    path.chmod(0o600)
    if os.geteuid() == 0:  # the server runs as postgres: its files must be its own
        stat = owner_dir.stat()
        os.chown(path, stat.st_uid, stat.st_gid)
    return path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class TlsCentre:
    cluster: ThrowawayCluster
    port: int
    ca: Authority
    client_dir: Path

    def dsn(self, user: str, cert: str | None, *, root: Path | None = None) -> str:
        parts = [
            "host=127.0.0.1",
            f"port={self.port}",
            "dbname=centre_tls",
            f"user={user}",
            "sslmode=verify-full",
            f"sslrootcert={root or self.client_dir / 'centre-ca.pem'}",
        ]
        if cert is not None:
            parts += [
                f"sslcert={self.client_dir / (cert + '.crt')}",
                f"sslkey={self.client_dir / (cert + '.key')}",
            ]
        return " ".join(parts)


@pytest.fixture(scope="module")
def tls_centre(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsCentre]:
    ca = Authority.new("madoguchi test centre CA")
    port = _free_port()
    try:
        cluster = ThrowawayCluster.create(
            {
                "listen_addresses": "'127.0.0.1'",
                "port": str(port),
                "ssl": "on",
                "ssl_cert_file": "server.crt",
                "ssl_key_file": "server.key",
                "ssl_ca_file": "ca.pem",
            }
        )
    except ClusterError as error:
        pytest.fail(f"system part missing: PostgreSQL server: {error}")
    data = cluster.data_dir
    server_cert, server_key = ca.issue("localhost", server=True)
    _write(data / "server.crt", server_cert, data)
    _write(data / "server.key", server_key, data)
    _write(data / "ca.pem", ca.pem(), data)
    # docs/SYNC.md: the terminals only over TLS with a certificate; the administrator on the
    # local socket; nothing else.
    _write(
        data / "pg_hba.conf",
        b"local all all trust\n"
        b"hostssl all +madoguchi_terminal 127.0.0.1/32 cert\n"
        b"host all all 127.0.0.1/32 reject\n",
        data,
    )
    client_dir = tmp_path_factory.mktemp("terminal-certs")
    (client_dir / "centre-ca.pem").write_bytes(ca.pem())
    for name, (cert, key) in {
        "term_a": ca.issue("term_a"),
        "term_b": ca.issue("term_b"),
        "stranger": Authority.new("another CA").issue("term_a"),
    }.items():
        (client_dir / f"{name}.crt").write_bytes(cert)
        key_path = client_dir / f"{name}.key"
        key_path.write_bytes(key)
        key_path.chmod(0o600)
    (client_dir / "wrong-root.pem").write_bytes(Authority.new("not the centre").pem())
    try:
        cluster.start()
        dsn = create_database(cluster.dsn(), "centre_tls")
        engine = central_engine(dsn)
        try:
            upgrade_central(engine)
        finally:
            engine.dispose()
        with psycopg.connect(dsn) as conn:
            install_centre_permissions(conn)
            for terminal, role in (("TERM-A", "term_a"), ("TERM-B", "term_b")):
                provision_terminal(conn, terminal, role=role, office="本庁舎", description="")
        yield TlsCentre(cluster, port, ca, client_dir)
    finally:
        cluster.destroy()
        shutil.rmtree(client_dir, ignore_errors=True)


def test_a_terminal_with_its_certificate_reaches_the_sync_functions_over_tls(tls_centre):
    with psycopg.connect(tls_centre.dsn("term_a", "term_a")) as conn:
        who = conn.execute("SELECT sync.whoami()").fetchone()[0]
        ssl, client_dn = conn.execute(
            "SELECT ssl, client_dn FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
        ).fetchone()
    assert who["terminal_id"] == "TERM-A" and who["role"] == "term_a"
    assert ssl is True and client_dn == "/CN=term_a"
    centre = PostgresCentre(tls_centre.dsn("term_a", "term_a"), connect_timeout=5)
    try:
        assert centre.push([]) == []
        assert centre.pull(0, 10).changes[0]["entity"] == "terminal"  # the number lanes
    finally:
        centre.close()


@pytest.mark.parametrize(
    ("user", "cert", "root", "error", "said"),
    [
        # the server refuses the login: an administrator must act, retrying will not help
        ("term_a", None, None, CentreRefused, "証明書"),  # no client certificate
        ("term_a", "term_b", None, CentreRefused, "証明書"),  # another terminal's certificate
        # the TLS handshake fails
        ("term_a", "stranger", None, CentreUnavailable, "unknown ca"),  # another CA's
        ("term_a", "term_a", "wrong-root.pem", CentreUnavailable, "certificate verify failed"),
    ],
)
def test_without_the_right_certificate_a_terminal_does_not_get_in(
    tls_centre, user, cert, root, error, said
):
    root_path = tls_centre.client_dir / root if root else None
    centre = PostgresCentre(tls_centre.dsn(user, cert, root=root_path), connect_timeout=5)
    try:
        with pytest.raises(error) as refused:
            centre.push([])
        assert said in str(refused.value).lower()
    finally:
        centre.close()


def test_a_refused_terminal_is_told_so_in_its_status(tls_centre, tmp_path):
    from madoguchi.storage.store import LocalStore
    from madoguchi.storage.sync import SyncWorker

    store = LocalStore.open(tmp_path / "refused.db", create=True)
    worker = SyncWorker(store, PostgresCentre(tls_centre.dsn("term_a", None)), listen=False)
    try:
        report = worker.run_once()
        assert not report.ok and "拒否" in (report.error or "")
        status = worker.status()
        assert status.online is False and status.refused
    finally:
        worker.stop()
        store.close()
