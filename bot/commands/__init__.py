"""The `nianbao` command: a lean dispatcher over one module per command (bot.commands.<module>, each
with `main(argv) -> exit status`, a thin layer over a library function). A command's module is
imported only when used, so `nianbao check` starts without loading the bot, the database or the PDF
libraries."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

TYPE_CHECKING = False  # as typing's; importing typing would cost each `nianbao check` process 2 ms
if TYPE_CHECKING:
    from typing import Any

USAGE = """usage: nianbao COMMAND [ARGS]

commands:
  check FILE...      check report files against the national format (--json, --lang en)
  rules              list the finding codes
  demo [DIR]         try the bot in the terminal with the sample reports loaded
  try                chat with the bot in the terminal (a local Bot API server, no token needed)
  bot                run the Telegram bot (long polling; --webhook for a webhook server)
  ingest PATH...     check and store report files and folders
  ask "QUESTION"     answer a statistics question from the stored reports (--json)
  export --xlsx FILE export the stored reports to an Excel workbook
  db upgrade         apply the database migrations
  doctor             check the settings, database, Redis, Bot API, font (exit 0/1)

options: --version, --debug (log everything, with tracebacks), COMMAND -h (the command's options)
exit status: 0 done, 1 a negative result (a report fails, a question not answered, some files
not stored), 2 a mistake (a file, a path, a setting, a server; one line says which and what to do)
"""


# command -> its module in this package
MODULES = {
    "check": "check", "rules": "rules", "demo": "demo", "try": "chat", "bot": "serve", "ingest": "ingest",
    "ask": "ask", "export": "export", "db": "db", "doctor": "doctor",
}
COMMANDS = tuple(MODULES)
# Commands whose process ends as soon as they have answered, without the interpreter's teardown
# (freeing every module and object one by one, about a tenth of a `nianbao check`): they leave no
# thread, child process or open file behind, and their output is flushed first.
QUICK_EXIT = frozenset({"check"})
# Commands that load their modules with the cyclic garbage collector off (the objects of a module
# live as long as the process; the collector would only walk them again and again) and turn it on
# once loaded (bot.commands.check).
QUIET_GC = frozenset({"check"})
# Commands that set up logging only once something loads it: a check that logs nothing spares the
# import of logging (with traceback and the rest, a few ms of a fresh process).
LAZY_LOGGING = frozenset({"check"})


def _load(name: str) -> Callable[[list[str]], int]:
    import importlib

    return importlib.import_module(f"{__name__}.{MODULES[name]}").main


def _setup_logging(cmd: str, debug: bool) -> None:
    """The terminal commands log warnings as one line on stderr; --debug logs everything, with
    tracebacks. `nianbao bot` configures its own log (a service's log keeps its tracebacks)."""
    if cmd == "bot":
        return
    if cmd in LAZY_LOGGING and not debug and "logging" not in sys.modules:
        sys.meta_path.insert(0, _OnImport("logging", lambda: _one_line_logging(debug)))
    else:
        _one_line_logging(debug)


def _one_line_logging(debug: bool) -> None:
    from storage.mistakes import one_line_logging

    one_line_logging(debug)


class _OnImport:
    """A finder on sys.meta_path that runs `then` as soon as module `name` has loaded, whoever
    imports it (in a forked child too), before its importer goes on; then it leaves the path."""

    def __init__(self, name: str, then: Callable[[], None]) -> None:
        self.name, self.then = name, then

    def find_spec(self, fullname: str, path: object = None, target: object = None) -> object:
        if fullname != self.name:
            return None
        sys.meta_path.remove(self)
        spec = next(s for s in (f.find_spec(fullname, path, target) for f in sys.meta_path) if s is not None)
        spec.loader = _ThenLoader(spec.loader, self.then)
        return spec


class _ThenLoader:
    """A module's loader, and `then` once it has executed the module."""

    def __init__(self, loader: Any, then: Callable[[], None]) -> None:
        self.loader, self.then = loader, then

    def create_module(self, spec: object) -> object:
        return self.loader.create_module(spec)

    def exec_module(self, module: object) -> None:
        self.loader.exec_module(module)
        self.then()

    def __getattr__(self, name: str) -> Any:  # get_source, is_package…: the loader's own
        return getattr(self.loader, name)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("nianbao")
    except PackageNotFoundError:
        return "unknown"


def _command(argv: list[str]) -> str | None:
    """The command named by the arguments (as _run reads them)."""
    return next((a for a in argv if a != "--debug"), None)


def _run(argv: list[str]) -> int:
    if _command(argv) in QUIET_GC:
        import gc

        gc.disable()
    debug = "--debug" in argv[: argv.index("--")] if "--" in argv else "--debug" in argv
    if debug:
        argv = [a for a in argv if a != "--debug"]
        os.environ["NIANBAO_DEBUG"] = "1"
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(USAGE)
        return 0
    if argv[0] in ("-V", "--version", "version"):
        print(f"nianbao {_version()}")
        return 0
    cmd, rest = argv[0], argv[1:]
    if cmd not in COMMANDS:
        from bot.mistakes import user_lang

        lang = user_lang(rest)
        print(f"nianbao: 没有 {cmd!r} 这个命令：nianbao -h 列出全部命令。" if lang == "zh"
              else f"nianbao: unknown command {cmd!r}: nianbao -h lists the commands.", file=sys.stderr)
        return 2
    _setup_logging(cmd, debug)
    try:
        return _load(cmd)(rest) or 0
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        raise
    except Exception as exc:  # an ordinary mistake is one line; a bug is one line too, unless --debug
        if debug:
            raise
        from bot.mistakes import explain, user_lang

        lang = user_lang(rest)
        line = explain(exc, lang)
        if line is None:
            line = (f"内部错误（{type(exc).__name__}: {exc}）：加 --debug 可看详情，请报告此问题。" if lang == "zh"
                    else f"internal error ({type(exc).__name__}: {exc}): run with --debug for details, and report it.")
        print(f"nianbao {cmd}: {line}".splitlines()[0], file=sys.stderr)
        return 2


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        try:
            code = _run(argv)
        except SystemExit as e:  # argparse: --help, or a usage error (already printed)
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 2)
        sys.stdout.flush()
    except BrokenPipeError:  # `nianbao -h | head -2`: the reader went away, nothing more to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return code


def run() -> None:
    """The `nianbao` program: main() on the process's arguments, then the exit (see QUICK_EXIT)."""
    code = main()
    if _command(sys.argv[1:]) in QUICK_EXIT:
        import contextlib

        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):  # a reader gone away: main() has dealt with stdout
                stream.flush()
        os._exit(code)
    sys.exit(code)
