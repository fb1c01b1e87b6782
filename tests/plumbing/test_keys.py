import os
import uuid
from urllib.parse import urlsplit

import psycopg
import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command

from plumbing.keys import store
from plumbing.keys.checks import check_keys
from plumbing.keys.sealing import Unreadable, seal, unseal
from tests.conftest import need_service

# The server of the test database when it is PostgreSQL, else the local one.
_url = urlsplit(os.environ.get("DATABASE_URL", ""))
POSTGRES = (
    f"postgresql://{_url.netloc}/"
    if _url.scheme.startswith("postgres")
    else "postgresql://postgres@127.0.0.1:5432/"
)


def _postgres_available() -> bool:
    try:
        psycopg.connect(POSTGRES + "postgres", connect_timeout=2).close()
    except psycopg.OperationalError:
        return False
    return True


@pytest.fixture(params=["sqlite", "postgresql"])
def keystore(request, settings, tmp_path):
    """A key store of its own: a SQLite file (one machine) or a PostgreSQL database (several)."""
    store.forget()
    if request.param == "sqlite":
        settings.KEYSTORE_URL = ""
        settings.KEYSTORE_PATH = tmp_path / "data-keys.sqlite3"
        yield settings.KEYSTORE_PATH
    else:
        need_service(
            "PostgreSQL",
            _postgres_available(),
            "start it on 127.0.0.1:5432 to test the PostgreSQL key store",
            required_in_ci=bool(os.environ.get("DATABASE_URL")),
        )
        name = f"test_keystore_{os.getpid()}"
        with psycopg.connect(POSTGRES + "postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name}")
            admin.execute(f"CREATE DATABASE {name}")
        settings.KEYSTORE_URL = POSTGRES + name
        yield None
        store._local.__dict__.clear()  # close this thread's connection before the drop
        with psycopg.connect(POSTGRES + "postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    store.forget()


def test_sealed_text_opens_with_its_key_and_place_only(keystore):
    key, other = store.create_keys(2)
    sealed = seal(key, "Ana García, 612-555-0101", context=b"intake.complainant.name")
    assert "Ana" not in sealed and "612" not in sealed
    assert unseal(key, sealed, context=b"intake.complainant.name") == "Ana García, 612-555-0101"
    with pytest.raises(Unreadable):
        unseal(key, sealed, context=b"intake.witness.name")
    with pytest.raises(Unreadable):
        unseal(other, sealed, context=b"intake.complainant.name")


def test_keys_made_soon_seal_at_once_and_are_in_the_store_once_waited_for(keystore):
    pending = store.create_keys_soon(2)
    sealed = seal(pending.ids[0], "Ana García", context=b"intake.complainant.name")
    assert pending.wait() == pending.ids
    assert store.existing_keys(pending.ids) == set(pending.ids)
    store.forget()  # read back from the store, unwrapped again
    assert unseal(pending.ids[0], sealed, context=b"intake.complainant.name") == "Ana García"


def test_keys_whose_write_failed_raise_when_waited_for_and_are_forgotten(keystore, monkeypatch):
    def disk_full(keys):
        raise OSError("No space left on device")

    monkeypatch.setattr(store, "_write_keys", disk_full)
    pending = store.create_keys_soon(1)
    with pytest.raises(OSError, match="No space"):
        pending.wait()
    with pytest.raises(store.KeyDestroyed):
        store.data_key(pending.ids[0])


def test_the_same_text_seals_differently_each_time(keystore):
    key = store.create_key()
    assert seal(key, "same", context=b"x") != seal(key, "same", context=b"x")


def test_empty_text_stays_empty(keystore):
    key = store.create_key()
    assert seal(key, "", context=b"x") == ""
    assert unseal(key, "", context=b"x") == ""


def test_a_destroyed_key_leaves_its_sealed_values_unreadable(keystore):
    key, kept = store.create_keys(2)
    sealed = seal(key, "Ana", context=b"x")
    assert store.destroy_keys([key]) == 1
    with pytest.raises(store.KeyDestroyed):
        unseal(key, sealed, context=b"x")
    assert store.existing_keys([key, kept]) == {kept}


@pytest.mark.parametrize("keystore", ["sqlite"], indirect=True)
def test_a_destroyed_key_is_gone_from_the_store_file(keystore):
    key = store.create_key()
    raw = store.data_key(key)
    store.destroy_keys([key])
    wal = keystore.with_name(keystore.name + "-wal")
    for path in (keystore, wal):
        data = path.read_bytes() if path.exists() else b""
        assert key.hex.encode() not in data
        assert raw not in data


def test_rotating_the_key_encryption_key_keeps_every_value_readable(keystore, settings):
    old = settings.KEY_ENCRYPTION_KEYS[0]
    keys = store.create_keys(3)
    sealed = {key: seal(key, f"name {key}", context=b"x") for key in keys}
    new = Fernet.generate_key().decode()
    settings.KEY_ENCRYPTION_KEYS = [new, old]
    call_command("rotate_key_encryption_key", stdout=open("/dev/null", "w"))  # noqa: SIM115
    settings.KEY_ENCRYPTION_KEYS = [new]  # the old KEK is retired
    store.forget()
    for key, value in sealed.items():
        assert unseal(key, value, context=b"x") == f"name {key}"


def test_a_data_key_wrapped_by_a_retired_kek_refuses_to_open(keystore, settings):
    from django.core.exceptions import ImproperlyConfigured

    key = store.create_key()
    settings.KEY_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    store.forget()
    with pytest.raises(ImproperlyConfigured):
        store.data_key(key)


def test_an_unknown_key_is_reported_destroyed(keystore):
    with pytest.raises(store.KeyDestroyed):
        store.data_key(uuid.uuid4())


def test_generate_writes_a_key_file_once(settings, tmp_path):
    settings.KEY_ENCRYPTION_KEYS = []
    settings.KEY_ENCRYPTION_KEY_FILE = str(tmp_path / "kek")
    call_command("generate_key_encryption_key", "--if-missing", stdout=open("/dev/null", "w"))  # noqa: SIM115
    first = (tmp_path / "kek").read_text()
    call_command("generate_key_encryption_key", "--if-missing", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert (tmp_path / "kek").read_text() == first
    assert (tmp_path / "kek").stat().st_mode & 0o077 == 0
    store.key_encryption_keys()  # the file's key is a usable KEK


def _check_ids() -> set[str]:
    return {message.id for message in check_keys()}


def test_deploy_check_passes_with_keys_from_the_environment_and_a_store_of_their_own(
    settings, tmp_path
):
    settings.KEYSTORE_URL = ""
    settings.KEYSTORE_PATH = tmp_path / "keys" / "data-keys.sqlite3"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.BASE_DIR = tmp_path / "app"
    assert _check_ids() == set()


def test_deploy_check_refuses_a_missing_key_and_warns_of_a_key_file(settings, tmp_path):
    settings.KEY_ENCRYPTION_KEYS = []
    settings.KEY_ENCRYPTION_KEY_FILE = str(tmp_path / "missing")
    assert {"keys.E001", "keys.W001"} <= _check_ids()


def test_deploy_check_warns_of_a_key_store_among_the_media(settings, tmp_path):
    settings.KEYSTORE_URL = ""
    settings.MEDIA_ROOT = tmp_path
    settings.KEYSTORE_PATH = tmp_path / "data-keys.sqlite3"
    assert "keys.W002" in _check_ids()


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_deploy_check_refuses_a_key_store_in_the_applications_database(settings):
    settings.DATABASES = {
        "default": {"HOST": "db.example.org", "PORT": 5432, "NAME": "rightsdesk"}
    }
    settings.KEYSTORE_URL = "postgres://keys@db.example.org:5432/rightsdesk"
    assert "keys.E002" in _check_ids()
    settings.KEYSTORE_URL = "postgres://keys@db.example.org:5432/rightsdesk_keys"
    assert "keys.E002" not in _check_ids()
