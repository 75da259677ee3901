"""Settings, read from the environment (prefix DEMANDHUB_) when asked, never at import."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DEMANDHUB_", env_file=None, extra="ignore")

    data_dir: Path = Field(default=Path("var"), description="Where the embedded database and secrets live.")
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL. Unset means SQLite in data_dir; PostgreSQL: postgresql+psycopg://...",
    )
    secret_key: str | None = Field(
        default=None, description="Signs page sessions. Unset: a random key kept in data_dir/secret_key."
    )
    policy_file: Path | None = Field(default=None, description="Grading policy YAML. Unset: the shipped default.")
    dispatch_file: Path | None = Field(default=None, description="Dispatch rules YAML. Unset: the shipped default.")
    quality_checklist_file: Path | None = Field(default=None, description="Quality review checklist YAML. "
                                                "Unset: the shipped default.")
    trauma_file: Path | None = Field(default=None, description="Which incident types count as traumatic "
                                     "exposure, and when a supervisor is prompted to offer a debrief (YAML). "
                                     "Unset: the shipped default.")
    callback_target_h: float = Field(default=24.0, gt=0, le=336, description="Hours after an incident opens by "
                                     "which a grade 4 caller should be called back (the resolution desk's due time).")
    w3w_api_key: str | None = Field(default=None, description="what3words API key. Unset: 3-word addresses "
                                    "are recognised but not converted, and the screens say so.")
    w3w_base_url: str | None = Field(default=None, description="what3words API address (an on-premise server); "
                                     "unset: the public API.")
    aml_hmac_key: str | None = Field(default=None, description="The key AML HTTPS posts are signed with "
                                     "(HMAC-SHA1), agreed with the AML provider. Unset: signed posts are refused.")
    postcode_file: Path | None = Field(default=None, description="CSV of postcode,latitude,longitude (e.g. from "
                                       "the ONS Postcode Directory). Unset: the demo county's few postcodes.")
    map_tiles_url: str | None = Field(default=None, description="Tile server for maps, e.g. "
                                      "https://tile.example/{z}/{x}/{y}.png. Unset: roads and areas on a plain background.")
    map_tiles_attribution: str = Field(default="", description="Credit the tile server asks for.")
    duplicate_radius_m: float = Field(default=500.0, gt=0, le=50_000, description="Open incidents this close "
                                      "to a new contact are offered as possible duplicates.")
    duplicate_window_min: float = Field(default=180.0, gt=0, le=10_080, description="... if opened this recently.")
    repeat_window_days: float = Field(default=30.0, gt=0, le=3650, description="Window of the repeat-caller count.")
    history_radius_m: float = Field(default=100.0, gt=0, le=5000, description="Earlier contacts this close to a "
                                    "location count as the same place.")
    force_name: str = Field(default="Demoshire Police", max_length=100, description="The force's name, shown on "
                            "the public pages (online reports, chat, scene sharing).")
    default_region: str = Field(default="GB", description="Region for phone numbers written without +country.")
    reference_prefix: str = Field(default="INC", description="Prefix of human-readable incident references.")
    timezone: str = Field(default="Europe/London", description="Local time zone shown on screens.")
    session_max_age_s: int = Field(default=12 * 3600, description="A page login lasts one shift.")
    token_max_age_s: int = Field(default=30 * 24 * 3600, description="Lifetime of API bearer tokens.")
    auth_cache_s: float = Field(default=15.0, description="How long a checked token or page login is trusted "
                                "before the account is read again (a disabled account is refused within this).")
    rate_limits: dict[str, int] = Field(default_factory=dict, description="Requests per window allowed to one "
                                        "address on the public endpoints, per bucket (page, report, upload, chat_start, "
                                        "chat, share, webhook), e.g. {\"report\": 3}. Unset: the shipped limits.")
    evidence_dir: Path | None = Field(default=None, description="Where photos and clips from the public are kept "
                                      "(content-addressed by SHA-256). Unset: data_dir/evidence.")
    max_image_bytes: int = Field(default=10 * 1024 * 1024, gt=0, description="Largest photo accepted from the public.")
    max_video_bytes: int = Field(default=50 * 1024 * 1024, gt=0, description="Largest video clip accepted.")
    outbox_poll_s: float = Field(default=1.0, description="How often live screens look for missed events.")
    # Seeing the scene (scene/): one-time links sent to a caller by SMS.
    scene_link_minutes: float = Field(default=30.0, gt=0, le=1440, description="A share-the-scene link not "
                                      "opened within this many minutes of being sent no longer opens.")
    scene_share_minutes: float = Field(default=60.0, gt=0, le=1440, description="Once opened, the caller's "
                                       "phone may keep sharing (position, photos, video) for this many minutes.")
    scene_link_base_url: str | None = Field(default=None, description="Public address the share links in "
                                            "text messages start with, e.g. https://share.force.example. "
                                            "Unset: the address the handler's request came in on.")
    sms_gateway: str = Field(default="logging", pattern="^(logging|twilio)$", description="How texts to the "
                             "public are sent: 'logging' (sends nothing, the screens show the text: demo) or "
                             "'twilio' (Twilio Programmable Messaging).")
    twilio_account_sid: str | None = Field(default=None, description="Twilio Account SID (AC...).")
    twilio_auth_token: str | None = Field(default=None, description="Twilio auth token for that account.")
    twilio_from_number: str | None = Field(default=None, description="The force's Twilio number (E.164) "
                                           "texts are sent from.")
    twilio_base_url: str = Field(default="https://api.twilio.com", description="Twilio REST API address "
                                 "(changed only to point tests at a local fake).")
    sms_timeout_s: float = Field(default=5.0, gt=0, le=30, description="Longest wait for the SMS gateway "
                                 "before a text is reported as not sent.")
    # Conversations (conversations/): social media direct messages and emergency SMS through signed webhooks.
    social_webhook_secret: str | None = Field(default=None, description="Shared secret the social media webhook's "
                                              "requests are signed with (HMAC-SHA256). Unset: the webhook answers 404 (not configured).")
    social_outbound_url: str | None = Field(default=None, description="Where replies to social media messages are "
                                            "POSTed (signed JSON). Unset: replies are recorded as not delivered.")
    social_timeout_s: float = Field(default=5.0, gt=0, le=30, description="Longest wait for the platform to take a reply.")
    sms_webhook_secret: str | None = Field(default=None, description="Shared secret the SMS gateway signs inbound "
                                           "emergency SMS with (HMAC-SHA256). Unset: the inbound endpoint answers 404 (not configured).")
    planning_file: Path | None = Field(default=None, description="Planning standards YAML (each channel's answer "
                                       "standard, shrinkage, occupancy cap) for the staffing plan. Unset: the shipped default.")

    @model_validator(mode="after")
    def _links_point_at_a_known_address(self) -> "Settings":
        # A real gateway texts links to the public: they must not take their address from a
        # request's Host header, which any client can set.
        if self.sms_gateway != "logging" and not self.scene_link_base_url:
            raise ValueError("scene_link_base_url is required when texts are really sent (sms_gateway "
                             f"{self.sms_gateway!r}): the public address scene links point at")
        return self

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name such as Europe/London)") from None
        return value

    @field_validator("reference_prefix")
    @classmethod
    def _short_prefix(cls, value: str) -> str:
        # References are PREFIX-YYYYMMDD-NNNN in a 40-character column.
        if not (1 <= len(value) <= 20) or not value.replace("-", "").isalnum():
            raise ValueError("reference prefix must be 1-20 letters, digits or '-'")
        return value

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'demandhub.sqlite3').resolve()}"

    def resolved_evidence_dir(self) -> Path:
        return self.evidence_dir or self.data_dir / "evidence"

    def resolved_secret_key(self) -> str:
        if self.secret_key:
            return self.secret_key
        import secrets

        path = self.data_dir / "secret_key"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()


def get_settings(**overrides) -> Settings:
    return Settings(**overrides)
