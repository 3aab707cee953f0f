"""click's own words in Chinese: usage lines, metavars, and the messages of its errors.

click looks every text it prints up through gettext (`_` and `ngettext`, imported into each of
its modules), so that is where a translation goes in: `install()` gives those modules a lookup in
MESSAGES. tests/test_cli_zh.py checks that every text translated here is still one click prints
(a click release that rewords one fails the test instead of showing English to a clerk), and that
help pages and usage errors hold no English words.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import click

# click's text -> ours. Placeholders ({name} ...) are kept: click formats the result.
MESSAGES: dict[str, str] = {
    "Usage:": "用法：",
    "Options": "选项",
    "Commands": "命令",
    "Positional arguments": "参数",
    "Show this message and exit.": "显示本帮助并退出。",
    "Show the version and exit.": "显示版本号并退出。",
    "Aborted!": "已取消。",
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "运行 {command} {option} 查看用法。",
    "Invalid value: {message}": "取值无效：{message}",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的取值无效：{message}",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing command.": "缺少命令。",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "Missing {param_type}": "缺少{param_type}",
    "No such command {name!r}.": "没有命令 {name!r}。",
    "No such option {name!r}.": "没有选项 {name!r}。",
    "Option {name!r} does not take a value.": "选项 {name!r} 后面不需要写值。",
    "Argument {name!r} takes {nargs} values.": "参数 {name!r} 需要 {nargs} 个值。",
    "Choose from:\n\t{choices}": "可选：\n\t{choices}",
    "Could not open file {filename!r}: {message}": "无法打开文件 {filename!r}：{message}",
    "default: {default}": "默认：{default}",
    "directory": "文件夹",
    "file": "文件",
    "path": "路径",
    "{name} {filename!r} does not exist.": "{name} {filename!r} 不存在。",
    "{name} {filename!r} is a directory.": "{name} {filename!r} 是文件夹，这里要的是文件。",
    "{name} {filename!r} is a file.": "{name} {filename!r} 是文件，这里要的是文件夹。",
    "{name} {filename!r} is not readable.": "{name} {filename!r} 无法读取（没有权限）。",
    "{name} {filename!r} is not writable.": "{name} {filename!r} 无法写入（没有权限）。",
    "{name} {filename!r} is not executable.": "{name} {filename!r} 不能执行。",
    "{value!r} is not a valid {number_type}.": "{value!r} 不是有效的{number_type}。",
    "{value} is not in the range {range}.": "{value} 不在 {range} 范围内。",
    "integer": "整数",
    "float": "数字",
    "unknown error": "未知错误",
    "Value must be an iterable.": "取值必须是一组值。",
    "required": "必填",
    "(dynamic)": "（运行时确定）",
    "env var: {var}": "环境变量：{var}",
    "deprecated": "已停用",
    "Do you want to continue?": "是否继续？",
    "{value!r} is not a valid boolean. Recognized values: {states}": "{value!r} 不是“是/否”，可写：{states}",
}

# click's plural texts (singular, plural) -> ours, which has one form.
PLURALS: dict[tuple[str, str], str] = {
    ("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})"): "多写了参数：{args}",
    ("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"): "（是否要写 {possibility}{possibilities}？）",
    ("Takes {nargs} values but 1 was given.", "Takes {nargs} values but {len} were given."): "需要 {nargs} 个值，只写了 {len} 个。",
    ("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments."): "选项 {name} 后面要写值。",
    ("{value!r} is not {choice}.", "{value!r} is not one of {choices}."): "{value!r} 不是可选的值（{choice}{choices}）。",
}

OPTIONS_METAVAR = "[选项]"
SUBCOMMAND_METAVAR = "命令 [参数]..."

# The metavar of a parameter's type, where click would print TEXT, INTEGER, FILE, DIRECTORY ...
_TYPE_METAVARS: dict[str, str] = {"text": "文字", "integer": "整数", "float": "数字", "boolean": "是/否"}

_MODULES = ("core", "types", "exceptions", "parser", "formatting", "decorators", "termui", "utils")


def gettext(message: str) -> str:
    return MESSAGES.get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    found = PLURALS.get((singular, plural))
    if found is not None:
        return found
    return singular if n == 1 else plural


def install() -> None:
    """Give click's modules our lookups in place of gettext's (idempotent)."""
    import importlib

    for name in _MODULES:
        try:
            module = importlib.import_module(f"click.{name}")
        except ImportError:
            continue
        if hasattr(module, "_"):
            module._ = gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext  # type: ignore[attr-defined]


def metavar(param: click.Parameter) -> str | None:
    """The Chinese metavar for a parameter whose own is click's English one, or None."""
    kind = param.type
    if isinstance(kind, click.Path):
        if kind.dir_okay and not kind.file_okay:
            return "文件夹"
        if kind.file_okay and not kind.dir_okay:
            return "文件"
        return "路径"
    if isinstance(kind, click.Choice):
        return None  # click lists the choices themselves
    return _TYPE_METAVARS.get(kind.name)


def localise(command: click.Command) -> None:
    """Chinese metavars for a command's options (arguments keep their names, e.g. PACK)."""
    command.options_metavar = OPTIONS_METAVAR
    for param in command.params:
        if isinstance(param, click.Option) and param.metavar is None and not param.is_flag:
            param.metavar = metavar(param)


# Names a clerk types or knows as they are: arguments' names, products, formats and standards.
ALLOWED_WORDS = frozenset({"PACK", "INBOX", "SUMMARY", "DIR", "ANNEX", "VERSION", "JSON", "TOML", "PDF", "CSV",
                           "Schema", "Excel", "WPS", "Word", "LibreOffice", "Python", "CEL", "SHA"})


def click_words() -> frozenset[str]:
    """The English words of click's own texts (those this module translates)."""
    texts = [*MESSAGES, *(t for pair in PLURALS for t in pair), "Options", "Usage", "COMMAND", "ARGS", "TEXT",
             "INTEGER", "FILE", "DIRECTORY", "PATH"]
    words = {w.lower() for t in texts for w in re.findall(r"[A-Za-z]{3,}", re.sub(r"\{[^}]*\}", " ", t))}
    return frozenset(words)


def english_words(text: str) -> list[str]:
    """Words a clerk would read as English in a text shown to them: any capitalised word that is
    not a name in ALLOWED_WORDS, and any word of click's own texts. Lower-case names (file
    formats, shenbao.toml keys, pack and annex ids) are what a clerk types, not English prose."""
    vocabulary = click_words()
    text = re.sub(r"(?<![\w-])-{1,2}[a-z][\w-]*", " ", text)  # options: --help, -o
    text = re.sub(r"'[^'\n]*'", " ", text)  # what the clerk typed, quoted back
    words = re.findall(r"\b[A-Za-z]{3,}\b", text)
    return [w for w in words if w not in ALLOWED_WORDS
            and ((w[0].isupper() and w.lower() != "shenbao") or w.lower() in vocabulary)]



def width_of(text: str) -> int:
    """Columns a text takes in a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 0 if unicodedata.combining(c) else 1
               for c in text)


_TOKEN = re.compile(r"[\x21-\x7e]+|\s+|.")  # an ASCII word stays whole; a Chinese line breaks anywhere
_NO_LINE_START = set("，。、；：！？）」』”’》〉】…%")


def _wide(char: str) -> bool:
    return bool(char) and unicodedata.east_asian_width(char) in "WF"


def join_lines(lines: list[str]) -> str:
    """Source lines of one paragraph as one text: no space where a Chinese sentence was only
    broken across lines, a space between words otherwise."""
    out = ""
    for line in (ln.strip() for ln in lines):
        if out and line:
            out += "" if _wide(out[-1]) and _wide(line[0]) else " "
        out += line
    return out


def fill(text: str, width: int, indent: str = "") -> list[str]:
    """`text` broken into lines of at most `width` columns (indent included), never inside an
    ASCII word, never with a closing mark such as ， or ） at the start of a line."""
    limit = max(width - width_of(indent), 10)
    lines: list[str] = []
    line, used = "", 0
    for token in _TOKEN.findall(text):
        size = width_of(token)
        if line and used + size > limit and not token.isspace() and token[0] not in _NO_LINE_START:
            lines.append(line.rstrip())
            line, used = "", 0
        if not line and token.isspace():
            continue
        line += token
        used += size
    if line.strip():
        lines.append(line.rstrip())
    return [indent + ln for ln in lines] or [indent]


def wrap_paragraphs(text: str, width: int, indent: str = "") -> str:
    """click's paragraph rules (a blank line between paragraphs; a paragraph starting with a
    \\b line is kept as written) with Chinese-aware joining and breaking."""
    out: list[str] = []
    for block in re.split(r"\n\s*\n", text.expandtabs().strip("\n")):
        lines = block.splitlines()
        if not lines:
            continue
        if lines[0].strip() == "\b":
            keep = lines[1:]
            lead = min((len(ln) - len(ln.lstrip()) for ln in keep if ln.strip()), default=0)
            out.append("\n".join(indent + ln[lead:] for ln in keep))
            continue
        extra = " " * (len(lines[0]) - len(lines[0].lstrip()))
        out.append("\n".join(fill(join_lines(lines), width, indent + extra)))
    return "\n\n".join(out)


class Formatter(click.HelpFormatter):
    """Help pages measured in terminal columns (a Chinese character takes two), so the option
    list lines up and a Chinese paragraph wraps at the right width."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, prefix=MESSAGES["Usage:"])

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{MESSAGES.get(heading, heading)}：\n")

    def write_text(self, text: str) -> None:
        self.write(wrap_paragraphs(text, self.width, " " * self.current_indent))
        self.write("\n")

    def write_dl(self, rows: Any, col_max: int = 30, col_spacing: int = 2) -> None:
        rows = list(rows)
        first_col = min(max((width_of(first) for first, _ in rows), default=0), col_max) + col_spacing
        for first, second in rows:
            self.write(f"{'':>{self.current_indent}}{first}")
            if not second:
                self.write("\n")
                continue
            if width_of(first) <= first_col - col_spacing:
                self.write(" " * (first_col - width_of(first)))
            else:
                self.write("\n" + " " * (first_col + self.current_indent))
            lines = fill(second, self.width - first_col - self.current_indent)
            self.write(lines[0] + "\n")
            for line in lines[1:]:
                self.write(f"{'':>{first_col + self.current_indent}}{line}\n")
