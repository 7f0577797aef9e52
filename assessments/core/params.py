"""Reading whole numbers (ids, years, versions) from query strings and posted forms."""
import re

# The largest id a bigint primary key holds: a longer number would overflow PostgreSQL.
MAX_ID = 2**63 - 1
_DIGITS = re.compile(r"[0-9]{1,19}")


def int_param(value, *, low=1, high=MAX_ID):
    """Return ``value`` as an int when it is plain ASCII digits within [low, high], else None.

    ``str.isdigit()`` accepts '²' and Arabic-Indic digits, which int() then refuses or reads, and an
    id beyond 64 bits fails the query on PostgreSQL; both mean "not given" to the caller.
    """
    if not isinstance(value, str) or not _DIGITS.fullmatch(value):
        return None
    number = int(value)
    return number if low <= number <= high else None


def year_param(value):
    """Return a fiscal year (2000–2100) or None."""
    return int_param(value, low=2000, high=2100)
