"""Schemathesis hooks of the negative runs: only requests that break the
API document are sent, so that the stored data can be required to stay as
they were. Schemathesis's negative mode also sends some well-formed cases
(an operation whose only input is a path id has nothing to break; a probe
of how the server takes a content type keeps the data valid), with ids it
read from earlier answers; such a request does its job, which the positive
runs check."""

import schemathesis
from schemathesis.specs.openapi.checks import is_unexpected_http_status_case

CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


@schemathesis.hook
def filter_case(context, case):
    if case.meta is not None and not case.meta.generation.mode.is_negative:
        return False
    return not (case.method.upper() in CHANGING and is_unexpected_http_status_case(case))
