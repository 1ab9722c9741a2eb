"""Kernels for the runner: started ahead of their notebook, quiet, and shut down cleanly.

A fresh kernel takes about a second to start, and a notebook's first cell another second or two
to import pandas, spaCy, matplotlib and ``helpers``. The runner starts the next notebook's
kernel while the current notebook runs (:func:`start`), so both costs overlap real work. A
started kernel has imported the modules its notebook imports, and nothing else: no name is
bound and no cell is run, so the notebook still sees an empty namespace and counts its cells
from 1. What it imports is read from the notebook itself (:func:`imported_modules`).
"""

from __future__ import annotations

import ast
import functools
import importlib
import json
import os
import shutil
import stat
import sys
import tempfile
from pathlib import Path

KERNEL_NAME = "python3"
FOLDER_PREFIX = "newsdesk-kernel-"  # then the runner's process id: newsdesk-kernel-<pid>-<random>


def imported_modules(notebook: Path) -> list[str]:
    """Dotted names a notebook's code cells import, in order of first use: ``import a.b`` gives
    ``a.b``; ``from a import b`` gives ``a`` and ``a.b`` (``b`` may be a module). Cells that are
    not plain Python (magics) are skipped."""
    cells = json.loads(Path(notebook).read_text(encoding="utf-8")).get("cells", [])
    names: dict[str, None] = {}
    for cell in cells:
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        try:
            tree = ast.parse("".join(source) if isinstance(source, list) else source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update((alias.name, None) for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names[node.module] = None
                names.update((f"{node.module}.{alias.name}", None) for alias in node.names if alias.name != "*")
    return list(names)


def warm(modules: list[str]) -> None:
    """Import ``modules`` for their side effect on ``sys.modules``; a name that is not a module
    (``from a import function``) or fails to import is skipped: the notebook's own cell will
    import it, and report any error where the reader sees it."""
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001, S112 - see the docstring
            continue


@functools.cache  # one class for every kernel of the process
def quiet_kernel_manager():
    """A kernel manager class whose kernels print nothing to the runner's terminal but real errors.

    * It talks to the kernel over local (IPC) sockets: no TCP port is opened, so the kernel has
      no "running over TCP without encryption" warning to print (Windows has no IPC transport:
      there the default TCP manager is used).
    * It does not interrupt a finished notebook's kernel before shutting it down: jupyter_client
      does so by default, and an idle ipykernel answers with "KeyboardInterrupt caught in kernel".
    * It remembers the clients it hands out, so :func:`shutdown` can close their sockets.
    """
    from jupyter_client.manager import AsyncKernelManager

    class QuietKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs):
            if sys.platform != "win32":
                kwargs.setdefault("transport", "ipc")
            super().__init__(**kwargs)
            self.clients = []

        def client(self, **kwargs):
            made = super().client(**kwargs)
            self.clients.append(made)
            return made

        async def _async_interrupt_kernel(self) -> None:
            if not self.shutting_down:
                await super()._async_interrupt_kernel()

    return QuietKernelManager


def start(notebook: Path, cwd: Path):
    """Start a kernel for ``notebook`` in ``cwd`` and let it import the notebook's modules in the
    background; returns its kernel manager, for ``papermill.execute_notebook(km=...)``. The
    start does not wait for the kernel: the notebook's client does, when it connects."""
    from jupyter_core.utils import run_sync

    # A private folder per kernel for its connection file and IPC sockets: kernels started at
    # the same time never pick the same socket names, and no other user can reach them.
    folder = tempfile.mkdtemp(prefix=f"{FOLDER_PREFIX}{os.getpid()}-")
    manager = quiet_kernel_manager()(kernel_name=KERNEL_NAME, connection_file=str(Path(folder) / "kernel.json"))
    warm_up = f"__import__('helpers.kernels').kernels.warm({imported_modules(notebook)!r})"
    run_sync(manager.start_kernel)(
        cwd=str(cwd),
        # As nbclient starts kernels: no history file shared between kernels running at once.
        extra_arguments=["--HistoryManager.hist_file=:memory:", f"--IPKernelApp.exec_lines={warm_up}"])
    return manager


class Ahead:
    """Kernels for notebooks that run one after another, each started while the one before runs.

    ``kernel(notebook)`` returns the notebook's started kernel and starts the next notebook's;
    ``done(notebook)`` asks its kernel to exit without waiting; leaving the ``with`` block
    waits for every kernel to exit (killing any that takes longer than jupyter_client's
    shutdown wait) and removes their files, kernels started for notebooks that never ran too.
    """

    def __init__(self, notebooks_dir: Path, notebooks: list[str], cwd: Path):
        self.notebooks_dir, self.notebooks, self.cwd = Path(notebooks_dir), list(notebooks), Path(cwd)
        self.managers: dict[str, object] = {}

    def start(self, notebook: str):
        """Start ``notebook``'s kernel unless it is started; returns its kernel manager."""
        if notebook not in self.managers:
            self.managers[notebook] = start(self.notebooks_dir / notebook, self.cwd)
        return self.managers[notebook]

    def kernel(self, notebook: str):
        """``notebook``'s kernel, started now if need be; the next notebook's kernel starts too."""
        position = self.notebooks.index(notebook)
        for name in self.notebooks[position + 1:position + 2]:
            self.start(name)
        return self.start(notebook)

    def done(self, notebook: str) -> None:
        if notebook in self.managers:
            stop(self.managers[notebook])

    def __enter__(self) -> Ahead:
        sweep_stale_folders()
        return self

    def __exit__(self, error_type, *_) -> None:
        # After an error (a bad parameter, Ctrl-C) nobody waits for a polite exit.
        for manager in self.managers.values():
            reap(manager, now=error_type is not None)
        self.managers.clear()


def stop(manager) -> None:
    """Close the clients' sockets and ask the kernel to exit; returns without waiting."""
    from jupyter_core.utils import run_sync

    for client in manager.clients:
        client.stop_channels()
    manager.clients.clear()
    if not manager.shutting_down and run_sync(manager.is_alive)():
        manager.shutting_down = True
        run_sync(manager.request_shutdown)()


def reap(manager, now: bool = False) -> None:
    """Stop the kernel if that was not asked yet, wait for it to exit (killing it when it takes
    too long, or at once when ``now``) and remove its connection file, sockets and folder."""
    from jupyter_core.utils import run_sync

    if now and run_sync(manager.is_alive)():
        stop(manager)
        run_sync(manager.shutdown_kernel)(now=True)  # kills the process and cleans up its files
    else:
        stop(manager)
        if manager.has_kernel:
            run_sync(manager.finish_shutdown)()
        run_sync(manager.cleanup_resources)()
    shutil.rmtree(Path(manager.connection_file).parent, ignore_errors=True)


def sweep_stale_folders(parent: Path | None = None) -> list[Path]:
    """Remove the kernel folders of runs killed outright (SIGKILL leaves no time to clean up):
    this user's folders in ``parent`` (the temporary folder) whose runner process is gone.
    Links and other users' folders are left alone. Returns the folders removed."""
    if not hasattr(os, "getuid"):
        return []  # Windows: kernels there use TCP and their files are jupyter_client's
    removed = []
    for path in Path(parent or tempfile.gettempdir()).glob(FOLDER_PREFIX + "*"):
        pid = path.name.removeprefix(FOLDER_PREFIX).split("-", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid() or _alive(int(pid)):
            continue
        try:
            info = os.lstat(path)
        except OSError:
            continue
        if stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid():
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True
