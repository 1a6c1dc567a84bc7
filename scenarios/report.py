"""Reports a support engineer can read: plain text for the terminal, JUnit XML for CI, HTML to attach.

The HTML report is written to be sent to a customer as it is: a summary first (what passed, what
failed and which expectations missed), every value as text, each miss with what was expected and
what happened, the advice the customer sees in Alvys quoted, and no secret (passwords and session
ids are masked even if a connector message carried one).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from datetime import UTC, datetime

from lxml import etree

from intacct_harness.scenarios.expectations import show
from intacct_harness.scenarios.runner import ScenarioResult

# Secrets the harness itself uses, and anything that looks like a session id or a password assignment.
_SECRETS = re.compile(r"(sim-(?:user|sender)-secret|(?<=sessionid>)[^<]+|(?i:password)\s*[:=]\s*\S+)")


def redact(value: str) -> str:
    return _SECRETS.sub("***", value)


def status_of(result: ScenarioResult) -> str:
    if result.known_issue:
        return "KNOWN ISSUE (still reproduces)" if result.expected_outcome else "KNOWN ISSUE FIXED: remove known_issue"
    if result.error:
        return "ERROR"
    return "PASSED" if result.ok else "FAILED"


def text(result: ScenarioResult) -> str:
    status = status_of(result)
    lines = [f"=== {status}: {result.name}" + (f"  [{result.ticket}]" if result.ticket else ""),
             f"    file: {result.file}  ({result.seconds:.2f} s)"]
    if result.description:
        lines.append(f"    {result.description}")
    if result.known_issue:
        lines.append(f"    known issue: {result.known_issue}")
    if result.error:
        lines.append(f"    could not run: {result.error}")
        return redact("\n".join(lines))
    lines.append("  What was set up:")
    lines += [f"    - {s}" for s in result.setup]
    lines.append("  What happened:")
    for n, step in enumerate(result.steps, start=1):
        where = f" (line {step.line})" if step.line else ""
        lines.append(f"    {n}. {step.title}{where}")
        lines += [f"         {row}" for row in step.output.splitlines()]
        lines += [f"       {c.line()}" for c in step.checks]
    if not result.ok:
        lines.append(f"  {len(result.misses)} expectation(s) not met:")
        lines += [f"    - step {result.steps.index(s) + 1} (line {s.line}): {c.line()}" for s, c in result.misses]
    return redact("\n".join(lines))


def summary(results: list[ScenarioResult]) -> str:
    failed = [r for r in results if not r.expected_outcome]
    known = sum(1 for r in results if r.known_issue and r.expected_outcome)
    return f"{len(results) - len(failed) - known} passed, {len(failed)} failed" + (
        f", {known} known issue(s) still reproducing" if known else "")


def junit(results: Iterable[ScenarioResult]) -> bytes:
    results = list(results)
    suite = etree.Element("testsuite", name="intacct-scenarios", tests=str(len(results)),
                          failures=str(sum(1 for r in results if not r.expected_outcome and not r.error)),
                          errors=str(sum(1 for r in results if r.error)),
                          time=f"{sum(r.seconds for r in results):.3f}",
                          timestamp=datetime.now(UTC).isoformat(timespec="seconds"))
    for r in results:
        case = etree.SubElement(suite, "testcase", classname=r.file.replace("/", ".").removesuffix(".yaml"),
                                name=r.name, time=f"{r.seconds:.3f}")
        if r.error:
            etree.SubElement(case, "error", message=redact(r.error)[:500]).text = redact(r.error)
        elif r.known_issue and r.expected_outcome:
            etree.SubElement(case, "skipped", message=f"known issue: {r.known_issue}"[:500])
        elif not r.expected_outcome:
            misses = "; ".join(c.line() for _, c in r.misses)
            etree.SubElement(case, "failure", message=redact(misses)[:500]).text = text(r)
        etree.SubElement(case, "system-out").text = text(r)
    return etree.tostring(suite, xml_declaration=True, encoding="UTF-8", pretty_print=True)


_CSS = """body{font-family:system-ui,sans-serif;margin:2em;max-width:70em;color:#222}
h1{font-size:1.4em} .pass{color:#1a7f37} .fail{color:#cf222e} pre{background:#f6f8fa;padding:.6em;
white-space:pre-wrap} table{border-collapse:collapse;margin:.4em 0} td,th{border:1px solid #ddd;padding:.3em .6em;
text-align:left;vertical-align:top} .scenario{border-top:2px solid #ddd;margin-top:2em}
blockquote{border-left:4px solid #d0d7de;margin:.4em 0;padding:.2em .8em;background:#fbfbfb}"""


def _e(value: object) -> str:
    return html.escape(redact(show(value)))


def _miss_rows(r: ScenarioResult) -> str:
    return "".join(f"<tr><td>{r.steps.index(s) + 1}</td><td>{_e(s.line or '')}</td><td>{_e(c.name)}</td>"
                   f"<td>{_e(c.expected)}</td><td>{_e(c.actual)}</td></tr>" for s, c in r.misses)


def _summary_section(results: list[ScenarioResult]) -> str:
    rows = []
    for i, r in enumerate(results):
        cls = "pass" if r.expected_outcome else "fail"
        what = (_e(r.error) if r.error else
                "; ".join(_e(f"{c.name}: expected {show(c.expected)}, got {show(c.actual)}") for _, c in r.misses[:3])
                + (f" (and {len(r.misses) - 3} more)" if len(r.misses) > 3 else ""))
        rows.append(f"<tr class='{cls}'><td>{_e(status_of(r))}</td><td><a href='#s{i}'>{_e(r.name)}</a></td>"
                    f"<td>{_e(r.ticket)}</td><td>{what}</td></tr>")
    return ("<h2>Summary</h2><table><tr><th>result</th><th>scenario</th><th>ticket</th><th>what missed</th></tr>"
            + "".join(rows) + "</table>")


def html_report(results: Iterable[ScenarioResult]) -> str:
    results = list(results)
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Scenario report</title>"
             f"<style>{_CSS}</style></head><body><h1>Sage Intacct scenario report: {_e(summary(results))}</h1>"
             f"<p>Generated {_e(datetime.now(UTC).isoformat(timespec='seconds'))}</p>", _summary_section(results)]
    for i, r in enumerate(results):
        cls = "pass" if r.expected_outcome else "fail"
        parts.append(f"<div class='scenario' id='s{i}'><h2 class='{cls}'>{_e(status_of(r))}: {_e(r.name)}</h2>"
                     f"<p>{_e(r.ticket)} <code>{_e(r.file)}</code></p><p>{_e(r.description)}</p>")
        if r.known_issue:
            parts.append(f"<p>Known issue: {_e(r.known_issue)}</p>")
        if r.error:
            parts.append(f"<p>The scenario file could not run:</p><pre class='fail'>{_e(r.error)}</pre></div>")
            continue
        if r.misses:
            parts.append(f"<h3 class='fail'>{len(r.misses)} expectation(s) not met</h3><table><tr><th>step</th>"
                         f"<th>line</th><th>expectation</th><th>expected</th><th>actual</th></tr>{_miss_rows(r)}</table>")
        advice = [a for s in r.steps for a in s.advice]
        if advice:
            parts.append("<h3>What the customer is told in Alvys</h3>"
                         + "".join(f"<blockquote>{_e(a)}</blockquote>" for a in dict.fromkeys(advice)))
        parts.append("<h3>What was set up</h3><ul>" + "".join(f"<li>{_e(s)}</li>" for s in r.setup) + "</ul>")
        parts.append("<h3>What happened</h3>")
        for n, step in enumerate(r.steps, start=1):
            where = f" <small>(line {step.line})</small>" if step.line else ""
            parts.append(f"<h4>{n}. {_e(step.title)}{where}</h4><pre>{_e(step.output)}</pre>")
            if step.checks:
                rows = "".join(f"<tr class='{'pass' if c.ok else 'fail'}'><td>{'PASS' if c.ok else 'FAIL'}</td>"
                               f"<td>{_e(c.name)}</td><td>{_e(c.expected)}</td><td>{_e(c.actual)}</td></tr>"
                               for c in step.checks)
                parts.append("<table><tr><th></th><th>expectation</th><th>expected</th><th>actual</th></tr>"
                             f"{rows}</table>")
        parts.append("</div>")
    parts.append("</body></html>")
    return "".join(parts)
