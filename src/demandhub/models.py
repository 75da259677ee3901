"""Every table, for migrations and tests that need the whole schema. Imported on demand only."""

from __future__ import annotations

import importlib

MODEL_MODULES = (
    "demandhub.audit.models",
    "demandhub.events.models",
    "demandhub.auth.models",
    "demandhub.contacts.models",
    "demandhub.assessment.models",
    "demandhub.incidents.models",
    "demandhub.geo.models",
    "demandhub.resources.models",
    "demandhub.dispatch.models",
    "demandhub.vulnerability.models",
    "demandhub.resolution.models",
    "demandhub.quality.models",
    "demandhub.staff.models",
    "demandhub.evidence.models",
    "demandhub.scene.models",
    "demandhub.online.models",
    "demandhub.imports.models",
    "demandhub.conversations.models",
    "demandhub.measures.exchange_models",
)


def import_all() -> None:
    for name in MODEL_MODULES:
        importlib.import_module(name)
