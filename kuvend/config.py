"""Settings for the API, the workers and the command line: one object, ``KUVEND_*`` variables.

Defaults work on a laptop with no services: SQLite and files under ``~/.local/share/kuvend``,
the bundled Whisper base model, the embedded diarizer and the SQLite FTS5 index. At scale the
operator points ``KUVEND_DATABASE_URL`` at PostgreSQL, ``KUVEND_SEARCH_BACKEND`` at OpenSearch
and ``KUVEND_MODELS_DIR`` at the folder holding the production models.
"""

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from kuvend.errors import ConfigError
from kuvend.types import LanguageCode, SerbianScript

_PLACEHOLDER_SECRETS = {"changethis", "change-me", "secret", "kuvend"}


class Settings(BaseSettings):
    """Every tunable of Kuvend. Read from ``KUVEND_<NAME>`` environment variables or ``.env``."""

    model_config = SettingsConfigDict(
        env_prefix="KUVEND_", env_file=".env", extra="ignore", frozen=True
    )

    environment: Literal["development", "production"] = "development"

    # Where things live.
    data_dir: Path = Field(default=Path("~/.local/share/kuvend"))
    cache_dir: Path = Field(default=Path("~/.cache/kuvend"))
    models_dir: Path | None = None
    """Operator's folder of production models (Whisper in CTranslate2 form, pyannote)."""
    database_url: str = ""
    """SQLAlchemy URL; empty means SQLite at ``data_dir/kuvend.db``."""
    media_dir: Path | None = None
    """Content-addressed media store; a shared volume at scale. Empty: ``data_dir/media``."""
    site_dir: Path | None = None
    """Static assembly pages. Empty: ``data_dir/site``."""

    # Assemblies' defaults (each assembly may override languages, script and vocabulary).
    # NoDecode: the variable is "sq,sr" (split below), not JSON.
    languages: Annotated[list[LanguageCode], NoDecode] = Field(default_factory=lambda: ["sq", "sr"])
    serbian_script: SerbianScript = "latin"

    # Transcription.
    whisper_model: str = "base"
    """A model name in ``models_dir`` (e.g. ``large-v3``), a folder, or ``base`` (bundled)."""
    whisper_device: Literal["auto", "cpu", "cuda"] = "auto"
    whisper_compute_type: str = "default"
    """CTranslate2 compute type; ``default`` means int8 on CPU and float16 on CUDA."""
    whisper_cpu_threads: int = 0
    whisper_beam_size: int = 5
    whisper_batch_size: int = 16
    """Whisper windows (30 s) encoded and decoded together, on CPU and CUDA alike."""
    whisper_temperatures: Annotated[tuple[float, ...], NoDecode] = (0.0,)
    """``0`` (default): beam search only, and the one re-decode after a guard fails is beam search
    too, so the same audio always gives the same text. ``0,0.4``: that re-decode samples at 0.4
    with a fixed seed (repeatable as well). Only the first two values are used."""

    # Diarization.
    diarizer: Literal["embedded", "pyannote"] = "embedded"
    speaker_encoder: Literal["campplus", "dvector", "resemblyzer"] = "dvector"
    """The embedded diarizer's speaker encoder (lower DER: dvector; see the README)."""
    min_speakers: int | None = None
    max_speakers: int | None = None
    cross_check_speakers: bool = True
    """The d-vector diarizer asks the CAM++ encoder (prepared by ``kuvend models prepare``)
    whether two long local speakers of a chunk are different people, and whether one local
    speaker's long segments are one voice (``diarize.DiarizeOptions.cross_check_s``);
    ``false``: one encoder only."""
    overlap_detection: bool = True
    """Mark segments where two people spoke at once (pyannote segmentation-3.0 on onnxruntime,
    prepared by ``kuvend models prepare``); the same model also keeps apart stretches that
    are different people and hears quiet speech the VAD missed."""

    # Ingest.
    chunk_seconds: float = 30.0
    live_captions: bool = True
    """While recording, stream captions a few seconds behind the speaker (issue 18)."""
    live_caption_step_s: float = Field(default=0.5, ge=0.1, le=5.0)
    """Audio added between two decodes of the streaming captions."""
    max_upload_bytes: int = 8 * 1024**3
    max_material_bytes: int = 100 * 1024**2
    """Largest document the secretariat may attach to a session as a material."""
    max_duration_s: float = 12 * 3600.0
    min_free_disk_bytes: int = 1 * 1024**3

    # Search.
    search_backend: Literal["sqlite", "opensearch"] = "sqlite"
    opensearch_url: str | None = None
    opensearch_index: str = "kuvend-segments"
    """Name of the OpenSearch index (an alias would let a reindex swap it atomically)."""

    # Services at scale.
    processing: Literal["in_process", "queue"] = "in_process"
    """Where a session uploaded through the API is processed: ``in_process`` on a background
    thread of the API (one session at a time; no services), ``queue`` on the Celery workers."""
    redis_url: str = "redis://127.0.0.1:6379/0"
    """Celery's broker (queues ``gpu`` and ``cpu``)."""
    queue_visibility_timeout_s: float = 4 * 3600.0
    """Redis redelivers a task not acknowledged by then: must exceed the longest task."""
    queue_max_retries: int = 5
    """Retries of a task failing with a transient error (database, network), with backoff."""
    queue_retry_backoff_max_s: float = 300.0
    """Longest wait between two retries (the backoff doubles from 2 s up to this)."""
    queue_max_attempts: int = 3
    """A chunk whose worker died this many times fails its session (a poison file)."""

    # API.
    secret_key: SecretStr | None = None
    """Signs login tokens. Required in production; without it a key is generated once into
    ``data_dir/secret.key`` (mode 0600) and kept there, so a restart signs nobody out."""
    access_token_minutes: int = 60
    password_hash_memory_kib: int = Field(default=65536, ge=8)
    """argon2id memory per password hash, KiB. 64 MiB follows RFC 9106; lower it only on a very
    small machine (the test suite uses 1 MiB so that signing in takes milliseconds)."""
    api_key_rate_limit: str = "120/minute"
    """Quota of each journalist's API key (``limits`` notation: ``N/second|minute|hour|day``)."""
    anonymous_rate_limit: str = "60/minute"
    """Quota of each client address without a key; signed-in secretariat staff are not limited."""
    page_rate_limit: str = "600/minute"
    """Quota of each client address on the public pages ``kuvend serve`` draws (``/search``,
    ``/search.atom``), counted apart from the API's: many citizens may share one office's
    address. The site's static files are not limited."""
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)
    """Addresses or networks of reverse proxies whose ``X-Forwarded-For`` names the client
    (comma-separated, e.g. ``127.0.0.1,10.0.0.0/8``). Empty: the header is ignored."""
    rate_limit_storage: str = "memory://"
    """Where quotas are counted: ``memory://`` for one API process, ``redis://...`` for several."""
    public_base_url: str | None = None
    """The address citizens reach Kuvend at (``https://kuvend.example.org``), for the links in
    API results, the feed, webhooks and ``kuvend publish``. Empty: the address a request came
    to, and for ``kuvend publish`` the one ``kuvend serve`` last served at."""

    @field_validator("data_dir", "cache_dir", "models_dir", "media_dir", "site_dir")
    @classmethod
    def _expand_user(cls, value: Path | None) -> Path | None:
        return value.expanduser() if value is not None else None

    @field_validator("languages", "whisper_temperatures", "trusted_proxies", mode="before")
    @classmethod
    def _split_languages(cls, value: object) -> object:
        if isinstance(value, str) and not value.startswith("["):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @model_validator(mode="after")
    def _refuse_placeholder_secret_in_production(self) -> "Settings":
        if self.environment == "production":
            secret = self.secret_key.get_secret_value() if self.secret_key else ""
            if len(secret) < 32 or secret.lower() in _PLACEHOLDER_SECRETS:
                raise ValueError(
                    "KUVEND_SECRET_KEY must be set to a random value of at least 32 characters "
                    "in production (for example: python -c 'import secrets; "
                    "print(secrets.token_urlsafe(48))')"
                )
        return self

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to SQLite inside ``data_dir``."""
        return self.database_url or f"sqlite:///{self.data_dir / 'kuvend.db'}"

    @property
    def resolved_media_dir(self) -> Path:
        """Folder of the content-addressed media store."""
        return self.media_dir or self.data_dir / "media"

    @property
    def resolved_site_dir(self) -> Path:
        """Folder of the generated static assembly pages."""
        return self.site_dir or self.data_dir / "site"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once. Raises ``ConfigError`` with the offending variable."""
    try:
        return Settings()
    except ValidationError as error:
        # Only where and why: pydantic's text also prints the input, which holds the secret key.
        reasons = "; ".join(
            f"KUVEND_{'_'.join(str(part) for part in e['loc']).upper()}: {e['msg']}"
            if e["loc"]
            else e["msg"]
            for e in error.errors()
        )
        raise ConfigError(f"invalid settings: {reasons}") from None
