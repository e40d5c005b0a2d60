"""Assemblies and their members: public to read, the assembly's secretariat to change."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from kuvend.storage.tables import AssemblyRow, MemberRow
from search_api import crud
from search_api.deps import (
    SECRETARIAT_TAG,
    CallerDep,
    CurrentUser,
    SessionDep,
    WriteSessionDep,
    require_staff_of,
)
from search_api.schemas.common import CONFLICT, FORBIDDEN, NOT_FOUND
from search_api.schemas.members import (
    AssembliesPublic,
    AssemblyPublic,
    MemberCreate,
    MemberPublic,
    MembersPublic,
    MemberUpdate,
)

router = APIRouter(tags=["members"])

Slug = Annotated[str, Path(max_length=64)]
MemberId = Annotated[str, Path(max_length=32)]


def assembly_public(row: AssemblyRow) -> AssemblyPublic:
    return AssemblyPublic(
        slug=row.slug,
        name=row.name,
        name_sr=row.name_sr,
        languages=list(row.languages),
        serbian_script=row.serbian_script,
    )


def member_public(row: MemberRow) -> MemberPublic:
    return MemberPublic(
        id=row.id,
        assembly=row.assembly_slug,
        name=row.name,
        party=row.party,
        role=row.role,
        has_voiceprint=row.voiceprint is not None,
    )


@router.get("/assemblies", summary="Every assembly")
def list_assemblies(session: SessionDep) -> AssembliesPublic:
    """The assemblies Kuvend serves."""
    rows = crud.list_assemblies(session=session)
    return AssembliesPublic(data=[assembly_public(row) for row in rows], count=len(rows))


@router.get("/assemblies/{slug}/members", summary="An assembly's members", responses=NOT_FOUND)
def list_members(session: SessionDep, slug: Slug) -> MembersPublic:
    """Members with name, party and role (voiceprints are never exposed)."""
    rows = crud.list_members(session=session, assembly=slug)
    return MembersPublic(data=[member_public(row) for row in rows], count=len(rows))


@router.get("/members/{member_id}", summary="One member", responses=NOT_FOUND)
def get_member(session: SessionDep, member_id: MemberId) -> MemberPublic:
    """A member by id."""
    return member_public(crud.get_member(session=session, member_id=member_id))


@router.post(
    "/assemblies/{slug}/members",
    summary="Register a member (secretariat)",
    tags=[SECRETARIAT_TAG],
    status_code=status.HTTP_201_CREATED,
    responses={**FORBIDDEN, **NOT_FOUND, **CONFLICT},
)
def create_member(
    session: WriteSessionDep,
    caller: CallerDep,
    _user: CurrentUser,
    slug: Slug,
    member_in: MemberCreate,
) -> MemberPublic:
    """Add a member to the caller's own assembly."""
    require_staff_of(caller, slug)
    row = crud.create_member(
        session=session,
        assembly=slug,
        name=member_in.name,
        party=member_in.party,
        role=member_in.role,
    )
    session.commit()
    return member_public(row)


@router.patch(
    "/members/{member_id}",
    summary="Change a member (secretariat)",
    tags=[SECRETARIAT_TAG],
    responses={**FORBIDDEN, **NOT_FOUND, **CONFLICT},
)
def update_member(
    session: WriteSessionDep,
    caller: CallerDep,
    _user: CurrentUser,
    member_id: MemberId,
    member_in: MemberUpdate,
) -> MemberPublic:
    """Change a member's name, party or role."""
    row = crud.get_member(session=session, member_id=member_id)
    require_staff_of(caller, row.assembly_slug)
    changes = member_in.model_dump(exclude_unset=True)
    if changes.get("name", "") is None:
        changes.pop("name")  # a member always has a name
    crud.update_member(session=session, member=row, changes=changes)
    session.commit()
    return member_public(row)


@router.delete(
    "/members/{member_id}",
    summary="Remove a member (secretariat)",
    tags=[SECRETARIAT_TAG],
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**FORBIDDEN, **NOT_FOUND, **CONFLICT},
)
def delete_member(
    session: WriteSessionDep, caller: CallerDep, _user: CurrentUser, member_id: MemberId
) -> None:
    """Remove a member who is not named as a speaker anywhere."""
    row = crud.get_member(session=session, member_id=member_id)
    require_staff_of(caller, row.assembly_slug)
    crud.delete_member(session=session, member=row)
    session.commit()
