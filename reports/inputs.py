"""Why a path named on the command line is not a file to check (the engine reads regular files only)."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

# Why a path named on the command line is not a file to read: (code, zh, en).
_NOT_FOUND = ("not-found", "文件不存在：请检查路径。", "No such file: check the path.")
_LOOP = ("symlink-loop", "符号链接指向自身（循环）：请改用文件本身的路径。",
         "The symbolic link loops back on itself: name the file itself.")
_DENIED = ("permission-denied", "没有读取此文件的权限：请检查文件权限。",
           "You may not read this file: check its permissions.")


def os_problem(e: OSError) -> tuple[str, str, str]:
    if e.errno == errno.ELOOP:
        return _LOOP
    if e.errno in (errno.EACCES, errno.EPERM):
        return _DENIED
    if e.errno in (errno.ENOENT, errno.ENOTDIR):
        return _NOT_FOUND
    why = e.strerror or type(e).__name__
    return ("unreadable-file", f"无法读取文件（{why}）。", f"The file cannot be read ({why}).")


def input_problem(path: Path) -> tuple[str, str, str] | None:
    """Why `path` cannot be checked as a file, or None. Only regular files are read: a folder, a FIFO
    (which would wait for a writer forever) or a device such as /dev/zero (endless) is refused."""
    try:
        st = os.stat(path)
    except OSError as e:
        return os_problem(e)
    if stat.S_ISDIR(st.st_mode):
        return ("is-a-folder", "这是一个文件夹，不是文件：请指明其中的报告文件（nianbao ingest 可以读整个文件夹）。",
                "This is a folder, not a file: name the report files in it (nianbao ingest reads whole folders).")
    if not stat.S_ISREG(st.st_mode):
        return ("not-a-regular-file", "这不是普通文件（管道、设备等）：请先把内容存成文件再检查。",
                "This is not a regular file (a pipe, a device…): save the content to a file and check that.")
    if not os.access(path, os.R_OK):
        return _DENIED
    return None
