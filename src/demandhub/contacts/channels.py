"""The ways the public reach the force (DOMAIN.md, "Channels")."""

from __future__ import annotations

from enum import StrEnum


class Channel(StrEnum):
    EMERGENCY_999 = "999"
    NON_EMERGENCY_101 = "101"
    ONLINE = "online"
    WEBCHAT = "webchat"
    SOCIAL_MEDIA = "social_media"
    EMERGENCY_SMS = "emergency_sms"
    TEXT_RELAY = "text_relay"
    BSL_VIDEO_RELAY = "bsl_video_relay"
    FRONT_COUNTER = "front_counter"
    OFFICER_GENERATED = "officer_generated"
    CALLBACK = "callback"  # the force rings the caller back (the resolution desk): not new demand

    @property
    def label(self) -> str:
        return LABELS[self]

    @property
    def is_emergency(self) -> bool:
        # Relay services and emergency SMS carry 999 calls: same priority as voice 999.
        return self in {Channel.EMERGENCY_999, Channel.EMERGENCY_SMS, Channel.TEXT_RELAY, Channel.BSL_VIDEO_RELAY}


LABELS = {
    Channel.EMERGENCY_999: "999 voice",
    Channel.NON_EMERGENCY_101: "101 voice",
    Channel.ONLINE: "Online report",
    Channel.WEBCHAT: "Webchat",
    Channel.SOCIAL_MEDIA: "Social media",
    Channel.EMERGENCY_SMS: "Emergency SMS",
    Channel.TEXT_RELAY: "Text relay (18000)",
    Channel.BSL_VIDEO_RELAY: "999 BSL video relay",
    Channel.FRONT_COUNTER: "Front counter",
    Channel.OFFICER_GENERATED: "Officer generated",
    Channel.CALLBACK: "Callback by the force",
}
