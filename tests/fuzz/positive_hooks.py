"""Schemathesis hooks of the positive runs.

* Dates and times are drawn from the years the server keeps (1900–2100,
  as written), which the document states as a pattern beside the format;
  drawn from every year, nearly none would match it.
* `documented_acceptance` is schemathesis's `positive_data_acceptance`
  held to the document's own word: a request that follows the schema must
  be accepted, or refused with a 422 whose every error names a rule the
  operation lists under `x-rules` (the rules no schema can state, such as
  "end after start" or "names a stored session"). A refusal for any other
  rule means the document and the server have drifted apart.
"""

from datetime import date, datetime, timedelta, timezone

import schemathesis
from hypothesis import strategies as st
from schemathesis.openapi.checks import RejectedPositiveData
from schemathesis.specs.openapi.checks import positive_data_acceptance

OFFSETS = st.integers(min_value=-(23 * 60 + 59), max_value=23 * 60 + 59).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
TIMES = st.builds(
    lambda moment, offset: moment.replace(tzinfo=offset).isoformat(),
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 12, 31, 23, 59, 59)),
    OFFSETS,
)
DATES = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)).map(date.isoformat)

schemathesis.openapi.format("date-time", TIMES)
schemathesis.openapi.format("date", DATES)


@schemathesis.check
def documented_acceptance(ctx, response, case):
    """A schema-valid request is accepted, or refused only for a rule the
    operation's `x-rules` lists."""
    try:
        return positive_data_acceptance(ctx, response, case)
    except RejectedPositiveData:
        if response.status_code != 422:
            raise
        declared = set(case.operation.definition.raw.get("x-rules", []))
        named = rules_named(response)
        if not named or not named <= declared:
            raise
        return None


def rules_named(response):
    """The rules a problem+json 422 names (none when it names none)."""
    try:
        return {error["rule"] for error in response.json()["errors"]}
    except (ValueError, KeyError, TypeError):
        return set()
