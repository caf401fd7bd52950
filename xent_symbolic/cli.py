"""The `xent` command line: list, derive and check catalog derivations."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import assert_never

from ._version import __version__
from .errors import XentError, did_you_mean
from .output import write_output

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage mistake as one line and exit code 2."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _emit(content: str, output: str | None) -> None:
    if output:
        write_output(output, content)
    else:
        sys.stdout.write(content)


def _is_file(name: str) -> bool:
    """A derivation file (FILE.xent) rather than a catalog name."""
    return name.endswith(".xent")


def _checked_file(path: str):
    from .derivation_file import check_derivation_file, read_derivation_file

    return check_derivation_file(read_derivation_file(path))


def _checked(name: str):
    """The checked derivation of a catalog name or of a derivation file FILE.xent."""
    if _is_file(name):
        return _checked_file(name).checked
    from .catalog import get
    from .check import check

    return check(get(name).build())


def _cmd_list(args: argparse.Namespace) -> int:
    from .catalog import CATALOG

    width = max(len(name) for name in CATALOG)
    for entry in CATALOG.values():
        print(f"{entry.name:<{width}}  {entry.description}")
    return 0


def _cmd_derive(args: argparse.Namespace) -> int:
    from .render import render

    checked = _checked(args.name)
    _emit(render(checked, args.format), args.output)
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    from .render import check_report, render

    if _is_file(args.name):
        import json

        from .render import file_json_dict, file_report

        result = _checked_file(args.name)
        _emit(json.dumps(file_json_dict(result), indent=2) + "\n" if args.json else file_report(result), None)
        return check_exit_code(result.status)
    checked = _checked(args.name)
    _emit(render(checked, "json") if args.json else check_report(checked), None)
    return check_exit_code(checked.status)


def check_exit_code(status) -> int:
    """`xent check`'s exit code from the derivation's worst status: 0 only when every obligation is proved, 1
    when one is refuted, 3 when one is only checked numerically or unknown (and none is refuted)."""
    from .core import Status

    match status:
        case Status.PROVED:
            return 0
        case Status.REFUTED:
            return 1
        case Status.CHECKED | Status.UNKNOWN:
            return 3
        case _:
            assert_never(status)


#: the documents `xent render` writes for each entry: file suffix -> format
DOCUMENTS = {"tex": "latex", "md": "markdown", "json": "json"}


def _cmd_render(args: argparse.Namespace) -> int:
    from .catalog import names
    from .render import render

    if bool(args.all) == bool(args.names):
        raise XentError("name the derivations to render, or give --all (not both)")
    folder = Path(args.output)
    if not folder.is_dir():
        raise XentError(f"cannot write to {folder}: it is not an existing folder")
    chosen = names() if args.all else args.names
    documents = {}
    for name in chosen:  # render everything first: a failure writes nothing
        checked = _checked(name)
        stem = Path(name).stem if _is_file(name) else name
        for suffix, fmt in DOCUMENTS.items():
            documents[folder / f"{stem}.{suffix}"] = render(checked, fmt)
    for path, content in documents.items():
        write_output(str(path), content)
        print(path)
    return 0


def _cmd_trace(args: argparse.Namespace) -> int:
    from .catalog import get
    from .trace import parse_values, trace

    print(trace(get(args.name).build(), parse_values(args.values)).table(), end="")
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from .export import ALIASES, EXPORTABLE, derivation_module, derivation_of, module_source, require_backend

    require_backend(args.backend)
    if args.name in EXPORTABLE or args.name in ALIASES:
        source = module_source(args.name, args.backend)
    else:  # any other derivation: a catalog entry, FILE.xent, MODULE:FUNCTION
        source, _ = derivation_module(derivation_of(args.name), args.backend)
    write_output(args.output, source)
    print(
        f"wrote {args.output}: {args.name} loss, grad and loss_and_grad for {args.backend}", file=sys.stderr
    )
    return 0


def _settings(items) -> dict[str, float]:
    """{'epsilon': 0.2} from ['epsilon=0.2']; one line naming the bad item otherwise."""
    settings = {}
    for item in items:
        name, equals, value = item.partition("=")
        try:
            number = float(value)
        except ValueError:
            number = None
        if (
            not equals
            or not name.strip()
            or number is None
            or number != number
            or abs(number) == float("inf")
        ):
            raise XentError(f"--set {item!r} is not NAME=NUMBER; write e.g. --set epsilon=0.2")
        settings[name.strip()] = number
    return settings


def _cmd_plot(args: argparse.Namespace) -> int:
    from .catalog import get
    from .plot import figure_bytes

    entry = get(args.name)
    values = dict(entry.defaults) | _settings(args.set or ())
    suffix = Path(args.output).suffix.lower()
    write_output(args.output, figure_bytes(entry.build(), suffix, values))
    return 0


#: verify-grad's options whose value is a formula or a domain, which may start with '-' ("-y*sigmoid(-y*z)")
_FORMULA_OPTIONS = ("--loss", "--claim", "--domain")


def _formula_values_attached(parser: argparse.ArgumentParser, argv: list[str]) -> list[str]:
    """argv with each formula option joined to the value after it ('--claim', '-y' -> '--claim=-y'), so that
    argparse does not read a value that starts with '-' as an option. A value that is one of the command's own
    options ('--loss --wrt z') is left apart, for argparse's "expected one argument"."""
    if "verify-grad" not in argv:
        return argv
    own = set(_commands(parser)["verify-grad"]._option_string_actions)
    start = argv.index("verify-grad") + 1
    result, k = argv[:start], start
    while k < len(argv):
        token = argv[k]
        following = argv[k + 1] if k + 1 < len(argv) else None
        if token in _FORMULA_OPTIONS and following is not None and following.split("=")[0] not in own:
            result.append(f"{token}={following}")
            k += 2
        else:
            result.append(token)
            k += 1
    return result


def _formula_text(value: str) -> str:
    """A formula argument: the text itself, '@FILE' for the contents of FILE, or '-' for standard input."""
    if value == "-":
        text, source = sys.stdin.read(), "standard input"
    elif value.startswith("@"):
        path = Path(value[1:])
        try:
            text, source = path.read_text(encoding="utf-8"), str(path)
        except (OSError, UnicodeDecodeError) as error:
            reason = getattr(error, "strerror", None) or type(error).__name__
            raise argparse.ArgumentTypeError(
                f"cannot read the formula file {str(path)!r}: {reason}"
            ) from None
    else:
        return value
    text = " ".join(text.split())
    if not text:
        raise argparse.ArgumentTypeError(f"{source} holds no formula")
    return text


def _cmd_verify_grad(args: argparse.Namespace) -> int:
    from .verify import verify_gradient

    result = verify_gradient(
        args.loss,
        args.wrt,
        args.claim,
        domains=args.domain or (),
        timeout=args.timeout,
        accept_numeric=args.accept_numeric,
        shapes=args.shape or None,
    )
    sys.stdout.write(result.to_json() + "\n" if args.json else result.report())
    return result.exit_code


def build_parser() -> argparse.ArgumentParser:
    from .export.backends import BACKENDS
    from .render import FORMATS

    parser = _Parser(prog="xent", description="Derive losses and gradients as proof-checked steps.")
    parser.add_argument("--version", action="version", version=f"xent {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    listing = commands.add_parser("list", help="the catalog of derivations")
    listing.set_defaults(run=_cmd_list)

    derive = commands.add_parser("derive", help="derive, check and print a catalog entry")
    derive.add_argument("name", help="catalog name (see 'xent list') or a derivation file FILE.xent")
    derive.add_argument(
        "--format", default="text", choices=tuple(FORMATS), help="output format (default: text)"
    )
    derive.add_argument(
        "-o", "--output", metavar="FILE", help="write to FILE (atomically) instead of standard output"
    )
    derive.set_defaults(run=_cmd_derive)

    check = commands.add_parser(
        "check",
        help="proof-check every step; exit 0 all proved, 1 any refuted, 3 any only checked or unknown",
    )
    check.add_argument("name", help="catalog name (see 'xent list') or a derivation file FILE.xent")
    check.add_argument("--json", action="store_true", help="print the JSON certificate")
    check.set_defaults(run=_cmd_check)

    render_cmd = commands.add_parser("render", help="write NAME.tex, NAME.md and NAME.json into a folder")
    render_cmd.add_argument(
        "names", nargs="*", metavar="NAME", help="catalog names or derivation files FILE.xent (or --all)"
    )
    render_cmd.add_argument("--all", action="store_true", help="every catalog entry")
    render_cmd.add_argument("-o", "--output", metavar="DIR", required=True, help="an existing folder")
    render_cmd.set_defaults(run=_cmd_render)

    trace_cmd = commands.add_parser(
        "trace", help="evaluate every step at given numbers, in float64 and at 50 digits"
    )
    trace_cmd.add_argument("name", help="catalog name (see 'xent list')")
    trace_cmd.add_argument(
        "--values",
        nargs="+",
        required=True,
        metavar="NAME=VALUES",
        help="sizes and values, one per example or one for all: n=2 y=1,0 yhat=0.6,0.3",
    )
    trace_cmd.set_defaults(run=_cmd_trace)

    plot = commands.add_parser(
        "plot",
        help="draw the loss of one example against its prediction (and the logit), one curve per label",
    )
    plot.add_argument("name", help="catalog name (see 'xent list')")
    plot.add_argument("-o", "--output", metavar="FILE", required=True, help="FILE.png or FILE.svg")
    plot.add_argument(
        "--set",
        action="append",
        metavar="NAME=VALUE",
        help="a hyperparameter's value (repeatable; default: the entry's defaults), e.g. --set epsilon=0.2",
    )
    plot.set_defaults(run=_cmd_plot)

    export = commands.add_parser("export", help="write a standalone module with loss, grad and loss_and_grad")
    export.add_argument(
        "name",
        help="a catalog entry, a derivation file FILE.xent, or MODULE:FUNCTION / FILE.py:FUNCTION returning a "
        "Derivation (the error for an unknown name lists the entries)",
    )
    export.add_argument(
        "--backend", default="numpy", choices=tuple(BACKENDS), help="array library (default: numpy)"
    )
    export.add_argument(
        "-o",
        "--output",
        metavar="FILE.py",
        required=True,
        help="the module to write (atomically; - for stdout)",
    )
    export.set_defaults(run=_cmd_export)
    verify = commands.add_parser(
        "verify-grad",
        help="check a claimed gradient: exit 0 proved, 1 refuted, 2 bad input, 3 checked only or unknown",
        description="Verify claimed partial derivatives of a loss: proved symbolically, checked numerically "
        "(mpmath, 50 digits, over the whole domain) or refuted at a point, with a diagnosis of the usual mistakes. "
        "With --shape, the loss and claims are array formulas and the proof is for all sizes. "
        "A formula may start with '-'; @FILE reads it from FILE, - from standard input.",
    )
    verify.add_argument(
        "--loss",
        required=True,
        metavar="EXPR",
        type=_formula_text,
        help="the loss, e.g. 'softplus(z) - y*z' (or @FILE, or - for standard input)",
    )
    verify.add_argument("--wrt", required=True, metavar="SYMS", help="comma-separated symbols, e.g. 'w,b'")
    verify.add_argument(
        "--claim",
        required=True,
        metavar="EXPRS",
        type=_formula_text,
        help="comma-separated derivatives, in --wrt order (or @FILE, or - for standard input)",
    )
    verify.add_argument(
        "--shape",
        action="append",
        metavar="NAME:DIMS",
        help="an array and its sizes, e.g. 'X:n,d' or 'w:d' (repeatable); formulas are then in NumPy "
        "notation (@, .T, sum/mean/prod/logsumexp/softmax with axis=) and proved for all sizes",
    )
    verify.add_argument(
        "--domain",
        action="append",
        metavar="NAME:SET",
        help="the values of a symbol or of every entry of an array: an interval such as 'p:(0,1)', "
        "'x:[0,oo)', a finite set such as 'y:{0,1}', or for a matrix 'Y:onehot' or 'P:simplex' (repeatable); "
        "default: R",
    )
    verify.add_argument(
        "--timeout", type=float, default=10.0, metavar="S", help="time budget, seconds (default: 10)"
    )
    verify.add_argument(
        "--accept-numeric",
        action="store_true",
        help="exit 0 also for a claim checked numerically but not proved (the output still says so)",
    )
    verify.add_argument("--json", action="store_true", help="print the verdict as JSON")
    verify.set_defaults(run=_cmd_verify_grad)
    return parser


def _commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """The subcommands' parsers, by name."""
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices


def _unknown_command(parser: argparse.ArgumentParser, argv: list[str]) -> str | None:
    """The did-you-mean message for a first word that is no command ('xent lst'), else None."""
    words = [a for a in argv if not a.startswith("-")]
    commands = _commands(parser)
    if not words or words[0] in commands:
        return None
    return str(did_you_mean(words[0], tuple(commands), "command"))


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the exit code (0 ok, 1 a check failed, 2 bad input, 3 undecided, 130 interrupted)."""
    argv = sys.argv[1:] if argv is None else argv
    try:
        parser = build_parser()
        unknown = _unknown_command(parser, argv)
        if unknown is not None:
            print(f"xent: error: {unknown} (see 'xent --help')", file=sys.stderr)
            return 2
        argv = _formula_values_attached(parser, argv)
        if sum(a in ("--loss=-", "--claim=-") for a in argv) > 1:
            print(
                "xent verify-grad: error: standard input (-) can give only one of --loss and --claim; "
                "put the other in a file and pass @FILE",
                file=sys.stderr,
            )
            return 2
        args = parser.parse_args(argv)
        return args.run(args)
    except XentError as error:
        print(f"xent: error: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        print("xent: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
