"""Man pages from a swift-argument-parser binary's own help (`--experimental-dump-help`):
one page per command that has options (lashup.1, lashup-agent.1, lashup-kv-update.1, …).
Used by scripts/package; importable, no third-party modules."""

import json
import subprocess


def escape(text):
    """Text as roff reads it: backslashes doubled, a leading dot or quote made literal."""
    text = (text or "").replace("\\", "\\\\").replace("-", "\\-")
    return "\n".join(("\\&" + line) if line[:1] in (".", "'") else line for line in text.split("\n"))


def option_label(argument):
    names = []
    for name in argument.get("names", []):
        prefix = "--" if name["kind"] == "long" else "-"
        names.append(f"\\fB{prefix}{escape(name['name'])}\\fR")
    label = ", ".join(names) if names else f"\\fI{escape(argument.get('valueName', ''))}\\fR"
    if argument["kind"] == "option":
        label += f" \\fI{escape(argument.get('valueName', 'value'))}\\fR"
    return label


def page(command, path, version, date):
    name = "-".join(path)
    lines = [f'.TH "{name.upper()}" 1 "{date}" "lashup {version}" "Lashup manual"',
             ".SH NAME", f"{escape(name)} \\- {escape(command.get('abstract', ''))}",
             ".SH SYNOPSIS", f"\\fB{escape(' '.join(path))}\\fR" + (" \\fIsubcommand\\fR" if command.get("subcommands") else " [\\fIoptions\\fR]")]
    if command.get("discussion"):
        lines += [".SH DESCRIPTION", escape(command["discussion"])]
    visible = [argument for argument in command.get("arguments", []) if argument.get("shouldDisplay", True)]
    sections = {}
    for argument in visible:
        sections.setdefault(argument.get("sectionTitle") or ("ARGUMENTS" if argument["kind"] == "positional" else "OPTIONS"), []).append(argument)
    for title, arguments in sections.items():
        lines.append(f".SH {escape(title.upper())}")
        for argument in arguments:
            lines += [".TP", option_label(argument), escape(argument.get("abstract", ""))]
            if argument.get("discussion"):
                lines.append(escape(argument["discussion"] if isinstance(argument["discussion"], str) else ""))
    subcommands = [sub for sub in command.get("subcommands", []) if sub.get("shouldDisplay", True) and sub["commandName"] != "help"]
    if subcommands:
        lines.append(".SH SUBCOMMANDS")
        for sub in subcommands:
            lines += [".TP", f"\\fB{escape(sub['commandName'])}\\fR", escape(sub.get("abstract", ""))]
        lines += [".SH SEE ALSO", ", ".join(f"\\fB{escape('-'.join(path + [sub['commandName']]))}\\fR(1)" for sub in subcommands)]
    return name, "\n".join(lines) + "\n"


def pages(binary, date):
    """Every page of `binary`'s command tree: [(name, roff text)]."""
    dump = json.loads(subprocess.run([binary, "--experimental-dump-help"], check=True, capture_output=True, text=True).stdout)
    version = subprocess.run([binary, "--version"], check=True, capture_output=True, text=True).stdout.strip()
    result = []

    def walk(command, path):
        result.append(page(command, path, version, date))
        for sub in command.get("subcommands", []):
            if sub.get("shouldDisplay", True) and sub["commandName"] != "help":
                walk(sub, path + [sub["commandName"]])

    root = dump["command"]
    walk(root, [root["commandName"]])
    return result
