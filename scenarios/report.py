"""Reports a support engineer can read: plain text for the terminal, JUnit XML for CI, HTML to attach."""

from __future__ import annotations

import html
from collections.abc import Iterable
from datetime import UTC, datetime

from lxml import etree

from intacct_harness.scenarios.runner import ScenarioResult


def status_of(result: ScenarioResult) -> str:
    if result.known_issue:
        return "KNOWN ISSUE (still reproduces)" if result.expected_outcome else "KNOWN ISSUE FIXED: remove known_issue"
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
        return "\n".join(lines)
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
    return "\n".join(lines)


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
            etree.SubElement(case, "error", message=r.error[:500]).text = r.error
        elif r.known_issue and r.expected_outcome:
            etree.SubElement(case, "skipped", message=f"known issue: {r.known_issue}"[:500])
        elif not r.expected_outcome:
            misses = "; ".join(c.line() for _, c in r.misses)
            etree.SubElement(case, "failure", message=misses[:500]).text = text(r)
        etree.SubElement(case, "system-out").text = text(r)
    return etree.tostring(suite, xml_declaration=True, encoding="UTF-8", pretty_print=True)


_CSS = """body{font-family:system-ui,sans-serif;margin:2em;max-width:70em;color:#222}
h1{font-size:1.4em} .pass{color:#1a7f37} .fail{color:#cf222e} pre{background:#f6f8fa;padding:.6em;
white-space:pre-wrap} table{border-collapse:collapse} td,th{border:1px solid #ddd;padding:.3em .6em;
text-align:left;vertical-align:top} .scenario{border-top:2px solid #ddd;margin-top:2em}"""


def html_report(results: Iterable[ScenarioResult]) -> str:
    results = list(results)
    e = html.escape
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Scenario report</title>"
             f"<style>{_CSS}</style></head><body><h1>Sage Intacct scenario report: {e(summary(results))}</h1>"
             f"<p>Generated {e(datetime.now(UTC).isoformat(timespec='seconds'))}</p>"]
    for r in results:
        cls = "pass" if r.expected_outcome else "fail"
        parts.append(f"<div class='scenario'><h2 class='{cls}'>{e(status_of(r))}: {e(r.name)}</h2>"
                     f"<p>{e(r.ticket)} <code>{e(r.file)}</code></p><p>{e(r.description)}</p>")
        if r.error:
            parts.append(f"<pre class='fail'>{e(r.error)}</pre></div>")
            continue
        parts.append("<h3>What was set up</h3><ul>" + "".join(f"<li>{e(s)}</li>" for s in r.setup) + "</ul>")
        parts.append("<h3>What happened</h3>")
        for n, step in enumerate(r.steps, start=1):
            parts.append(f"<h4>{n}. {e(step.title)} <small>(line {step.line})</small></h4><pre>{e(step.output)}</pre>")
            if step.checks:
                rows = "".join(f"<tr class='{'pass' if c.ok else 'fail'}'><td>{'PASS' if c.ok else 'FAIL'}</td>"
                               f"<td>{e(c.name)}</td><td>{e(repr(c.expected))}</td><td>{e(repr(c.actual))}</td></tr>"
                               for c in step.checks)
                parts.append("<table><tr><th></th><th>expectation</th><th>expected</th><th>actual</th></tr>"
                             f"{rows}</table>")
        parts.append("</div>")
    parts.append("</body></html>")
    return "".join(parts)
