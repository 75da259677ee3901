"""Domain errors. The web layer turns each into a 4xx that names the problem."""

from __future__ import annotations

from dataclasses import dataclass


class DomainError(Exception):
    status_code = 400

    def __init__(self, message: str, *, problems: list[dict] | None = None):
        super().__init__(message)
        self.message = message
        self.problems = problems or []


class NotFound(DomainError):
    status_code = 404


class Forbidden(DomainError):
    status_code = 403


class Conflict(DomainError):
    status_code = 409


class Invalid(DomainError):
    """Input that is well-formed but breaks a rule (missing THRIVE+ rationale, bad transition)."""

    status_code = 422


@dataclass(frozen=True)
class FieldProblem:
    field: str
    message: str

    def as_dict(self) -> dict:
        return {"field": self.field, "message": self.message}
