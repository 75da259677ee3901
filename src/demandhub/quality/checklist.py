"""The quality review checklist (YAML): items a reviewer answers for each sampled contact.

Read strictly, like the grading policy and the dispatch rules: a mistake is reported with
the file and the item, never a review form that silently lacks a question.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from demandhub.forcefiles import load_yaml_model

DEFAULT_FILE = "default_checklist.yaml"


class Answer(StrEnum):
    """Fixed in code, not in the file: every report (share of yes, kappa) relies on them."""

    YES = "yes"
    PARTLY = "partly"
    NO = "no"
    NOT_APPLICABLE = "not_applicable"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class ChecklistError(ValueError):
    pass


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Item(_Strict):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    label: str = Field(min_length=1, max_length=120)
    guidance: str = Field(default="", max_length=1000)


class Checklist(_Strict):
    name: str = Field(min_length=1, max_length=80)
    version: str = Field(min_length=1, max_length=40)
    comment_required: bool = True
    items: list[Item] = Field(min_length=1, max_length=50)

    @field_validator("version", mode="before")
    @classmethod
    def _version_is_text(cls, value):
        return str(value) if isinstance(value, (int, float)) else value  # YAML reads 2 as a number

    @field_validator("items")
    @classmethod
    def _unique_codes(cls, items: list[Item]) -> list[Item]:
        seen: set[str] = set()
        for item in items:
            if item.code in seen:
                raise ValueError(f"item code {item.code!r} appears twice")
            seen.add(item.code)
        return items

    @property
    def codes(self) -> list[str]:
        return [i.code for i in self.items]

    def problems_with(self, answers: dict[str, str], comment: str) -> list[dict]:
        """Every item answered with a known answer, nothing else; the comment if required."""
        problems = [{"field": f"answers.{code}", "message": "answer every checklist item"}
                    for code in self.codes if code not in answers]
        problems += [{"field": f"answers.{code}", "message": "not an item of this checklist"}
                     for code in answers if code not in self.codes]
        allowed = {a.value for a in Answer}
        problems += [{"field": f"answers.{code}", "message": f"answer one of {', '.join(sorted(allowed))}"}
                     for code, value in answers.items() if code in self.codes and value not in allowed]
        if self.comment_required and not comment.strip():
            problems.append({"field": "comment", "message": "an overall comment is required"})
        return problems


def load_checklist(path: Path | None = None) -> Checklist:
    return load_yaml_model(path, package="demandhub.quality", default_file=DEFAULT_FILE, what="quality checklist",
                           model=Checklist, error=ChecklistError)
