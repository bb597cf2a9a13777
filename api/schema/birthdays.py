"""Member birthdays over GraphQL (issue 15, item 5): `setMemberBirthday` and `memberBirthday`.
The member themself or an admin; the daily job awards the `members/Birthday` activity."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry.types import Info

from api.auth import require_member_or_admin
from api.context import Context
from api.schema.accounts import require_member_self_or_admin
from loyalty.services import birthdays as service


@strawberry.type
class MemberBirthday:
    member_id: str
    birthday: date | None


@strawberry.type
class BirthdaysQuery:
    @strawberry.field(description="The member's birthday (the member themself, or admin).")
    async def member_birthday(self, info: Info[Context, None], member_id: str) -> MemberBirthday:
        require_member_or_admin(info.context.principal, member_id)
        async with info.context.connection() as conn:
            birthday = await service.get_birthday(conn, member_id)
        return MemberBirthday(member_id=member_id, birthday=birthday)


@strawberry.type
class BirthdaysMutation:
    @strawberry.mutation(
        description="Sets the member's birthday (null clears it): on that day each year, in "
        "the program's time zone, rules for members/Birthday award it once (the member "
        "themself, or admin). VALIDATION for a date in the future or before 1900."
    )
    async def set_member_birthday(
        self, info: Info[Context, None], member_id: str, birthday: date | None
    ) -> MemberBirthday:
        require_member_self_or_admin(info.context.principal, member_id)
        uow = info.context.runtime.unit_of_work()
        saved = await service.set_birthday(uow, member_id, birthday)
        return MemberBirthday(member_id=member_id, birthday=saved)
