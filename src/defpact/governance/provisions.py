"""The provisions of the trilateral defence declaration that the action tracker follows.

The declaration commits the members to six lines of cooperation; every expert group, decision
and action item is linked to one or more of them.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["PROVISION_LABELS", "Provision", "parse_provision"]


class Provision(StrEnum):
    JOINT_PROCUREMENT = "joint-procurement"
    JOINT_EXERCISES = "joint-exercises"
    ACADEMY_TRAINING = "academy-training"
    RECRUITMENT = "recruitment"
    HYBRID_THREATS = "hybrid-threats"
    INTELLIGENCE_SHARING = "intelligence-sharing"


PROVISION_LABELS: dict[Provision, str] = {
    Provision.JOINT_PROCUREMENT: "Joint procurement",
    Provision.JOINT_EXERCISES: "Joint exercises",
    Provision.ACADEMY_TRAINING: "Academy and training cooperation",
    Provision.RECRUITMENT: "Recruitment cooperation",
    Provision.HYBRID_THREATS: "Hybrid-threat cooperation",
    Provision.INTELLIGENCE_SHARING: "Intelligence sharing",
}


def parse_provision(text: str) -> Provision:
    """A provision from its code (``joint-exercises``) or label; ValueError names the valid ones."""
    key = text.strip().lower().replace("_", "-")
    for provision, label in PROVISION_LABELS.items():
        if key in (provision.value, label.lower()):
            return provision
    valid = ", ".join(p.value for p in Provision)
    raise ValueError(f"unknown provision {text!r}; valid provisions: {valid}")
