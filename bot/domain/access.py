"""Who may do what in an event. Pure: callers pass the member's role ids and Discord permissions."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from bot.domain.errors import UserError
from bot.domain.event import EventRoles


class AccessDenied(UserError):
    """The member lacks the role an action needs."""


@dataclass(frozen=True)
class MemberAccess:
    role_ids: frozenset[int]
    manages_guild: bool  # Manage Server (or Administrator)

    @classmethod
    def of(cls, role_ids: Collection[int], manages_guild: bool) -> MemberAccess:
        return cls(frozenset(role_ids), manages_guild)


def is_organiser(roles: EventRoles, member: MemberAccess) -> bool:
    # Server managers always count as organisers, so a misconfigured role cannot lock them out.
    return member.manages_guild or (roles.organiser is not None and roles.organiser in member.role_ids)


def is_facilitator(roles: EventRoles, member: MemberAccess) -> bool:
    return is_organiser(roles, member) or (
        roles.facilitator is not None and roles.facilitator in member.role_ids
    )


def is_staff_or_interpreter(roles: EventRoles, member: MemberAccess) -> bool:
    return any(role is not None and role in member.role_ids for role in (roles.staff, roles.interpreter))


def require_organiser(roles: EventRoles, member: MemberAccess, role_mention: str | None) -> None:
    if not is_organiser(roles, member):
        if role_mention:
            raise AccessDenied("Only organisers can do this: you need the {role} role.", role=role_mention)
        raise AccessDenied("Only organisers can do this: you need the Manage Server permission.")


def require_facilitator(roles: EventRoles, member: MemberAccess, role_mention: str | None) -> None:
    if not is_facilitator(roles, member):
        if role_mention:
            raise AccessDenied(
                "Only facilitators and organisers can do this: you need the {role} role.", role=role_mention
            )
        raise AccessDenied(
            "Only facilitators and organisers can do this; ask an organiser to set the facilitator role with /event roles."
        )


def require_voter(roles: EventRoles, member: MemberAccess, staff_may_vote: bool) -> None:
    if not staff_may_vote and is_staff_or_interpreter(roles, member):
        raise AccessDenied(
            "Event staff and interpreters do not vote in this event. Thank you for making it possible!"
        )
