"""Command line: ``simtool <command> [options]``.

Each command lives in its own module ``simtool.cli.<command>`` exposing
``add_parser(subparsers)`` (which registers the sub-parser and sets ``run``) and a
``run(args) -> int``.  Only the module of the command being run is imported, so
``simtool enumerate`` never imports torch (a test checks ``sys.modules``).

Errors in user input (:class:`simtool.errors.SimtoolError`) become a one-line
``simtool CMD: error: …`` message on stderr and exit status 2, never a traceback.

Around every command :func:`main` also (see ``simtool.output`` and
``simtool.cli.interrupt``): installs the SIGINT handler first (Ctrl-C at any moment,
imports included: one ``interrupted`` line, exit 130); refuses a closed stdout up
front; exits 0 quietly on a closed pipe after partial output (``| head``) and 2 with
one line on any other write error (``> /dev/full``); runs a heartbeat on stderr when
it is not a terminal (``--quiet`` turns it off).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

__all__ = ["main", "COMMANDS"]

#: command name -> one-line summary (the module ``simtool.cli.<module>`` implements it)
COMMANDS: dict[str, tuple[str, str]] = {
    "enumerate": ("enumerate_cmd", "derive symmetries and enumerate the lattice of SIMs, with proofs"),
    "activations": ("activations_cmd", "list the activation registry with proved properties"),
    "check": ("check_cmd", "confirm SIMs by batched gradient-flow simulation"),
    "simulate": ("simulate_cmd", "run gradient flow from given or sampled θ and save trajectories"),
    "subspace": ("subspace_cmd", "decide exactly whether a subspace given by relations is invariant"),
    "survey": ("survey_cmd", "search invariant subspaces beyond symmetry across the activation registry"),
    "inspect": ("inspect_cmd", "symmetries and invariant manifolds of your own torch.nn.Module (torch.fx)"),
    "verify": ("verify_cmd", "run the theorem catalogue (or your theorems) and exit 1 on any unexpected verdict"),
    "experiment": ("experiment_cmd", "run a companion experiment (InPCA, inversion, network manifold, deep manifold)"),
    "orbit": ("orbit_cmd", "orbit dimension of the gradient-flow fields (Lie, endpoint ranks) and conservation laws"),
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit status 2
        self.exit(2, f"{self.prog}: error: {message}\n")


class _Version(argparse.Action):
    def __call__(self, parser, namespace, values, option_string=None):
        from .. import __version__

        print(f"simtool {__version__}")
        parser.exit(0)


def _build(command: str | None) -> argparse.ArgumentParser:
    parser = _Parser(
        prog="simtool",
        description="Symmetry-induced invariant manifolds (SIMs) of neural-network training: "
        "exact proofs and gradient-flow checks.",
    )
    parser.add_argument("--version", action=_Version, nargs=0, help="print the simtool version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, (module, summary) in COMMANDS.items():
        if name == command:
            mod = importlib.import_module(f".{module}", __name__)
            mod.add_parser(sub, name, summary)
        else:
            sub.add_parser(name, help=summary)
    return parser


#: the OpenMP wait policy a simtool process starts with unless the user set one:
#: measured (``benchmarks/bench_threads.py``, README "Threads") to cut the stall of a
#: multi-threaded run on a shared machine; with the default ``--threads 1`` it is moot
DEFAULT_OMP_WAIT_POLICY = "PASSIVE"


def default_omp_wait_policy() -> None:
    """Set ``OMP_WAIT_POLICY`` to :data:`DEFAULT_OMP_WAIT_POLICY` when the user has not set
    it and torch (which starts OpenMP) is not imported yet: later it would not take
    effect, and results record the policy from the environment, so it is left alone."""
    import os

    if "OMP_WAIT_POLICY" not in os.environ and "torch" not in sys.modules:
        os.environ["OMP_WAIT_POLICY"] = DEFAULT_OMP_WAIT_POLICY


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``simtool`` console script; returns the exit status."""
    from .interrupt import installed

    default_omp_wait_policy()
    words = sys.argv[1:] if argv is None else argv
    command = next((a for a in words if not a.startswith("-")), None)
    name = f"simtool {command}" if command in COMMANDS else "simtool"
    with installed(name):  # first: Ctrl-C during the imports below is handled too
        return _main(argv)


def _main(argv: Sequence[str] | None) -> int:
    from .. import output
    from ..errors import SimtoolError
    from . import heartbeat, interrupt

    args_list = list(sys.argv[1:] if argv is None else argv)
    command = next((a for a in args_list if not a.startswith("-")), None)
    if command in COMMANDS:
        interrupt.set_command(f"simtool {command}")
    parser = _build(command if command in COMMANDS else None)
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exc:  # argparse: --help, --version, usage errors
        return int(exc.code or 0)
    if args.command is None:
        parser.print_help()
        return 2
    prog = f"simtool {args.command}"
    try:
        with output.guarded_stdout(), heartbeat.running(prog, quiet=getattr(args, "quiet", False)):
            output.require_stdout()
            return int(args.run(args))
    except SimtoolError as exc:
        if isinstance(exc, output.StdoutError):
            output.silence_stdout()
        output.warn(f"{prog}: error: {exc}")
        return 2
    except BrokenPipeError:  # `simtool … | head`: stop quietly after the partial output
        output.silence_stdout()
        return 0
    except KeyboardInterrupt:
        return interrupt.report()
    except MemoryError:
        output.warn(f"{prog}: error: out of memory; lower the sizes (--n-traj, --n-samples, "
                    "--n-save, --width) or the memory budget --max-memory")
        return 2


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
