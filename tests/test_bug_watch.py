"""A simulator bug fails the test that hit it, even when the client's retry or the final state look fine.

Driven through pytest itself (``pytester``): an inner test file uses the shipped plugin exactly as a consumer
project does (with its fixtures or without), and the outer test reads the inner run's outcome.
"""

from __future__ import annotations

import pytest

from intacct_harness.simulator.bug_watch import BugWatch
from intacct_harness.simulator.models.backend import InternalErrorLog

pytest_plugins = ["pytester"]

_INNER = '''
import logging
import pytest

def _bug():
    try:
        {}["RECORDNO"]
    except KeyError as exc:
        logging.getLogger("intacct_harness.simulator.models.backend").error(
            "internal error in %s (answered DL02000001)", "create", exc_info=exc)

def test_hits_a_bug(intacct_company):
    _bug()

@pytest.mark.intacct(allow_simulator_bugs=True)
def test_opted_out(intacct_company):
    _bug()

def test_clean(intacct_company):
    assert intacct_company.company_id

def test_without_the_fixtures_hits_a_bug():
    _bug()
'''


@pytest.mark.intacct(allow_simulator_bugs=True)   # the plugin's watch would catch these deliberate reports
def test_the_backends_own_report_is_what_the_watch_catches() -> None:
    """The watch keys on InternalErrorLog's wording: if that changes, this fails instead of the watch going blind."""
    log = InternalErrorLog()
    with BugWatch() as bugs:
        try:
            int("not a number")
        except ValueError as exc:
            log.report("create", exc)
            log.report("create", exc)     # a repeat is counted silently (reported again at 10, 100, ...)
    assert len(bugs.reports) == 1
    assert bugs.reports[0].startswith("internal error in create (answered DL02000001) (ValueError at ")
    assert "test_bug_watch.py" in bugs.reports[0]
    failure = bugs.failure()
    assert failure is not None and "bug in intacct-harness's simulator" in failure
    assert "allow_simulator_bugs=True" in failure


@pytest.mark.intacct(allow_simulator_bugs=True)
def test_watch_ignores_other_errors_and_stops_when_removed() -> None:
    import logging

    with BugWatch() as bugs:
        logging.getLogger("intacct_harness.simulator.console.capture").error("journal write failed")
    logging.getLogger("intacct_harness.simulator.models.backend").error("internal error in read (answered X)")
    assert bugs.reports == [] and bugs.failure() is None


def test_fixture_fails_a_test_that_hit_a_simulator_bug(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_inner=_INNER)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=4, errors=2)   # a teardown error counts beside its passed call
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_hits_a_bug*",
                                 "*the simulator hit 1 internal error(s) during this test*"])
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_without_the_fixtures_hits_a_bug*"])


def test_a_mistyped_opt_out_is_refused(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_inner='''
import pytest

@pytest.mark.intacct(allow_simulator_bug=True)
def test_typo():
    pass
''')
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.stdout.fnmatch_lines(["*@pytest.mark.intacct takes keyword arguments*allow_simulator_bug*"])
    assert result.ret != 0


@pytest.mark.intacct(allow_simulator_bugs=True)
def test_a_bug_outside_any_function_is_caught_too() -> None:
    """An exception that escapes the gateway's view (a store or admission bug) reaches the client as Flask's
    HTML 500, which a connector retries; Flask's own report of it on the simulator's app logger is caught."""
    from flask import Flask

    from intacct_harness.simulator import app as simulator_app

    app = Flask(simulator_app.__name__)   # the logger the simulator's create_app gets

    @app.post("/ia/xml/xmlgw.phtml")
    def gateway() -> str:
        raise RuntimeError("cannot release un-acquired lock")

    with BugWatch() as bugs:
        assert app.test_client().post("/ia/xml/xmlgw.phtml", data=b"<request/>").status_code == 500
    assert len(bugs.reports) == 1
    assert bugs.reports[0].startswith("Exception on /ia/xml/xmlgw.phtml [POST] (RuntimeError at ")
    assert "test_bug_watch.py" in (bugs.failure() or "")
