"""Demo accounts and a handful of realistic incidents, made through the same use cases as real work."""

from __future__ import annotations

import math
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from demandhub.assessment import service as assessments
from demandhub.assessment.cues import find_cues
from demandhub.assessment.policy import GradingPolicy
from demandhub.assessment.schemas import AssessmentCreate, Decision
from demandhub.auth import service as accounts
from demandhub.auth.models import User
from demandhub.auth.roles import SYSTEM, Role
from demandhub.contacts import digital
from demandhub.contacts import service as contacts
from demandhub.contacts.channels import Channel
from demandhub.contacts.models import Contact
from demandhub.conversations import service as conversations
from demandhub.contacts.schemas import ContactCreate
from demandhub.dispatch import service as dispatch
from demandhub.geo import county, store
from demandhub.geo.areas import parse_areas
from demandhub.geo.models import RoadNetwork
from demandhub.geo.osm import read_osm
from demandhub.geo.points import EARTH_RADIUS_M
from demandhub.geo.roadgraph import RoadGraph
from demandhub.incidents import service as incidents
from demandhub.online import service as online_reports
from demandhub.online.form import Position, Report
from demandhub.online.report_types import SUBJECT_BY_CODE
from demandhub.quality import seed as quality_seed
from demandhub.resolution import seed as resolution_seed
from demandhub.resources import service as units
from demandhub.resources.models import Unit
from demandhub.resources.schemas import PositionIn, UnitCreate
from demandhub.resources.status import UnitStatus
from demandhub.staff import seed as staff_seed
from demandhub.vulnerability import seed as vulnerability_seed

DEMO_SEED = 7  # the generated county of Demoshire: same roads, towns and areas every time

DEMO_PASSWORD = "demandhub-demo"
DEMO_USERS = {
    "handler": (Role.CALL_HANDLER, "Sam Patel"),
    "dispatcher": (Role.DISPATCHER, "Alex Morgan"),
    "supervisor": (Role.SUPERVISOR, "Inspector Jo Reid"),
    "resolver": (Role.RESOLUTION_OFFICER, "Chris Evans"),
    "reviewer": (Role.QUALITY_REVIEWER, "Pat Lee"),
    "analyst": (Role.ANALYST, "Robin Shaw"),
    "admin": (Role.ADMINISTRATOR, "Dana Kerr"),
    "mhp": (Role.MENTAL_HEALTH_PRACTITIONER, "Kim Osei"),
    "pvp": (Role.PVP_ADVISER, "DS Lee Hart"),
    "terminal": (Role.FIELD_UNIT, "Terminal of unit R11"),
    "avl": (Role.LOCATION_FEED, "Vehicle location feed"),
}

# (channel, name, number, where ({town} is filled in), what, type, levels, vulnerabilities,
#  minutes ago, (town index, metres east, metres north of its centre))
DEMO_CALLS = [
    ("999", "Maria Lopez", "07700 900123", "14 Mill Road, {town}",
     "My ex-partner is outside with a knife, he is threatening to kill me. My two children are here.",
     "crime.violence_with_injury", "high", ["domestic_abuse", "child_at_risk"], 12, (1, 250, -180)),
    ("101", "Tom Baker", "01223 555 010", "Car park behind the station, {town}",
     "My bike was stolen from the rack sometime this afternoon, no CCTV that I know of.",
     "crime.theft", "low", [], 95, (0, -300, 120)),
    ("999", "Anon", "07700 900456", "Main road just outside {town}",
     "Car has hit a motorbike, the rider is not moving.",
     "transport.rtc_injury", "high", [], 4, (2, 1200, 400)),
    ("101", "Jean Hill", "01480 555 222", "Oak Court, {town}",
     "My neighbour's music has been loud every night this week.",
     "asb.nuisance", "low", [], 240, (3, 150, 90)),
]

# (call sign, kind, skills, equipment, station town index, status, metres east, metres north)
DEMO_UNITS = [
    ("R11", "car", ["first_aid", "taser"], ["defibrillator"], 0, "available", 400, 300),
    ("R12", "car", ["first_aid"], [], 0, "available", -900, -200),
    ("R13", "car", ["first_aid", "advanced_driver"], ["stinger"], 0, "committed", 100, 50),
    ("R21", "car", ["first_aid", "taser"], [], 1, "available", -600, 500),
    ("R22", "car", ["first_aid"], [], 1, "available", 800, -700),
    ("R31", "car", ["first_aid"], [], 2, "available", 300, -300),
    ("R41", "car", ["first_aid", "taser"], [], 3, "available", -200, 600),
    ("R51", "car", ["first_aid"], [], 4, "off_duty", 0, 0),
    ("V1", "van", ["first_aid", "public_order"], ["cage"], 0, "available", 1500, 900),
    ("ARV1", "firearms", ["firearms", "first_aid", "advanced_driver", "taser"], ["defibrillator"], 1, "available",
     2500, -1500),
    ("ARV2", "firearms", ["firearms", "first_aid", "advanced_driver", "taser"], [], 3, "available", -2000, 1000),
    ("DOG1", "dog", ["dog_handler", "first_aid"], [], 2, "available", -1500, 800),
    ("RP1", "traffic", ["roads_policing", "advanced_driver", "first_aid"], ["stinger"], 1, "available", 3000, 2000),
    ("P31", "pcso", ["first_aid"], [], 0, "available", -150, -400),
    ("P32", "pcso", ["first_aid"], [], 1, "available", 100, 200),
]


def ensure_demo_users(session: Session, *, now) -> dict[str, User]:
    users = {}
    for username, (role, name) in DEMO_USERS.items():
        user = session.scalar(sa.select(User).where(User.username == username))
        if user is None:
            user = accounts.add_user(session, username=username, password=DEMO_PASSWORD, role=role,
                                     display_name=name, actor=SYSTEM, now=now)
        users[username] = user
    return users


def _levels(policy: GradingPolicy, level: str) -> dict:
    low = policy.levels[1] if len(policy.levels) > 1 else policy.levels[0]
    return {d.name: {"level": level if d.name in ("threat", "harm", "risk") else low,
                     "rationale": "Demo: from what the caller said."} for d in policy.dimensions.values()}


def _offset(lat: float, lon: float, east_m: float, north_m: float) -> tuple[float, float]:
    return (lat + math.degrees(north_m / EARTH_RADIUS_M),
            lon + math.degrees(east_m / (EARTH_RADIUS_M * math.cos(math.radians(lat)))))


def seed_geography(session: Session, *, data_dir: Path, now) -> bool:
    """The generated county: its roads (through the same importer as a real extract) and areas."""
    if session.scalar(sa.select(sa.func.count()).select_from(RoadNetwork)):
        return False
    path = data_dir / "demoshire.osm"
    county.write_osm_xml(county.generate_county_data(DEMO_SEED), path)
    data, _summary = read_osm(path)
    store.save_network(session, graph=RoadGraph.build(data), name=path.name, actor="demo", now=now)
    store.replace_areas(session, areas=parse_areas(county.generate_county_areas(DEMO_SEED)), actor="demo", now=now)
    return True


def seed_units(session: Session, *, now) -> int:
    if session.scalar(sa.select(sa.func.count()).select_from(Unit)):
        return 0
    towns = county.town_centres(DEMO_SEED)
    roads = store.GeoCache().graph(session)
    supervisor = accounts.actor_of(session.scalar(sa.select(User).where(User.username == "supervisor")))
    for sign, kind, skills, equipment, town, status, east, north in DEMO_UNITS:
        name, lat, lon, _size = towns[town]
        unit = units.create_unit(session, data=UnitCreate(
            call_sign=sign, kind=kind, skills=skills if kind == "pcso" else [*skills, "warranted"], equipment=equipment, station=f"{name} police station",
            shift_start="07:00", shift_end="17:00", status=status,
            terminal_username="terminal" if sign == "R11" else None), actor=supervisor, now=now)
        if status != "off_duty":
            plat, plon = _offset(lat, lon, east, north)
            if roads is not None:  # vehicles are on roads, not in the fields beside them
                on_road = roads.snap(plat, plon)
                plat, plon = on_road.lat, on_road.lon
            units.record_positions(session, positions=[PositionIn(call_sign=sign, latitude=plat, longitude=plon,
                                                                  at=now)], source="feed", now=now)
        if status == "committed":
            unit.status_note = "custody: prisoner booked in"
    return len(DEMO_UNITS)


def seed_incidents(session: Session, *, policy: GradingPolicy, now, numbering: incidents.Numbering) -> int:
    if session.scalar(sa.select(sa.func.count()).select_from(incidents.Incident)):
        return 0
    handler = accounts.actor_of(session.scalar(sa.select(User).where(User.username == "handler")))
    towns = county.town_centres(DEMO_SEED)
    made = 0
    for channel, name, number, where, what, kind, level, vulns, ago, (town, east, north) in DEMO_CALLS:
        at = now - timedelta(minutes=ago)
        town_name, tlat, tlon, _size = towns[town]
        lat, lon = _offset(tlat, tlon, east, north)
        contact = contacts.create_contact(
            session, data=ContactCreate(channel=channel, caller_name=name, caller_number=number,
                                        location_text=where.format(town=town_name), latitude=lat, longitude=lon,
                                        description=what, presented_at=at, answered_at=at + timedelta(seconds=6)),
            actor=handler, now=at, region="GB").contact
        cues = [m.flag for m in find_cues(what, policy.cue_lexicon)]
        assessment = assessments.assess(
            session, contact_id=contact.id, policy=policy, actor=handler, now=at + timedelta(minutes=2),
            data=AssessmentCreate(incident_type=kind, dimensions=_levels(policy, level), vulnerabilities=vulns,
                                  cue_flags=cues,
                                  ndm={f.name: "Demo record." for f in policy.ndm_fields.values()}))
        opened = incidents.open_incident(session, contact_id=contact.id, assessment_id=assessment.id,
                                         decision=Decision(decision="accept"), policy=policy, actor=handler,
                                         now=at + timedelta(minutes=3), numbering=numbering)
        made += 1
        if kind == "transport.rtc_injury":  # one unit already on its way, so the map shows one moving
            _send(session, incident_id=opened.incident.id, call_sign="R31", now=now)
    return made


def _send(session: Session, *, incident_id: int, call_sign: str, now) -> None:
    dispatcher = accounts.actor_of(session.scalar(sa.select(User).where(User.username == "dispatcher")))
    unit = session.scalar(sa.select(Unit).where(Unit.call_sign == call_sign))
    if unit is None or unit.status != "available":
        return
    dispatch.assign(session, incident_id=incident_id, unit_id=unit.id, actor=dispatcher, now=now)
    dispatch.change_unit_status(session, unit=unit, status=UnitStatus.EN_ROUTE, actor=dispatcher, now=now)


def numbering_for(settings) -> incidents.Numbering:
    return incidents.Numbering(prefix=settings.reference_prefix, tz=ZoneInfo(settings.timezone))


def seed_areas_of_work(session: Session, *, now, users: dict[str, User], settings) -> None:
    """A little of each desk's work (reviews, staff records), through each area's own use cases."""
    vulnerability_seed.seed_demo(session, now=now, users=users)
    resolution_seed.seed_demo(session, now=now, users=users)
    quality_seed.seed_demo(session, now=now, users=users, tz=settings.timezone)
    staff_seed.seed_demo(session, now=now, users=users, tz=settings.timezone)


def seed_digital(session: Session, *, policy: GradingPolicy, now, evidence, upload_limits, region: str = "GB") -> int:
    """Something in each digital channel, waiting for a first response: an online report, a
    webchat, a social media message and an emergency SMS, through each channel's own use cases."""
    if session.scalar(sa.select(sa.func.count()).select_from(Contact)
                      .where(Contact.channel.in_([c.value for c in digital.DIGITAL_CHANNELS]))):
        return 0
    town_name, lat, lon, _size = county.town_centres(DEMO_SEED)[0]
    pin = _offset(lat, lon, 250, -120)
    online_reports.receive(session, Report(
        kind="crime", subject=SUBJECT_BY_CODE["damage"], happening_now=False,
        what_happened="Someone has sprayed graffiti across the front of the village hall again overnight.",
        occurred_on=(now - timedelta(days=1)).date(), occurred_at=None, occurred_text="Overnight",
        address=f"Village hall, Church Street, {town_name}", what3words=None, what3words_checked=False,
        postcode=None, positions=[Position("map", pin[0], pin[1], 25.0)], name="Pat Resident", phone=None,
        phone_raw=None, email="pat@example.org", contact_by="email"),
        store=evidence, limits=upload_limits, lexicon=policy.cue_lexicon, now=now - timedelta(minutes=52),
        region=region)
    lexicon = policy.cue_lexicon
    webchat = accounts.channel_account(session, channel=Channel.WEBCHAT.value, now=now)
    conversations.start_webchat(session, name="Jo", about="A van has been parked across my drive since this "
                                "morning and I cannot get my car out.", token=conversations.new_token(),
                                actor=webchat, now=now - timedelta(minutes=6), region=region, lexicon=lexicon)
    social = accounts.channel_account(session, channel=Channel.SOCIAL_MEDIA.value, now=now)
    conversations.receive(session, channel=Channel.SOCIAL_MEDIA, external_id="demo-dm-1", name="Alex",
                          text="Hi, how do I get a crime reference for my insurance? My bike was stolen last week.",
                          actor=social, now=now - timedelta(minutes=18), region=region, lexicon=lexicon,
                          platform="demo", sender_id="demo-alex")
    sms = accounts.channel_account(session, channel=Channel.EMERGENCY_SMS.value, now=now)
    conversations.receive(session, channel=Channel.EMERGENCY_SMS, external_id="demo-sms-1", name=None,
                          text="Police. I am deaf. Man outside my flat shouting and kicking the door, he has a knife. "
                               "12 Mill Lane flat 3.", actor=sms, now=now - timedelta(minutes=1), region=region,
                          lexicon=lexicon, phone="+447700900456")
    return 4
