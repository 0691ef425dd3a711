"""The occasion vocabulary: kinds, for whom (relations), their names in Turkish and English."""

from __future__ import annotations

from loyalty.messaging.wording import ADDRESSED
from loyalty.models.occasions import Occasion, OccasionBase, OccasionKind, Recurrence

# Birthdays and anniversaries come back; a new job or a new home happened once. A custom occasion has no
# safe default (a one-off turned into a yearly "that day again" message is the trap), so it must be stated.
DEFAULT_RECURRENCE: dict[OccasionKind, Recurrence] = {
    OccasionKind.birthday: Recurrence.yearly,
    OccasionKind.wedding_anniversary: Recurrence.yearly,
    OccasionKind.new_job: Recurrence.once,
    OccasionKind.graduation: Recurrence.once,
    OccasionKind.new_home: Recurrence.once,
    OccasionKind.new_baby: Recurrence.once,
}


# for_whom: "self" or a relation; labels as a member would say them ("kızım Elif", "my daughter Elif")
RELATIONS: dict[str, tuple[str, str]] = {
    "self": ("kendim", "myself"),
    "daughter": ("kızım", "my daughter"),
    "son": ("oğlum", "my son"),
    "spouse": ("eşim", "my spouse"),
    "partner": ("sevgilim", "my partner"),
    "mother": ("annem", "my mother"),
    "father": ("babam", "my father"),
    "sister": ("kız kardeşim", "my sister"),
    "brother": ("erkek kardeşim", "my brother"),
    "grandmother": ("büyükannem", "my grandmother"),
    "grandfather": ("dedem", "my grandfather"),
    "grandchild": ("torunum", "my grandchild"),
    "friend": ("arkadaşım", "my friend"),
    "colleague": ("iş arkadaşım", "my colleague"),
    "other": ("yakınım", "someone close to me"),
}


KIND_NAMES: dict[str, tuple[str, str]] = {
    "birthday": ("doğum günü", "birthday"),
    "wedding_anniversary": ("evlilik yıldönümü", "wedding anniversary"),
    "new_job": ("yeni iş", "new job"),
    "graduation": ("mezuniyet", "graduation"),
    "new_home": ("yeni ev", "new home"),
    "new_baby": ("yeni bebek", "new baby"),
    "custom": ("özel gün", "special day"),
}


# the same relations as the shop says them to the member ("kızınız Elif", "your daughter Elif") live with the
# rest of the messages' wording: ``messaging.wording.ADDRESSED``.


REMIND_MAX = 60


def _label(table: dict[str, tuple[str, str]], occasion: Occasion | OccasionBase, locale: str) -> str:
    tr_label, en_label = table.get(occasion.for_whom, table["other"])
    label = en_label if locale.startswith("en") else tr_label
    if occasion.for_whom != "self" and occasion.relation_name:
        label = f"{label} {occasion.relation_name}"
    return label


def for_whom_label(occasion: Occasion | OccasionBase, locale: str = "tr") -> str:
    """The member's own words, for staff: "kızım Elif" / "my daughter Elif"; "kendim" / "myself"."""
    return _label(RELATIONS, occasion, locale)


def for_whom_addressed(occasion: Occasion | OccasionBase, locale: str = "tr") -> str:
    """The shop speaking to the member: "kızınız Elif" / "your daughter Elif"; "siz" / "you"."""
    return _label(ADDRESSED, occasion, locale)
