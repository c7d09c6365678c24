"""Run external work (pandoc, the PDF worker) with no secrets and no network.

Everything in a pull request is untrusted, and pandoc's ``--sandbox`` does not
cover citeproc: a dependent CSL style makes pandoc fetch its "parent" from any
path or URL. So whatever runs external work gets two more walls:

* **No secrets.** :func:`scrubbed_env` is the whole environment a child gets:
  a fixed ``PATH``, ``LANG``/``LC_ALL=C.UTF-8`` (pandoc's GHC runtime needs a
  UTF-8 locale) and a ``HOME`` that is a temporary folder or ``/nonexistent``
  (so no pandoc user data directory, defaults or CSL folder is found). No
  tokens, no CI variables, not even ``SOURCE_DATE_EPOCH``: the parent passes
  what a child needs as arguments.
* **No network.** The child moves into a fresh network namespace, which holds
  only a loopback interface that is down: no connection can be made, to the
  internet or to the host's 127.0.0.1. We first try
  ``unshare(CLONE_NEWUSER | CLONE_NEWNET)``: it works unprivileged (where the
  kernel allows user namespaces) and, for root, it also strips every capability
  over the host's namespaces, so even a root pandoc could not ``setns`` its way
  back. Where user namespaces are off, ``unshare(CLONE_NEWNET)`` alone (root or
  CAP_SYS_ADMIN). The calls go through ctypes: Python 3.11 has no os.unshare.
  The user namespace maps the caller's own uid and gid, so files keep their
  owner as the child sees them.

  Where no namespace can be made (a container whose seccomp profile forbids
  unshare) the build does not fail: :func:`network_isolated` says so and
  :func:`isolation_reason` gives the one-line reason. Other layers still keep
  the tools off the network: pandoc never receives metadata or a CSL style that
  could name a URL (:mod:`citepress.sources.cslstyle`), and WeasyPrint's fetcher
  refuses every URL but ``data:`` and files in the asset folders.

How pandoc is started: through a launcher, not ``preexec_fn``. The build runs
pandoc from a ThreadPoolExecutor, and Python documents ``preexec_fn`` as unsafe
with threads (the child runs Python between fork and exec and may deadlock on a
lock another thread held). :func:`command` instead prefixes pandoc's argv with
``python -I -S <this file> --``: a fresh single-threaded interpreter that lifts
the soft RLIMIT_DATA, unshares the network and ``os.execv``'s pandoc, so the
pid the parent waits on (and kills on timeout) becomes pandoc itself. ``-I -S``
keep the launcher to the standard library (no site-packages, no current folder,
no PYTHON* variables) and fast; it imports nothing heavier than ctypes (no
dataclasses, typing or contextlib: ~20 ms more on every run). Measured on
Chapter 3 (14,400 characters, ``pandoc -f markdown -t json``, 10 interleaved runs
each, 2-core Xeon, two sessions): median 0.045 s directly, 0.065-0.068 s through
the launcher (+0.02 s), 0.051-0.053 s with ``preexec_fn``; ``pandoc.run`` as a
whole (launcher, ``+RTS -M``, ``--sandbox``) 0.069-0.074 s, well inside the
check's 0.3 s per chapter. The 0.015 s that ``preexec_fn`` would save does not pay
for a deadlock risk in every threaded build. The launcher also lets ``subprocess``
keep its vfork/posix_spawn fast path, which ``preexec_fn`` disables. :func:`preexec`
exists for callers without threads; :func:`isolate_this_process` is for a
forked worker (the PDF), which isolates itself before it loads WeasyPrint.

The namespace protects against pandoc doing what its input asks (fetch a parent
style, a URL); it is not a complete jail for a compromised binary. Lifting the
soft RLIMIT_DATA matters because ``citepress check`` may cap its own memory, and
pandoc's GHC runtime, which reserves a large address space, must not inherit
that cap: pandoc is bounded by its own ``+RTS -M`` instead.
"""

from __future__ import annotations

import ctypes
import os
import resource
import sys

# From <sched.h>: the namespaces unshare(2) creates.
CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000

SAFE_PATH = "/usr/local/bin:/usr/bin:/bin"
NO_HOME = "/nonexistent"
ISOLATED = "external tools run in a network namespace of their own: no network"


class Isolation:
    """Whether this process (or, for the parent, a probe child) lost the network."""

    # A plain class, not a dataclass: importing dataclasses (inspect, ast, re) would
    # cost the launcher ~20 ms, on every pandoc run.
    __slots__ = ("isolated", "reason")

    def __init__(self, isolated: bool, reason: str) -> None:
        self.isolated = isolated
        self.reason = reason


# Set by isolate_this_process()/preexec() in the process they isolate; in a
# parent that only starts children, filled in by a probe on first question.
_STATE: Isolation | None = None


def _libc_unshare() -> ctypes._NamedFuncPointer | None:  # a typeshed name: never evaluated
    # Looked up once, at import, in the parent: a forked child must not dlopen or
    # dlsym (the loader's lock may have been held by another thread at fork).
    try:
        return ctypes.CDLL(None, use_errno=True).unshare
    except (OSError, AttributeError, TypeError):
        return None


_UNSHARE = _libc_unshare()


def scrubbed_env(home: os.PathLike[str] | str | None = None) -> dict[str, str]:
    """The whole environment for pandoc and the PDF worker: no secrets, nothing inherited.

    ``home`` is a temporary folder the caller owns; without one, HOME points at
    nothing so that no per-user configuration is read.
    """
    return {
        "PATH": SAFE_PATH,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "HOME": os.fspath(home) if home is not None else NO_HOME,
    }


def _unshare(flags: int) -> int:
    """0 when unshare(flags) succeeded, else its errno."""
    if _UNSHARE is None:
        return 38  # ENOSYS: no unshare(2) here (not Linux)
    if _UNSHARE(flags) == 0:
        return 0
    return ctypes.get_errno() or 1


def _write_proc(path: str, text: str) -> None:
    # uid_map and gid_map accept exactly one write(2): no buffered file objects.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
    except OSError:
        return
    try:
        os.write(fd, text.encode("ascii"))
    except OSError:
        pass  # best effort: an unmapped process still has no network
    finally:
        os.close(fd)


def _map_ids(uid: int, gid: int) -> None:
    """Map our own uid and gid into the new user namespace (best effort).

    Unmapped, the process would see itself (and its files) as the overflow user
    nobody; mapped, it keeps its identity, and nothing else is granted.
    """
    _write_proc("/proc/self/setgroups", "deny")  # required before an unprivileged gid_map
    _write_proc("/proc/self/uid_map", f"{uid} {uid} 1\n")
    _write_proc("/proc/self/gid_map", f"{gid} {gid} 1\n")


def unshare_network() -> str:
    """Move this process into a new, empty network namespace; '' or why it could not."""
    uid, gid = os.getuid(), os.getgid()
    as_user = _unshare(CLONE_NEWUSER | CLONE_NEWNET)
    if as_user == 0:
        _map_ids(uid, gid)
        return ""
    alone = _unshare(CLONE_NEWNET)
    if alone == 0:
        return ""
    return (
        "no network namespace could be made "
        f"(user namespace: {os.strerror(as_user)}; network namespace: {os.strerror(alone)}); "
        "pandoc and the PDF renderer share the host's network, kept off it only by "
        "citepress's own refusals"
    )


def _lift_data_limit() -> None:
    """Raise the soft RLIMIT_DATA to the hard limit (pandoc's +RTS -M bounds it)."""
    try:
        _soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
        resource.setrlimit(resource.RLIMIT_DATA, (hard, hard))
    except (ValueError, OSError):
        pass  # pandoc then runs under the parent's cap: its +RTS -M is below it


def _record(reason: str) -> None:
    global _STATE  # one fact per process, set where it becomes known
    _STATE = Isolation(isolated=not reason, reason=reason or ISOLATED)


def preexec() -> None:
    """For ``subprocess.run(..., preexec_fn=preexec)`` in a parent without threads.

    Lifts the soft memory cap and unshares the network in the child, before exec.
    With threads in the parent, use :func:`command` instead.
    """
    _lift_data_limit()
    _record(unshare_network())


def isolate_this_process(keep: tuple[str, ...] = ()) -> None:
    """In a forked worker: unshare the network, and replace os.environ by scrubbed_env().

    ``keep`` names variables carried over unchanged (build inputs, never secrets).
    """
    _record(unshare_network())
    kept = {name: os.environ[name] for name in keep if name in os.environ}
    os.environ.clear()
    os.environ.update(scrubbed_env())
    os.environ.update(kept)


def command(argv: list[str]) -> list[str]:
    """``argv`` run through the launcher: isolated, then exec'd (see the module docstring)."""
    return [sys.executable, "-I", "-S", os.path.abspath(__file__), "--", *argv]  # noqa: PTH100


def network_isolated() -> bool:
    """True when this process, or the children it launches, have no network."""
    return _state().isolated


def isolation_reason() -> str:
    """One line: how the network is cut off, or why it could not be."""
    return _state().reason


def _state() -> Isolation:
    global _STATE  # cached: the answer does not change within a run
    if _STATE is None:
        _STATE = _probe()
    return _STATE


def _probe() -> Isolation:
    """Ask a launched child whether it could unshare (the parent itself must not)."""
    import subprocess  # noqa: PLC0415 -- the launcher itself never needs it

    probe = [sys.executable, "-I", "-S", os.path.abspath(__file__), "--probe"]  # noqa: PTH100
    try:
        done = subprocess.run(
            probe, env=scrubbed_env(), capture_output=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return Isolation(False, f"the isolation probe could not run: {exc}")
    line = done.stdout.decode("utf-8", "replace").strip().splitlines()
    reason = line[0] if line else f"the isolation probe failed (exit {done.returncode})"
    return Isolation(done.returncode == 0, reason)


def main(argv: list[str]) -> int:
    """The launcher: ``-- program args…`` (isolate, then exec) or ``--probe``."""
    if argv == ["--probe"]:
        reason = unshare_network()
        print(reason or ISOLATED)
        return 1 if reason else 0
    if len(argv) < 2 or argv[0] != "--":
        print("usage: ground/sandbox.py -- PROGRAM [ARGS...] | --probe", file=sys.stderr)
        return 2
    preexec()
    try:
        os.execv(argv[1], argv[1:])
    except OSError as exc:
        print(f"citepress sandbox: cannot run {argv[1]}: {exc.strerror}", file=sys.stderr)
    return 127


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
