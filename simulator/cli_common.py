"""Conventions the three command lines share (``intacct-sim``, ``intacct-connector``, ``intacct-scenarios``).

One place for what a newcomer expects of every command: ``--version``, examples and defaults in ``--help``,
and one meaning per exit status:

- 0: ran, and everything was as expected;
- 1: ran, and something failed (a document refused, a doctor check not met, a scenario not as expected);
- 2: could not run (a usage error, a missing or mistyped file or folder, bad settings, a busy port).

Standard library only, so the connector's command line can use it without pulling in the simulator.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Any, TextIO

EXIT_OK = 0
EXIT_FAILED = 1       # ran, and something failed
EXIT_UNUSABLE = 2     # could not run; argparse's own usage errors exit 2 as well
DISTRIBUTION = "intacct-harness"

EXIT_CODES_HELP = "exit status: 0 ok, 1 ran and something failed, 2 could not run (usage, files, settings, port)"


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the examples' line breaks and appends "(default: X)" where a default says something.

    ``argparse.ArgumentDefaultsHelpFormatter`` also prints "(default: None)", "(default: False)" and
    "(default: )", which read as noise; this one leaves those out, and any help that already says its default.
    """

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        silent = default is None or default is False or default == "" or default == argparse.SUPPRESS
        if "%(default)" in text or "default" in text.lower() or silent or not action.option_strings:
            return text
        return f"{text} (default: %(default)s)" if text else "default: %(default)s"


def version() -> str:
    """The installed distribution's version (``unknown`` when run from a tree that was never installed)."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return "unknown (not installed)"


def parser(prog: str, description: str, examples: str, **kw: Any) -> argparse.ArgumentParser:
    """A top-level parser with ``--version`` and an epilog of examples and exit statuses."""
    p = argparse.ArgumentParser(prog=prog, description=description, formatter_class=HelpFormatter,
                                epilog=epilog(examples), **kw)
    p.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    return p


def subcommand(sub: Any, name: str, help_text: str, examples: str, **kw: Any) -> argparse.ArgumentParser:
    """A subcommand whose own ``--help`` has its examples (``sub`` is ``add_subparsers()``'s result)."""
    return sub.add_parser(name, help=help_text, description=help_text[:1].upper() + help_text[1:] + ".",
                          formatter_class=HelpFormatter, epilog=epilog(examples), **kw)


def parse(p: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace | int:
    """Parse, turning argparse's exits (``--help``, ``--version``: 0; a usage error: 2) into a return value.

    So ``main(argv)`` always returns its exit status, from a test or an embedding program as from a shell.
    """
    try:
        return p.parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_UNUSABLE


def epilog(examples: str) -> str:
    lines = [line.strip() for line in examples.strip().splitlines()]
    return "examples:\n" + "\n".join(f"  {line}" for line in lines) + "\n\n" + EXIT_CODES_HELP


def unusable(prog: str, message: str, err: TextIO | None = None) -> int:
    """Say why the command could not run, to the person who must fix it, and return exit status 2."""
    print(f"{prog}: {message}", file=err or sys.stderr, flush=True)
    return EXIT_UNUSABLE


def port(text: str) -> int:
    """An argparse type: a TCP port number, 0 (any free port) to 65535."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port number (0 to 65535)")
    return value


def port_problem(host: str, port: int) -> str | None:
    """Why ``host:port`` cannot be listened on (None when it can), checked before anything is printed.

    Binds with SO_REUSEADDR as gunicorn does, so a port left in TIME_WAIT by the previous run is free and a
    port another process listens on is not.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        return f"--host {host}: cannot resolve it ({exc.strerror})"
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno in (98, 48, 10048):  # EADDRINUSE on Linux, macOS, Windows
                return (f"port {port} on {host} is already in use (another simulator still running?); stop it or "
                        f"choose another with --port")
            return f"cannot listen on {host}:{port}: {exc.strerror}"
    return None


@contextmanager
def private_folder(prefix: str) -> Iterator[Path]:
    """A temporary folder that this process removes when it leaves, however it leaves (SIGTERM included).

    gunicorn forks workers from the process that made the folder, and a worker leaving unwinds the same
    ``with`` block: only the creating process removes the folder, so workers never pull it from under
    the others. SIGTERM is turned into an ordinary exit until gunicorn installs its own handlers (which
    also end in one).
    """
    owner = os.getpid()
    path = Path(tempfile.mkdtemp(prefix=prefix))
    previous = signal.getsignal(signal.SIGTERM)
    if previous in (signal.SIG_DFL, None) and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        yield path
    finally:
        if os.getpid() == owner:
            shutil.rmtree(path, ignore_errors=True)
            if signal.getsignal(signal.SIGTERM) is _exit_on_sigterm:
                signal.signal(signal.SIGTERM, previous or signal.SIG_DFL)


def _exit_on_sigterm(signum: int, _frame: Any) -> None:
    raise SystemExit(128 + signum)
